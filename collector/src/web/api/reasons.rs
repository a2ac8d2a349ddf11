//! `GET /api/v1/sites/{site}/reasons`: why customers are unhappy — reason tags counted among
//! low-CSAT and detractor answers, by agent and channel (`report::reasons`). Range and filters
//! as for scores; `group_by` takes agent and channel.

use actix_web::{HttpResponse, web};
use serde::Serialize;

use super::caller::Caller;
use super::paths::SitePath;
use crate::report::ReportQuery;
use crate::report::query::RawReportQuery;
use crate::report::reasons::{self, ReasonsError};
use crate::storage::ReasonCount;
use crate::storage::Storage;
use crate::web::error::ManageError;
use crate::web::state::AppState;

/// The reason counts of a range.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Reasons {
    pub site: String,
    pub from: String,
    pub to: String,
    pub reasons: Vec<ReasonCount>,
}

#[utoipa::path(
    get,
    path = "/api/v1/sites/{site}/reasons",
    tag = "reports",
    summary = "Why customers are unhappy",
    description = "Reason tags counted among low-CSAT (1–2) and detractor (0–6) answers, by \
        agent and channel, each with its `label` in the site's survey's first language (a \
        reason the survey no longer offers under its last label). Counted by id: a new label \
        keeps one series. Range and filters as for scores; `group_by=team` is refused.",
    params(SitePath, RawReportQuery),
    responses((status = 200, description = "The counts.", body = Reasons)),
    security(("api_key" = ["read"])),
)]
#[tracing::instrument(name = "reasons", skip_all)]
pub async fn reasons<S: Storage>(
    caller: Caller,
    params: web::Query<RawReportQuery>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let site = &caller.site;
    let query = ReportQuery::parse(&params, site.today())?;
    let first = site.survey.survey.languages[0].to_string();
    let counts = reasons::load(&state.storage, site, &query, &first)
        .await
        .map_err(|e| match e {
            ReasonsError::ByTeam => ManageError::BadParameter(e.to_string()),
            ReasonsError::Storage(e) => e.into(),
        })?;
    Ok(HttpResponse::Ok().json(Reasons {
        site: site.key.to_string(),
        from: query.from.to_string(),
        to: query.to.to_string(),
        reasons: counts,
    }))
}
