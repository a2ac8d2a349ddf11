//! Integrations, driven as their platforms drive them: the documented payloads (kept in
//! `tests/fixtures/chatwoot` and `tests/fixtures/line`) sent to the collector, and a local
//! HTTP server standing in for Chatwoot's and LINE's APIs (hosted services are unreachable
//! here). On SQLite and PostgreSQL.

mod chatwoot;
mod generic;
mod line;
mod manage;

use koe_collector::audit::Actor;
use koe_collector::sites::registration::create_api_key;
use koe_collector::storage::Role;
use koe_tests::{TestApp, TestBackend};
use serde_json::Value;

/// A collector whose integrations may call the local stand-in (loopback, plain http) and
/// whose outbox looks for due calls often.
async fn app<S: TestBackend>() -> Option<TestApp<S>> {
    TestApp::<S>::spawn_with(|s| {
        s.webhook_allow_private_networks = true;
        s.webhook_allow_http = true;
        s.webhook_poll_ms = 20;
    })
    .await
}

/// An admin key and a read key of the app's site.
async fn keys<S: TestBackend>(app: &TestApp<S>) -> (String, String) {
    let (_, admin) = create_api_key(&app.storage, &app.site.site, Role::Admin, Actor::Cli)
        .await
        .unwrap();
    let (_, read) = create_api_key(&app.storage, &app.site.site, Role::Read, Actor::Cli)
        .await
        .unwrap();
    (admin, read)
}

/// Connects an integration through the admin API; its answer (with `webhook_url`).
async fn add<S: TestBackend>(app: &TestApp<S>, admin: &str, body: Value) -> Value {
    let added = app
        .client
        .post(app.url(&format!("/api/v1/sites/{}/integrations", app.site.key())))
        .bearer_auth(admin)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201);
    added.json().await.unwrap()
}

/// A fixture's exact bytes.
fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!("{}/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The site's integration events, newest first.
async fn events<S: TestBackend>(app: &TestApp<S>, admin: &str) -> Vec<Value> {
    let path = format!("/api/v1/sites/{}/integrations/events", app.site.key());
    app.get_json(&path, admin).await["events"]
        .as_array()
        .unwrap()
        .clone()
}

/// Waits until the newest event is in `state` (the outbox works in the background).
async fn until_event<S: TestBackend>(app: &TestApp<S>, admin: &str, state: &str) -> Vec<Value> {
    let started = std::time::Instant::now();
    loop {
        let events = events(app, admin).await;
        if events.first().is_some_and(|e| e["state"] == state) {
            return events;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "no event became {state}: {events:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
