//! The audit trail: who created or revoked a key, rotated a site's secret, changed a site,
//! erased an interaction's responses, invited or changed a person, signed in or downloaded an
//! export, and when. Written in the transaction of the change itself; `koe audit --site S` lists it.

use std::fmt;

use crate::ids::{KeyId, SiteId};
use crate::people::Email;
use serde::Serialize;

/// Who made a change: the command line on the server, an API key (by id), a person signed in
/// to the dashboard (named by their address: `user:ayumi@example.com`), or the collector itself
/// applying a site's retention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Cli,
    Key(KeyId),
    Person(Email),
    Retention,
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cli => f.write_str("cli"),
            Self::Key(id) => write!(f, "key:{id}"),
            Self::Person(email) => write!(f, "user:{email}"),
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
    /// A person invited to the site with a role (the link made, not yet used).
    PersonInvited,
    /// An invitation withdrawn before it was used.
    InvitationRevoked,
    /// A person used their invitation: their account (made or existing) holds the role.
    InvitationAccepted,
    /// The first owner's account made from the link `koe serve` printed.
    FirstOwnerCreated,
    /// A person's role changed.
    RoleChanged,
    /// A person's role on the site taken away.
    PersonRemoved,
    /// A password reset link made, or used.
    PasswordReset,
    /// A person signed in to the dashboard.
    SignedIn,
    /// A person ended all their sessions, or had them ended.
    SessionsEnded,
    /// Answers or scores downloaded (CSV).
    Exported,
    /// A passkey added to a person's account.
    PasskeyAdded,
    /// A site's follow-up condition, SLA, working hours, causes or re-asking changed.
    FollowupSettingsChanged,
    /// A follow-up given an owner (or taken from one).
    FollowupAssigned,
    /// A note added to a follow-up.
    FollowupNoted,
    /// The customer of a follow-up contacted.
    FollowupContacted,
    /// A follow-up closed with its outcome and root cause.
    FollowupClosed,
    /// A new version of the site's survey published.
    SurveyPublished,
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
