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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_help_article_asks_whether_it_answered_the_question() {
    let Some(scene) = Scene::start_with(false).await else {
        return;
    };
    scene
        .open_page(
            "/help/reset-password",
            "data-target=\"#feedback\"",
            "",
            "<article>Reset it here.</article><div id='feedback'></div>",
        )
        .await;
    let b = &scene.browser;
    b.script(
        "koe('show', { mode: 'article', article: 'reset-password' });",
        serde_json::json!([]),
    )
    .await;
    let inline = b
        .wait_for(
            "the survey inside the target",
            "var h = document.querySelector('#feedback [data-koe]'); return h && h.className;",
        )
        .await;
    assert_eq!(inline, "koe-inline");
    let question = b
        .script("return document.querySelector('[data-koe]').shadowRoot.querySelector('#koe-question').textContent;", serde_json::json!([]))
        .await;
    assert_eq!(question, "Did this answer your question?");
    b.click(
        &b.find_in_widget(".koe-scale-article [data-value='1']")
            .await,
    )
    .await;

    let responses = scene
        .wait_for_response("the article answer", |r| r.state.answers.resolved.is_some())
        .await;
    let response = &responses[0];
    assert!(
        response
            .interaction
            .as_str()
            .starts_with("article:reset-password:"),
        "{:?}",
        response.interaction
    );
    assert_eq!(
        response.state.answers.resolved,
        Some(koe_shared::Resolved::Yes)
    );
    assert_eq!(
        response.state.attribution.channel,
        Some(koe_shared::Channel::HelpCenter)
    );
}
