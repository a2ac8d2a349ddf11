//! Integrations, their events and the calls they wait to make, as stored and listed.

use serde::Serialize;

use crate::ids::{IntegrationId, SiteId};

/// An integration to store: its settings as JSON, its credentials sealed.
#[derive(Clone)]
pub struct NewIntegration {
    pub site_id: SiteId,
    pub kind: &'static str,
    /// SHA-256 of the secret path segment its platform calls.
    pub path_digest: [u8; 32],
    pub config: String,
    pub sealed: String,
    /// Where rating links point, as the collector was reached when it was added (used when
    /// `public_url` is not set: never a header of the platform's own request).
    pub base_url: String,
    pub created_at_ms: i64,
}

impl std::fmt::Debug for NewIntegration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewIntegration")
            .field("site_id", &self.site_id)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// A stored integration: what an inbound event needs (settings and sealed credentials) and
/// what a listing shows (never the credentials).
#[derive(Clone, sqlx::FromRow)]
pub struct StoredIntegration {
    pub id: IntegrationId,
    pub site_id: SiteId,
    pub kind: String,
    pub config: String,
    pub sealed: String,
    pub base_url: String,
    pub paused: bool,
    pub created_at_ms: i64,
    pub last_event_at_ms: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at_ms: Option<i64>,
}

impl std::fmt::Debug for StoredIntegration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredIntegration")
            .field("id", &self.id)
            .field("site_id", &self.site_id)
            .field("kind", &self.kind)
            .field("paused", &self.paused)
            .finish_non_exhaustive()
    }
}

/// How busy an integration was: events since the start of the site's day, calls waiting, and
/// calls given up (its dead letters).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct IntegrationCounts {
    pub events_today: i64,
    pub pending: i64,
    pub failed: i64,
}

/// What earlier events said about a helpdesk conversation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConversationState {
    /// The last human agent who wrote to the customer.
    pub last_agent: Option<String>,
    /// Resolved at the last status Koe saw.
    pub resolved: bool,
    /// Times it opened again after a resolution.
    pub reopened: i64,
}

/// Where an event stands.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    strum::EnumString,
    strum::IntoStaticStr,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum EventState {
    /// Acted on; nothing to send.
    Recorded,
    /// Not surveyed (the site's sample, the customer's cooldown); `detail` says which.
    Skipped,
    /// A call back waits to be made.
    Pending,
    Sent,
    /// Given up: a dead letter, listed to the owner with its last error.
    Failed,
    /// Dropped with its removed integration.
    Dropped,
}

impl EventState {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// An event to note, once per key.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub integration_id: IntegrationId,
    pub site_id: SiteId,
    /// What makes it the same event when sent again (a conversation and its resolution, a
    /// LINE webhook event id).
    pub key: String,
    pub interaction: Option<String>,
    pub state: EventState,
    pub detail: Option<String>,
    /// The call to make back, as JSON (`state` is then `pending`).
    pub call: Option<String>,
    pub at_ms: i64,
}

/// A call due to be made, with what making it needs.
#[derive(Clone, sqlx::FromRow)]
pub struct DueCall {
    pub id: i64,
    pub integration_id: IntegrationId,
    pub site_id: SiteId,
    pub call: String,
    pub attempts: i64,
    pub received_at_ms: i64,
    pub next_attempt_at_ms: i64,
    pub config: String,
    pub sealed: String,
}

impl std::fmt::Debug for DueCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DueCall")
            .field("id", &self.id)
            .field("integration_id", &self.integration_id)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// How a call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallOutcome {
    Sent {
        status: u16,
        at_ms: i64,
    },
    Retry {
        status: Option<u16>,
        error: String,
        next_at_ms: i64,
    },
    GaveUp {
        status: Option<u16>,
        error: String,
    },
}

/// An event as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct EventRecord {
    pub id: i64,
    #[schema(value_type = i64)]
    pub integration_id: IntegrationId,
    pub event_key: String,
    pub interaction: Option<String>,
    pub state: String,
    pub detail: Option<String>,
    pub attempts: i64,
    pub received_at_ms: i64,
    pub last_status: Option<i64>,
    pub sent_at_ms: Option<i64>,
}
