//! Answers given while the collector or its database is down wait in the browser and arrive
//! exactly once. (Refusals for good, which are not retried: `refusals.rs`.)

use std::time::{Duration, Instant};

use koe_tests::pg_cluster::collector_on_private_cluster;
use koe_tests::webdriver::Browser;
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
        "return (localStorage.getItem('koe:outbox:v1') || '[]') === '[]';",
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
        "return (localStorage.getItem('koe:outbox:v1') || '[]') === '[]';",
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

/// The collector's count of submissions it answered `503 unavailable`.
const UNAVAILABLE: &str = "koe_submissions_refused_total{code=\"unavailable\"}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_given_while_postgres_is_down_arrive_once_it_is_back_without_a_reload() {
    let Some(browser) = Browser::open().await else {
        return;
    };
    let Some((cluster, app)) = collector_on_private_cluster().await else {
        return;
    };
    let scene = Scene::around(app, browser, true).await;
    scene
        .open_page("/pg-outage", "", "", "<p>Chat ended.</p>")
        .await;
    scene.show("chat-pg-outage", "mei").await;
    let b = &scene.browser;
    let csat = b.find_in_widget(".koe-scale-csat [data-value='2']").await;
    b.wait_for(
        "the impression to be sent",
        "return (localStorage.getItem('koe:outbox:v1') || '[]') === '[]';",
    )
    .await;

    let refused_before = scene.app.metric(UNAVAILABLE).await;
    assert!(cluster.stop(), "PostgreSQL stops");
    b.click(&csat).await;
    b.click(&b.find_in_widget(".koe-scale-nps [data-value='9']").await)
        .await;
    let started = Instant::now();
    while scene.app.metric(UNAVAILABLE).await == refused_before {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the widget never reached the collector"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let waiting = b
        .script(
            "return JSON.parse(localStorage.getItem('koe:outbox:v1')).length;",
            json!([]),
        )
        .await;
    assert_eq!(waiting, 2, "both answers wait in the outbox after a 503");

    assert!(cluster.start(), "PostgreSQL starts again");
    let started = Instant::now();
    while b.script(QUEUE, json!([])).await != "[]" {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the outbox was never delivered"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    eprintln!(
        "delivered {:?} after PostgreSQL came back",
        started.elapsed()
    );
    let responses = scene.app.responses(&scene.site).await;
    assert_eq!(responses.len(), 1, "{responses:?}");
    assert_eq!(responses[0].state.answers.csat.map(u8::from), Some(2));
    assert_eq!(responses[0].state.answers.nps.map(u8::from), Some(9));
    assert!(scene.app.drift().await.is_empty(), "counted once");
}
