//! Follow-ups: an unhappy answer opens one in its own transaction — once, however it arrives —
//! and an edit out of the condition withdraws it (`opening.rs`); people work it over the API and
//! an overdue one fires one webhook (`working.rs`); a recovery answer sits beside the original
//! and the numbers equal an independent count (`recovery.rs`); the pages
//! (`dashboard.rs`). On SQLite and PostgreSQL.

mod dashboard;
mod opening;
mod recovery;
mod working;

use koe_collector::audit::Actor;
use koe_collector::sites::registration::create_api_key;
use koe_collector::storage::Role;
use koe_tests::{TestApp, TestBackend};
use serde_json::{Value, json};

/// A key of `role` for the app's site.
async fn key<S: TestBackend>(app: &TestApp<S>, role: Role) -> String {
    create_api_key(&app.storage, &app.site.site, role, Actor::Cli)
        .await
        .unwrap()
        .1
}

/// Submits an answer to the app's site; its status.
async fn answer<S: TestBackend>(app: &TestApp<S>, interaction: &str, fields: Value) -> u16 {
    let mut body = json!({ "site": app.site.key(), "interaction": interaction });
    body.as_object_mut()
        .unwrap()
        .extend(fields.as_object().unwrap().clone());
    app.submit(&body).await.status().as_u16()
}

/// The site's follow-ups with `query` (e.g. `status=all`).
async fn followups<S: TestBackend>(app: &TestApp<S>, key: &str, query: &str) -> Vec<Value> {
    let path = format!("/api/v1/sites/{}/followups?{query}", app.site.key());
    app.get_json(&path, key).await["followups"]
        .as_array()
        .unwrap()
        .clone()
}

/// PATCHes follow-up `id`; status and body.
async fn patch<S: TestBackend>(app: &TestApp<S>, key: &str, id: i64, body: Value) -> (u16, Value) {
    let path = format!("/api/v1/sites/{}/followups/{id}", app.site.key());
    let response = app
        .client
        .patch(app.url(&path))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}
