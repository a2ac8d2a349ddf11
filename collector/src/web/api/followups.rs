//! Follow-ups over the API: `GET …/followups` (a queue, read), `GET …/followups/{id}` (one,
//! with its notes), `PATCH …/followups/{id}` (assign, mark contacted, close: write),
//! `POST …/followups/{id}/notes` (write), `GET`/`PUT …/followups/settings` (read / admin) and
//! `GET …/followups/report` (the numbers; JSON or CSV). Each calls `followups::*`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::caller::Caller;
use super::paths::{SiteItemPath, SitePath};
use crate::clock;
use crate::followups::FollowupSettings;
use crate::followups::load::{self, FollowupReport};
use crate::followups::view::FollowupView;
use crate::followups::work::{self, FollowupError, SettingsRefused, Work};
use crate::people::Email;
use crate::report::query::RawReportQuery;
use crate::report::{ReportQuery, params};
use crate::storage::{FollowupFilter, Storage};
use crate::web::csv_reply::{FormatParam, csv_response, wants_csv};
use crate::web::error::ManageError;
use crate::web::request::public_base;
use crate::web::state::AppState;

/// Which follow-ups to list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FollowupQuery {
    /// `active` (default: open and contacted), `closed`, `all` (but withdrawn), or statuses
    /// comma-separated (`open,withdrawn`).
    pub status: Option<String>,
    /// Only those this person owns (their address).
    pub owner: Option<String>,
    pub agent: Option<String>,
    pub team: Option<String>,
    pub channel: Option<String>,
    /// `true`: only those open past their due time.
    pub overdue: Option<bool>,
    /// At most this many (default 50, at most 500).
    pub limit: Option<u32>,
}

/// The listing's filter, the owner's address found among the site's people.
async fn filter<S: Storage>(
    storage: &S,
    caller: &Caller,
    query: &FollowupQuery,
) -> Result<FollowupFilter, ManageError> {
    let now_ms = clock::now_ms();
    let owner = match query.owner.as_deref().filter(|o| !o.is_empty()) {
        None => None,
        Some(raw) => {
            let email =
                Email::parse(raw).map_err(|e| ManageError::BadParameter(format!("owner: {e}")))?;
            let members = storage.members_of(caller.site.id).await?;
            let member = members.iter().find(|m| m.email == email.as_str());
            Some(member.map(|m| m.user_id).ok_or_else(|| {
                ManageError::BadParameter(format!("owner: {raw} has no role on this site"))
            })?)
        }
    };
    Ok(FollowupFilter {
        statuses: crate::followups::statuses(query.status.as_deref())
            .map_err(ManageError::BadParameter)?,
        owner,
        agent: query.agent.clone().filter(|v| !v.is_empty()),
        team: query.team.clone().filter(|v| !v.is_empty()),
        channel: query.channel.clone().filter(|v| !v.is_empty()),
        overdue_at_ms: (query.overdue == Some(true)).then_some(now_ms),
        now_ms,
        limit: i64::from(query.limit.unwrap_or(50).clamp(1, 500)),
    })
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FollowupList {
    pub followups: Vec<FollowupView>,
}

#[utoipa::path(
    get,
    path = "/api/v1/sites/{site}/followups",
    tag = "followups",
    summary = "A site's follow-ups: the overdue first, then by due time",
    params(SitePath, FollowupQuery),
    responses((status = 200, description = "The follow-ups.", body = FollowupList)),
    security(("api_key" = ["read"])),
)]
#[tracing::instrument(name = "api::list_followups", skip_all)]
pub async fn list_followups<S: Storage>(
    caller: Caller,
    query: web::Query<FollowupQuery>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let filter = filter(&state.storage, &caller, &query).await?;
    let followups = load::queue(&state.storage, &caller.site, &filter).await?;
    Ok(HttpResponse::Ok().json(FollowupList { followups }))
}

#[utoipa::path(
    get,
    path = "/api/v1/sites/{site}/followups/{id}",
    tag = "followups",
    summary = "One follow-up, with its notes",
    params(SiteItemPath),
    responses((status = 200, description = "The follow-up.", body = FollowupView)),
    security(("api_key" = ["read"])),
)]
#[tracing::instrument(name = "api::show_followup", skip_all)]
pub async fn show_followup<S: Storage>(
    caller: Caller,
    path: web::Path<SiteItemPath>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    match load::one(&state.storage, &caller.site, path.id).await? {
        Some(view) => Ok(HttpResponse::Ok().json(view)),
        None => Err(ManageError::Missing(format!(
            "there is no follow-up {} on this site",
            path.id
        ))),
    }
}

