//! `GET` / `PATCH /api/v1/sites/{site}` (admin): a site's settings, and changing its name,
//! origins, strict mode and low-n threshold (`sites::settings`). Changes land in the audit
//! trail as made by the calling key.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::auth::authorize;
use crate::audit::Actor;
use crate::sites::settings::{SiteChangeError, SiteChanges, SiteView, update_site};
use crate::sites::{Origin, SiteTimeZone};
use crate::storage::{Role, Storage};
use crate::web::error::ManageError;
use crate::web::state::AppState;

pub async fn show_site<S: Storage>(
    req: HttpRequest,
    site: web::Path<String>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let (site, _) = authorize(&state, &req, &site, Role::Admin).await?;
    Ok(HttpResponse::Ok().json(SiteView::from(site.as_ref())))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SitePatch {
    name: Option<String>,
    #[serde(default)]
    add_origins: Vec<String>,
    #[serde(default)]
    remove_origins: Vec<String>,
    strict: Option<bool>,
    low_n_threshold: Option<u32>,
    /// Days raw responses are kept; 0 keeps everything.
    retention_days: Option<u32>,
    /// Share of interactions surveyed, 0–100.
    sample_percent: Option<u32>,
    /// Days a surveyed customer is not asked again, 0–365.
    cooldown_days: Option<u32>,
    timezone: Option<String>,
    /// Allows `timezone` to change, rebuilding the rollups in the new zone.
    #[serde(default)]
    rebuild_rollups: bool,
}

pub async fn update_site_settings<S: Storage>(
    req: HttpRequest,
    site: web::Path<String>,
    body: web::Json<SitePatch>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let (site, caller) = authorize(&state, &req, &site, Role::Admin).await?;
    let body = body.into_inner();
    let origins = |raw: Vec<String>| {
        raw.iter()
            .map(|o| Origin::parse(o).map_err(ManageError::BadParameter))
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
            .map(|z| SiteTimeZone::parse(&z).map_err(ManageError::BadParameter))
            .transpose()?,
        rebuild_rollups: body.rebuild_rollups,
    };
    let updated = update_site(&state.storage, &site, changes, Actor::Key(caller.id))
        .await
        .map_err(|e| match e {
            SiteChangeError::Storage(e) => e.into(),
            other => ManageError::BadParameter(other.to_string()),
        })?;
    state.sites.reload(&state.storage).await?;
    Ok(HttpResponse::Ok().json(SiteView::from(&updated)))
}
