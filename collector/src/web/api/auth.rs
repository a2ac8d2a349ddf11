//! Who is calling the authenticated API: a Bearer API key, valid for one site. A key of one
//! site asking for another gets 404, exactly like a site that does not exist.

use std::sync::Arc;

use actix_web::{HttpRequest, http::header};
use koe_shared::SiteKey;

use crate::secrets;
use crate::sites::Site;
use crate::storage::{ApiKeyRecord, Role, Storage};
use crate::web::error::ManageError;
use crate::web::state::AppState;

/// Checks the request's key against the site in the path and the role the route needs.
pub async fn authorize<S: Storage>(
    state: &AppState<S>,
    req: &HttpRequest,
    site_key: &str,
    needed: Role,
) -> Result<(Arc<Site>, ApiKeyRecord), ManageError> {
    let key = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or(ManageError::Unauthorized)?;
    let record = state
        .storage
        .api_key_by_digest(&secrets::digest(key))
        .await?
        .ok_or(ManageError::Unauthorized)?;
    let site = site_for_key(state, &record, site_key).await?;
    state.note_key_use(&record).await;
    if needed == Role::Admin && record.role != Role::Admin {
        return Err(ManageError::Forbidden);
    }
    Ok((site, record))
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
