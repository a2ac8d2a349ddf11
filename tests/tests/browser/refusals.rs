//! What the page hears when the collector refuses: a survey whose impression is refused for
//! good (a strict site's page without a token, or with a `customer` its token does not sign) is
//! not shown, and `koe('on', 'error', …)` gets the interaction and the collector's own code; an
//! answer refused for good names its question and the collector's code.

use std::time::Duration;

use koe_tests::in_an_hour;
use serde_json::json;

use crate::support::Scene;

const WIDGET_SHOWN: &str = "return !!document.querySelector('[data-koe]');";
const QUEUE: &str = "return localStorage.getItem('koe:outbox:v1') || '[]';";
/// Keeps every `error` event's detail, and the last `prepared`.
const LISTEN: &str = "window.koeErrors = []; window.prepared = null;
    koe('on', 'error', function (e) { window.koeErrors.push(e); });
    koe('on', 'prepared', function (e) { window.prepared = e; });";

fn nth_error(n: usize) -> String {
    format!("return window.koeErrors[{n}] || null;")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_strict_site_without_a_token_shows_no_survey_and_tells_the_page_why() {
    let Some(scene) = Scene::start().await else {
        return;
    };
    scene
        .open_page("/no-token", "", "", "<p>Chat ended.</p>")
        .await;
    let b = &scene.browser;
    b.script(LISTEN, json!([])).await;

    b.script(
        "koe('show', { interaction: 'chat-unsigned', agent: 'ken', channel: 'chat' });",
        json!([]),
    )
    .await;
    let error = b
        .wait_for("the refusal to reach koe('on', 'error')", &nth_error(0))
        .await;
    assert_eq!(
        (error["code"].as_str(), error["interaction"].as_str()),
        (Some("token_required"), Some("chat-unsigned")),
        "{error}"
    );
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("token")),
        "the collector's sentence: {error}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        b.script(WIDGET_SHOWN, json!([])).await,
        false,
        "no survey whose answers would all be refused"
    );
    assert_eq!(
        b.script(QUEUE, json!([])).await,
        "[]",
        "nothing queued to be refused again"
    );
    assert_eq!(scene.app.impression_count(&scene.site).await, 0);

    // Asked ahead, the same: `prepared` says no and why, and the `show` after it fires `error`.
    b.script(
        "koe('prepare', { interaction: 'chat-unsigned-2' });",
        json!([]),
    )
    .await;
    let prepared = b
        .wait_for("the prepared event", "return window.prepared;")
        .await;
    assert_eq!(
        prepared,
        json!({ "interaction": "chat-unsigned-2", "show": false, "code": "token_required" })
    );
    b.script(
        "koe('show', { interaction: 'chat-unsigned-2' });",
        json!([]),
    )
    .await;
    let error = b.wait_for("the second refusal", &nth_error(1)).await;
    assert_eq!(
        (error["code"].as_str(), error["interaction"].as_str()),
        (Some("token_required"), Some("chat-unsigned-2")),
        "{error}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(b.script(WIDGET_SHOWN, json!([])).await, false);
}

/// The README's `customer` beside a token that does not sign it (what the token doc's signing
/// snippet made before it signed customers): refused on a strict site, so not shown, and the
/// page hears `unsigned_attribution`. The same call with a token signing the customer shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_the_token_does_not_sign_keeps_the_survey_off_a_strict_site() {
    let Some(scene) = Scene::start().await else {
        return;
    };
    scene
        .app
        .update_site(&scene.site, &json!({ "cooldown_days": 30 }))
        .await;
    scene
        .open_page("/unsigned-customer", "", "", "<p>Chat ended.</p>")
        .await;
    let b = &scene.browser;
    b.script(LISTEN, json!([])).await;
    let show =
        "koe('show', { interaction: arguments[0], token: arguments[1], customer: 'cus_8812' });";

    let unsigned = scene.site.token("chat-c1", None, None, in_an_hour());
    b.script(show, json!(["chat-c1", unsigned])).await;
    let error = b
        .wait_for("the refusal to reach koe('on', 'error')", &nth_error(0))
        .await;
    assert_eq!(
        (error["code"].as_str(), error["interaction"].as_str()),
        (Some("unsigned_attribution"), Some("chat-c1")),
        "{error}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(b.script(WIDGET_SHOWN, json!([])).await, false);
    assert_eq!(scene.app.impression_count(&scene.site).await, 0);

    let signed = scene.site.customer_token("chat-c2", "cus_8812");
    b.script(show, json!(["chat-c2", signed])).await;
    b.find_in_widget(".koe-scale-csat [data-value='4']").await;
    assert_eq!(
        b.script("return window.koeErrors.length;", json!([])).await,
        1,
        "no other refusal"
    );
    assert_eq!(scene.app.impression_count(&scene.site).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_refused_for_good_names_its_question_and_the_collectors_code() {
    let Some(scene) = Scene::start_with(false).await else {
        return;
    };
    // The interaction's response already names agent aiko: an unsigned answer naming ken
    // conflicts with it (409) — sending it again cannot help.
    let earlier = scene
        .app
        .submit(&json!({
            "site": scene.site.key(), "interaction": "chat-conflict", "agent": "aiko",
            "channel": "chat", "csat": 5,
        }))
        .await;
    assert_eq!(earlier.status(), 201);
    scene
        .open_page("/refused-answer", "", "", "<p>Chat ended.</p>")
        .await;
    let b = &scene.browser;
    b.script(LISTEN, json!([])).await;
    b.script(
        "koe('show', { interaction: 'chat-conflict', agent: 'ken', channel: 'chat' });",
        json!([]),
    )
    .await;
    b.click(&b.find_in_widget(".koe-scale-csat [data-value='2']").await)
        .await;

    let error = b
        .wait_for("the refusal to reach koe('on', 'error')", &nth_error(0))
        .await;
    assert_eq!(error["code"], "answer_refused", "as before: {error}");
    assert_eq!(error["interaction"], "chat-conflict", "{error}");
    assert_eq!(error["question"], "csat", "{error}");
    assert_eq!(error["reason"], "attribution_conflict", "{error}");
    assert_eq!(
        b.script(QUEUE, json!([])).await,
        "[]",
        "given up, not retried"
    );
    let responses = scene.app.responses(&scene.site).await;
    assert_eq!(
        responses[0].state.answers.csat.map(u8::from),
        Some(5),
        "the stored answer stands"
    );
}
