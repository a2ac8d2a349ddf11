//! `GET /api/v1/sites/{site}/scores`: the report, as JSON or CSV.

use actix_web::{HttpRequest, HttpResponse, web};

use super::caller::Caller;
use super::paths::SitePath;
use crate::report::service::ServiceQuery;
use crate::report::{self, Report, ReportQuery, query::RawReportQuery};
use crate::storage::{Storage, StorageError};
use crate::web::csv_reply::{FormatParam, csv_response, wants_csv};
use crate::web::error::ManageError;
use crate::web::state::AppState;

#[derive(Debug, serde::Deserialize)]
pub struct ScoresParams {
    #[serde(flatten)]
    query: RawReportQuery,
    #[serde(flatten)]
    metrics: MetricsParam,
    format: Option<String>,
}

/// Service KPIs to add beside the survey's.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetricsParam {
    /// Comma-separated: the survey's (`csat`, `nps`, `ces`, `response_rate`, `resolved`: always
    /// given) and the service KPIs to add to each row as `service` (`handled`,
    /// `resolution_rate`, `fcr` — from the facts —, `reopen_rate`, `frt`, `bot_only`,
    /// `contact_rate`, `self_resolution`), matched by group and bucket. JSON only.
    #[param(example = "csat,frt,resolution_rate")]
    pub metrics: Option<String>,
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
        are rounded to hundredths. Computed from rollups only. With `metrics` naming service KPIs \
        (`frt`, `resolution_rate`, `handled`, …), each row also carries `service`: those KPIs of \
        the interactions in the same group and bucket (`null` when none). See docs/metrics.md.",
    params(SitePath, RawReportQuery, MetricsParam, FormatParam),
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
    let fields = match params.metrics.metrics.as_deref() {
        None => None,
        Some(metrics) => report::service::score_fields(metrics)?,
    };
    let report = report::load(&state.storage, site, &query).await?;
    if wants_csv(&req, params.format.as_deref())? {
        return Ok(csv_response(
            report::csv::report(&report),
            &format!("koe-scores-{}.csv", report.to),
        ));
    }
    let Some(fields) = fields else {
        return Ok(HttpResponse::Ok().json(report));
    };
    let service =
        report::load_service(&state.storage, site, &ServiceQuery::of_report(&query)).await?;
    let mut json = serde_json::to_value(&report)
        .map_err(|e| ManageError::Internal(StorageError::Corrupt(e.to_string())))?;
    if let Some(rows) = json["rows"].as_array_mut() {
        for row in rows {
            let matching = service.rows.iter().find(|s| {
                let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
                s.agent == text(&row["agent"])
                    && s.channel == text(&row["channel"])
                    && s.team == text(&row["team"])
                    && Some(s.bucket_start.as_str()) == row["bucket_start"].as_str()
            });
            let value = match matching.map(serde_json::to_value) {
                Some(Ok(serde_json::Value::Object(all))) => serde_json::Value::Object(
                    all.into_iter()
                        .filter(|(key, _)| fields.contains(&key.as_str()))
                        .collect(),
                ),
                _ => serde_json::Value::Null,
            };
            row["service"] = value;
        }
    }
    Ok(HttpResponse::Ok().json(json))
}
