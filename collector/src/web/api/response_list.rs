//! `GET /api/v1/sites/{site}/responses`: raw responses with comments, newest first,
//! keyset-paginated and filterable — so a manager can open the low ratings, not a link
//! scanner's (flagged answers are listed only when asked for).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::caller::Caller;
use super::paths::SitePath;
use crate::responses::list::{self, RawResponseQuery, ResponsePage, ResponseQuery};
use crate::storage::Storage;
use crate::web::csv_reply::{FormatParam, csv_response, wants_csv};
use crate::web::error::ManageError;
use crate::web::state::AppState;

#[derive(Debug, Deserialize)]
pub struct ListParams {
    #[serde(flatten)]
    query: RawResponseQuery,
    format: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/sites/{site}/responses",
    tag = "reports",
    summary = "Raw responses, newest first",
    description = "With their comments, filterable, a page at a time: pass `next_cursor` as \
        `cursor` for the next page (`null` on the last). Answers flagged as a suspected link \
        scanner's (kept, never counted) are left out unless `flagged=any` or `flagged=true` \
        asks for them.",
    params(SitePath, RawResponseQuery, FormatParam),
    responses(
        (status = 200, description = "A page of responses, as JSON or CSV.",
            content((ResponsePage = "application/json"), (String = "text/csv"))),
    ),
    security(("api_key" = ["read"])),
)]
#[tracing::instrument(name = "list_responses", skip_all)]
pub async fn list_responses<S: Storage>(
    req: HttpRequest,
    caller: Caller,
    params: web::Query<ListParams>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let site = &caller.site;
    let csv_wanted = wants_csv(&req, params.format.as_deref())?;
    let query = ResponseQuery::parse(&params.query)?;
    let page = list::page(&state.storage, site, &query).await?;
    if csv_wanted {
        return Ok(csv_response(
            list::csv(&page.responses),
            "koe-responses.csv",
        ));
    }
    Ok(HttpResponse::Ok().json(page))
}
