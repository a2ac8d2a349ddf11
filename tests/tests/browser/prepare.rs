//! `koe('prepare', {interaction})` while the chat runs: the survey is fetched and compiled and
//! the collector asked ahead, with nothing shown or counted; the `show` that follows puts the
//! survey on the page with no round trip in between (it is there after a few microtasks, where
//! an unprepared show still waits for the network), and the impression is counted behind it.

use std::time::{Duration, Instant};

use koe_shared::{AttributionClaims, CustomerId, InteractionId};
use koe_tests::in_an_hour;
use serde_json::{Value, json};

use crate::support::Scene;

/// Shows a survey and reports after how many microtasks its first button exists (`-1`: not
/// within 50, so something asynchronous — the network — sits on the path).
pub const SHOW_AND_COUNT_MICROTASKS: &str = r#"
    window.shownAfter = null;
    koe('show', { interaction: arguments[0] });
    var ticks = 0;
    (function tick() {
      var host = document.querySelector('[data-koe]');
      if (host && host.shadowRoot && host.shadowRoot.querySelector('button')) {
        window.shownAfter = ticks;
      } else if (++ticks < 50) {
        Promise.resolve().then(tick);
      } else {
        window.shownAfter = -1;
      }
    })();
"#;

async fn shown_after(scene: &Scene, interaction: &str) -> i64 {
    let b = &scene.browser;
    b.script(SHOW_AND_COUNT_MICROTASKS, json!([interaction]))
        .await;
    b.wait_for(
        "the microtask count",
        "return window.shownAfter !== null && String(window.shownAfter);",
    )
    .await
    .as_str()
    .and_then(|n| n.parse().ok())
    .expect("a count")
}

async fn prepare(scene: &Scene, interaction: &str) -> Value {
    let b = &scene.browser;
    b.script(
        "window.prepared = null; koe('on', 'prepared', function (d) { window.prepared = d; });\
         koe('prepare', { interaction: arguments[0] });",
        json!([interaction]),
    )
    .await;
    b.wait_for("the prepared event", "return window.prepared;")
        .await
}

async fn impressions_reach(scene: &Scene, expected: usize) {
    let started = Instant::now();
    while scene.app.impression_count(&scene.site).await != expected {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the impression count stays at {}, not {expected}",
            scene.app.impression_count(&scene.site).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prepared_survey_is_shown_with_no_round_trip_and_counted_once() {
    let Some(scene) = Scene::start_with(false).await else {
        return;
    };
    scene
        .open_page("/prepare", "", "", "<p>The chat is still going.</p>")
        .await;
    let b = &scene.browser;
    let prepared = prepare(&scene, "chat-p").await;
    assert_eq!(prepared, json!({ "interaction": "chat-p", "show": true }));
    let resources = b
        .script(
            "return performance.getEntriesByType('resource').map(function (e) { return e.name; });",
            json!([]),
        )
        .await;
    assert!(
        resources.to_string().contains(".wasm"),
        "prepare fetched the survey: {resources}"
    );
    assert_eq!(
        b.script("return !!document.querySelector('[data-koe]');", json!([]))
            .await,
        false,
        "prepare shows nothing"
    );
    assert_eq!(
        scene.app.impression_count(&scene.site).await,
        0,
        "prepare counts nothing"
    );

    let ticks = shown_after(&scene, "chat-p").await;
    assert!(ticks >= 0, "the prepared survey waited for the network");
    impressions_reach(&scene, 1).await;

    // The control: the same page, the survey compiled, but this interaction not prepared.
    b.script("koe('hide');", json!([])).await;
    assert_eq!(
        shown_after(&scene, "chat-q").await,
        -1,
        "an unprepared show asks the collector first"
    );
    b.find_in_widget(".koe-scale-csat [data-value='4']").await;
    impressions_reach(&scene, 2).await;

    // A second show of the prepared survey is as quick, and not counted again.
    b.script("koe('hide');", json!([])).await;
    assert!(shown_after(&scene, "chat-p").await >= 0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(scene.app.impression_count(&scene.site).await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_survey_prepared_as_declined_is_not_shown() {
    let Some(scene) = Scene::start_with(false).await else {
        return;
    };
    scene
        .app
        .update_site(&scene.site, &json!({ "sample_percent": 0 }))
        .await;
    scene
        .open_page(
            "/prepare-declined",
            "",
            "",
            "<p>The chat is still going.</p>",
        )
        .await;
    let b = &scene.browser;
    assert_eq!(
        prepare(&scene, "chat-x").await,
        json!({ "interaction": "chat-x", "show": false })
    );
    b.script(
        "window.declined = null; koe('on', 'declined', function (d) { window.declined = d; });\
         koe('show', { interaction: 'chat-x' });",
        json!([]),
    )
    .await;
    let declined = b
        .wait_for("the declined event", "return window.declined;")
        .await;
    assert_eq!(
        declined,
        json!({ "interaction": "chat-x", "reason": "sampled_out" })
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        b.script("return !!document.querySelector('[data-koe]');", json!([]))
            .await,
        false
    );
    assert_eq!(scene.app.impression_count(&scene.site).await, 0);
}

/// A verdict can go stale between `prepare` and `show`: here the customer is surveyed through
/// another interaction in between. The prepared survey appears at once, the impression behind
/// it is declined for the cooldown, and the survey is taken down with `declined` — the site's
/// cooldown holds, and no answer arrives without an impression.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prepared_survey_whose_customer_was_surveyed_since_is_taken_down() {
    let Some(scene) = Scene::start_with(false).await else {
        return;
    };
    scene
        .app
        .update_site(&scene.site, &json!({ "cooldown_days": 30 }))
        .await;
    let token = |interaction: &str| {
        scene.site.token_for(AttributionClaims {
            site: scene.site.site.key.clone(),
            interaction: InteractionId::try_from(interaction).unwrap(),
            agent: None,
            team: None,
            channel: None,
            expires_at: in_an_hour(),
            offer: None,
            customer: Some(CustomerId::try_from("alice").unwrap()),
        })
    };
    scene
        .open_page("/prepare-stale", "", "", "<p>The chat is still going.</p>")
        .await;
    let b = &scene.browser;
    b.script(
        "window.prepared = null; window.declined = null;\
         koe('on', 'prepared', function (d) { window.prepared = d; });\
         koe('on', 'declined', function (d) { window.declined = d; });\
         koe('prepare', { interaction: 'chat-s', token: arguments[0] });",
        json!([token("chat-s")]),
    )
    .await;
    let prepared = b
        .wait_for("the prepared event", "return window.prepared;")
        .await;
    assert_eq!(prepared["show"], true);
    // Meanwhile alice is surveyed elsewhere (an email link's page, another tab).
    let elsewhere = scene
        .app
        .post_json(
            "/api/v1/impressions",
            &json!({ "site": scene.site.key(), "interaction": "mail-1", "token": token("mail-1") }),
        )
        .await;
    assert_eq!(elsewhere.status(), 201);
    b.script(
        "koe('show', { interaction: 'chat-s', token: arguments[0] });",
        json!([token("chat-s")]),
    )
    .await;
    let declined = b
        .wait_for("the declined event", "return window.declined;")
        .await;
    assert_eq!(
        declined,
        json!({ "interaction": "chat-s", "reason": "cooldown" })
    );
    assert_eq!(
        b.script("return !!document.querySelector('[data-koe]');", json!([]))
            .await,
        false,
        "the survey is taken down"
    );
    assert_eq!(
        scene.app.impression_count(&scene.site).await,
        1,
        "only the email's"
    );
}
