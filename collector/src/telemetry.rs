//! Logging: `tracing` to stderr, filtered by `RUST_LOG` (default `info`), one line per request.

use std::io::IsTerminal as _;
use std::time::Instant;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber (once; later calls do nothing).
pub fn init(default_filter: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// Middleware (`from_fn`): logs method, path, status and duration of every request.
///
/// The path is the route's pattern where one matched (`/s/{token}`, not the token: a rating
/// link works for whoever holds it, so it must not end up in log files); otherwise the path
/// itself, cut at 200 bytes.
pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = match req.match_pattern() {
        Some(pattern) => pattern,
        None => req.path().chars().take(200).collect(),
    };
    let response = next.call(req).await;
    let status = match &response {
        Ok(r) => r.status().as_u16(),
        Err(e) => e.as_response_error().status_code().as_u16(),
    };
    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    tracing::info!(%method, %path, status, micros, "request");
    response
}
