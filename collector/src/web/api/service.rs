//! The service side of reports: `GET /api/v1/sites/{site}/service` (the KPIs by agent, team,
//! channel, topic and time; JSON or CSV), `GET …/service/drivers` (satisfaction against the
//! facts), `GET`/`PUT …/service/settings` (admin: crediting rule, FRT target and bands) and
//! `PUT …/volumes/{day}` (write: active users, the contact rate's denominator).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::caller::Caller;
use super::paths::SitePath;
use crate::audit::{AuditAction, AuditEntry};
use crate::clock;
use crate::facts::settings::ServiceSettings;
use crate::interactions::{self, VolumeError};
use crate::report::drivers::Drivers;
use crate::report::query::RawReportQuery;
use crate::report::service::{ServiceQuery, ServiceReport};
use crate::report::{self, params};
use crate::storage::Storage;
use crate::web::csv_reply::{FormatParam, csv_response, wants_csv};
use crate::web::error::ManageError;
use crate::web::state::AppState;

#[derive(Debug, Deserialize)]
pub struct ServiceParams {
    #[serde(flatten)]
    query: RawReportQuery,
    #[serde(flatten)]
    topic: TopicParam,
    format: Option<String>,
}

/// The service reports' own parameter (their `group_by` also takes `topic`).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TopicParam {
    /// Only this topic (the helpdesk's category).
    pub topic: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/sites/{site}/service",
    tag = "reports",
    summary = "Service KPIs by agent, team, channel, topic and time",
    description = "Interactions handled per day, resolution rate, FCR from the facts, reopen \
        rate, first response time (median and 90th percentile from the rollups' histogram, \
        within 12.5 %), share within the site's FRT target, bot-only share, contacts and \
        contact rate (per 100 active users; absent with `contact_rate_missing` saying why), \
        and help-article self-resolution — each with its 95 % interval and n. `group_by` \
        takes `agent`, `channel`, `team` and `topic`; `topic` filters. Computed from rollups \
        only. See docs/metrics.md.",
    params(SitePath, RawReportQuery, TopicParam, FormatParam),
    responses(
        (status = 200, description = "The KPIs, as JSON or (`format=csv`) CSV.",
            content((ServiceReport = "application/json"), (String = "text/csv"))),
    ),
    security(("api_key" = ["read"])),
)]
#[tracing::instrument(name = "service", skip_all)]
pub async fn service<S: Storage>(
    req: HttpRequest,
    caller: Caller,
    params: web::Query<ServiceParams>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let site = &caller.site;
    let query = ServiceQuery::parse(&params.query, &params.topic.topic, site.today())?;
    let report = report::load_service(&state.storage, site, &query).await?;
    if wants_csv(&req, params.format.as_deref())? {
        return Ok(csv_response(
            report::csv::service(&report),
            &format!("koe-service-{}.csv", report.to),
        ));
    }
    Ok(HttpResponse::Ok().json(report))
}

