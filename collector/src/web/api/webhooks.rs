//! `/api/v1/sites/{site}/webhooks` (admin): add a webhook (its signing secret shown once), list
//! and remove them, rotate a webhook's secret (the old one signing beside the new for a grace),
//! and list the latest deliveries with their state, attempts and last error.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::caller::Caller;
use super::paths::{SiteItemPath, SitePath};
use crate::alerts::webhooks::{
    DEFAULT_GRACE_HOURS, RotationError, WebhookError, WebhookRequest, add_webhook, remove_webhook,
    rotate_secret,
};
use crate::ids::WebhookId;
use crate::storage::{DeliveryRecord, Storage, WebhookRecord};
use crate::web::error::ManageError;
use crate::web::state::AppState;

/// The webhook to add.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookBody {
    /// Where alerts are POSTed: a public `https://` URL (`http://` only where the operator set
    /// `webhook_allow_http`).
    #[schema(max_length = 2048)]
    url: String,
    /// The condition, e.g. `csat<=2 or nps<=6 or resolved=false`.
    #[schema(max_length = 500)]
    when: String,
    /// `json` (default) or `slack`.
    #[schema(value_type = Option<crate::alerts::WebhookFormat>)]
    format: Option<String>,
    /// What it is sent: `answers` (default: unhappy answers, by `when`), `followups`
    /// (follow-ups opened, overdue and closed) or `answers,followups`.
    events: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveriesQuery {
    /// At most this many, newest first (default 50, at most 500).
    limit: Option<u32>,
}

/// A webhook just added: its signing secret is shown only now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: WebhookRecord,
    /// Signs every delivery (`Koe-Signature`); see docs/operations.md.
    pub secret: String,
}

/// How to rotate a webhook's secret.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateSecretBody {
    /// Hours the old secret still signs beside the new one (default 24, at most 168; 0 ends it
    /// at once, for a secret that leaked).
    #[schema(maximum = 168)]
    grace_hours: Option<u32>,
    /// Rotate even while the secret an earlier rotation replaced still signs (that grace ends
    /// at once).
    force: Option<bool>,
}

/// A webhook's new secret, shown only now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RotatedSecret {
    #[schema(value_type = i64)]
    pub id: WebhookId,
    pub secret: String,
    /// Until when (Unix milliseconds) deliveries are also signed with the old secret.
    pub previous_valid_until_ms: i64,
}

/// A site's webhooks.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookList {
    pub webhooks: Vec<WebhookRecord>,
}

/// The latest deliveries, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryList {
    pub deliveries: Vec<DeliveryRecord>,
}

