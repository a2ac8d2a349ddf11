//! Who is calling the authenticated API, and whether they may: a Bearer API key, valid for one
//! site (401 without one; a key of one site asking for another gets 404, exactly like a site
//! that does not exist), and the role a resource needs (403).

use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage as _, HttpRequest, ResponseError as _, http::header, web};
use koe_shared::SiteKey;

use super::caller::Caller;
use super::paths::SitePath;
use crate::access;
use crate::sites::Site;
use crate::storage::{ApiKeyRecord, Role, Storage};
use crate::web::error::ManageError;
use crate::web::state::AppState;

/// Middleware of the authenticated API: before the route reads its parameters or body, the
/// request's key must be valid (401) and belong to the site in the path (404, exactly as for a
/// site that does not exist). What it found rides on the request as a [`Caller`] for
/// [`require_role`] and the handler.
pub async fn require_key<S: Storage>(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState<S>>>().cloned() else {
        return Err(actix_web::error::ErrorInternalServerError(
            "no state for the API",
        ));
    };
    // A site key that cannot be one names no site: 404, once the key is known valid.
    let site_key = req
        .match_info()
        .load::<SitePath>()
        .ok()
        .map(|path| path.site);
    let caller = async {
        let key = key_record(&state, req.request()).await?;
        // A valid key counts as used even when the call is then refused (404, 403).
        access::note_use(&state.storage, &key).await;
        let site_key = site_key.ok_or(ManageError::NotFound)?;
        let site = site_for_key(&state, &key, &site_key).await?;
        Ok::<_, ManageError>(Caller { key, site })
    };
    match caller.await {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            Ok(next.call(req).await?.map_into_boxed_body())
        }
        Err(refusal) => Ok(req.into_response(refusal.error_response())),
    }
}

/// Resource middleware: the key [`require_key`] found must have `needed`'s role (403) —
/// checked before the route reads its parameters or body, like the key itself.
pub async fn require_role(
    needed: Role,
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let role = req.extensions().get::<Caller>().map(|c| c.key.role);
    let refusal = match role {
        None => Some(ManageError::Unauthorized),
        Some(role) if !role.allows(needed) => Some(ManageError::Forbidden),
        Some(_) => None,
    };
    if let Some(refusal) = refusal {
        return Ok(req.into_response(refusal.error_response()));
    }
    next.call(req).await
}

/// The stored key the request's `Authorization: Bearer` names.
async fn key_record<S: Storage>(
    state: &AppState<S>,
    req: &HttpRequest,
) -> Result<ApiKeyRecord, ManageError> {
    let key = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or(ManageError::Unauthorized)?;
    access::key_presented(&state.storage, key)
        .await?
        .ok_or(ManageError::Unauthorized)
}

/// The site in the path, if the key belongs to it; 404 otherwise.
async fn site_for_key<S: Storage>(
    state: &AppState<S>,
    record: &ApiKeyRecord,
    site_key: &SiteKey,
) -> Result<Arc<Site>, ManageError> {
    state
        .sites
        .find(&state.storage, site_key)
        .await?
        .filter(|site| site.id == record.site_id)
        .ok_or(ManageError::NotFound)
}
