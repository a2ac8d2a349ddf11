//! The webhook admin API: added with an admin key (its secret shown once, never listed),
//! refused with a clear error for a bad condition, URL or format; listed, removed, audited; an
//! unhappy answer queues one alert per webhook, which an erasure deletes with the comment it
//! holds. Delivery itself is tested against a real receiver in `collector/tests/webhooks.rs`.
//! On SQLite and PostgreSQL.

use koe_collector::audit::Actor;
use koe_collector::sites::registration::create_api_key;
use koe_collector::storage::Role;
use koe_tests::{TestApp, TestBackend, on_both_backends};
use serde_json::{Value, json};

async fn webhooks_are_managed_with_an_admin_key_and_alerts_leave_with_an_erasure<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn_with(|s| {
        s.webhook_allow_private_networks = true;
        s.webhook_allow_http = true;
    })
    .await
    else {
        return;
    };
    let (_, admin) = create_api_key(&app.storage, &app.site.site, Role::Admin, Actor::Cli)
        .await
        .unwrap();
    let (_, read) = create_api_key(&app.storage, &app.site.site, Role::Read, Actor::Cli)
        .await
        .unwrap();
    let base = format!("/api/v1/sites/{}/webhooks", app.site.key());
    let add = |key: &str, body: Value| {
        app.client
            .post(app.url(&base))
            .bearer_auth(key)
            .json(&body)
            .send()
    };
    // The receiver is never reached here: port 9 (discard) on localhost.
    let hook = json!({ "url": "http://127.0.0.1:9/hook", "when": "csat <= 2 or resolved = false" });
    assert_eq!(add(&read, hook.clone()).await.unwrap().status(), 403);
    for (bad, why) in [
        (
            json!({ "url": "http://127.0.0.1:9/", "when": "csat<=9" }),
            "off the scale",
        ),
        (
            json!({ "url": "ftp://example.com/", "when": "csat<=2" }),
            "http or https",
        ),
        (
            json!({ "url": "http://127.0.0.1:9/", "when": "csat<=2", "format": "xml" }),
            "json or slack",
        ),
    ] {
        let refused = add(&admin, bad).await.unwrap();
        assert_eq!(refused.status(), 400);
        let body: Value = refused.json().await.unwrap();
        assert!(body["message"].as_str().unwrap().contains(why), "{body}");
    }
    let added = add(&admin, hook).await.unwrap();
    assert_eq!(added.status(), 201);
    let added: Value = added.json().await.unwrap();
    let secret = added["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(added["condition"], "csat<=2 or resolved=false");
    let listed = app.get_json(&base, &admin).await;
    assert_eq!(listed["webhooks"].as_array().unwrap().len(), 1);
    assert!(
        !listed.to_string().contains(&secret),
        "the secret is shown once"
    );

    let unhappy = json!({ "site": app.site.key(), "interaction": "chat-1", "csat": 1, "comment": "call me at 090" });
    assert_eq!(app.submit(&unhappy).await.status(), 201);
    let happy = json!({ "site": app.site.key(), "interaction": "chat-2", "csat": 5 });
    assert_eq!(app.submit(&happy).await.status(), 201);
    let deliveries = app.get_json(&format!("{base}/deliveries"), &admin).await;
    let rows = deliveries["deliveries"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{deliveries}");
    assert_eq!(rows[0]["interaction"], "chat-1");

    let erased = app
        .client
        .delete(app.url(&format!(
            "/api/v1/sites/{}/responses/chat-1",
            app.site.key()
        )))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status(), 200);
    let deliveries = app.get_json(&format!("{base}/deliveries"), &admin).await;
    assert_eq!(
        deliveries["deliveries"],
        json!([]),
        "the alert held the comment: it goes with the erasure"
    );

    let id = added["id"].as_i64().unwrap();
    let remove = |id: i64| {
        app.client
            .delete(app.url(&format!("{base}/{id}")))
            .bearer_auth(&admin)
            .send()
    };
    assert_eq!(remove(id).await.unwrap().status(), 204);
    assert_eq!(remove(id).await.unwrap().status(), 404);
    let audit = app.storage.audit_events(app.site.site.id).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert!(
        actions.contains(&"webhook_added") && actions.contains(&"webhook_removed"),
        "{actions:?}"
    );
    assert_eq!(
        app.submit(&json!({ "site": app.site.key(), "interaction": "chat-3", "csat": 1 }))
            .await
            .status(),
        201
    );
    let deliveries = app.get_json(&format!("{base}/deliveries"), &admin).await;
    assert_eq!(
        deliveries["deliveries"],
        json!([]),
        "a removed webhook alerts no more"
    );
}

