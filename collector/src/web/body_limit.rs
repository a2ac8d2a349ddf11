//! One body deadline and size cap for every route that reads a body outside the public API
//! (which reads its own, `web/api/body.rs`): the survey page's POST, the dashboard's
//! sign-in and sign-out, the management API. The request's body stream is wrapped: it fails
//! once the body grows past the cap or has not ended by the deadline, and the answer is then
//! `413 payload_too_large` or `408 body_timeout` — whatever the handler's extractor made of it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::{HttpMessage as _, HttpResponse, ResponseError as _, web};
use futures_util::StreamExt as _;

use crate::web::error::IngestError;

/// Largest body these routes read: a survey form with a 2 000-character comment, encoded.
pub const FORM_LIMIT: usize = 32 * 1024;

/// The deadline and cap, in the app data.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    pub deadline: Duration,
    pub limit: usize,
}

const FINE: u8 = 0;
const TOO_LARGE: u8 = 1;
const TOO_SLOW: u8 = 2;

/// The middleware (`from_fn`).
pub async fn bounded_body(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(limits) = req
        .app_data::<web::Data<BodyLimits>>()
        .map(|l| *l.get_ref())
    else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let verdict = Arc::new(AtomicU8::new(FINE));
    let deadline = tokio::time::Instant::now() + limits.deadline;
    let start = (req.take_payload(), 0usize, false, Arc::clone(&verdict));
    let bounded =
        futures_util::stream::unfold(start, move |(mut body, read, done, seen)| async move {
            if done {
                return None;
            }
            let next = match tokio::time::timeout_at(deadline, body.next()).await {
                Err(_) => {
                    seen.store(TOO_SLOW, Ordering::Relaxed);
                    Err(PayloadError::Io(std::io::ErrorKind::TimedOut.into()))
                }
                Ok(None) => return None,
                Ok(Some(Ok(bytes))) if read + bytes.len() > limits.limit => {
                    seen.store(TOO_LARGE, Ordering::Relaxed);
                    Err(PayloadError::Overflow)
                }
                Ok(Some(chunk)) => chunk,
            };
            let read = read + next.as_ref().map_or(0, |b| b.len());
            let done = next.is_err();
            Some((next, (body, read, done, seen)))
        });
    req.set_payload(Payload::Stream {
        payload: Box::pin(bounded),
    });
    let response = next.call(req).await?;
    let refusal = match verdict.load(Ordering::Relaxed) {
        TOO_LARGE => IngestError::PayloadTooLarge(limits.limit),
        TOO_SLOW => IngestError::BodyTimeout(limits.deadline.as_secs()),
        _ => return Ok(response.map_into_boxed_body()),
    };
    let answer: HttpResponse = refusal.error_response();
    Ok(response.into_response(answer).map_into_boxed_body())
}
