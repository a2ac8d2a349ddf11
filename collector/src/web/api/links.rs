//! `POST /api/v1/sites/{site}/links` (admin): signed rating links and an email block for one
//! interaction.

use actix_web::{HttpRequest, HttpResponse, web};
use koe_shared::{AgentId, Channel, InteractionId, TeamId};
use serde::Deserialize;

use super::api_auth::authorize;
use crate::clock;
use crate::error::ManageError;
use crate::links::{self, LinkRequest};
use crate::startup::AppState;
use crate::storage::{Role, Storage};

/// Longest a link may live.
pub const MAX_EXPIRY_DAYS: u64 = 90;

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
}

/// Checks the link's lifetime and language, shared by the API and `koe link`.
pub fn link_request(
    interaction: InteractionId,
    agent: Option<AgentId>,
    team: Option<TeamId>,
    channel: Channel,
    expires_in_days: u64,
    lang: Option<&str>,
) -> Result<LinkRequest, String> {
    if !(1..=MAX_EXPIRY_DAYS).contains(&expires_in_days) {
        return Err(format!(
            "links expire after 1 to {MAX_EXPIRY_DAYS} days, got {expires_in_days}"
        ));
    }
    if !matches!(
        channel,
        Channel::Email | Channel::Phone | Channel::Sns | Channel::Other
    ) {
        return Err(format!(
            "rating links are for email, phone, sns or other, not {channel}"
        ));
    }
    let ja = match lang {
        None | Some("en") => false,
        Some("ja") => true,
        Some(other) => return Err(format!("lang must be ja or en, got {other:?}")),
    };
    let now = u64::try_from(clock::now_ms() / 1000).unwrap_or(0);
    Ok(LinkRequest {
        interaction,
        agent,
        team,
        channel,
        expires_at: now + expires_in_days * 86_400,
        ja,
    })
}

pub async fn create_links<S: Storage>(
    req: HttpRequest,
    site: web::Path<String>,
    body: web::Json<NewLinks>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let (site, _) = authorize(&state, &req, &site, Role::Admin).await?;
    let body = body.into_inner();
    let request = link_request(
        body.interaction,
        body.agent,
        body.team,
        body.channel,
        body.expires_in_days.unwrap_or(14),
        body.lang.as_deref(),
    )
    .map_err(ManageError::BadParameter)?;
    let base = state.public_url.clone().unwrap_or_else(|| {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    });
    Ok(HttpResponse::Created().json(links::build(&site, &base, &request)))
}