#[utoipa::path(
    post,
    path = "/api/v1/sites/{site}/webhooks",
    tag = "site",
    summary = "Add a webhook",
    description = "Alerts on answers that meet `when` (e.g. `csat<=2 or nps<=6 or \
        resolved=false`), sent at least once with a stable `Koe-Event-Id` and signed with the \
        secret. At most 10 per site.",
    params(SitePath),
    request_body = NewWebhookBody,
    responses((status = 201, description = "Added.", body = CreatedWebhook)),
    security(("api_key" = ["admin"])),
)]
#[tracing::instrument(name = "api::create_webhook", skip_all)]
pub async fn create_webhook<S: Storage>(
    caller: Caller,
    body: web::Json<NewWebhookBody>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let site = &caller.site;
    let format = body.format.as_deref().unwrap_or("json");
    let request = WebhookRequest {
        url: &body.url,
        condition: &body.when,
        format,
        events: body.events.as_deref().unwrap_or("answers"),
        reach: state.webhook_reach,
    };
    let (record, secret) = add_webhook(&state.storage, site, request, caller.actor())
        .await
        .map_err(|e| match e {
            WebhookError::Storage(e) => e.into(),
            other => ManageError::BadParameter(other.to_string()),
        })?;
    Ok(HttpResponse::Created().json(CreatedWebhook {
        webhook: record,
        secret,
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/sites/{site}/webhooks",
    tag = "site",
    summary = "List the site's webhooks",
    params(SitePath),
    responses((status = 200, description = "The webhooks (never their secrets).", body = WebhookList)),
    security(("api_key" = ["admin"])),
)]
#[tracing::instrument(name = "api::list_webhooks", skip_all)]
pub async fn list_webhooks<S: Storage>(
    caller: Caller,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let site = &caller.site;
    let webhooks = state.storage.webhooks(site.id).await?;
    Ok(HttpResponse::Ok().json(WebhookList { webhooks }))
}

#[utoipa::path(
    delete,
    path = "/api/v1/sites/{site}/webhooks/{id}",
    tag = "site",
    summary = "Remove a webhook",
    params(SiteItemPath),
    responses((status = 204, description = "Removed; it alerts no more.")),
    security(("api_key" = ["admin"])),
)]
#[tracing::instrument(name = "api::delete_webhook", skip_all)]
pub async fn delete_webhook<S: Storage>(
    caller: Caller,
    path: web::Path<SiteItemPath>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let id = path.id;
    let site = &caller.site;
    match remove_webhook(&state.storage, site, WebhookId::new(id), caller.actor()).await? {
        true => Ok(HttpResponse::NoContent().finish()),
        false => Err(ManageError::NotFound),
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/sites/{site}/webhooks/{id}/secret",
    tag = "site",
    summary = "Rotate a webhook's signing secret",
    description = "Makes a new secret, shown once. For `grace_hours` (default 24) every delivery \
        carries two signatures, `Koe-Signature: t=…,v1=<new>,v1=<old>`, so the receiver can \
        switch secrets without refusing an alert.",
    params(SiteItemPath),
    request_body(content = Option<RotateSecretBody>),
    responses((status = 200, description = "Rotated.", body = RotatedSecret)),
    security(("api_key" = ["admin"])),
)]
#[tracing::instrument(name = "api::rotate_webhook_secret", skip_all)]
pub async fn rotate_webhook_secret<S: Storage>(
    caller: Caller,
    path: web::Path<SiteItemPath>,
    body: web::Bytes,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let id = WebhookId::new(path.id);
    // The body is optional (an empty POST rotates with the default grace), but one that is
    // sent must be read right: a mistyped grace is refused, not replaced by the default.
    let body: RotateSecretBody = match body.is_empty() {
        true => RotateSecretBody::default(),
        false => serde_json::from_slice(&body)
            .map_err(|e| ManageError::BadParameter(format!("the body: {e}")))?,
    };
    let grace = body.grace_hours.unwrap_or(DEFAULT_GRACE_HOURS);
    let force = body.force.unwrap_or(false);
    let rotated = rotate_secret(
        &state.storage,
        &caller.site,
        id,
        grace,
        force,
        caller.actor(),
    )
    .await
    .map_err(|e| match e {
        RotationError::Storage(e) => e.into(),
        RotationError::NoWebhook(_) => ManageError::NotFound,
        other => ManageError::BadParameter(other.to_string()),
    })?;
    Ok(HttpResponse::Ok().json(RotatedSecret {
        id,
        secret: rotated.secret,
        previous_valid_until_ms: rotated.previous_valid_until.as_millisecond(),
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/sites/{site}/webhooks/deliveries",
    tag = "site",
    summary = "The latest webhook deliveries",
    description = "Each with its state (`pending`, `delivered`, `failed`, or `dropped` when more \
        than 1000 alerts waited for its webhook), attempts and last error.",
    params(SitePath, DeliveriesQuery),
    responses((status = 200, description = "The deliveries.", body = DeliveryList)),
    security(("api_key" = ["admin"])),
)]
#[tracing::instrument(name = "api::list_deliveries", skip_all)]
pub async fn list_deliveries<S: Storage>(
    caller: Caller,
    query: web::Query<DeliveriesQuery>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let site = &caller.site;
    let limit = i64::from(query.limit.unwrap_or(50).clamp(1, 500));
    let deliveries = state.storage.deliveries(site.id, limit).await?;
    Ok(HttpResponse::Ok().json(DeliveryList { deliveries }))
}
