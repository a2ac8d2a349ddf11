//! People: accounts, their roles on sites, one-time links and sessions, as rows.

use crate::audit::AuditEntry;
use crate::ids::{SiteId, UserId};

/// An account. Its password hash never prints.
#[derive(Clone, sqlx::FromRow)]
pub struct UserRecord {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub created_at_ms: i64,
    pub failed_sign_ins: i64,
    pub last_failed_at_ms: Option<i64>,
    /// No attempt at the password before then.
    pub locked_until_ms: Option<i64>,
    pub last_sign_in_at_ms: Option<i64>,
}

impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("failed_sign_ins", &self.failed_sign_ins)
            .finish_non_exhaustive()
    }
}

/// A person's role on a site, as kept (`people::Grant` reads it).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MembershipRecord {
    pub user_id: UserId,
    pub site_id: SiteId,
    pub role: String,
    pub agent: Option<String>,
    pub teams: String,
}

/// A site's member, as the People page and `koe user list` show them.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MemberRow {
    pub user_id: UserId,
    pub email: String,
    pub name: String,
    pub role: String,
    pub agent: Option<String>,
    pub teams: String,
    pub last_sign_in_at_ms: Option<i64>,
}

/// A one-time link to store: only its token's digest.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub digest: [u8; 32],
    /// `invite`, `reset` or `first_owner`.
    pub purpose: &'static str,
    pub email: String,
    pub site_id: Option<SiteId>,
    pub role: Option<String>,
    pub agent: Option<String>,
    pub teams: String,
    pub created_by: String,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
}

/// A stored one-time link.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct InvitationRecord {
    pub id: i64,
    pub purpose: String,
    pub email: String,
    pub site_id: Option<SiteId>,
    pub role: Option<String>,
    pub agent: Option<String>,
    pub teams: String,
    pub created_by: String,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    pub used_at_ms: Option<i64>,
}

/// The account a one-time link ends in: one it creates, or one that exists.
#[derive(Clone)]
pub enum AcceptedAccount {
    New {
        email: String,
        name: String,
        password_hash: String,
    },
    Existing {
        id: UserId,
        /// A reset's new password: its failures cleared and its sessions ended with it.
        new_password_hash: Option<String>,
    },
}

impl std::fmt::Debug for AcceptedAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::New { email, .. } => write!(f, "New({email})"),
            Self::Existing { id, .. } => write!(f, "Existing({id})"),
        }
    }
}

/// What using a one-time link does, in one transaction: the link claimed (once, before it
/// expires), the account made or found, the roles given, the audit entries written.
#[derive(Debug, Clone)]
pub struct Acceptance {
    pub digest: [u8; 32],
    pub now_ms: i64,
    pub account: AcceptedAccount,
    /// Sites and the roles given there (role, agent, teams as kept).
    pub grants: Vec<(SiteId, String, Option<String>, String)>,
    /// The first owner's link works only while no account exists.
    pub only_if_no_account: bool,
    pub audit: Vec<AuditEntry>,
}

/// A person's dashboard session.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UserSessionRecord {
    pub id: i64,
    pub user_id: UserId,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    pub last_seen_at_ms: i64,
    pub ended_at_ms: Option<i64>,
    pub client: String,
}

impl UserSessionRecord {
    /// Not signed out and not expired at `now_ms`.
    pub fn is_live(&self, now_ms: i64) -> bool {
        self.ended_at_ms.is_none() && now_ms <= self.expires_at_ms
    }
}

/// What using a one-time link came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    Account(UserId),
    /// Used, expired or withdrawn meanwhile, or (the first owner's) an account exists.
    Unusable,
    /// It would leave a site without an owner (its last owner accepting a narrower role).
    LastOwner,
}

/// What a change of a member's role or their removal came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberChange {
    Done,
    /// The person holds no role on that site.
    NotMember,
    /// The site would be left without an owner.
    LastOwner,
}

/// A passkey to store.
#[derive(Debug, Clone)]
pub struct NewPasskey {
    pub user_id: UserId,
    /// base64url, as the authenticator gave it.
    pub credential_id: String,
    /// The passkey as JSON: its public key and counter, no secret.
    pub credential: String,
    pub name: String,
    pub created_at_ms: i64,
}

/// A stored passkey.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PasskeyRecord {
    pub id: i64,
    pub user_id: UserId,
    pub credential_id: String,
    pub credential: String,
    pub name: String,
    pub created_at_ms: i64,
    pub last_used_at_ms: Option<i64>,
}
