//! `/api/v1/sites/{site}/integrations` (admin): connect a helpdesk, a LINE channel or a generic
//! hook (its webhook address shown once), list them with their last event, last error and
//! events today, pause, resume and remove them, give them new credentials, and list their
//! events — the dead letters (`state=failed`) retried one by one.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::caller::Caller;
use super::paths::{SiteItemPath, SitePath};
use koe_shared::{AgentId, Channel, InteractionId, Locale, TeamId};

use crate::ids::IntegrationId;
use crate::integrations::line::push::{PushError, Pushed, push_card};
use crate::integrations::manage::{self, Added, IntegrationError, Listed};
use crate::integrations::{Credentials, IntegrationConfig};
use crate::links::{DEFAULT_EXPIRY_DAYS, LinkRequest};
use crate::storage::{EventRecord, EventState, Storage};
use crate::web::error::ManageError;
use crate::web::state::AppState;

/// The integration to connect.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIntegrationBody {
    /// `{"kind": "chatwoot", "url", "account_id", "inboxes", "locale"}`,
    /// `{"kind": "line", "ask_resolved", "api_base"}` or
    /// `{"kind": "generic", "mapping", "respond", "auth"}` (docs/operations.md).
    #[schema(value_type = Object)]
    settings: IntegrationConfig,
    /// `{"kind": "chatwoot", "api_token", "webhook_secret"}`, `{"kind": "line",
    /// "channel_secret", "access_token"}`; a generic hook's secret is made by Koe when absent.
    #[schema(value_type = Option<Object>)]
    credentials: Option<Credentials>,
}

/// New credentials of the integration's own kind.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialsBody {
    #[schema(value_type = Object)]
    credentials: Credentials,
}

/// Pause or resume.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PausedBody {
    paused: bool,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// Only events in this state (`failed`: the dead letters).
    state: Option<String>,
    /// At most this many, newest first (default 50, at most 500).
    limit: Option<u32>,
}

/// A rating card to push to a LINE user.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushBody {
    /// The LINE user (or group, room) id: `U` and 32 hex digits.
    #[schema(max_length = 33)]
    to: String,
    /// Your id for the conversation rated: one card per interaction.
    #[schema(value_type = String, max_length = 128)]
    interaction: InteractionId,
    #[schema(value_type = Option<String>, max_length = 128)]
    agent: Option<AgentId>,
    #[schema(value_type = Option<String>, max_length = 128)]
    team: Option<TeamId>,
    /// The card's language (default `ja`).
    lang: Option<Locale>,
}

/// What became of a push.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PushAnswer {
    pub pushed: Pushed,
}

/// A site's integrations.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IntegrationList {
    pub integrations: Vec<Listed>,
}

/// The latest events.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventList {
    pub events: Vec<EventRecord>,
}

fn refused(error: IntegrationError) -> ManageError {
    match error {
        IntegrationError::Storage(e) => e.into(),
        other => ManageError::BadParameter(other.to_string()),
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/sites/{site}/integrations",
    tag = "site",
    summary = "Connect a helpdesk, a LINE channel or a generic hook",
    description = "Credentials are sealed at rest and never shown again; the `webhook_url` \
        (to paste into the platform) is shown only now.",
    params(SitePath),
    request_body = NewIntegrationBody,
    responses((status = 201, description = "Connected.", body = Added)),
    security(("api_key" = ["admin"])),
)]
#[tracing::instrument(name = "api::create_integration", skip_all)]
pub async fn create_integration<S: Storage>(
    req: HttpRequest,
    caller: Caller,
    body: web::Json<NewIntegrationBody>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let body = body.into_inner();
    let base = crate::web::request::public_base(state.public_url.as_deref(), &req);
    let added = manage::add(
        &state.storage,
        &state.seal_key,
        &caller.site,
        body.settings,
        body.credentials,
        state.webhook_reach,
        &base,
        caller.actor(),
    )
    .await
    .map_err(refused)?;
    Ok(HttpResponse::Created().json(added))
}

#[utoipa::path(
    get,
    path = "/api/v1/sites/{site}/integrations",
    tag = "site",
    summary = "List the site's integrations",
    params(SitePath),
    responses((status = 200, description = "Each with its settings (never its credentials), last event, last error, events today, calls waiting and given up.", body = IntegrationList)),
    security(("api_key" = ["admin"])),
)]
#[tracing::instrument(name = "api::list_integrations", skip_all)]
pub async fn list_integrations<S: Storage>(
    caller: Caller,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let integrations = manage::list(&state.storage, &state.seal_key, &caller.site).await?;
    Ok(HttpResponse::Ok().json(IntegrationList { integrations }))
}

#[utoipa::path(
    patch,
    path = "/api/v1/sites/{site}/integrations/{id}",
    tag = "site",
    summary = "Pause or resume an integration",
    description = "A paused integration refuses its events (409 `integration_paused`) and holds its calls.",
    params(SiteItemPath),
    request_body = PausedBody,
    responses((status = 204, description = "Done.")),
    security(("api_key" = ["admin"])),
)]
#[tracing::instrument(name = "api::pause_integration", skip_all)]
pub async fn pause_integration<S: Storage>(
    caller: Caller,
    path: web::Path<SiteItemPath>,
    body: web::Json<PausedBody>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let id = IntegrationId::new(path.id);
    match manage::set_paused(
        &state.storage,
        &caller.site,
        id,
        body.paused,
        caller.actor(),
    )
    .await?
    {
        true => Ok(HttpResponse::NoContent().finish()),
        false => Err(ManageError::Missing(format!("no integration {id}"))),
    }
}

