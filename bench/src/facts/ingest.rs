//! Facts over HTTP: one `PUT …/interactions/{id}` per interaction at each connection count,
//! every acknowledged interaction looked up afterwards.

use std::time::Duration;

use super::{CONNECTIONS, TOPICS};
use crate::bulk_load::{AGENTS, TEAMS};
use crate::load::{self, Load, Outcome, Request, Until};
use crate::target::Target;

/// Facts ingest on one backend.
#[derive(Debug)]
pub struct FactsIngest {
    pub backend: &'static str,
    pub runs: Vec<(usize, Outcome)>,
    pub acknowledged: u64,
    /// Acknowledged interactions whose facts are not stored.
    pub missing: u64,
}

/// The PUT of interaction `n` of run `run`.
fn script(site: &str, run: &str, n: u64) -> Vec<Request> {
    let minute = n % 50;
    let body = format!(
        r#"{{"channel":"chat","team":"team-{}","topic":"topic-{}","customer":"c-{n}","opened_at":"2026-11-30T10:00:00Z","first_response_at":"2026-11-30T10:{minute:02}:00Z","resolved_at":"2026-11-30T12:00:00Z","contacts":{},"reopened":0,"handled_by":"human","agents":[{{"agent":"agent-{:03}"}}]}}"#,
        n % TEAMS,
        n % TOPICS,
        1 + n % 3,
        n % AGENTS
    );
    vec![Request::put_json(
        &format!("/api/v1/sites/{site}/interactions/{run}-{n}"),
        body,
    )]
}

/// Facts at each connection count against one backend's collector on `port`.
pub async fn ingest(port: u16, target: &Target, seconds: u64) -> anyhow::Result<FactsIngest> {
    let key = target.key(koe_collector::storage::Role::Write).await?;
    let mut runs = Vec::new();
    let mut acknowledged = Vec::new();
    for connections in CONNECTIONS {
        let label = format!("facts-{}-{connections}", target.name.to_lowercase());
        let load = Load {
            port,
            connections,
            until: Until::Elapsed(Duration::from_secs(seconds)),
            source: [127, 0, 0, 1],
            headers: format!("Authorization: Bearer {key}\r\n"),
            pause: Duration::ZERO,
        };
        let (site, run) = (target.site.key.to_string(), label.clone());
        let outcome = load::run(&load, move |n| script(&site, &run, n)).await;
        eprintln!(
            "  facts at {connections}: {:.0}/s p99 {:.1} ms ({} not 2xx)",
            outcome.per_second(),
            outcome.percentile(0.99).as_secs_f64() * 1000.0,
            outcome.failed + outcome.limited + outcome.unanswered
        );
        acknowledged.extend(outcome.acknowledged.iter().map(|n| format!("{label}-{n}")));
        runs.push((connections, outcome));
    }
    let stored = target.stored_interactions().await?;
    let missing = acknowledged.iter().filter(|i| !stored.contains(*i)).count() as u64;
    Ok(FactsIngest {
        backend: target.name,
        runs,
        acknowledged: acknowledged.len() as u64,
        missing,
    })
}
