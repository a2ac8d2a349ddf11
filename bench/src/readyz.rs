//! `/readyz` traffic beside ingest: a load balancer (or anyone on the internet, when the
//! operations routes share the public listener) probing readiness 2 000 times a second must
//! not split SQLite's group commits. Measured as new responses at 256 connections with the
//! probes beside them, against the same run without.

use std::time::Duration;

use crate::ingest::{self, Run, Traffic};
use crate::load::{self, Load, Outcome, Request, Until};

/// Probing connections and the pause after each probe: about 2 000 probes a second.
const PROBERS: usize = 8;
const PROBE_PAUSE: Duration = Duration::from_millis(2);

/// New responses at 256 connections with readiness probes beside them: the ingest run and
/// the probes' own outcome.
pub async fn ingest_beside_probes(port: u16, site: &str, seconds: u64) -> (Run, Outcome) {
    let probes = Load {
        port,
        connections: PROBERS,
        until: Until::Elapsed(Duration::from_secs(seconds)),
        source: [127, 0, 0, 1],
        headers: String::new(),
        pause: PROBE_PAUSE,
    };
    let probing =
        tokio::spawn(async move { load::run(&probes, |_| vec![Request::get("/readyz")]).await });
    let run = ingest::measure(port, site, Traffic::Single, 256, seconds, "readyz-beside").await;
    let probed = probing.await.unwrap_or_default();
    (run, probed)
}
