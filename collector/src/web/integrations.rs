//! `POST /integrations/{kind}/{path}`: where a helpdesk or LINE sends its events. The path's
//! secret segment finds the integration (only its digest is stored); the body is read raw
//! (capped at [`MAX_BODY`] and deadlined like every other body) because signatures are over
//! its exact bytes. A refused signature answers 401 and costs the sender's refusal budget
//! (`rate_limit::per_ip`), never the site's quota.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::integrations::IntegrationKind;
use crate::integrations::chatwoot::receive::Signed;
use crate::integrations::generic::Presented;
use crate::integrations::receive::{Context, ReceiveError, open};
use crate::storage::Storage;
use crate::web::error::ManageError;
use crate::web::state::AppState;

/// The largest event accepted (a Chatwoot conversation carries its last message).
pub const MAX_BODY: usize = 1024 * 1024;

impl From<ReceiveError> for ManageError {
    fn from(error: ReceiveError) -> Self {
        match error {
            ReceiveError::NotFound => Self::Missing("no integration at this address".into()),
            ReceiveError::Paused => Self::IntegrationPaused,
            ReceiveError::Signature => Self::InvalidSignature,
            ReceiveError::Payload(message) => Self::InvalidPayload(message),
            ReceiveError::Facts(refused) => Self::InvalidFacts(refused),
            ReceiveError::Unsealable => {
                tracing::error!(
                    "an integration's credentials cannot be opened: was secrets_key changed?"
                );
                Self::Internal(crate::storage::StorageError::Corrupt(
                    "sealed credentials".into(),
                ))
            }
            ReceiveError::Storage(error) => error.into(),
        }
    }
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// One event from a platform.
#[tracing::instrument(name = "web::integration_event", skip_all)]
pub async fn receive<S: Storage>(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let (kind, secret_path) = path.into_inner();
    let kind: IntegrationKind = kind
        .parse()
        .map_err(|_| ManageError::Missing("no integration at this address".into()))?;
    let opened = open(&state.storage, &state.seal_key, kind, &secret_path).await?;
    let site = state
        .sites
        .find_by_id(&state.storage, opened.stored.site_id)
        .await?
        .ok_or_else(|| ManageError::Missing("no integration at this address".into()))?;
    // Links point at `public_url`, else where the admin reached the collector when adding the
    // integration: never at a header of this (the platform's) request.
    let base = state
        .public_url
        .clone()
        .unwrap_or_else(|| opened.stored.base_url.clone());
    let cx = Context {
        storage: &state.storage,
        site: &site,
        customer_key: &state.customer_key,
        base: &base,
        edit_window_ms: state.edit_window_ms,
        opened: &opened,
    };
    let answer = match kind {
        IntegrationKind::Chatwoot => {
            let signed = Signed {
                timestamp: header(&req, "x-chatwoot-timestamp"),
                signature: header(&req, "x-chatwoot-signature"),
            };
            let received =
                crate::integrations::chatwoot::receive::receive(cx, &body, signed).await?;
            json!({ "received": received })
        }
        IntegrationKind::Line => {
            let received = crate::integrations::line::receive::receive(
                cx,
                &body,
                header(&req, "x-line-signature"),
            )
            .await?;
            json!({ "received": received })
        }
        IntegrationKind::Generic => {
            let presented = Presented {
                timestamp: header(&req, "x-koe-timestamp"),
                signature: header(&req, "x-koe-signature"),
                authorization: header(&req, "authorization"),
            };
            let answer =
                crate::integrations::generic::receive::receive(cx, &body, presented).await?;
            serde_json::to_value(answer).unwrap_or_default()
        }
    };
    Ok(HttpResponse::Ok().json(answer))
}
