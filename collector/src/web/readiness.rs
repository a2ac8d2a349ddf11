//! The last readiness answer, shared by every `/readyz` call so the database is asked at most
//! once a second ([`READINESS_TTL`]; `web/health.rs` says why).

use std::future::Future;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

/// How long a readiness answer is reused.
pub const READINESS_TTL: Duration = Duration::from_secs(1);

/// The last readiness probe and when it ran. Callers that arrive while a probe runs wait for
/// it and share its answer.
#[derive(Debug, Default)]
pub struct Readiness(Mutex<Option<(Instant, bool)>>);

impl Readiness {
    /// Whether the database answers: the answer of the last second, else `probe`'s.
    pub async fn check<F: Future<Output = bool>>(&self, probe: impl FnOnce() -> F) -> bool {
        let mut last = self.0.lock().await;
        if let Some((at, ready)) = *last
            && at.elapsed() < READINESS_TTL
        {
            return ready;
        }
        let ready = probe().await;
        *last = Some((Instant::now(), ready));
        ready
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn a_burst_of_readiness_checks_probes_once() {
        let readiness = Readiness::default();
        let probes = AtomicUsize::new(0);
        for _ in 0..100 {
            let ready = readiness
                .check(|| async {
                    probes.fetch_add(1, Ordering::Relaxed);
                    true
                })
                .await;
            assert!(ready);
        }
        assert_eq!(probes.load(Ordering::Relaxed), 1);
    }
}