#[utoipa::path(
    get,
    path = "/api/v1/sites/{site}/service/drivers",
    tag = "reports",
    summary = "Satisfaction against the service facts",
    description = "CSAT and NPS of the answers whose interactions fall in each band — first \
        response time (the site's bands), contacts (1, 2, 3+), who handled it, topic — each \
        against the rest of the range's answers with its interval and verdict; `unhappy` ranks \
        the bands by how far CSAT falls and calls out only those whose interval leaves 0 out. \
        Takes `from`, `to`, `team` and `channel`; the other report parameters are refused.",
    params(SitePath, RawReportQuery, TopicParam),
    responses((status = 200, description = "The drivers.", body = Drivers)),
    security(("api_key" = ["read"])),
)]
#[tracing::instrument(name = "service_drivers", skip_all)]
pub async fn drivers<S: Storage>(
    caller: Caller,
    params: web::Query<ServiceParams>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let site = &caller.site;
    let raw = &params.query;
    for (name, given) in [
        ("agent", &raw.agent),
        ("group_by", &raw.group_by),
        ("bucket", &raw.bucket),
        ("topic", &params.topic.topic),
    ] {
        if params::given(given).is_some() {
            return Err(ManageError::BadParameter(format!(
                "{name} does not apply to the drivers: they take from, to, team and channel \
                 (topic and agent are what the bands compare)"
            )));
        }
    }
    let query = ServiceQuery::parse(raw, &None, site.today())?;
    Ok(HttpResponse::Ok().json(report::load_drivers(&state.storage, site, &query).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/sites/{site}/service/settings",
    tag = "site",
    summary = "The site's service settings",
    params(SitePath),
    responses((status = 200, description = "The settings.", body = ServiceSettings)),
    security(("api_key" = ["read"])),
)]
#[tracing::instrument(name = "service_settings", skip_all)]
pub async fn show_settings<S: Storage>(
    caller: Caller,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    Ok(HttpResponse::Ok().json(state.storage.service_settings(caller.site.id).await?))
}

#[utoipa::path(
    put,
    path = "/api/v1/sites/{site}/service/settings",
    tag = "site",
    summary = "Set the site's service settings",
    description = "`credit` (`last`: the last agent listed, the default; `first`; `share`: \
        by each agent's share), `frt_target_secs` and `frt_bands` (edges of the FRT \
        histogram, in seconds; the refusal lists them). A new crediting rule re-counts the \
        site's service rollups from its stored facts in the same transaction (refused once \
        the retention purged some).",
    params(SitePath),
    request_body = ServiceSettings,
    responses((status = 200, description = "Stored.", body = ServiceSettings)),
    security(("api_key" = ["admin"])),
)]
#[tracing::instrument(name = "set_service_settings", skip_all)]
pub async fn set_settings<S: Storage>(
    caller: Caller,
    body: web::Json<ServiceSettings>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let settings = body
        .into_inner()
        .checked()
        .map_err(|e| ManageError::BadParameter(e.to_string()))?;
    let entry = AuditEntry {
        site_id: caller.site.id,
        actor: caller.actor(),
        action: AuditAction::ServiceSettingsChanged,
        detail: format!(
            "credit {}, FRT target {} s, bands {}",
            settings.credit.as_str(),
            settings.frt_target_secs,
            settings.bands_column()
        ),
        at: clock::now(),
    };
    state
        .storage
        .set_service_settings(&entry, &settings)
        .await?;
    Ok(HttpResponse::Ok().json(settings))
}

/// `{site}` and a local day.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct VolumePath {
    pub site: koe_shared::SiteKey,
    /// The site's local day, `YYYY-MM-DD`.
    pub day: String,
}

/// A day's active users.
#[derive(Debug, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Volume {
    /// People who used the product that day (the site's own count).
    pub active_users: i64,
}

#[utoipa::path(
    put,
    path = "/api/v1/sites/{site}/volumes/{day}",
    tag = "service",
    summary = "A day's active users (the contact rate's denominator)",
    params(VolumePath),
    request_body = Volume,
    responses((status = 200, description = "Stored (last write wins).", body = Volume)),
    security(("api_key" = ["write"])),
)]
#[tracing::instrument(name = "put_volume", skip_all)]
pub async fn put_volume<S: Storage>(
    caller: Caller,
    path: web::Path<VolumePath>,
    body: web::Json<Volume>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let day = params::date("day", &Some(path.into_inner().day))?
        .ok_or_else(|| ManageError::BadParameter("day must be a date as YYYY-MM-DD".into()))?;
    let volume = body.into_inner();
    interactions::record_volume(&state.storage, &caller.site, day, volume.active_users)
        .await
        .map_err(|e| match e {
            VolumeError::OutOfRange(_) => ManageError::BadParameter(e.to_string()),
            VolumeError::Storage(e) => e.into(),
        })?;
    Ok(HttpResponse::Ok().json(volume))
}
