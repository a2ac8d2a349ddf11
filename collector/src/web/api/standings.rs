//! `GET /api/v1/sites/{site}/standings`: agents ranked by CSAT shrunk toward their team's, one
//! row each, with the raw value, n, the difference from the rest of their team and a flag when
//! that difference is clear (`report::standings`). The range and filters are the scores API's.

use actix_web::{HttpResponse, web};

use super::caller::Caller;
use super::paths::SitePath;
use crate::report::query::RawReportQuery;
use crate::report::standings::Standings;
use crate::report::{self, ReportQuery};
use crate::storage::Storage;
use crate::web::error::ManageError;
use crate::web::state::AppState;

#[utoipa::path(
    get,
    path = "/api/v1/sites/{site}/standings",
    tag = "reports",
    summary = "Agents ranked by CSAT",
    description = "Ranked by CSAT shrunk toward the team's (so two answers do not top the \
        list), with the raw CSAT, its interval and n. One row per agent, under the team with \
        most of their answers in the range (ties: the latest), every answer of theirs counted, \
        with a team or without; `team` keeps the agents listed under it. `against_team` gives \
        the difference from the rest of the team with its 95 % interval (Newcombe), and \
        `flag` is `below` or `above` only when that interval leaves 0 out. Numbers are rounded \
        to hundredths. Range and filters as for scores; `bucket`, `group_by` and `compare` \
        are ignored.",
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
