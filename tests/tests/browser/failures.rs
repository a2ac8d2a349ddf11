//! Answers given while the collector is down wait in the browser and arrive exactly once.

use std::time::Duration;

use serde_json::json;

use crate::support::Scene;

const QUEUE: &str = "return localStorage.getItem('koe:outbox:v1');";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_given_during_an_outage_arrives_once_after_a_reload() {
    let Some(mut scene) = Scene::start().await else {
        return;
    };
    scene
        .open_page("/outage", "", "", "<p>Chat ended.</p>")
        .await;
    scene.show("chat-outage-1", "ken").await;
    let b = &scene.browser;
    let option = b.find_in_widget(".koe-scale-csat [data-value='3']").await;
    // The impression is delivered while the collector is up.
    b.wait_for(
        "the impression to be sent",
        "return localStorage.getItem('koe:outbox:v1') === '[]';",
    )
    .await;

    scene.app.stop().await;
    b.click(&option).await;
    b.wait_for(
        "the answer to wait in the outbox",
        "return JSON.parse(localStorage.getItem('koe:outbox:v1')).some(function (e) { return e.b.indexOf('\"csat\":3') > 0; });",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        scene.app.responses(&scene.site).await.is_empty(),
        "nothing reached the stopped collector"
    );

    scene.app.start_again().await;
    b.refresh().await;
    b.wait_for(
        "the outbox to empty",
        "return localStorage.getItem('koe:outbox:v1') === '[]';",
    )
    .await;
    let responses = scene
        .wait_for_response("CSAT 3", |r| r.state.answers.csat.map(u8::from) == Some(3))
        .await;
    assert_eq!(responses.len(), 1);
    assert!(
        scene.app.drift().await.is_empty(),
        "counted once in the rollups"
    );

    // The interaction was answered in this browser: showing it again shows nothing.
    scene.show("chat-outage-1", "ken").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        b.script("return !!document.querySelector('[data-koe]');", json!([]))
            .await,
        false
    );
    assert_eq!(b.script(QUEUE, json!([])).await, "[]");
}
