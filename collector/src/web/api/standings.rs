//! `GET /api/v1/sites/{site}/standings`: agents ranked by CSAT shrunk toward their team's, with
//! the raw value, n and a flag for those wholly below or above the rest of their team
//! (`report::standings`). The range and filters are the scores API's.

use actix_web::{HttpResponse, web};
use serde::Serialize;

use super::caller::Caller;
use super::paths::SitePath;
use crate::report::query::RawReportQuery;
use crate::report::standings::Standing;
use crate::report::{self, ReportQuery};
use crate::storage::Storage;
use crate::web::error::ManageError;
use crate::web::state::AppState;

/// The standings of a range.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Standings {
    pub site: String,
    pub from: String,
    pub to: String,
    /// Best first.
    pub agents: Vec<Standing>,
}

#[utoipa::path(
    get,
    path = "/api/v1/sites/{site}/standings",
    tag = "reports",
    summary = "Agents ranked by CSAT",
    description = "Ranked by CSAT shrunk toward the team's (so two answers do not top the \\
        list), with the raw CSAT, its interval and n, and a flag when an agent's whole interval \\
        lies below or above the rest of their team. Range and filters as for scores; \\
        `bucket` and `group_by` are ignored.",
    params(SitePath, RawReportQuery),
    responses((status = 200, description = "The standings.", body = Standings)),
    security(("api_key" = ["read"])),
)]
#[tracing::instrument(name = "standings", skip_all)]
pub async fn standings<S: Storage>(
    caller: Caller,
    params: web::Query<RawReportQuery>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let site = &caller.site;
    let query = ReportQuery::parse(&params, site.today())?;
    let agents = report::load_standings(&state.storage, site, &query).await?;
    Ok(HttpResponse::Ok().json(Standings {
        site: site.key.to_string(),
        from: query.from.to_string(),
        to: query.to.to_string(),
        agents,
    }))
}
