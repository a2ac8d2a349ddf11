//! `GET /api/v1/sites/{site}/scores`: the report, as JSON or CSV.

use actix_web::{HttpRequest, HttpResponse, http::header, web};

use super::api_auth::authorize;
use crate::clock;
use crate::error::ManageError;
use crate::report::{self, ReportQuery, query::RawReportQuery};
use crate::site::Site;
use crate::startup::AppState;
use crate::storage::{Role, Storage};

#[derive(Debug, serde::Deserialize)]
pub struct ScoresParams {
    #[serde(flatten)]
    query: RawReportQuery,
    format: Option<String>,
}

#[tracing::instrument(name = "scores", skip_all)]
pub async fn scores<S: Storage>(
    req: HttpRequest,
    site: web::Path<String>,
    params: web::Query<ScoresParams>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let (site, _) = authorize(&state, &req, &site, Role::Read).await?;
    let report = load_report(&state.storage, &site, &params.query).await?;
    if wants_csv(&req, params.format.as_deref())? {
        return Ok(csv_response(
            report::csv::report(&report),
            &format!("koe-scores-{}.csv", report.to),
        ));
    }
    Ok(HttpResponse::Ok().json(report))
}

/// Parses the query against the site's today and builds the report from its rollups.
pub async fn load_report<S: Storage>(
    storage: &S,
    site: &Site,
    raw: &RawReportQuery,
) -> Result<report::Report, ManageError> {
    let today = site
        .timezone
        .local_day(clock::now_ms())
        .parse()
        .map_err(|_| ManageError::BadParameter("bad clock".into()))?;
    let query = ReportQuery::parse(raw, today).map_err(ManageError::BadParameter)?;
    let rollups = storage.report_rollups(site.id, &query).await?;
    Ok(report::build(
        site.key.as_str(),
        &query,
        u64::from(site.low_n_threshold),
        rollups,
    ))
}

/// CSV when `format=csv` or `Accept: text/csv`; JSON otherwise.
pub fn wants_csv(req: &HttpRequest, format: Option<&str>) -> Result<bool, ManageError> {
    match format {
        Some("csv") => Ok(true),
        Some("json") => Ok(false),
        Some(other) => Err(ManageError::BadParameter(format!(
            "format must be json or csv, got {other:?}"
        ))),
        None => Ok(req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/csv"))),
    }
}

pub fn csv_response(body: String, filename: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(body)
}
