//! `GET /api/v1/sites/{site}/scores`: the report, as JSON or CSV.

use actix_web::{HttpRequest, HttpResponse, web};

use super::caller::Caller;
use super::paths::SitePath;
use crate::report::{self, Report, ReportQuery, query::RawReportQuery};
use crate::storage::Storage;
use crate::web::csv_reply::{FormatParam, csv_response, wants_csv};
use crate::web::error::ManageError;
use crate::web::state::AppState;

#[derive(Debug, serde::Deserialize)]
pub struct ScoresParams {
    #[serde(flatten)]
    query: RawReportQuery,
    format: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/sites/{site}/scores",
    tag = "reports",
    summary = "Scores by agent, channel, team and time",
    description = "CSAT, NPS, CES, FCR, response rate and self-resolution for each group and \
        time bucket, each with its 95 % interval and n; rows under the site's low-n threshold \
        are marked `low_n`; `response_rate_capped` marks a rate capped at 100 % because more \
        responses than impressions were counted (rating links and imports have none). Numbers \
        are rounded to hundredths. Computed from rollups only. See docs/metrics.md.",
    params(SitePath, RawReportQuery, FormatParam),
    responses(
        (status = 200, description = "The report, as JSON or (`format=csv` or `Accept: text/csv`) CSV.",
            content((Report = "application/json"), (String = "text/csv"))),
    ),
    security(("api_key" = ["read"])),
)]
#[tracing::instrument(name = "scores", skip_all)]
pub async fn scores<S: Storage>(
    req: HttpRequest,
    caller: Caller,
    params: web::Query<ScoresParams>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let site = &caller.site;
    let query = ReportQuery::parse(&params.query, site.today())?;
    let report = report::load(&state.storage, site, &query).await?;
    if wants_csv(&req, params.format.as_deref())? {
        return Ok(csv_response(
            report::csv::report(&report),
            &format!("koe-scores-{}.csv", report.to),
        ));
    }
    Ok(HttpResponse::Ok().json(report))
}
