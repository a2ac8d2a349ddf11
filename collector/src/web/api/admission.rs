//! What every public write checks once its body has parsed: the site exists and the page's
//! origin belongs to it; then, once its attribution has been checked too, the site's quota.

use std::sync::Arc;

use actix_web::{HttpRequest, http::header};
use koe_shared::SiteKey;

use crate::sites::{Origin, Site};
use crate::storage::Storage;
use crate::web::error::IngestError;
use crate::web::state::AppState;

pub async fn admit_site<S: Storage>(
    state: &AppState<S>,
    req: &HttpRequest,
    key: &SiteKey,
) -> Result<Arc<Site>, IngestError> {
    let site = state
        .sites
        .find(&state.storage, key)
        .await?
        .ok_or(IngestError::UnknownSite)?;
    // Browsers send `Origin` with every cross-origin POST, including the `text/plain` ones that
    // skip the CORS preflight, so this is where a foreign page is stopped. Server-to-server
    // calls send none and are judged by their token alone.
    if let Some(raw) = req.headers().get(header::ORIGIN) {
        let origin = raw.to_str().ok().and_then(|o| Origin::parse(o).ok());
        // The collector's own pages (the hosted survey page) may use any site's widget: their
        // submissions carry the link's signed token.
        let own = crate::web::request::own_origins(state.public_url.as_deref(), req);
        if !origin.is_some_and(|o| site.allows_origin(&o) || own.contains(&o)) {
            return Err(IngestError::OriginNotAllowed);
        }
    }
    Ok(site)
}

/// Charges an admitted request to its site's quota — only once its origin and token have
/// passed, so forged traffic for a site never spends the site's quota (it spends its
/// client's refusal budget instead, `web/rate_limit.rs`).
pub async fn charge_site<S>(state: &AppState<S>, site: &Site) -> Result<(), IngestError> {
    match &state.site_limiter {
        Some(limiter) => limiter
            .check(site.id)
            .await
            .map_err(IngestError::RateLimited),
        None => Ok(()),
    }
}
