//! Webhooks and their deliveries as stored and listed.

use jiff::Timestamp;
use serde::{Serialize, Serializer};
use sqlx::FromRow;

use crate::alerts::{Condition, WebhookFormat};
use crate::ids::{SiteId, WebhookId};

/// A webhook to store; its secret is shown once, to whoever added it.
#[derive(Clone)]
pub struct NewWebhook {
    pub site_id: SiteId,
    pub url: String,
    pub condition: Condition,
    pub format: WebhookFormat,
    pub secret: String,
    pub created_at: Timestamp,
    /// `answers`, `followups` or `answers,followups`.
    pub events: String,
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

impl NewWebhook {
    /// As listed once stored under `id`.
    pub fn record(&self, id: WebhookId) -> WebhookRecord {
        WebhookRecord {
            id,
            url: self.url.clone(),
            condition: self.condition.to_string(),
            format: self.format,
            events: self.events.clone(),
            created_at: self.created_at,
        }
    }
}

/// A stored webhook as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WebhookRecord {
    #[schema(value_type = i64)]
    pub id: WebhookId,
    pub url: String,
    pub condition: String,
    pub format: WebhookFormat,
    /// What it is sent: `answers` (unhappy answers), `followups` (follow-ups opened, overdue,
    /// closed) or both.
    pub events: String,
    /// Listed as Unix milliseconds (`created_at_ms`).
    #[serde(rename = "created_at_ms", serialize_with = "unix_ms")]
    #[schema(value_type = i64)]
    pub created_at: Timestamp,
}

/// A delivery as listed: where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DeliveryRecord {
    pub id: i64,
    #[schema(value_type = i64)]
    pub webhook_id: WebhookId,
    pub event_id: String,
    pub interaction: String,
    pub state: DeliveryState,
    pub attempts: i64,
    /// Times are listed as Unix milliseconds (`…_at_ms`).
    #[serde(rename = "created_at_ms", serialize_with = "unix_ms")]
    #[schema(value_type = i64)]
    pub created_at: Timestamp,
    #[serde(rename = "next_attempt_at_ms", serialize_with = "unix_ms_or_null")]
    #[schema(value_type = Option<i64>)]
    pub next_attempt_at: Option<Timestamp>,
    #[serde(rename = "delivered_at_ms", serialize_with = "unix_ms_or_null")]
    #[schema(value_type = Option<i64>)]
    pub delivered_at: Option<Timestamp>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
}

/// A delivery due to be sent, with what sending needs.
#[derive(Clone, FromRow)]
pub struct DueDelivery {
    pub id: i64,
    pub webhook_id: WebhookId,
    pub site_id: SiteId,
    pub event_id: String,
    pub site_key: String,
    pub url: String,
    pub format: String,
    pub secret: String,
    /// The secret a rotation replaced, while its grace lasts: deliveries are signed with both.
    pub previous_secret: Option<String>,
    pub payload: String,
    pub created_at_ms: i64,
    pub attempts: i64,
    pub next_attempt_at_ms: i64,
}

impl std::fmt::Debug for DueDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DueDelivery")
            .field("id", &self.id)
            .field("webhook_id", &self.webhook_id)
            .field("event_id", &self.event_id)
            .field("site_key", &self.site_key)
            .field("url", &"[redacted]")
            .field("secret", &"[redacted]")
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// What a rotation of a webhook's secret did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    Rotated,
    NoWebhook,
    /// Refused: the secret an earlier rotation replaced still signs until then (a second
    /// rotation would end that grace at once).
    InGrace {
        until_ms: i64,
    },
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    Delivered {
        status: u16,
        at_ms: i64,
    },
    /// Try again at `next_at_ms`.
    Retry {
        status: Option<u16>,
        error: String,
        next_at_ms: i64,
    },
    /// Failing for 24 hours: given up.
    GaveUp {
        status: Option<u16>,
        error: String,
    },
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not delivered yet; tried again at its next attempt.
    Pending,
    Delivered,
    /// Gave up after failing for 24 hours.
    Failed,
    /// Never sent: more alerts were waiting for its webhook than it may keep (the reason is in
    /// `last_error`).
    Dropped,
}

impl DeliveryState {
    /// As stored in `webhook_deliveries.state` and listed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Dropped => "dropped",
        }
    }

    /// From its stored form; `None` for anything else.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "pending" => Some(Self::Pending),
            "delivered" => Some(Self::Delivered),
            "failed" => Some(Self::Failed),
            "dropped" => Some(Self::Dropped),
            _ => None,
        }
    }
}

impl std::fmt::Display for DeliveryState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// A time as the API and `koe webhook … --json` list it: Unix milliseconds.
fn unix_ms<S: Serializer>(at: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_i64(at.as_millisecond())
}

fn unix_ms_or_null<S: Serializer>(
    at: &Option<Timestamp>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => unix_ms(at, serializer),
        None => serializer.serialize_none(),
    }
}
