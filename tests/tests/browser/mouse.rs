//! A customer answers with the mouse.

use crate::support::Scene;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answering_with_the_mouse_stores_one_response_with_every_answer() {
    let Some(scene) = Scene::start().await else {
        return;
    };
    scene.open_page("/shop", "", "", "<h1>Shop</h1>").await;
    scene.show("chat-mouse-1", "aiko").await;

    let b = &scene.browser;
    b.click(&b.find_in_widget(".koe-scale-csat [data-value='4']").await)
        .await;
    b.click(&b.find_in_widget(".koe-scale-nps [data-value='9']").await)
        .await;
    let comment = b.find_in_widget("textarea").await;
    b.type_into(&comment, "とても親切でした").await;
    b.click(&b.find_in_widget(".koe-primary").await).await;
    b.find_in_widget(".koe-thanks").await;

    let responses = scene
        .wait_for_response("the comment", |r| r.state.answers.comment.is_some())
        .await;
    assert_eq!(responses.len(), 1, "one response per interaction");
    let response = &responses[0];
    assert_eq!(response.interaction.as_str(), "chat-mouse-1");
    assert_eq!(response.state.answers.csat.map(u8::from), Some(4));
    assert_eq!(response.state.answers.nps.map(u8::from), Some(9));
    assert_eq!(
        response.state.answers.comment.as_ref().map(|c| c.as_str()),
        Some("とても親切でした")
    );
    assert!(
        response.state.attribution.verified,
        "attributed by the signed token"
    );
    let impressions = scene.app.impression_count(&scene.site).await;
    assert_eq!(impressions, 1, "the survey reported being shown");
}