/// What to change: an owner, and/or a status (`contacted`, or a closing with its cause).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowupChange {
    /// A person of the site by address; a name where the site has no accounts; `""`: nobody.
    owner: Option<String>,
    /// `contacted`, or a closing: `resolved`, `not_resolved`, `no_reply`.
    status: Option<String>,
    /// The root cause, one of the site's (required to close).
    cause: Option<String>,
}

/// A follow-up after a change; `reask_url` once, when a resolved closing made one.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChangedFollowup {
    #[serde(flatten)]
    pub followup: FollowupView,
    /// The link that asks the customer again (shown only now).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reask_url: Option<String>,
}

#[utoipa::path(
    patch,
    path = "/api/v1/sites/{site}/followups/{id}",
    tag = "followups",
    summary = "Assign a follow-up, mark it contacted or close it",
    description = "`owner` assigns it; `status: contacted` notes the first contact; `status` \
        `resolved`, `not_resolved` or `no_reply` with a `cause` from the site's list closes it \
        (a resolved closing gives `reask_url`, once, where the site asks again). Recorded in the \
        audit trail; a closing is sent to the webhooks of follow-ups.",
    params(SiteItemPath),
    request_body = FollowupChange,
    responses(
        (status = 200, description = "Changed.", body = ChangedFollowup),
        (status = 409, description = "Withdrawn: the answer left the condition."),
    ),
    security(("api_key" = ["write"])),
)]
#[tracing::instrument(name = "api::change_followup", skip_all)]
pub async fn change_followup<S: Storage>(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<SiteItemPath>,
    body: web::Json<FollowupChange>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let body = body.into_inner();
    let mut works = Vec::new();
    if let Some(owner) = body.owner {
        works.push(Work::Assign(owner));
    }
    match (body.status.as_deref(), body.cause) {
        (None, None) => {}
        (Some("contacted"), None) => works.push(Work::Contacted),
        (Some(status), cause) => works.push(Work::Close {
            status: status.to_owned(),
            cause: cause.unwrap_or_default(),
        }),
        (None, Some(_)) => {
            return Err(ManageError::BadParameter(
                "cause goes with a closing status".into(),
            ));
        }
    }
    if works.is_empty() {
        return Err(ManageError::BadParameter(
            "send owner, status or both".into(),
        ));
    }
    let base = public_base(state.public_url.as_deref(), &req);
    let mut reask_url = None;
    for item in works {
        let worked = work::work(
            &state.storage,
            &caller.site,
            path.id,
            item,
            caller.actor(),
            &base,
        )
        .await
        .map_err(refused)?;
        reask_url = worked.reask.map(|link| link.url).or(reask_url);
    }
    let followup = load::one(&state.storage, &caller.site, path.id)
        .await?
        .ok_or_else(|| ManageError::Missing(format!("there is no follow-up {}", path.id)))?;
    Ok(HttpResponse::Ok().json(ChangedFollowup {
        followup,
        reask_url,
    }))
}

/// A follow-up's refusal at HTTP.
pub fn refused(error: FollowupError) -> ManageError {
    match error {
        FollowupError::Missing(_) => ManageError::Missing(error.to_string()),
        FollowupError::Withdrawn(_) => ManageError::FollowupWithdrawn(error.to_string()),
        FollowupError::Closed(_) => ManageError::FollowupClosed(error.to_string()),
        FollowupError::Storage(e) => e.into(),
        other => ManageError::BadParameter(other.to_string()),
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNote {
    /// 1 to 4000 characters.
    body: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/sites/{site}/followups/{id}/notes",
    tag = "followups",
    summary = "Add a note to a follow-up",
    params(SiteItemPath),
    request_body = NewNote,
    responses((status = 201, description = "Added; the follow-up with its notes.", body = FollowupView)),
    security(("api_key" = ["write"])),
)]
#[tracing::instrument(name = "api::add_followup_note", skip_all)]
pub async fn add_followup_note<S: Storage>(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<SiteItemPath>,
    body: web::Json<NewNote>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let base = public_base(state.public_url.as_deref(), &req);
    let note = Work::Note(body.into_inner().body);
    work::work(
        &state.storage,
        &caller.site,
        path.id,
        note,
        caller.actor(),
        &base,
    )
    .await
    .map_err(refused)?;
    let followup = load::one(&state.storage, &caller.site, path.id)
        .await?
        .ok_or_else(|| ManageError::Missing(format!("there is no follow-up {}", path.id)))?;
    Ok(HttpResponse::Created().json(followup))
}

#[utoipa::path(
    get,
    path = "/api/v1/sites/{site}/followups/settings",
    tag = "followups",
    summary = "The site's follow-up settings",
    params(SitePath),
    responses((status = 200, description = "The settings.", body = FollowupSettings)),
    security(("api_key" = ["read"])),
)]
#[tracing::instrument(name = "api::followup_settings", skip_all)]
pub async fn show_followup_settings<S: Storage>(
    caller: Caller,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    Ok(HttpResponse::Ok().json(state.storage.followup_settings(caller.site.id).await?))
}

