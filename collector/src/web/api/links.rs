//! `POST /api/v1/sites/{site}/links` (admin): signed rating links and an email block for one
//! interaction — or, under the site's survey-fatigue rules, `{"suppressed": "cooldown" |
//! "sampled_out"}` (200) unless `force`.

use actix_web::{HttpRequest, HttpResponse, web};
use koe_shared::{AgentId, Channel, CustomerId, Declined, InteractionId, Locale, TeamId};
use serde::{Deserialize, Serialize};

use super::caller::Caller;
use super::paths::SitePath;
use crate::links::{self, LinkRequest, LinkSet, Recipient};
use crate::storage::Storage;
use crate::web::error::ManageError;
use crate::web::state::AppState;

/// The interaction to make rating links for.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLinks {
    interaction: InteractionId,
    agent: Option<AgentId>,
    team: Option<TeamId>,
    channel: Channel,
    /// Days the links stay valid (default 14, at most 90).
    #[schema(minimum = 1, maximum = 90)]
    expires_in_days: Option<u64>,
    /// The language of the page and the email block (default `en`).
    #[schema(value_type = Option<Locale>)]
    lang: Option<String>,
    /// Who the links go to, for the site's cooldown (hashed, never stored).
    customer: Option<CustomerId>,
    /// Make the links even outside the sample or within the cooldown.
    #[serde(default)]
    force: bool,
}

/// No links: the site's survey-fatigue rules spare this interaction (`force` overrides).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Suppressed {
    pub interaction: String,
    pub suppressed: Declined,
}

#[utoipa::path(
    post,
    path = "/api/v1/sites/{site}/links",
    tag = "site",
    summary = "Make rating links for an email",
    description = "A signed link per CSAT and NPS score, a plain survey link, and an email \
        block (HTML with inline styles, and its text version) to paste into the message that \
        closes the ticket.",
    params(SitePath),
    request_body = NewLinks,
    responses(
        (status = 201, description = "The links.", body = LinkSet),
        (status = 200, description = "Outside the site's sample, or the customer was surveyed \
            within the site's cooldown: no links.", body = Suppressed),
    ),
    security(("api_key" = ["admin"])),
)]
#[tracing::instrument(name = "api::create_links", skip_all)]
pub async fn create_links<S: Storage>(
    req: HttpRequest,
    caller: Caller,
    body: web::Json<NewLinks>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let site = &caller.site;
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
        body.expires_in_days.unwrap_or(links::DEFAULT_EXPIRY_DAYS),
        locale,
    )
    .map_err(|e| ManageError::BadParameter(e.to_string()))?;
    let base = crate::web::request::public_base(state.public_url.as_deref(), &req);
    let recipient = Recipient {
        customer: body.customer.as_ref(),
        force: body.force,
    };
    let issued = links::issue(
        &state.storage,
        site,
        &state.customer_key,
        &request,
        recipient,
        &base,
    )
    .await?;
    Ok(match issued {
        Ok(set) => HttpResponse::Created().json(set),
        Err(why) => HttpResponse::Ok().json(Suppressed {
            interaction: request.interaction.to_string(),
            suppressed: why,
        }),
    })
}
