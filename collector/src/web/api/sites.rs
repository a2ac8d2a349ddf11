//! `GET` / `PATCH /api/v1/sites/{site}` (admin): a site's settings, and changing its name,
//! origins, strict mode, low-n threshold, retention, sample, cooldown and time zone
//! (`sites::settings`). Changes land in the audit
//! trail as made by the calling key.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::caller::Caller;
use super::paths::SitePath;
use crate::sites::settings::{MAX_ORIGINS, SiteChangeError, SiteChanges, SiteView, update_site};
use crate::sites::{Origin, SiteTimeZone};
use crate::storage::Storage;
use crate::web::error::ManageError;
use crate::web::state::AppState;

#[utoipa::path(
    get,
    path = "/api/v1/sites/{site}",
    tag = "site",
    summary = "The site's settings",
    params(SitePath),
    responses((status = 200, description = "Everything but its secret.", body = SiteView)),
    security(("api_key" = ["admin"])),
)]
#[tracing::instrument(name = "api::show_site", skip_all)]
pub async fn show_site<S: Storage>(
    caller: Caller,
    _state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let site = &caller.site;
    Ok(HttpResponse::Ok().json(SiteView::from(site.as_ref())))
}

/// The settings to change; those left out stay as they are.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SitePatch {
    /// The site's name, as the dashboard shows it (at most 100 characters).
    #[schema(max_length = 100)]
    name: Option<String>,
    /// Origins to allow, e.g. `https://shop.example` (a site allows at most 50).
    #[serde(default)]
    #[schema(max_items = 50)]
    add_origins: Vec<String>,
    /// Origins to stop allowing (a site keeps at least one).
    #[serde(default)]
    remove_origins: Vec<String>,
    /// Accept attribution only through signed tokens.
    strict: Option<bool>,
    /// Rows with fewer answers are marked `low_n`.
    low_n_threshold: Option<u32>,
    /// Days raw responses are kept, from 91 to 36 500; 0 keeps everything.
    #[schema(maximum = 36_500)]
    retention_days: Option<u32>,
    /// Share of interactions surveyed, 0–100.
    #[schema(maximum = 100)]
    sample_percent: Option<u32>,
    /// Days a surveyed customer is not asked again, 0–365.
    #[schema(maximum = 365)]
    cooldown_days: Option<u32>,
    /// An IANA time zone, e.g. `Asia/Tokyo`; needs `rebuild_rollups`.
    timezone: Option<String>,
    /// Allows `timezone` to change, rebuilding the rollups in the new zone (once at a time, and
    /// once every 10 minutes per site).
    #[serde(default)]
    rebuild_rollups: bool,
}

#[utoipa::path(
    patch,
    path = "/api/v1/sites/{site}",
    tag = "site",
    summary = "Change the site's settings",
    description = "Recorded in the audit trail as made by the calling key. A new time zone \
        needs `rebuild_rollups: true`: every stored answer is then counted on its day in the \
        new zone. Only this site's writes pause meanwhile (refused with 503 and `Retry-After`); \
        a site is rebuilt once at a time (409 `rebuild_running`), and its keys may rebuild it \
        once every 10 minutes (429 `rate_limited` with `Retry-After`).",
    params(SitePath),
    request_body = SitePatch,
    responses(
        (status = 200, description = "The settings after the change.", body = SiteView),
        (status = 409, description = "A rebuild of this site's rollups is under way; nothing \
            was changed. `error`: `rebuild_running`."),
    ),
    security(("api_key" = ["admin"])),
)]
#[tracing::instrument(name = "api::update_site_settings", skip_all)]
pub async fn update_site_settings<S: Storage>(
    caller: Caller,
    body: web::Json<SitePatch>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let site = &caller.site;
    let body = body.into_inner();
    if body.add_origins.len() > MAX_ORIGINS {
        return Err(ManageError::BadParameter(format!(
            "add_origins takes at most {MAX_ORIGINS} origins"
        )));
    }
    let origins = |raw: Vec<String>| {
        raw.iter()
            .map(|o| Origin::parse(o).map_err(|e| ManageError::BadParameter(e.to_string())))
            .collect::<Result<Vec<_>, _>>()
    };
    let changes = SiteChanges {
        name: body.name,
        add_origins: origins(body.add_origins)?,
        remove_origins: origins(body.remove_origins)?,
        strict: body.strict,
        low_n_threshold: body.low_n_threshold,
        retention_days: body.retention_days,
        sample_percent: body.sample_percent,
        cooldown_days: body.cooldown_days,
        timezone: body
            .timezone
            .map(|z| SiteTimeZone::parse(&z).map_err(|e| ManageError::BadParameter(e.to_string())))
            .transpose()?,
        rebuild_rollups: body.rebuild_rollups,
    };
    let updated = update_site(&state.storage, site, changes, caller.actor())
        .await
        .map_err(|e| {
            let message = e.to_string();
            match e {
                SiteChangeError::Storage(e) => e.into(),
                SiteChangeError::RebuildRunning => ManageError::RebuildRunning(message),
                SiteChangeError::RebuildTooSoon(wait) => ManageError::RebuildTooSoon(message, wait),
                _ => ManageError::BadParameter(message),
            }
        })?;
    state.sites.reload(&state.storage).await?;
    Ok(HttpResponse::Ok().json(SiteView::from(&updated)))
}
