//! Who is calling the authenticated API: a Bearer API key, valid for one site. A key of one
//! site asking for another gets 404, exactly like a site that does not exist.

use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage as _, HttpRequest, ResponseError as _, http::header, web};
use koe_shared::SiteKey;

use crate::secrets;
use crate::sites::Site;
use crate::storage::{ApiKeyRecord, Role, Storage};
use crate::web::error::ManageError;
use crate::web::state::AppState;

/// Who is calling, as [`require_key`] found it: the key's record and the site in the path.
#[derive(Debug, Clone)]
struct Caller {
    record: ApiKeyRecord,
    site: Arc<Site>,
}

/// Middleware of the authenticated API: before the route reads its parameters or body, the
/// request's key must be valid (401) and belong to the site in the path (404, exactly as for a
/// site that does not exist). What it found rides on the request for [`require_role`] and
/// [`authorize`].
pub async fn require_key<S: Storage>(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState<S>>>().cloned() else {
        return Err(actix_web::error::ErrorInternalServerError(
            "no state for the API",
        ));
    };
    let site_key = req.match_info().get("site").unwrap_or_default().to_owned();
    let caller = async {
        let record = key_record(&state, req.request()).await?;
        // A valid key counts as used even when the call is then refused (404, 403).
        state.note_key_use(&record).await;
        let site = site_for_key(&state, &record, &site_key).await?;
        Ok::<_, ManageError>(Caller { record, site })
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
    let role = req.extensions().get::<Caller>().map(|c| c.record.role);
    let refusal = match role {
        None => Some(ManageError::Unauthorized),
        Some(role) if needed == Role::Admin && role != Role::Admin => Some(ManageError::Forbidden),
        Some(_) => None,
    };
    if let Some(refusal) = refusal {
        return Ok(req.into_response(refusal.error_response()));
    }
    next.call(req).await
}

/// Checks the request's key against the site in the path and the role the route needs (done
/// already by the middleware on the API's routes; repeated here for any other caller).
pub async fn authorize<S: Storage>(
    state: &AppState<S>,
    req: &HttpRequest,
    site_key: &str,
    needed: Role,
) -> Result<(Arc<Site>, ApiKeyRecord), ManageError> {
    let known = req.extensions().get::<Caller>().cloned();
    let (site, record) = match known {
        Some(Caller { record, site }) if site.key.as_str() == site_key => (site, record),
        _ => {
            let record = key_record(state, req).await?;
            state.note_key_use(&record).await;
            (site_for_key(state, &record, site_key).await?, record)
        }
    };
    if needed == Role::Admin && record.role != Role::Admin {
        return Err(ManageError::Forbidden);
    }
    Ok((site, record))
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
    state
        .storage
        .api_key_by_digest(&secrets::digest(key))
        .await?
        .ok_or(ManageError::Unauthorized)
}

/// The site in the path, if the key belongs to it; 404 otherwise.
pub async fn site_for_key<S: Storage>(
    state: &AppState<S>,
    record: &ApiKeyRecord,
    site_key: &str,
) -> Result<Arc<Site>, ManageError> {
    let key = SiteKey::try_from(site_key).map_err(|_| ManageError::NotFound)?;
    state
        .sites
        .find(&state.storage, &key)
        .await?
        .filter(|site| site.id == record.site_id)
        .ok_or(ManageError::NotFound)
}
