//! Managing a site's webhooks (`koe webhook add|list|remove|deliveries`, the admin API): what
//! is stored and listed, checked once here so a stored webhook is valid.

use serde::Serialize;

use super::{Condition, ConditionError, WebhookFormat};
use crate::audit::{Actor, AuditAction, AuditEntry};
use crate::clock;
use crate::sites::Site;
use crate::storage::{Storage, StorageError};

/// A webhook to store; its secret is shown once, to whoever added it.
#[derive(Clone)]
pub struct NewWebhook {
    pub site_id: i64,
    pub url: String,
    pub condition: Condition,
    pub format: WebhookFormat,
    pub secret: String,
    pub created_at_ms: i64,
}

impl std::fmt::Debug for NewWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewWebhook")
            .field("site_id", &self.site_id)
            .field("url", &"[redacted]")
            .field("condition", &self.condition.to_string())
            .field("format", &self.format)
            .field("secret", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// The most webhooks a site may have: each unhappy answer is sent to every one.
pub const MAX_WEBHOOKS_PER_SITE: usize = 10;
/// Longest webhook URL, in characters.
pub const MAX_URL_CHARS: usize = 2048;
/// Longest condition, in characters.
pub const MAX_CONDITION_CHARS: usize = 500;

impl NewWebhook {
    /// As listed once stored under `id`.
    pub fn record(&self, id: i64) -> WebhookRecord {
        WebhookRecord {
            id,
            url: self.url.clone(),
            condition: self.condition.to_string(),
            format: self.format,
            created_at_ms: self.created_at_ms,
        }
    }
}

/// A stored webhook as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WebhookRecord {
    pub id: i64,
    pub url: String,
    pub condition: String,
    pub format: WebhookFormat,
    pub created_at_ms: i64,
}

/// A delivery as listed: where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DeliveryRecord {
    pub id: i64,
    pub webhook_id: i64,
    pub event_id: String,
    pub interaction: String,
    /// `pending`, `delivered` or `failed` (gave up after 24 hours).
    pub state: String,
    pub attempts: i64,
    pub created_at_ms: i64,
    pub next_attempt_at_ms: Option<i64>,
    pub delivered_at_ms: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
}

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
pub async fn add_webhook<S: Storage>(
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
        created_at_ms: clock::now_ms(),
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
        at_ms: webhook.created_at_ms,
    };
    let record = storage.add_webhook(entry, webhook.clone()).await?;
    Ok((record, webhook.secret))
}

/// Removes a webhook (its pending deliveries are no longer sent); `false` when the site has no
/// such webhook.
pub async fn remove_webhook<S: Storage>(
    storage: &S,
    site: &Site,
    id: i64,
    actor: Actor,
) -> Result<bool, StorageError> {
    let entry = AuditEntry {
        site_id: site.id,
        actor,
        action: AuditAction::WebhookRemoved,
        detail: format!("webhook {id}"),
        at_ms: clock::now_ms(),
    };
    storage.remove_webhook(entry, id).await
}
