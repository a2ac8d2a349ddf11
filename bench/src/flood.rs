//! A flood from one address against the collector's default limits: the flooder must get
//! 429s while another client's latency stays close to what it was alone.

use std::time::Duration;

use crate::ingest::Traffic;
use crate::load::{self, Load, Outcome, Until};

#[derive(Debug)]
pub struct Flood {
    /// The quiet client alone, then during the flood.
    pub alone: Outcome,
    pub during: Outcome,
    pub flooder: Outcome,
}

const QUIET: [u8; 4] = [127, 0, 0, 2];
/// 10 submissions/s: the default per-IP rate (600/min), which its burst of 120 covers for
/// both runs; twice the samples of one every 200 ms, so the p99 is not simply the slowest one.
pub const QUIET_PAUSE: Duration = Duration::from_millis(100);
/// Enough to keep the collector's 429 path busy without the generator taking both cores.
pub const FLOOD_CONNECTIONS: usize = 8;
const FLOODER: [u8; 4] = [127, 0, 0, 1];

/// The quiet client sends one submission every `QUIET_PAUSE`.
async fn quiet(port: u16, site: &str, run: &str, seconds: u64) -> Outcome {
    let load = Load {
        port,
        connections: 1,
        until: Until::Elapsed(Duration::from_secs(seconds)),
        source: QUIET,
        headers: String::new(),
        pause: QUIET_PAUSE,
    };
    let (site, run) = (site.to_owned(), run.to_owned());
    load::run(&load, move |n| Traffic::Single.script(&site, &run, n)).await
}

pub async fn measure(port: u16, site: &str, seconds: u64) -> Flood {
    let alone = quiet(port, site, "quiet-alone", seconds).await;
    let flood = Load {
        port,
        connections: FLOOD_CONNECTIONS,
        until: Until::Elapsed(Duration::from_secs(seconds)),
        source: FLOODER,
        headers: String::new(),
        pause: Duration::ZERO,
    };
    let flood_site = site.to_owned();
    let flooder = tokio::spawn(async move {
        load::run(&flood, move |n| {
            Traffic::Single.script(&flood_site, "flood", n)
        })
        .await
    });
    let during = quiet(port, site, "quiet-during", seconds).await;
    Flood {
        alone,
        during,
        flooder: flooder.await.unwrap_or_default(),
    }
}
