//! People: accounts, their roles on each site, and one-time links (invitations, resets, the
//! first owner's link — only digests). The capability's trait ([`PeopleStore`]) and its one
//! implementation for both backends (`people_store!`); sign-in attempts and sessions are
//! `sessions.rs` ([`SessionStore`]); the SQL of both is in `sql.rs`. Every write is its own transaction on the primary pool (on SQLite beside the
//! writer, as management writes are), and a sign-in check reads the primary.

mod sessions;
mod sql;

use std::future::Future;

pub use sessions::SessionStore;
pub(in crate::storage) use sessions::session_store;
pub(in crate::storage) use sql::*;

use super::StorageError;
use super::records::{
    Acceptance, Accepted, InvitationRecord, MemberChange, MemberRow, MembershipRecord,
    NewInvitation, UserRecord,
};
use crate::audit::AuditEntry;
use crate::ids::{SiteId, UserId};

/// Accounts, roles, one-time links.
pub trait PeopleStore: Clone + Send + Sync + 'static {
    fn count_users(&self) -> impl Future<Output = Result<i64, StorageError>> + Send;

    /// The account of a normalised address.
    fn user_by_email(
        &self,
        email: &str,
    ) -> impl Future<Output = Result<Option<UserRecord>, StorageError>> + Send;

    fn user_by_id(
        &self,
        id: UserId,
    ) -> impl Future<Output = Result<Option<UserRecord>, StorageError>> + Send;

    /// The roles a person holds, site by site.
    fn memberships_of(
        &self,
        user: UserId,
    ) -> impl Future<Output = Result<Vec<MembershipRecord>, StorageError>> + Send;

    /// The people of a site with their roles.
    fn members_of(
        &self,
        site: SiteId,
    ) -> impl Future<Output = Result<Vec<MemberRow>, StorageError>> + Send;

    /// Stores a one-time link (with its audit entry, when it is a site's); a first owner's link
    /// replaces any earlier unused one, a reset link the account's earlier unused resets.
    fn create_invitation(
        &self,
        new: NewInvitation,
        entry: Option<AuditEntry>,
    ) -> impl Future<Output = Result<i64, StorageError>> + Send;

    /// Whether a link for `purpose` and `email` was made after `since_ms` (a reset asked for
    /// again too soon is not mailed again).
    fn link_made_since(
        &self,
        purpose: &str,
        email: &str,
        since_ms: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// A link by its token's digest, used or not.
    fn invitation(
        &self,
        digest: [u8; 32],
    ) -> impl Future<Output = Result<Option<InvitationRecord>, StorageError>> + Send;

    /// A site's invitations not yet used nor expired at `now_ms`.
    fn pending_invitations(
        &self,
        site: SiteId,
        now_ms: i64,
    ) -> impl Future<Output = Result<Vec<InvitationRecord>, StorageError>> + Send;

    /// Withdraws a site's unused invitation; `false` when there is none with that id.
    fn revoke_invitation(
        &self,
        entry: AuditEntry,
        id: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Uses a one-time link (see [`Acceptance`]); anything but [`Accepted::Account`] changes
    /// nothing.
    fn accept(
        &self,
        acceptance: Acceptance,
    ) -> impl Future<Output = Result<Accepted, StorageError>> + Send;

    /// Changes a member's role (kept as role, agent, teams), never leaving the site without an
    /// owner.
    fn set_membership(
        &self,
        entry: AuditEntry,
        user: UserId,
        grant: (String, Option<String>, String),
    ) -> impl Future<Output = Result<MemberChange, StorageError>> + Send;

    /// Takes a person's role on a site away, never the site's last owner's.
    fn remove_membership(
        &self,
        entry: AuditEntry,
        user: UserId,
    ) -> impl Future<Output = Result<MemberChange, StorageError>> + Send;
}

/// Implements [`PeopleStore`] for a backend's storage type over its sqlx database, with every
/// statement on the pool field named.
macro_rules! people_store {
    ($storage:ty, $db:ty, $pool:ident) => {
        impl $crate::storage::PeopleStore for $storage {
            async fn count_users(&self) -> Result<i64, $crate::storage::StorageError> {
                let (n,): (i64,) = sqlx::query_as($crate::storage::people::COUNT_USERS)
                    .fetch_one(&self.$pool)
                    .await?;
                Ok(n)
            }

            async fn user_by_email(
                &self,
                email: &str,
            ) -> Result<Option<$crate::storage::UserRecord>, $crate::storage::StorageError> {
                use $crate::storage::people::USER_COLUMNS;
                let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
                Ok(sqlx::query_as(&sql)
                    .bind(email)
                    .fetch_optional(&self.$pool)
                    .await?)
            }

            async fn user_by_id(
                &self,
                id: $crate::ids::UserId,
            ) -> Result<Option<$crate::storage::UserRecord>, $crate::storage::StorageError> {
                use $crate::storage::people::USER_COLUMNS;
                let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
                Ok(sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&self.$pool)
                    .await?)
            }

            async fn memberships_of(
                &self,
                user: $crate::ids::UserId,
            ) -> Result<Vec<$crate::storage::MembershipRecord>, $crate::storage::StorageError> {
                Ok(sqlx::query_as($crate::storage::people::MEMBERSHIPS_OF)
                    .bind(user)
                    .fetch_all(&self.$pool)
                    .await?)
            }

            async fn members_of(
                &self,
                site: $crate::ids::SiteId,
            ) -> Result<Vec<$crate::storage::MemberRow>, $crate::storage::StorageError> {
                Ok(sqlx::query_as($crate::storage::people::MEMBERS_OF)
                    .bind(site)
                    .fetch_all(&self.$pool)
                    .await?)
            }

            async fn create_invitation(
                &self,
                new: $crate::storage::NewInvitation,
                entry: Option<$crate::audit::AuditEntry>,
            ) -> Result<i64, $crate::storage::StorageError> {
                use $crate::storage::access::Access as _;
                use $crate::storage::people::{DROP_EARLIER_LINKS, INSERT_INVITATION};
                let mut tx = self.$pool.begin().await?;
                if new.purpose != "invite" {
                    sqlx::query(DROP_EARLIER_LINKS)
                        .bind(new.purpose)
                        .bind(&new.email)
                        .execute(&mut *tx)
                        .await?;
                }
                let (id,): (i64,) = sqlx::query_as(INSERT_INVITATION)
                    .bind(&new.digest[..])
                    .bind(new.purpose)
                    .bind(&new.email)
                    .bind(new.site_id)
                    .bind(&new.role)
                    .bind(&new.agent)
                    .bind(&new.teams)
                    .bind(&new.created_by)
                    .bind(new.created_at_ms)
                    .bind(new.expires_at_ms)
                    .fetch_one(&mut *tx)
                    .await?;
                if let Some(entry) = entry {
                    <$db>::insert_audit(&mut tx, &entry).await?;
                }
                tx.commit().await?;
                Ok(id)
            }

            async fn link_made_since(
                &self,
                purpose: &str,
                email: &str,
                since_ms: i64,
            ) -> Result<bool, $crate::storage::StorageError> {
                let (n,): (i64,) = sqlx::query_as($crate::storage::people::LINKS_SINCE)
                    .bind(purpose)
                    .bind(email)
                    .bind(since_ms)
                    .fetch_one(&self.$pool)
                    .await?;
                Ok(n > 0)
            }

            async fn invitation(
                &self,
                digest: [u8; 32],
            ) -> Result<Option<$crate::storage::InvitationRecord>, $crate::storage::StorageError>
            {
                use $crate::storage::people::INVITATION_COLUMNS;
                let sql = format!("SELECT {INVITATION_COLUMNS} FROM invitations WHERE digest = $1");
                Ok(sqlx::query_as(&sql)
                    .bind(&digest[..])
                    .fetch_optional(&self.$pool)
                    .await?)
            }

            async fn pending_invitations(
                &self,
                site: $crate::ids::SiteId,
                now_ms: i64,
            ) -> Result<Vec<$crate::storage::InvitationRecord>, $crate::storage::StorageError> {
                use $crate::storage::people::INVITATION_COLUMNS;
                let sql = format!(
                    "SELECT {INVITATION_COLUMNS} FROM invitations WHERE site_id = $1 \
                     AND purpose = 'invite' AND used_at_ms IS NULL AND expires_at_ms > $2 \
                     ORDER BY id"
                );
                Ok(sqlx::query_as(&sql)
                    .bind(site)
                    .bind(now_ms)
                    .fetch_all(&self.$pool)
                    .await?)
            }

            async fn revoke_invitation(
                &self,
                entry: $crate::audit::AuditEntry,
                id: i64,
            ) -> Result<bool, $crate::storage::StorageError> {
                use $crate::storage::access::Access as _;
                let mut tx = self.$pool.begin().await?;
                let gone: Option<(String,)> =
                    sqlx::query_as($crate::storage::people::DELETE_INVITATION)
                        .bind(id)
                        .bind(entry.site_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let Some((email,)) = gone else {
                    return Ok(false);
                };
                let entry = $crate::audit::AuditEntry {
                    detail: format!("{} ({email})", entry.detail),
                    ..entry
                };
                <$db>::insert_audit(&mut tx, &entry).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn accept(
                &self,
                acceptance: $crate::storage::Acceptance,
            ) -> Result<$crate::storage::Accepted, $crate::storage::StorageError> {
                use $crate::storage::access::Access as _;
                use $crate::storage::people::{
                    CLAIM_INVITATION, COUNT_USERS, END_SESSIONS, INSERT_USER, LOCK_SITE,
                    MEMBERSHIP, OTHER_OWNERS, SET_PASSWORD, UPSERT_MEMBERSHIP,
                };
                use $crate::storage::{Accepted, AcceptedAccount};
                let now = acceptance.now_ms;
                let mut tx = self.$pool.begin().await?;
                let claimed: Option<(i64,)> = sqlx::query_as(CLAIM_INVITATION)
                    .bind(now)
                    .bind(&acceptance.digest[..])
                    .fetch_optional(&mut *tx)
                    .await?;
                if claimed.is_none() {
                    return Ok(Accepted::Unusable);
                }
                if acceptance.only_if_no_account {
                    let (users,): (i64,) = sqlx::query_as(COUNT_USERS).fetch_one(&mut *tx).await?;
                    if users > 0 {
                        return Ok(Accepted::Unusable);
                    }
                }
                let user = match &acceptance.account {
                    AcceptedAccount::New {
                        email,
                        name,
                        password_hash,
                    } => {
                        let made: Option<(i64,)> = sqlx::query_as(INSERT_USER)
                            .bind(email)
                            .bind(name)
                            .bind(password_hash)
                            .bind(now)
                            .fetch_optional(&mut *tx)
                            .await?;
                        // An account made for this address meanwhile: the link is not used.
                        let Some((id,)) = made else {
                            return Ok(Accepted::Unusable);
                        };
                        $crate::ids::UserId::new(id)
                    }
                    AcceptedAccount::Existing {
                        id,
                        new_password_hash,
                    } => {
                        if let Some(hash) = new_password_hash {
                            sqlx::query(SET_PASSWORD)
                                .bind(hash)
                                .bind(*id)
                                .execute(&mut *tx)
                                .await?;
                            sqlx::query(END_SESSIONS)
                                .bind(now)
                                .bind(*id)
                                .execute(&mut *tx)
                                .await?;
                        }
                        *id
                    }
                };
                for (site, role, agent, teams) in &acceptance.grants {
                    sqlx::query(LOCK_SITE).bind(*site).execute(&mut *tx).await?;
                    // The site's last owner accepting a narrower role would leave it ownerless.
                    let current: Option<$crate::storage::MembershipRecord> =
                        sqlx::query_as(MEMBERSHIP)
                            .bind(user)
                            .bind(*site)
                            .fetch_optional(&mut *tx)
                            .await?;
                    if current.is_some_and(|c| c.role == "owner") && role != "owner" {
                        let (others,): (i64,) = sqlx::query_as(OTHER_OWNERS)
                            .bind(*site)
                            .bind(user)
                            .fetch_one(&mut *tx)
                            .await?;
                        if others == 0 {
                            return Ok(Accepted::LastOwner);
                        }
                    }
                    sqlx::query(UPSERT_MEMBERSHIP)
                        .bind(user)
                        .bind(*site)
                        .bind(role)
                        .bind(agent)
                        .bind(teams)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                }
                for entry in &acceptance.audit {
                    <$db>::insert_audit(&mut tx, entry).await?;
                }
                tx.commit().await?;
                Ok(Accepted::Account(user))
            }

            async fn set_membership(
                &self,
                entry: $crate::audit::AuditEntry,
                user: $crate::ids::UserId,
                grant: (String, Option<String>, String),
            ) -> Result<$crate::storage::MemberChange, $crate::storage::StorageError> {
                use $crate::storage::MemberChange;
                use $crate::storage::access::Access as _;
                use $crate::storage::people::{
                    LOCK_SITE, MEMBERSHIP, OTHER_OWNERS, UPDATE_MEMBERSHIP,
                };
                let mut tx = self.$pool.begin().await?;
                sqlx::query(LOCK_SITE)
                    .bind(entry.site_id)
                    .execute(&mut *tx)
                    .await?;
                let current: Option<$crate::storage::MembershipRecord> = sqlx::query_as(MEMBERSHIP)
                    .bind(user)
                    .bind(entry.site_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(current) = current else {
                    return Ok(MemberChange::NotMember);
                };
                if current.role == "owner" && grant.0 != "owner" {
                    let (others,): (i64,) = sqlx::query_as(OTHER_OWNERS)
                        .bind(entry.site_id)
                        .bind(user)
                        .fetch_one(&mut *tx)
                        .await?;
                    if others == 0 {
                        return Ok(MemberChange::LastOwner);
                    }
                }
                sqlx::query(UPDATE_MEMBERSHIP)
                    .bind(&grant.0)
                    .bind(&grant.1)
                    .bind(&grant.2)
                    .bind(user)
                    .bind(entry.site_id)
                    .execute(&mut *tx)
                    .await?;
                <$db>::insert_audit(&mut tx, &entry).await?;
                tx.commit().await?;
                Ok(MemberChange::Done)
            }

            async fn remove_membership(
                &self,
                entry: $crate::audit::AuditEntry,
                user: $crate::ids::UserId,
            ) -> Result<$crate::storage::MemberChange, $crate::storage::StorageError> {
                use $crate::storage::MemberChange;
                use $crate::storage::access::Access as _;
                use $crate::storage::people::{
                    DELETE_MEMBERSHIP, DROP_INVITATIONS_OF, LOCK_SITE, MEMBERSHIP, OTHER_OWNERS,
                };
                let mut tx = self.$pool.begin().await?;
                sqlx::query(LOCK_SITE)
                    .bind(entry.site_id)
                    .execute(&mut *tx)
                    .await?;
                let current: Option<$crate::storage::MembershipRecord> = sqlx::query_as(MEMBERSHIP)
                    .bind(user)
                    .bind(entry.site_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(current) = current else {
                    return Ok(MemberChange::NotMember);
                };
                if current.role == "owner" {
                    let (others,): (i64,) = sqlx::query_as(OTHER_OWNERS)
                        .bind(entry.site_id)
                        .bind(user)
                        .fetch_one(&mut *tx)
                        .await?;
                    if others == 0 {
                        return Ok(MemberChange::LastOwner);
                    }
                }
                sqlx::query(DELETE_MEMBERSHIP)
                    .bind(user)
                    .bind(entry.site_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(DROP_INVITATIONS_OF)
                    .bind(entry.site_id)
                    .bind(user)
                    .execute(&mut *tx)
                    .await?;
                <$db>::insert_audit(&mut tx, &entry).await?;
                tx.commit().await?;
                Ok(MemberChange::Done)
            }
        }
    };
}
pub(super) use people_store;
