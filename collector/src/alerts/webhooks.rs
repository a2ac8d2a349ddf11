//! Managing a site's webhooks (`koe webhook add|list|remove|rotate-secret|deliveries`, the admin
//! API): what is stored and listed, checked once here so a stored webhook is valid.

use super::Reach;
use super::{Condition, ConditionError, WebhookFormat};
use crate::audit::{Actor, AuditAction, AuditEntry};
use crate::clock;
use crate::ids::WebhookId;
use crate::sites::Site;
use crate::storage::{AlertStore, NewWebhook, Rotation, StorageError, WebhookRecord};

/// The most webhooks a site may have: each unhappy answer is sent to every one.
pub const MAX_WEBHOOKS_PER_SITE: usize = 10;
/// Longest webhook URL, in characters.
pub const MAX_URL_CHARS: usize = 2048;
/// Longest condition, in characters.
pub const MAX_CONDITION_CHARS: usize = 500;
/// How long a rotated-out secret keeps signing, unless asked otherwise.
pub const DEFAULT_GRACE_HOURS: u32 = 24;
/// The longest grace a rotation may give the secret it replaces.
pub const MAX_GRACE_HOURS: u32 = 7 * 24;

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
    #[error(
        "the webhook URL must be https:// (alerts carry customers' comments); \
         set webhook_allow_http to allow plain http"
    )]
    PlainHttp,
    #[error("a site has at most {MAX_WEBHOOKS_PER_SITE} webhooks: remove one first")]
    TooMany,
    #[error("the format is json or slack, got {0:?}")]
    Format(String),
    #[error("events are answers, followups or answers,followups; got {0:?}")]
    Events(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What a webhook is to be: as asked for.
#[derive(Debug, Clone, Copy)]
pub struct WebhookRequest<'a> {
    pub url: &'a str,
    pub condition: &'a str,
    pub format: &'a str,
    /// What it is sent: `answers`, `followups` or `answers,followups`.
    pub events: &'a str,
    /// What the operator lets webhooks reach.
    pub reach: Reach,
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
        events,
        reach,
    } = request;
    let (answers, followups) =
        super::parse_events(events).ok_or_else(|| WebhookError::Events(events.into()))?;
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
    if !reach.private_networks
        && let Some(refused) = super::address::refused_literal(&parsed)
    {
        return Err(WebhookError::PrivateAddress(refused));
    }
    if !reach.allows_scheme(parsed.scheme()) {
        return Err(WebhookError::PlainHttp);
    }
    let format: WebhookFormat = format
        .parse()
        .map_err(|_| WebhookError::Format(format.into()))?;
    let webhook = NewWebhook {
        site_id: site.id,
        url: parsed.to_string(),
        condition: Condition::parse(condition)?,
        format,
        secret: crate::secrets::new_webhook_secret(),
        created_at: clock::now(),
        events: super::events_text(answers, followups).to_owned(),
    };
    let entry = AuditEntry {
        site_id: site.id,
        actor,
        action: AuditAction::WebhookAdded,
        // The host only: a URL's path may itself be a credential (a Slack incoming webhook).
        detail: format!(
            "webhook to {}://{}/… when {} ({}, {})",
            parsed.scheme(),
            parsed.host_str().unwrap_or_default(),
            webhook.condition,
            format.as_str(),
            webhook.events
        ),
        at: webhook.created_at,
    };
    let record = storage
        .add_webhook(entry, webhook.clone(), MAX_WEBHOOKS_PER_SITE)
        .await?
        .ok_or(WebhookError::TooMany)?;
    Ok((record, webhook.secret))
}

/// A secret just made by a rotation, and until when the one it replaced still signs.
#[derive(Debug)]
pub struct Rotated {
    pub secret: String,
    pub previous_valid_until: jiff::Timestamp,
}

/// Why a secret cannot be rotated as asked.
#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    #[error("the grace is at most {MAX_GRACE_HOURS} hours, got {0}")]
    LongGrace(u32),
    #[error("the site has no webhook {0}")]
    NoWebhook(WebhookId),
    #[error(
        "the secret the last rotation replaced still signs until {0}: rotating again now would \
         end that grace at once; wait, or ask with force to end it"
    )]
    InGrace(jiff::Timestamp),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Gives webhook `id` a new signing secret; for `grace_hours` the one it replaces still signs
/// beside it (each delivery carries both signatures), so a receiver can switch to the new
/// secret without refusing an alert meanwhile. A grace of 0 ends the old secret at once (it
/// leaked). While an earlier rotation's grace still runs, a new one is refused unless `force`
/// (the receiver may still be on the secret that would stop at once).
#[tracing::instrument(name = "webhooks::rotate_secret", skip_all)]
pub async fn rotate_secret<S: AlertStore>(
    storage: &S,
    site: &Site,
    id: WebhookId,
    grace_hours: u32,
    force: bool,
    actor: Actor,
) -> Result<Rotated, RotationError> {
    if grace_hours > MAX_GRACE_HOURS {
        return Err(RotationError::LongGrace(grace_hours));
    }
    let at = clock::now();
    let previous_valid_until = at
        .checked_add(jiff::SignedDuration::from_hours(i64::from(grace_hours)))
        .unwrap_or(at);
    let secret = crate::secrets::new_webhook_secret();
    let entry = AuditEntry {
        site_id: site.id,
        actor,
        action: AuditAction::WebhookSecretRotated,
        detail: format!("webhook {id}, the old secret signing for {grace_hours} h more"),
        at,
    };
    let rotated = storage
        .rotate_webhook_secret(
            entry,
            id,
            &secret,
            previous_valid_until.as_millisecond(),
            force,
        )
        .await?;
    match rotated {
        Rotation::Rotated => Ok(Rotated {
            secret,
            previous_valid_until,
        }),
        Rotation::NoWebhook => Err(RotationError::NoWebhook(id)),
        Rotation::InGrace { until_ms } => Err(RotationError::InGrace(
            clock::from_ms(until_ms).unwrap_or(at),
        )),
    }
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
