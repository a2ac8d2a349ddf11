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

/// A path no route matched, as logged: cut at 200 bytes, an integration's secret left out.
fn unmatched_path(path: &str) -> String {
    let mut segments = path.splitn(4, '/');
    match (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) {
        (Some(""), Some("integrations"), Some(kind), Some(_)) => {
            format!(
                "/integrations/{}/…",
                kind.chars().take(20).collect::<String>()
            )
        }
        _ => path.chars().take(200).collect(),
    }
}

/// Middleware (`from_fn`): logs method, path, status and duration of every request.
///
/// The path is the route's pattern where one matched (`/s/{token}`, not the token: a rating
/// link works for whoever holds it, so it must not end up in log files); otherwise the path
/// itself, cut at 200 bytes — but never what follows `/integrations/{kind}/` (an integration's
/// address is its credential, and a platform may add a slash or a segment to it).
pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = match req.match_pattern() {
        Some(pattern) => pattern,
        None => unmatched_path(req.path()),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_integrations_address_never_reaches_the_log() {
        assert_eq!(
            unmatched_path("/integrations/chatwoot/i_secret/"),
            "/integrations/chatwoot/…"
        );
        assert_eq!(
            unmatched_path("/integrations/line/i_secret/x"),
            "/integrations/line/…"
        );
        assert_eq!(unmatched_path("/nope"), "/nope");
        assert_eq!(unmatched_path(&"a".repeat(300)).len(), 200);
    }
}
