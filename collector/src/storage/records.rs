//! Plain records the storage trait takes and returns.

use std::fmt;

use koe_shared::{InteractionId, SubmissionStatus};

use crate::responses::{Attribution, ResponseState};

/// What an API key may do: `read` reports, or `admin` (also create links and keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: i64,
    pub site_id: i64,
    pub role: Role,
    pub prefix: String,
}

/// A first (or repeated) impression of a survey.
#[derive(Debug, Clone)]
pub struct ImpressionWrite {
    pub site_id: i64,
    pub interaction: InteractionId,
    pub attribution: Attribution,
    pub day: jiff::civil::Date,
    pub now_ms: i64,
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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub id: i64,
    pub interaction: InteractionId,
    pub state: ResponseState,
}
