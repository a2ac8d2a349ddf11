//! Who may do what: API keys (only their digests), their roles, who owns them.

use std::fmt;

use jiff::Timestamp;

use crate::ids::{KeyId, SiteId, UserId};

/// What an API key may do: `read` reports; `write` send interaction facts and active users
/// (a site's backend, server to server: it reads nothing); or `admin` (everything, also links
/// and keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Read,
    Write,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Admin => "admin",
        }
    }

    /// Whether a key of this role may do what needs `needed`: an admin key anything, a read
    /// key only reading, a write key only writing facts.
    pub fn allows(self, needed: Role) -> bool {
        self == Self::Admin || needed == self
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "read" => Some(Self::Read),
            "write" => Some(Self::Write),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// An API key to store: only its digest, never the key.
#[derive(Clone)]
pub struct NewApiKey {
    pub site_id: SiteId,
    pub role: Role,
    pub digest: [u8; 32],
    pub prefix: String,
    pub created_at: Timestamp,
    /// Who creates it (for the audit trail).
    pub actor: crate::audit::Actor,
    /// The person it belongs to (`None`: the site's, made on the server's command line).
    pub owner: Option<UserId>,
    /// That person's address, as the listing shows it.
    pub owner_email: Option<String>,
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: KeyId,
    pub site_id: SiteId,
    pub role: Role,
    /// The key's first characters, to tell keys apart.
    pub prefix: String,
    pub created_at: Timestamp,
    /// Last used for the API or a dashboard sign-in (kept to the minute).
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    /// The address of the person it belongs to; `None`: the site's.
    pub owner: Option<String>,
}