#[utoipa::path(
    delete,
    path = "/api/v1/sites/{site}/integrations/{id}",
    tag = "site",
    summary = "Remove an integration",
    params(SiteItemPath),
    responses((status = 204, description = "Removed: its address answers 404, its waiting calls are dropped.")),
    security(("api_key" = ["admin"])),
)]
#[tracing::instrument(name = "api::delete_integration", skip_all)]
pub async fn delete_integration<S: Storage>(
    caller: Caller,
    path: web::Path<SiteItemPath>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let id = IntegrationId::new(path.id);
    match manage::remove(&state.storage, &caller.site, id, caller.actor()).await? {
        true => Ok(HttpResponse::NoContent().finish()),
        false => Err(ManageError::Missing(format!("no integration {id}"))),
    }
}

#[utoipa::path(
    put,
    path = "/api/v1/sites/{site}/integrations/{id}/credentials",
    tag = "site",
    summary = "Give an integration new credentials",
    params(SiteItemPath),
    request_body = CredentialsBody,
    responses((status = 204, description = "Replaced (sealed at rest, never shown).")),
    security(("api_key" = ["admin"])),
)]
#[tracing::instrument(name = "api::set_integration_credentials", skip_all)]
pub async fn set_integration_credentials<S: Storage>(
    caller: Caller,
    path: web::Path<SiteItemPath>,
    body: web::Json<CredentialsBody>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let id = IntegrationId::new(path.id);
    let set = manage::set_credentials(
        &state.storage,
        &state.seal_key,
        &caller.site,
        id,
        body.into_inner().credentials,
        caller.actor(),
    )
    .await
    .map_err(refused)?;
    match set {
        true => Ok(HttpResponse::NoContent().finish()),
        false => Err(ManageError::Missing(format!("no integration {id}"))),
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/sites/{site}/integrations/events",
    tag = "site",
    summary = "List the integrations' latest events",
    params(SitePath, EventsQuery),
    responses((status = 200, description = "Newest first; `failed` ones are the dead letters.", body = EventList)),
    security(("api_key" = ["admin"])),
)]
#[tracing::instrument(name = "api::list_integration_events", skip_all)]
pub async fn list_integration_events<S: Storage>(
    caller: Caller,
    query: web::Query<EventsQuery>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let state_filter = match query.state.as_deref() {
        None => None,
        Some(raw) => Some(
            raw.parse::<EventState>()
                .map_err(|_| {
                    ManageError::BadParameter(format!(
                        "state is recorded, skipped, pending, sent, failed or dropped, got {raw:?}"
                    ))
                })?
                .as_str(),
        ),
    };
    let limit = i64::from(query.limit.unwrap_or(50).clamp(1, 500));
    let events = state
        .storage
        .integration_events(caller.site.id, state_filter, limit)
        .await?;
    Ok(HttpResponse::Ok().json(EventList { events }))
}

#[utoipa::path(
    post,
    path = "/api/v1/sites/{site}/integrations/events/{id}/retry",
    tag = "site",
    summary = "Retry a dead letter",
    description = "Makes a given-up call (a message into a conversation, a LINE push) due again.",
    params(SiteItemPath),
    responses((status = 204, description = "Due again.")),
    security(("api_key" = ["admin"])),
)]
#[tracing::instrument(name = "api::retry_integration_event", skip_all)]
pub async fn retry_integration_event<S: Storage>(
    caller: Caller,
    path: web::Path<SiteItemPath>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    match manage::retry(&state.storage, &caller.site, path.id).await? {
        true => Ok(HttpResponse::NoContent().finish()),
        false => Err(ManageError::Missing(format!(
            "no given-up call with event id {}",
            path.id
        ))),
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/sites/{site}/integrations/{id}/push",
    tag = "site",
    summary = "Push a rating card to a LINE user",
    description = "Through a connected LINE channel, only when asked (a push costs the \
        channel's quota): the site's sample and the person's cooldown first, then one card per \
        interaction, sent once however often it is retried.",
    params(SiteItemPath),
    request_body = PushBody,
    responses((status = 202, description = "Queued, or declined (`sampled_out`, `cooldown`), or pushed before.", body = PushAnswer)),
    security(("api_key" = ["admin"])),
)]
#[tracing::instrument(name = "api::push_line_card", skip_all)]
pub async fn push_line_card<S: Storage>(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<SiteItemPath>,
    body: web::Json<PushBody>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let body = body.into_inner();
    let request = LinkRequest::in_conversation(
        body.interaction,
        body.agent,
        body.team,
        Channel::Sns,
        DEFAULT_EXPIRY_DAYS,
        body.lang.unwrap_or(Locale::Ja),
    );
    let base = crate::web::request::public_base(state.public_url.as_deref(), &req);
    let pushed = push_card(
        &state.storage,
        &caller.site,
        &state.customer_key,
        IntegrationId::new(path.id),
        &body.to,
        &request,
        &base,
    )
    .await
    .map_err(|e| match e {
        PushError::Storage(e) => e.into(),
        PushError::NoSuchIntegration(_) => ManageError::Missing(e.to_string()),
        PushError::Paused => ManageError::IntegrationPaused,
        other => ManageError::BadParameter(other.to_string()),
    })?;
    Ok(HttpResponse::Accepted().json(PushAnswer { pushed }))
}
