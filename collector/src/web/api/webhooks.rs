//! `/api/v1/sites/{site}/webhooks` (admin): add a webhook (its signing secret shown once), list
//! and remove them, and list the latest deliveries with their state, attempts and last error.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::caller::Caller;
use super::paths::{SiteItemPath, SitePath};
use crate::alerts::webhooks::{WebhookError, WebhookRequest, add_webhook, remove_webhook};
use crate::ids::WebhookId;
use crate::storage::{DeliveryRecord, Storage, WebhookRecord};
use crate::web::error::ManageError;
use crate::web::state::AppState;

/// The webhook to add.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookBody {
    /// Where alerts are POSTed: a public `https://` (or `http://`) URL.
    #[schema(max_length = 2048)]
    url: String,
    /// The condition, e.g. `csat<=2 or nps<=6 or resolved=false`.
    #[schema(max_length = 500)]
    when: String,
    /// `json` (default) or `slack`.
    #[schema(value_type = Option<crate::alerts::WebhookFormat>)]
    format: Option<String>,
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
        allow_private: state.webhook_allow_private,
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
    get,
    path = "/api/v1/sites/{site}/webhooks/deliveries",
    tag = "site",
    summary = "The latest webhook deliveries",
    description = "Each with its state (`pending`, `delivered`, `failed`), attempts and last error.",
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
