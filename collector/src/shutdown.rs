//! Graceful shutdown on SIGTERM / SIGINT: stop accepting connections, let every request in
//! flight finish (each is answered only after its commit), then stop the server.
//!
//! Koe handles the signals itself rather than leaving them to actix-server, whose own handling
//! stops its accept thread first: a worker that notices its connection channel closed before it
//! reads the stop message exits at once and drops the requests it is in the middle of (about one
//! run in three of `collector/tests/shutdown.rs`). Pausing keeps that channel open while the
//! requests in flight are waited for.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServerHandle, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use actix_web::web::Bytes;
use tokio::sync::watch;

/// Held by the application for as long as it runs. Background tasks (the site list's refresh,
/// webhook deliveries, retention) take a [`Stopping`] from it and end when it is dropped, so
/// they never need the web's state to know the application is gone.
#[derive(Debug)]
pub struct Running(watch::Sender<()>);

/// A background task's view of [`Running`]: resolves once the application is gone.
#[derive(Debug, Clone)]
pub struct Stopping(watch::Receiver<()>);

impl Running {
    pub fn new() -> Self {
        Self(watch::channel(()).0)
    }

    pub fn stopping(&self) -> Stopping {
        Stopping(self.0.subscribe())
    }
}

impl Default for Running {
    fn default() -> Self {
        Self::new()
    }
}

impl Stopping {
    /// Waits until the application is dropped (nothing is ever sent: only the drop ends it).
    pub async fn stopped(&mut self) {
        while self.0.changed().await.is_ok() {}
    }

    /// Runs `work` now and then every `period`, until the application is dropped (a run in
    /// progress finishes first).
    pub async fn every<F: Future<Output = ()>>(
        mut self,
        period: Duration,
        mut work: impl FnMut() -> F,
    ) {
        let mut ticks = tokio::time::interval(period);
        loop {
            tokio::select! {
                _ = self.stopped() => return,
                _ = ticks.tick() => work().await,
            }
        }
    }
}

/// How many requests are being handled right now.
#[derive(Debug, Clone, Default)]
pub struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    pub fn count(&self) -> usize {
        self.0.load(Ordering::Acquire)
    }
}

/// Decrements the count when the request is done, however it ends.
struct Handling(Arc<AtomicUsize>);

impl Drop for Handling {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that keeps its request counted until the body has been sent (or dropped).
struct Counted {
    body: BoxBody,
    _handling: Option<Handling>,
}

impl MessageBody for Counted {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.body).poll_next(cx)
    }
}

/// The middleware (`from_fn`) that counts a request from its head to the end of its response
/// body, its own body read included.
pub async fn count_in_flight(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let handling = req.app_data::<web::Data<InFlight>>().map(|in_flight| {
        in_flight.0.fetch_add(1, Ordering::AcqRel);
        Handling(Arc::clone(&in_flight.0))
    });
    let response = next.call(req).await?;
    Ok(response.map_body(|_, body| Counted {
        body: BoxBody::new(body),
        _handling: handling,
    }))
}

/// Waits for SIGTERM or SIGINT, then pauses accepting, waits up to `timeout` for the requests
/// in flight, and stops the server gracefully.
pub async fn on_signal(server: ServerHandle, in_flight: InFlight, timeout: Duration) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("could not listen for SIGTERM/SIGINT; stop the collector with SIGKILL");
        return;
    };
    let name = tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    };
    tracing::info!(
        signal = name,
        in_flight = in_flight.count(),
        "stopping: no new connections; finishing the requests in flight"
    );
    server.pause().await;
    let deadline = Instant::now() + timeout;
    while in_flight.count() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    if in_flight.count() > 0 {
        tracing::warn!(
            in_flight = in_flight.count(),
            "stopping with requests still in flight"
        );
    }
    // The last response bodies are written; give their connections a moment to flush them.
    tokio::time::sleep(Duration::from_millis(50)).await;
    server.stop(true).await;
}
