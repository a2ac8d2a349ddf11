//! A body sent a byte at a time cannot hold a connection: after `body_timeout_secs` it is cut
//! off with `408 body_timeout` and nothing is stored; a slow but timely one is taken.

use std::time::Duration;

use koe_tests::raw_http::send_raw;
use koe_tests::{TestApp, TestBackend, on_both_backends};
use serde_json::{Value, json};

const JSON: &str = "application/json";

/// A valid submission's body sent in `pieces`, `pause` before each.
async fn trickle(url: &str, body: &str, pieces: usize, pause: Duration) -> (u16, Value, Duration) {
    let (status, answer, took) =
        send_raw(url, JSON, body.len(), body.as_bytes(), pieces, pause).await;
    (status, answer["error"].clone(), took)
}

async fn a_body_trickling_in_is_cut_off_at_the_deadline<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn_with(|s| s.body_timeout_secs = 1).await else {
        return;
    };
    let answer = |interaction: &str| {
        json!({ "site": app.site.key(), "interaction": interaction, "csat": 2 }).to_string()
    };
    let before = app.snapshot().await;
    let slowloris = answer("slowloris");
    let (status, error, took) = trickle(
        &app.url("/"),
        &slowloris,
        slowloris.len(),
        Duration::from_millis(100),
    )
    .await;
    assert_eq!((status, error), (408, json!("body_timeout")));
    assert!(
        took < Duration::from_secs(4),
        "cut off after {took:?}, not when the sender finished"
    );
    assert_eq!(app.snapshot().await, before, "nothing stored");

    let (status, _, _) = trickle(
        &app.url("/"),
        &answer("slow"),
        3,
        Duration::from_millis(150),
    )
    .await;
    assert_eq!(status, 201, "a slow but timely body is taken");
}

on_both_backends!(a_body_trickling_in_is_cut_off_at_the_deadline);
