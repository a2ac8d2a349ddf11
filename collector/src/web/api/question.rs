//! `GET /api/v1/sites/{site}/question`: the answers to the site's own question — a scale's
//! distribution and mean, a choice's shares, each with its 95 % interval — by agent, team,
//! channel and time (`report::question`). Range and filters as for scores; JSON or CSV.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::caller::Caller;
use super::paths::SitePath;
use crate::report::ReportQuery;
use crate::report::query::RawReportQuery;
use crate::report::question::{self, QuestionReport};
use crate::storage::Storage;
use crate::web::csv_reply::{FormatParam, csv_response, wants_csv};
use crate::web::error::ManageError;
use crate::web::state::AppState;

#[derive(Debug, Deserialize)]
pub struct QuestionParams {
    #[serde(flatten)]
    query: RawReportQuery,
    #[serde(flatten)]
    which: WhichQuestion,
    format: Option<String>,
}

/// Which question, and the language of its labels.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WhichQuestion {
    /// The question's id (default: the one the site's survey asks now; an earlier one's
    /// answers stay readable under its id).
    #[param(pattern = "^([a-z][a-z0-9_-]*)?$")]
    pub question: Option<String>,
    /// The labels' language, one of the survey's (default: its first).
    pub lang: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/sites/{site}/question",
    tag = "reports",
    summary = "The answers to the site's own question",
    description = "Per bucket and group (`group_by`: agent, team, channel) the responses that \
        answered the site's own question (`n`), and each answer's count and share in percent \
        with its Wilson 95 % interval — every value 1–5 of a scale, every option of a choice \
        in the survey's order — and for a scale its mean with a Student-t 95 % interval. \
        Counted by id from rollups: a relabelled option keeps one series. Without a question \
        asked or named, `question` is absent and `rows` empty.",
    params(SitePath, RawReportQuery, WhichQuestion, FormatParam),
    responses(
        (status = 200, description = "The answers, as JSON or (`format=csv`) CSV.",
            content((QuestionReport = "application/json"), (String = "text/csv"))),
    ),
    security(("api_key" = ["read"])),
)]
#[tracing::instrument(name = "question", skip_all)]
pub async fn question<S: Storage>(
    req: HttpRequest,
    caller: Caller,
    params: web::Query<QuestionParams>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let site = &caller.site;
    let query = ReportQuery::parse(&params.query, site.today())?;
    if query.compare.is_some() {
        return Err(ManageError::BadParameter(
            "compare does not apply to the question's answers: ask each range in turn".into(),
        ));
    }
    let id = crate::report::params::given(&params.which.question);
    if let Some(id) = id.filter(|id| koe_shared::Reason::try_from(*id).is_err()) {
        return Err(ManageError::BadParameter(format!(
            "question must be a question's id (a-z, 0-9, _ and -, starting with a letter), \
             got {id:?}"
        )));
    }
    let first = site.survey.survey.languages[0].to_string();
    let lang = crate::report::params::given(&params.which.lang).unwrap_or(&first);
    let report = question::load(&state.storage, site, &query, id, lang).await?;
    if wants_csv(&req, params.format.as_deref())? {
        return Ok(csv_response(
            crate::report::csv::question(&report),
            &format!("koe-question-{}.csv", report.to),
        ));
    }
    Ok(HttpResponse::Ok().json(report))
}
