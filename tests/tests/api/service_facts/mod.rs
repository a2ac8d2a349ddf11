//! Interaction facts through the API (`PUT …/interactions/{interaction}`, the batch, volumes)
//! and the service KPIs and drivers they feed, on SQLite and PostgreSQL: `recording.rs`
//! (idempotence and per-field last write wins, refusals that name the field and store nothing,
//! the `write` role), `kpis.rs` (every KPI recomputed from the raw facts by an independent
//! calculation), `drivers.rs` (answers and facts joined in either order, erasure, a new time
//! zone, retention), `summaries.rs` (the summaries the largest reads come from agree with the
//! tables they summarise). The helpers every file shares are here.

mod drivers;
mod kpis;
mod recording;
mod summaries;

use koe_collector::audit::Actor;
use koe_collector::responses::{AnswerWrite, Answers, Attribution, Source};
use koe_collector::sites::registration::create_api_key;
use koe_collector::storage::Role;
use koe_shared::{AgentId, Channel, CsatScore, InteractionId, NpsScore};
use koe_tests::{TestApp, TestBackend};
use serde_json::Value;

async fn key<S: TestBackend>(app: &TestApp<S>, role: Role) -> String {
    create_api_key(&app.storage, &app.site.site, role, Actor::Cli)
        .await
        .expect("a key")
        .1
}

/// A call of the site's API with `key`: its status and JSON body (`null` when none).
async fn call<S: TestBackend>(
    app: &TestApp<S>,
    method: reqwest::Method,
    key: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut request = app
        .client
        .request(
            method,
            app.url(&format!("/api/v1/sites/{}{path}", app.site.key())),
        )
        .bearer_auth(key);
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.expect("the collector answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn put<S: TestBackend>(
    app: &TestApp<S>,
    key: &str,
    path: &str,
    body: &Value,
) -> (u16, Value) {
    call(app, reqwest::Method::PUT, key, path, Some(body)).await
}

async fn post<S: TestBackend>(
    app: &TestApp<S>,
    key: &str,
    path: &str,
    body: &Value,
) -> (u16, Value) {
    call(app, reqwest::Method::POST, key, path, Some(body)).await
}

async fn get<S: TestBackend>(app: &TestApp<S>, key: &str, path: &str) -> (u16, Value) {
    call(app, reqwest::Method::GET, key, path, None).await
}

fn error_code_of(body: &Value) -> &str {
    body["error"].as_str().unwrap_or_default()
}

fn close(got: &Value, expected: f64, what: &str) {
    let got = got.as_f64().unwrap_or_else(|| panic!("{what} is missing"));
    assert!(
        (got - expected).abs() <= 0.006,
        "{what}: got {got}, expected {expected}"
    );
}

fn answer<S: TestBackend>(app: &TestApp<S>, interaction: &str, csat: u8, nps: u8) -> AnswerWrite {
    AnswerWrite {
        site_id: app.site.site.id,
        interaction: InteractionId::try_from(interaction).unwrap(),
        attribution: Attribution {
            agent: Some(AgentId::try_from("aiko").unwrap()),
            channel: Some(Channel::Chat),
            ..Attribution::default()
        },
        answers: Answers {
            csat: Some(CsatScore::try_from(csat).unwrap()),
            nps: Some(NpsScore::try_from(nps).unwrap()),
            ..Answers::default()
        },
        day: app.site.site.today(),
        now_ms: koe_collector::clock::now_ms(),
        edit_window_ms: 86_400_000,
        source: Source::WIDGET,
    }
}

/// The drivers' band of a cut, as the API gives it.
fn band<'a>(drivers: &'a Value, cut: &str, band: &str) -> &'a Value {
    drivers["bands"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["cut"] == cut && b["band"] == band)
        .unwrap_or(&Value::Null)
}
