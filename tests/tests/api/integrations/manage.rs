//! Managing integrations: only an admin key connects one; credentials are never listed; a
//! paused integration refuses its events (409) and a removed one answers 404; every change is
//! in the audit trail; a bad setting is refused with a clear message and stores nothing.

use koe_tests::{TestApp, TestBackend, on_both_backends};
use serde_json::json;

use super::{add, app, keys};

async fn integrations_are_listed_paused_removed_and_audited<S: TestBackend>() {
    let Some(app) = app::<S>().await else {
        return;
    };
    let (admin, read) = keys(&app).await;
    let base = format!("/api/v1/sites/{}/integrations", app.site.key());
    let line = json!({
        "settings": { "kind": "line", "ask_resolved": false, "api_base": "http://127.0.0.1:9" },
        "credentials": { "kind": "line", "channel_secret": "channel-secret-1", "access_token": "token-1" },
    });
    let by_reader = app
        .client
        .post(app.url(&base))
        .bearer_auth(&read)
        .json(&line)
        .send()
        .await
        .unwrap();
    assert_eq!(by_reader.status(), 403);
    for (bad, why) in [
        (
            json!({ "settings": { "kind": "chatwoot", "url": "ftp://x", "account_id": 1, "locale": "en" }, "credentials": { "kind": "chatwoot", "api_token": "t" } }),
            "http or https",
        ),
        (
            json!({ "settings": { "kind": "chatwoot", "url": "https://chat.example", "account_id": 1, "locale": "en" }, "credentials": { "kind": "chatwoot", "api_token": "" } }),
            "api_token",
        ),
        (
            json!({ "settings": { "kind": "generic", "mapping": { "interaction": "ticket.id" }, "respond": "links", "auth": "hmac" } }),
            "JSON Pointer",
        ),
        (
            json!({ "settings": { "kind": "line", "ask_resolved": false, "api_base": "https://api.line.me" }, "credentials": { "kind": "generic", "secret": "x" } }),
            "another kind",
        ),
    ] {
        let refused = app
            .client
            .post(app.url(&base))
            .bearer_auth(&admin)
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 400, "{bad}");
        let body: serde_json::Value = refused.json().await.unwrap();
        assert!(body["message"].as_str().unwrap().contains(why), "{body}");
    }
    let added = add(&app, &admin, line).await;
    let (id, hook) = (
        added["id"].as_i64().unwrap(),
        added["webhook_url"].as_str().unwrap().to_owned(),
    );
    let listed = app.get_json(&base, &admin).await;
    let text = listed.to_string();
    assert!(
        !text.contains("channel-secret-1") && !text.contains("token-1"),
        "{text}"
    );
    assert!(
        !text.contains(hook.rsplit('/').next().unwrap()),
        "the address is shown once"
    );
    assert_eq!(listed["integrations"][0]["paused"], false);

    let item = format!("{base}/{id}");
    let paused = app
        .client
        .patch(app.url(&item))
        .bearer_auth(&admin)
        .json(&json!({ "paused": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(paused.status(), 204);
    let event = app
        .client
        .post(&hook)
        .header("x-line-signature", "x")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(event.status(), 409);
    let removed = app
        .client
        .delete(app.url(&item))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 204);
    let event = app
        .client
        .post(&hook)
        .header("x-line-signature", "x")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(event.status(), 404);
    let unknown = app
        .client
        .post(app.url("/integrations/line/i_made_up"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);

    let audit = app.storage.audit_events(app.site.site.id).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    for action in [
        "integration_added",
        "integration_paused",
        "integration_removed",
    ] {
        assert!(actions.contains(&action), "{actions:?}");
    }
}

async fn forged_events_spend_the_senders_refusal_budget_and_bodies_are_capped<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn_with(|s| {
        s.webhook_allow_private_networks = true;
        s.webhook_allow_http = true;
        s.rate_limit_enabled = true;
        s.rate_limit_refused_per_minute = 3;
    })
    .await
    else {
        return;
    };
    let (admin, _) = keys(&app).await;
    let added = add(
        &app,
        &admin,
        json!({
            "settings": { "kind": "line", "ask_resolved": false, "api_base": "http://127.0.0.1:9" },
            "credentials": { "kind": "line", "channel_secret": "channel-secret-1", "access_token": "token-1" },
        }),
    )
    .await;
    let hook = added["webhook_url"].as_str().unwrap().to_owned();
    // Its head alone, on its own socket: the collector answers 413 without reading the body,
    // then closes it (a client still writing the body could meet the closed socket instead).
    let path = &hook[hook.find("/integrations/").expect("an inbound path")..];
    let (status, _, _) = koe_tests::raw_http::send_raw_with(
        &app.address,
        path,
        &[("x-line-signature", "x")],
        "application/json",
        koe_collector::web::integrations::MAX_BODY + 1,
        b"",
        0,
        std::time::Duration::ZERO,
    )
    .await;
    assert_eq!(status, 413, "capped like every other body");
    let once = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let forged = once
            .post(&hook)
            .header("x-line-signature", "Zm9yZ2Vk")
            .body(r#"{"events":[]}"#)
            .send()
            .await
            .unwrap();
        statuses.push(forged.status().as_u16());
    }
    assert_eq!(
        statuses,
        [401, 401, 401, 429],
        "the oversized body and two forgeries spend a budget of three; the next refusal blocks \
         the sender"
    );
}

on_both_backends!(
    integrations_are_listed_paused_removed_and_audited,
    forged_events_spend_the_senders_refusal_budget_and_bodies_are_capped,
);
