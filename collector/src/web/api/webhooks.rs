//! `/api/v1/sites/{site}/webhooks` (admin): add a webhook (its signing secret shown once), list
//! and remove them, and list the latest deliveries with their state, attempts and last error.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::auth::authorize;
use crate::alerts::webhooks::{WebhookError, WebhookRequest, add_webhook, remove_webhook};
use crate::audit::Actor;
use crate::storage::{Role, Storage};
use crate::web::error::ManageError;
use crate::web::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookBody {
    url: String,
    /// The condition, e.g. `csat<=2 or nps<=6 or resolved=false`.
    when: String,
    /// `json` (default) or `slack`.
    format: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveriesQuery {
    /// At most this many, newest first (default 50, at most 500).
    limit: Option<u32>,
}

pub async fn create_webhook<S: Storage>(
    req: HttpRequest,
    site: web::Path<String>,
    body: web::Json<NewWebhookBody>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let (site, caller) = authorize(&state, &req, &site, Role::Admin).await?;
    let format = body.format.as_deref().unwrap_or("json");
    let request = WebhookRequest {
        url: &body.url,
        condition: &body.when,
        format,
        allow_private: state.webhook_allow_private,
    };
    let (record, secret) = add_webhook(&state.storage, &site, request, Actor::Key(caller.id))
        .await
        .map_err(|e| match e {
            WebhookError::Storage(e) => e.into(),
            other => ManageError::BadParameter(other.to_string()),
        })?;
    let mut shown = serde_json::to_value(&record).unwrap_or_default();
    shown["secret"] = json!(secret);
    Ok(HttpResponse::Created().json(shown))
}

pub async fn list_webhooks<S: Storage>(
    req: HttpRequest,
    site: web::Path<String>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let (site, _) = authorize(&state, &req, &site, Role::Admin).await?;
    let webhooks = state.storage.webhooks(site.id).await?;
    Ok(HttpResponse::Ok().json(json!({ "webhooks": webhooks })))
}

pub async fn delete_webhook<S: Storage>(
    req: HttpRequest,
    path: web::Path<(String, i64)>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let (site, id) = path.into_inner();
    let (site, caller) = authorize(&state, &req, &site, Role::Admin).await?;
    match remove_webhook(&state.storage, &site, id, Actor::Key(caller.id)).await? {
        true => Ok(HttpResponse::NoContent().finish()),
        false => Err(ManageError::NotFound),
    }
}

pub async fn list_deliveries<S: Storage>(
    req: HttpRequest,
    site: web::Path<String>,
    query: web::Query<DeliveriesQuery>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let (site, _) = authorize(&state, &req, &site, Role::Admin).await?;
    let limit = i64::from(query.limit.unwrap_or(50).clamp(1, 500));
    let deliveries = state.storage.deliveries(site.id, limit).await?;
    Ok(HttpResponse::Ok().json(json!({ "deliveries": deliveries })))
}
