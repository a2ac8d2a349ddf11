//! Plain records the storage trait takes and returns.

use std::fmt;

use koe_shared::{InteractionId, SubmissionStatus};

use crate::responses::{Attribution, ResponseState};
use crate::sites::fatigue::CustomerCheck;

/// What an API key may do: `read` reports, or `admin` (also create links and keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Read,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "read" => Some(Self::Read),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// An API key to store: only its digest, never the key.
#[derive(Clone)]
pub struct NewApiKey {
    pub site_id: i64,
    pub role: Role,
    pub digest: [u8; 32],
    pub prefix: String,
    pub created_at_ms: i64,
    /// Who creates it (for the audit trail).
    pub actor: crate::audit::Actor,
}

impl fmt::Debug for NewApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewApiKey")
            .field("site_id", &self.site_id)
            .field("role", &self.role)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// A stored API key (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApiKeyRecord {
    pub id: i64,
    pub site_id: i64,
    pub role: Role,
    /// The key's first characters, to tell keys apart.
    pub prefix: String,
    pub created_at_ms: i64,
    /// Last used for the API or a dashboard sign-in (kept to the minute).
    pub last_used_at_ms: Option<i64>,
    pub revoked_at_ms: Option<i64>,
}

/// A dashboard session as the server keeps it: ended by sign-out, by its key's revocation, or
/// by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: i64,
    pub key_id: i64,
    pub site_id: i64,
    pub role: Role,
    pub expires_at_ms: i64,
    pub ended_at_ms: Option<i64>,
    pub key_revoked_at_ms: Option<i64>,
}

impl SessionRecord {
    /// Signed in, not signed out, its key not revoked, not expired at `now_ms`.
    pub fn is_live(&self, now_ms: i64) -> bool {
        self.ended_at_ms.is_none()
            && self.key_revoked_at_ms.is_none()
            && now_ms <= self.expires_at_ms
    }
}

/// A first (or repeated) impression of a survey.
#[derive(Debug, Clone)]
pub struct ImpressionWrite {
    pub site_id: i64,
    pub interaction: InteractionId,
    pub attribution: Attribution,
    pub day: jiff::civil::Date,
    pub now_ms: i64,
    /// Who is asked, when the site named them: remembered, and within a cooldown not asked.
    pub customer: Option<CustomerCheck>,
}

/// What became of an impression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImpressionOutcome {
    /// Shown and counted: the interaction's first impression.
    Recorded,
    /// Shown again (a reload): counted before.
    AlreadyRecorded,
    /// Not shown: the customer was surveyed within the site's cooldown. Nothing was written.
    Cooldown,
}

/// The outcome of a committed submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Saved {
    pub id: i64,
    pub status: SubmissionStatus,
}

/// Which responses a page lists (all optional; days are local `YYYY-MM-DD`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseFilter {
    pub from_day: Option<String>,
    pub to_day: Option<String>,
    pub agent: Option<String>,
    pub channel: Option<String>,
    pub team: Option<String>,
    pub min_csat: Option<u8>,
    pub max_csat: Option<u8>,
    pub min_nps: Option<u8>,
    pub max_nps: Option<u8>,
    /// Keyset cursor: only responses strictly older than (created_at_ms, id).
    pub before: Option<(i64, i64)>,
    pub flagged: Option<bool>,
    /// Only responses that gave this reason (its slug).
    pub reason: Option<String>,
    /// Only responses with (`true`) or without (`false`) a comment.
    pub has_comment: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub id: i64,
    pub interaction: InteractionId,
    pub state: ResponseState,
    /// A suspected scanner's answer kept beside the interaction's response (flagged, never
    /// counted), not the response itself.
    pub set_aside: bool,
}

/// A counted response and its key disagreeing (PostgreSQL's `response_keys`, `koe verify`): an
/// interaction that could be answered twice, or a response a write cannot find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDrift {
    pub site: String,
    pub interaction: String,
    pub problem: KeyProblem,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyProblem {
    /// A counted response without a key naming it.
    Unkeyed,
    /// A key naming no counted response.
    Dangling,
}

impl KeyProblem {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unkeyed => "counted response without its key",
            Self::Dangling => "key without its response",
        }
    }
}

/// One site's retention cut-off in a purge run.
#[derive(Debug, Clone)]
pub struct PurgeCutoff {
    /// The audit entry of the site's purge (its site id says whose).
    pub entry: crate::audit::AuditEntry,
    /// Raw responses answered before this local day go.
    pub before: jiff::civil::Date,
    /// A time after every moment whose local day is before `before` (in any zone): the row
    /// purge reads the site's responses created before it.
    pub created_before_ms: i64,
    /// A time before which every moment's local day is before `before` (in any zone): a month
    /// that ends by then holds nothing of the site's that it keeps.
    pub surely_before_ms: i64,
    /// The site's time zone, which dates its days.
    pub zone: crate::sites::SiteTimeZone,
}
