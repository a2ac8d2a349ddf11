//! Service facts at scale: their ingest over HTTP (`PUT …/interactions/{interaction}` with a
//! write key, one interaction each, at 16 and 256 connections, on both backends — every
//! acknowledged interaction looked up afterwards), and the service reports over interactions
//! bulk-loaded into SQLite (200 agents in 10 teams, 6 channels, 8 topics, 365 days).
//!
//! The bulk path writes raw `interactions` rows with one `INSERT … SELECT` over a generated
//! series and builds `service_rollups` and `service_drivers` with `GROUP BY`, the histogram's
//! buckets by the collector's own edges (`facts::frt::EDGES`). At the first size the rollups are
//! checked against the collector's own re-count (a change of crediting rule through the API
//! re-counts them from the stored facts), so the bulk path cannot drift from what live writes
//! produce.

mod bulk;
mod drift;
mod ingest;
mod timing;

use std::time::{Duration, Instant};

pub use ingest::{FactsIngest, ingest};

use crate::reports::ReportTiming;
use crate::target::Target;

/// Topics the bulk interactions are spread over.
pub const TOPICS: u64 = 8;
/// Connection counts facts are sent at.
pub const CONNECTIONS: [usize; 2] = [16, 256];

/// One size's service reports.
#[derive(Debug)]
pub struct FactsReports {
    pub interactions: u64,
    pub load_time: Duration,
    pub drift: Option<usize>,
    pub timings: Vec<ReportTiming>,
}

/// Reports at each size, bulk-loading the interactions between sizes.
pub async fn reports(
    koe: &std::path::Path,
    dir: &std::path::Path,
    sizes: &[u64],
) -> anyhow::Result<Vec<FactsReports>> {
    let target = Target::sqlite(dir, "service.db").await?;
    let today = target
        .site
        .timezone
        .local_day(koe_collector::clock::now_ms());
    let mut loaded = 0;
    let mut out = Vec::new();
    for (i, &size) in sizes.iter().enumerate() {
        eprintln!("service reports: bulk-loading to {size} interactions");
        let started = Instant::now();
        bulk::bulk_load(&target, &today, loaded, size).await?;
        let load_time = started.elapsed();
        loaded = size;
        let server = crate::process::Server::collector(koe, &target.url).await?;
        let timings = timing::time_reports(server.port, &target, &today).await?;
        // After the timing: the collector's re-count rebuilds the drivers from answers, and
        // these interactions have none (the next size's bulk load puts them back).
        let drift = match i {
            0 => Some(drift::drift(server.port, &target).await?),
            _ => None,
        };
        server.stop()?;
        for t in &timings {
            eprintln!(
                "  {size}: {} p50 {:.1} ms p99 {:.1} ms",
                t.name,
                t.p50.as_secs_f64() * 1000.0,
                t.p99.as_secs_f64() * 1000.0
            );
        }
        out.push(FactsReports {
            interactions: size,
            load_time,
            drift,
            timings,
        });
    }
    Ok(out)
}
