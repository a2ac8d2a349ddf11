//! The audit trail: who created or revoked a key, rotated a site's secret, changed a site or
//! erased an interaction's responses, and when. Written in the transaction of the change itself; `koe audit --site S` lists it.

use std::fmt;

use crate::ids::{KeyId, SiteId};
use serde::Serialize;

/// Who made a change: the command line on the server, an API key (by id), or the collector
/// itself applying a site's retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Cli,
    Key(KeyId),
    Retention,
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cli => f.write_str("cli"),
            Self::Key(id) => write!(f, "key:{id}"),
            Self::Retention => f.write_str("retention"),
        }
    }
}

/// What was changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum AuditAction {
    KeyCreated,
    KeyRevoked,
    SecretRotated,
    SiteUpdated,
    /// History brought in from a file (`koe import`).
    ResponsesImported,
    /// Interaction facts brought in from a file (`koe import --format interactions`).
    InteractionsImported,
    WebhookAdded,
    WebhookRemoved,
    /// A webhook's signing secret replaced (the old one signing beside it for a grace).
    WebhookSecretRotated,
    /// A site moved to another time zone, its rollups rebuilt from raw responses.
    TimezoneChanged,
    /// An interaction's responses erased on request (its id kept only as a digest).
    ResponseErased,
    /// Raw responses older than the site's retention purged (rollups kept).
    ResponsesPurged,
    /// The crediting rule, FRT target or bands changed (a new rule re-counts the service
    /// rollups).
    ServiceSettingsChanged,
    /// A helpdesk, LINE channel or generic hook connected (`koe integration add`).
    IntegrationAdded,
    /// An integration paused: its events are refused until it is resumed.
    IntegrationPaused,
    IntegrationResumed,
    /// An integration's credentials replaced (a new token, a webhook's signing secret).
    IntegrationCredentialsChanged,
    /// An integration removed: its address answers 404, its waiting calls are dropped.
    IntegrationRemoved,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A change to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub site_id: SiteId,
    pub actor: Actor,
    pub action: AuditAction,
    /// What it was about, e.g. `key 7 (read, koe_read_ab12…)`; never a secret.
    pub detail: String,
    pub at: jiff::Timestamp,
}

/// A recorded change, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}
