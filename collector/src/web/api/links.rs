//! `POST /api/v1/sites/{site}/links` (admin): signed rating links and an email block for one
//! interaction — or, under the site's survey-fatigue rules, `{"suppressed": "cooldown" |
//! "sampled_out"}` (200) unless `force`.

use actix_web::{HttpRequest, HttpResponse, web};
use koe_shared::{AgentId, Channel, CustomerId, InteractionId, Locale, TeamId};
use serde::Deserialize;
use serde_json::json;

use super::auth::authorize;
use crate::links::{self, LinkRequest};
use crate::sites::fatigue::admit_link;
use crate::storage::{Role, Storage};
use crate::web::error::ManageError;
use crate::web::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewLinks {
    interaction: InteractionId,
    agent: Option<AgentId>,
    team: Option<TeamId>,
    channel: Channel,
    /// Days the links stay valid (default 14, at most 90).
    expires_in_days: Option<u64>,
    lang: Option<String>,
    /// Who the links go to, for the site's cooldown (hashed, never stored).
    customer: Option<CustomerId>,
    /// Make the links even outside the sample or within the cooldown.
    #[serde(default)]
    force: bool,
}

pub async fn create_links<S: Storage>(
    req: HttpRequest,
    site: web::Path<String>,
    body: web::Json<NewLinks>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let (site, _) = authorize(&state, &req, &site, Role::Admin).await?;
    let body = body.into_inner();
    let locale = match body.lang.as_deref() {
        None => Locale::En,
        Some(lang) => lang.parse().map_err(|_| {
            ManageError::BadParameter(format!("lang must be ja or en, got {lang:?}"))
        })?,
    };
    let request = LinkRequest::new(
        body.interaction,
        body.agent,
        body.team,
        body.channel,
        body.expires_in_days.unwrap_or(14),
        locale,
    )
    .map_err(|e| ManageError::BadParameter(e.to_string()))?;
    let admitted = admit_link(
        &state.storage,
        &site,
        &state.customer_key,
        &request.interaction,
        body.customer.as_ref(),
        body.force,
    )
    .await?;
    if let Err(why) = admitted {
        return Ok(HttpResponse::Ok().json(json!({
            "interaction": request.interaction.as_str(),
            "suppressed": why.as_str(),
        })));
    }
    let base = state.public_url.clone().unwrap_or_else(|| {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    });
    Ok(HttpResponse::Created().json(links::build(&site, &base, &request)))
}
