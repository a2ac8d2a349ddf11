//! `GET /api/v1/sites/{site}/standings`: agents ranked by CSAT shrunk toward their team's, with
//! the raw value, n and a flag for those wholly below or above the rest of their team
//! (`report::standings`). The range and filters are the scores API's.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::auth::authorize;
use crate::report::query::RawReportQuery;
use crate::report::{ReportQuery, standings};
use crate::storage::{Role, Storage};
use crate::web::error::ManageError;
use crate::web::state::AppState;

#[tracing::instrument(name = "standings", skip_all)]
pub async fn standings<S: Storage>(
    req: HttpRequest,
    site: web::Path<String>,
    params: web::Query<RawReportQuery>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let (site, _) = authorize(&state, &req, &site, Role::Read).await?;
    let query = ReportQuery::parse(&params, site.today()).map_err(ManageError::BadParameter)?;
    let agents = standings::load(&state.storage, &site, &query).await?;
    Ok(HttpResponse::Ok().json(json!({
        "site": site.key,
        "from": query.from.to_string(),
        "to": query.to.to_string(),
        "agents": agents,
    })))
}
