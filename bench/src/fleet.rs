//! One collector against two on the same PostgreSQL, the same 256 connections of new answers
//! split evenly between them (what a load balancer does). On this 2-core machine the two share
//! the cores with PostgreSQL and the load generator, so no gain is expected here; the row is
//! the honest number, and docs/scaling.md says what separate machines would see.

use std::path::Path;

use crate::ingest::{self, Traffic};
use crate::process::Server;
use crate::target::Target;

#[derive(Debug)]
pub struct FleetRun {
    pub collectors: usize,
    pub per_second: f64,
    pub p99_ms: f64,
    pub not_ok: u64,
}

const CONNECTIONS: usize = 256;

async fn run(
    koe: &Path,
    target: &Target,
    collectors: usize,
    seconds: u64,
) -> anyhow::Result<FleetRun> {
    let mut servers = Vec::new();
    for _ in 0..collectors {
        servers.push(Server::collector(koe, &target.url).await?);
    }
    let tasks: Vec<_> = servers
        .iter()
        .enumerate()
        .map(|(i, server)| {
            let label = format!("fleet-{collectors}-{i}");
            let (port, site) = (server.port, target.site.key.as_str().to_owned());
            let connections = CONNECTIONS / collectors;
            tokio::spawn(async move {
                ingest::measure(port, &site, Traffic::Single, connections, seconds, &label).await
            })
        })
        .collect();
    let mut runs = Vec::new();
    for task in tasks {
        runs.push(task.await?);
    }
    for server in servers {
        server.stop()?;
    }
    let elapsed = runs
        .iter()
        .map(|r| r.outcome.elapsed.as_secs_f64())
        .fold(0.0, f64::max);
    let ok: u64 = runs.iter().map(|r| r.outcome.ok).sum();
    let mut latencies: Vec<_> = runs
        .iter()
        .flat_map(|r| r.outcome.latencies.clone())
        .collect();
    latencies.sort_unstable();
    let p99 = latencies
        .get(((latencies.len().max(1) - 1) as f64 * 0.99).round() as usize)
        .copied()
        .unwrap_or_default();
    Ok(FleetRun {
        collectors,
        per_second: ok as f64 / elapsed.max(f64::EPSILON),
        p99_ms: p99.as_secs_f64() * 1000.0,
        not_ok: runs
            .iter()
            .map(|r| r.outcome.failed + r.outcome.limited + r.outcome.unanswered)
            .sum(),
    })
}

/// One collector, then two, on a fresh PostgreSQL database; `None` without PostgreSQL.
pub async fn measure(
    koe: &Path,
    postgres: &str,
    seconds: u64,
) -> anyhow::Result<Option<Vec<FleetRun>>> {
    let Some(target) = Target::postgres(postgres).await? else {
        return Ok(None);
    };
    let mut rows = Vec::new();
    for collectors in [1, 2] {
        let row = run(koe, &target, collectors, seconds).await?;
        eprintln!(
            "  {collectors} collector(s): {:.0}/s p99 {:.1} ms",
            row.per_second, row.p99_ms
        );
        rows.push(row);
    }
    target.drop_database().await?;
    Ok(Some(rows))
}
