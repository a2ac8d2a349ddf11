//! Liveness and readiness, for load balancers and orchestrators. Readiness asks the database
//! at most once a second (`READINESS_TTL`): on SQLite a probe flushes the writer's pending
//! batch and takes the write lock, so a probe per request would let `/readyz` traffic split
//! group commits. With `admin_bind` set these routes and `/metrics` leave the public listener.

use std::future::Future;
use std::time::{Duration, Instant};

use actix_web::{HttpResponse, http::StatusCode, web};
use serde_json::json;
use tokio::sync::Mutex;

use crate::storage::Storage;
use crate::web::error::json_error;
use crate::web::state::AppState;

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

/// The process is up and serving HTTP.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// The process can reach its database.
pub async fn readyz<S: Storage>(state: web::Data<AppState<S>>) -> HttpResponse {
    let ready = state
        .readiness
        .check(|| async {
            match state.storage.ping().await {
                Ok(()) => true,
                Err(error) => {
                    tracing::warn!(error = %error, "not ready: the database does not answer");
                    false
                }
            }
        })
        .await;
    match ready {
        true => HttpResponse::Ok().json(json!({ "status": "ready" })),
        false => json_error(
            HttpResponse::build(StatusCode::SERVICE_UNAVAILABLE),
            "unavailable",
            "the database does not answer",
        ),
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