async fn a_webhook_into_a_private_network_is_refused_by_default<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let (_, admin) = create_api_key(&app.storage, &app.site.site, Role::Admin, Actor::Cli)
        .await
        .unwrap();
    for url in [
        "http://127.0.0.1:8080/metrics",
        "http://[::1]/",
        "http://10.0.0.5/hook",
    ] {
        let refused = app
            .client
            .post(app.url(&format!("/api/v1/sites/{}/webhooks", app.site.key())))
            .bearer_auth(&admin)
            .json(&json!({ "url": url, "when": "csat<=2" }))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 400, "{url}");
        let body: Value = refused.json().await.unwrap();
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("private or local"),
            "{body}"
        );
    }
}

/// Alerts carry customers' comments: a plain-http receiver is refused unless the operator
/// allows it.
async fn a_plain_http_webhook_is_refused_unless_the_operator_allows_it<S: TestBackend>() {
    for allowed in [false, true] {
        let Some(app) = TestApp::<S>::spawn_with(|s| s.webhook_allow_http = allowed).await else {
            return;
        };
        let (_, admin) = create_api_key(&app.storage, &app.site.site, Role::Admin, Actor::Cli)
            .await
            .unwrap();
        let add = |url: &str| {
            app.client
                .post(app.url(&format!("/api/v1/sites/{}/webhooks", app.site.key())))
                .bearer_auth(&admin)
                .json(&json!({ "url": url, "when": "csat<=2" }))
                .send()
        };
        let plain = add("http://hooks.example.com/koe").await.unwrap();
        match allowed {
            false => {
                assert_eq!(plain.status(), 400);
                let body: Value = plain.json().await.unwrap();
                assert!(
                    body["message"].as_str().unwrap().contains("https://"),
                    "{body}"
                );
            }
            true => assert_eq!(plain.status(), 201),
        }
        let secure = add("https://hooks.example.com/koe").await.unwrap();
        assert_eq!(secure.status(), 201, "https is always allowed");
    }
}

/// The API's rotation: the new secret once, the old one's end of grace, audited; a grace over
/// a week, a mistyped body and another site's webhook are refused and change nothing.
async fn a_webhook_secret_is_rotated_with_an_admin_key<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let (_, admin) = create_api_key(&app.storage, &app.site.site, Role::Admin, Actor::Cli)
        .await
        .unwrap();
    let base = format!("/api/v1/sites/{}/webhooks", app.site.key());
    let added: Value = app
        .client
        .post(app.url(&base))
        .bearer_auth(&admin)
        .json(&json!({ "url": "https://hooks.example.com/koe", "when": "csat<=2" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = added["id"].as_i64().unwrap();
    let rotate = |id: i64, body: &'static str| {
        app.client
            .post(app.url(&format!("{base}/{id}/secret")))
            .bearer_auth(&admin)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    for (body, status, what) in [
        (r#"{"grace_hours": 200}"#, 400, "a grace over a week"),
        (
            r#"{"grace_hours": "soon"}"#,
            400,
            "a grace that is not a number",
        ),
        (r#"{"grace": 2}"#, 400, "an unknown field"),
    ] {
        assert_eq!(rotate(id, body).await.unwrap().status(), status, "{what}");
    }
    assert_eq!(rotate(id + 1, "").await.unwrap().status(), 404);
    let rotated = rotate(id, r#"{"grace_hours": 2}"#).await.unwrap();
    assert_eq!(rotated.status(), 200);
    let rotated: Value = rotated.json().await.unwrap();
    let secret = rotated["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_") && secret != added["secret"].as_str().unwrap());
    let until = rotated["previous_valid_until_ms"].as_i64().unwrap();
    let now = koe_collector::clock::now_ms();
    assert!(
        (now + 7_100_000..=now + 7_300_000).contains(&until),
        "{until}"
    );
    let again = rotate(id, "").await.unwrap();
    assert_eq!(again.status(), 400, "within the grace of the last rotation");
    let again: Value = again.json().await.unwrap();
    assert!(
        again["message"]
            .as_str()
            .unwrap()
            .contains("still signs until"),
        "{again}"
    );
    assert_eq!(
        rotate(id, r#"{"force": true}"#).await.unwrap().status(),
        200,
        "forced: the earlier grace ends"
    );
    let audit = app.storage.audit_events(app.site.site.id).await.unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "webhook_secret_rotated")
            .count(),
        2
    );
}

on_both_backends!(
    webhooks_are_managed_with_an_admin_key_and_alerts_leave_with_an_erasure,
    a_webhook_into_a_private_network_is_refused_by_default,
    a_plain_http_webhook_is_refused_unless_the_operator_allows_it,
    a_webhook_secret_is_rotated_with_an_admin_key
);