#[utoipa::path(
    put,
    path = "/api/v1/sites/{site}/followups/settings",
    tag = "followups",
    summary = "Set the site's follow-up settings",
    description = "Every field optional, the rest kept: `enabled`, `condition` (the webhook \
        grammar), `sla_hours` (1–720 working hours), `working_hours` (`09:00-18:00`), \
        `working_days` (`mon-fri`), `causes` (1–12 ids of a-z, 0-9, _), `reask`. A bad \
        field is refused naming it, and nothing changes. New follow-ups follow the new \
        settings; open ones keep their due time.",
    params(SitePath),
    request_body = FollowupSettings,
    responses((status = 200, description = "Stored.", body = FollowupSettings)),
    security(("api_key" = ["admin"])),
)]
#[tracing::instrument(name = "api::set_followup_settings", skip_all)]
pub async fn set_followup_settings<S: Storage>(
    caller: Caller,
    body: web::Json<serde_json::Value>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let current = state.storage.followup_settings(caller.site.id).await?;
    let settings = merged(current, body.into_inner())?;
    let stored = work::set_settings(&state.storage, &caller.site, settings, caller.actor())
        .await
        .map_err(|e| match e {
            SettingsRefused::Storage(e) => e.into(),
            SettingsRefused::Invalid(e) => ManageError::BadParameter(format!("{}: {e}", e.field())),
        })?;
    Ok(HttpResponse::Ok().json(stored))
}

/// `changes` laid over `current`: the fields given replace, the rest stay.
pub fn merged(
    current: FollowupSettings,
    changes: serde_json::Value,
) -> Result<FollowupSettings, ManageError> {
    let mut value = serde_json::to_value(current)
        .map_err(|e| ManageError::Internal(crate::storage::StorageError::Corrupt(e.to_string())))?;
    let serde_json::Value::Object(changes) = changes else {
        return Err(ManageError::BadParameter(
            "send the settings as a JSON object".into(),
        ));
    };
    for (key, field) in changes {
        value[key] = field;
    }
    serde_json::from_value(value).map_err(|e| ManageError::BadParameter(e.to_string()))
}

#[derive(Debug, Deserialize)]
pub struct ReportParams {
    #[serde(flatten)]
    query: RawReportQuery,
    format: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/sites/{site}/followups/report",
    tag = "reports",
    summary = "Follow-up numbers by agent, team, channel and time",
    description = "Of the follow-ups answers of the range opened: contacted within SLA %, \
        median time to first contact, recovery rate, root causes — each with its 95 % interval \
        and n — per bucket and group, and the range's total. See docs/metrics.md.",
    params(SitePath, RawReportQuery, FormatParam),
    responses(
        (status = 200, description = "The numbers, as JSON or (`format=csv`) CSV.",
            content((FollowupReport = "application/json"), (String = "text/csv"))),
    ),
    security(("api_key" = ["read"])),
)]
#[tracing::instrument(name = "api::followup_report", skip_all)]
pub async fn followup_report<S: Storage>(
    req: HttpRequest,
    caller: Caller,
    params: web::Query<ReportParams>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let site = &caller.site;
    if params::given(&params.query.compare).is_some() {
        return Err(ManageError::BadParameter(
            "compare does not apply to follow-ups".into(),
        ));
    }
    let query = ReportQuery::parse(&params.query, site.today())?;
    let report = load::report(&state.storage, site, &query).await?;
    if wants_csv(&req, params.format.as_deref())? {
        return Ok(csv_response(
            crate::followups::numbers::csv(&report.rows, &report.causes),
            &format!("koe-followups-{}.csv", report.to),
        ));
    }
    Ok(HttpResponse::Ok().json(report))
}
