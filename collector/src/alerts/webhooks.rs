//! Managing a site's webhooks (`koe webhook add|list|remove|deliveries`, the admin API): what
//! is stored and listed, checked once here so a stored webhook is valid.

use super::{Condition, ConditionError, WebhookFormat};
use crate::audit::{Actor, AuditAction, AuditEntry};
use crate::clock;
use crate::ids::WebhookId;
use crate::sites::Site;
use crate::storage::{AlertStore, NewWebhook, StorageError, WebhookRecord};

/// The most webhooks a site may have: each unhappy answer is sent to every one.
pub const MAX_WEBHOOKS_PER_SITE: usize = 10;
/// Longest webhook URL, in characters.
pub const MAX_URL_CHARS: usize = 2048;
/// Longest condition, in characters.
pub const MAX_CONDITION_CHARS: usize = 500;

/// Why a webhook cannot be added as asked.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error(transparent)]
    Condition(#[from] ConditionError),
    #[error("the webhook URL must be an absolute http or https URL, got {0:?}")]
    Url(String),
    #[error("the webhook URL must be at most {MAX_URL_CHARS} characters")]
    LongUrl,
    #[error("the condition must be at most {MAX_CONDITION_CHARS} characters")]
    LongCondition,
    #[error("{0}")]
    PrivateAddress(String),
    #[error("a site has at most {MAX_WEBHOOKS_PER_SITE} webhooks: remove one first")]
    TooMany,
    #[error("the format is json or slack, got {0:?}")]
    Format(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What a webhook is to be: as asked for.
#[derive(Debug, Clone, Copy)]
pub struct WebhookRequest<'a> {
    pub url: &'a str,
    pub condition: &'a str,
    pub format: &'a str,
    /// `webhook_allow_private_networks`: a private or local address may be named.
    pub allow_private: bool,
}

/// Checks and stores a webhook, records it in the audit trail, and gives its id and secret.
#[tracing::instrument(name = "webhooks::add_webhook", skip_all)]
pub async fn add_webhook<S: AlertStore>(
    storage: &S,
    site: &Site,
    request: WebhookRequest<'_>,
    actor: Actor,
) -> Result<(WebhookRecord, String), WebhookError> {
    let WebhookRequest {
        url,
        condition,
        format,
        allow_private,
    } = request;
    if url.chars().count() > MAX_URL_CHARS {
        return Err(WebhookError::LongUrl);
    }
    if condition.chars().count() > MAX_CONDITION_CHARS {
        return Err(WebhookError::LongCondition);
    }
    let parsed = url::Url::parse(url).map_err(|_| WebhookError::Url(url.into()))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(WebhookError::Url(url.into()));
    }
    if !allow_private && let Some(refused) = super::address::refused_literal(&parsed) {
        return Err(WebhookError::PrivateAddress(refused));
    }
    let format: WebhookFormat = format
        .parse()
        .map_err(|_| WebhookError::Format(format.into()))?;
    if storage.webhooks(site.id).await?.len() >= MAX_WEBHOOKS_PER_SITE {
        return Err(WebhookError::TooMany);
    }
    let webhook = NewWebhook {
        site_id: site.id,
        url: parsed.to_string(),
        condition: Condition::parse(condition)?,
        format,
        secret: crate::secrets::new_webhook_secret(),
        created_at: clock::now(),
    };
    let entry = AuditEntry {
        site_id: site.id,
        actor,
        action: AuditAction::WebhookAdded,
        // The host only: a URL's path may itself be a credential (a Slack incoming webhook).
        detail: format!(
            "webhook to {}://{}/… when {} ({})",
            parsed.scheme(),
            parsed.host_str().unwrap_or_default(),
            webhook.condition,
            format.as_str()
        ),
        at: webhook.created_at,
    };
    let record = storage.add_webhook(entry, webhook.clone()).await?;
    Ok((record, webhook.secret))
}

/// Removes a webhook (its pending deliveries are no longer sent); `false` when the site has no
/// such webhook.
#[tracing::instrument(name = "webhooks::remove_webhook", skip_all)]
pub async fn remove_webhook<S: AlertStore>(
    storage: &S,
    site: &Site,
    id: WebhookId,
    actor: Actor,
) -> Result<bool, StorageError> {
    let entry = AuditEntry {
        site_id: site.id,
        actor,
        action: AuditAction::WebhookRemoved,
        detail: format!("webhook {id}"),
        at: clock::now(),
    };
    storage.remove_webhook(entry, id).await
}
