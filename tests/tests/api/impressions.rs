//! Impressions: counted once per interaction, in the same rollup rows as responses.

use koe_tests::{TestApp, TestBackend, error_code, on_both_backends};
use serde_json::{Value, json};

async fn an_impression_counts_once<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let body =
        json!({ "site": app.site.key(), "interaction": "c1", "agent": "ken", "channel": "chat" });
    let first = app.post_json("/api/v1/impressions", &body).await;
    assert_eq!(first.status(), 201);
    assert_eq!(first.json::<Value>().await.unwrap()["recorded"], true);
    let again = app.post_json("/api/v1/impressions", &body).await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<Value>().await.unwrap()["recorded"], false);

    assert_eq!(app.submit(&json!({ "site": app.site.key(), "interaction": "c1", "agent": "ken", "channel": "chat", "csat": 5 })).await.status(), 201);
    let rollups = app.rollups(&app.site).await;
    assert_eq!(rollups.len(), 1, "impression and response share the row");
    assert_eq!((rollups[0].1.impressions, rollups[0].1.responses), (1, 1));
    assert!(app.drift().await.is_empty());
}

async fn impressions_follow_the_same_rules<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let before = app.snapshot().await;
    let strict = json!({ "site": app.strict_site.key(), "interaction": "c1", "agent": "ken" });
    assert_eq!(
        error_code(app.post_json("/api/v1/impressions", &strict).await).await,
        "token_required"
    );
    let unknown = json!({ "site": "site_nobody", "interaction": "c1" });
    assert_eq!(
        error_code(app.post_json("/api/v1/impressions", &unknown).await).await,
        "unknown_site"
    );
    let extra = json!({ "site": app.site.key(), "interaction": "c1", "csat": 5 });
    assert_eq!(
        error_code(app.post_json("/api/v1/impressions", &extra).await).await,
        "unknown_field"
    );
    assert_eq!(app.snapshot().await, before);
}

/// `koe('prepare')` asks with `"peek": true`: the same verdict an impression would get (the
/// sample, a signed customer's cooldown, a reload shown again), and nothing recorded. An
/// unsigned customer's cooldown is never looked up, by a peek or by the show: either would be
/// an oracle of when that customer was last surveyed (a peek a free, traceless one).
async fn a_peek_answers_as_an_impression_would_and_records_nothing<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    app.update_site(&app.site, &json!({ "cooldown_days": 30 }))
        .await;
    let signed = |interaction: &str| app.site.customer_token(interaction, "alice");
    let ask = async |interaction: &str, peek: bool, token: Option<String>| {
        let mut body = json!({ "site": app.site.key(), "interaction": interaction, "customer": "alice", "peek": peek });
        if let Some(token) = token {
            body["token"] = json!(token);
        }
        let answer = app.post_json("/api/v1/impressions", &body).await;
        (
            answer.status().as_u16(),
            answer.json::<Value>().await.unwrap(),
        )
    };
    let shown = json!({ "show": true, "recorded": false });
    assert_eq!(
        ask("c1", true, Some(signed("c1"))).await,
        (200, shown.clone())
    );
    assert_eq!(
        app.impression_count(&app.site).await,
        0,
        "a peek records nothing"
    );
    assert_eq!(
        ask("c1", false, Some(signed("c1"))).await.0,
        201,
        "then the show is counted"
    );
    let before = app.snapshot().await;
    assert_eq!(
        ask("c2", true, Some(signed("c2"))).await,
        (
            200,
            json!({ "show": false, "recorded": false, "declined": "cooldown" })
        ),
        "alice was surveyed a moment ago"
    );
    assert_eq!(
        ask("c1", true, Some(signed("c1"))).await,
        (200, shown.clone()),
        "a reload of the survey she was shown"
    );
    assert_eq!(
        ask("c2", true, None).await,
        (200, shown),
        "unsigned, the peek does not say"
    );
    assert_eq!(app.snapshot().await, before, "peeks change nothing");
    assert_eq!(
        ask("c2", false, None).await,
        (201, json!({ "show": true, "recorded": true })),
        "unsigned, the show does not say either"
    );
}

on_both_backends!(
    an_impression_counts_once,
    impressions_follow_the_same_rules,
    a_peek_answers_as_an_impression_would_and_records_nothing,
);
