//! A person's sign-in attempts (claimed one at a time, counted, waited out) and sessions
//! (started with the sign-in's audit entries, checked, listed, ended): the trait
//! ([`SessionStore`]) and its one implementation for both backends (`session_store!`).

use std::future::Future;

use super::super::StorageError;
use super::super::records::UserSessionRecord;
use crate::audit::AuditEntry;
use crate::ids::UserId;

/// Sign-in attempts and sessions.
pub trait SessionStore: Clone + Send + Sync + 'static {
    /// Claims an attempt at an account's password until `lease_until_ms`, unless it must wait
    /// at `now_ms` (after failures, or while another attempt is checked): then `None`. Gives
    /// the account's failures so far.
    fn claim_sign_in_attempt(
        &self,
        user: UserId,
        now_ms: i64,
        lease_until_ms: i64,
    ) -> impl Future<Output = Result<Option<i64>, StorageError>> + Send;

    /// The right password: the account's failures forgotten, its claimed attempt released.
    fn note_right_password(
        &self,
        user: UserId,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// A failed attempt: counted, and the account waits until `locked_until_ms`.
    fn note_failed_sign_in(
        &self,
        user: UserId,
        now_ms: i64,
        locked_until_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// A successful sign-in: its failures forgotten, a session started (its id), the sign-in
    /// audited on each of the person's sites, in one transaction.
    fn sign_in(
        &self,
        user: UserId,
        now_ms: i64,
        expires_at_ms: i64,
        client: &str,
        audit: Vec<AuditEntry>,
    ) -> impl Future<Output = Result<i64, StorageError>> + Send;

    fn user_session(
        &self,
        id: i64,
    ) -> impl Future<Output = Result<Option<UserSessionRecord>, StorageError>> + Send;

    fn touch_user_session(
        &self,
        id: i64,
        now_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// A person's sessions still live at `now_ms`, newest first.
    fn user_sessions(
        &self,
        user: UserId,
        now_ms: i64,
    ) -> impl Future<Output = Result<Vec<UserSessionRecord>, StorageError>> + Send;

    /// Ends one of a person's sessions; `false` when it is not theirs or ended already.
    fn end_user_session(
        &self,
        user: UserId,
        id: i64,
        now_ms: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Ends every session of a person ("sign out everywhere"); how many were live.
    fn end_user_sessions(
        &self,
        user: UserId,
        now_ms: i64,
    ) -> impl Future<Output = Result<u64, StorageError>> + Send;
}

/// Implements [`SessionStore`] for a backend's storage type over its sqlx database, with every
/// statement on the pool field named.
macro_rules! session_store {
    ($storage:ty, $db:ty, $pool:ident) => {
        impl $crate::storage::SessionStore for $storage {
            async fn claim_sign_in_attempt(
                &self,
                user: $crate::ids::UserId,
                now_ms: i64,
                lease_until_ms: i64,
            ) -> Result<Option<i64>, $crate::storage::StorageError> {
                let claimed: Option<(i64,)> =
                    sqlx::query_as($crate::storage::people::CLAIM_ATTEMPT)
                        .bind(user)
                        .bind(lease_until_ms)
                        .bind(now_ms)
                        .fetch_optional(&self.$pool)
                        .await?;
                Ok(claimed.map(|(failures,)| failures))
            }

            async fn note_right_password(
                &self,
                user: $crate::ids::UserId,
            ) -> Result<(), $crate::storage::StorageError> {
                sqlx::query($crate::storage::people::RIGHT_PASSWORD)
                    .bind(user)
                    .execute(&self.$pool)
                    .await?;
                Ok(())
            }

            async fn note_failed_sign_in(
                &self,
                user: $crate::ids::UserId,
                now_ms: i64,
                locked_until_ms: i64,
            ) -> Result<(), $crate::storage::StorageError> {
                sqlx::query($crate::storage::people::NOTE_FAILURE)
                    .bind(now_ms)
                    .bind(user)
                    .bind(locked_until_ms)
                    .execute(&self.$pool)
                    .await?;
                Ok(())
            }

            async fn sign_in(
                &self,
                user: $crate::ids::UserId,
                now_ms: i64,
                expires_at_ms: i64,
                client: &str,
                audit: Vec<$crate::audit::AuditEntry>,
            ) -> Result<i64, $crate::storage::StorageError> {
                use $crate::storage::access::Access as _;
                use $crate::storage::people::{INSERT_SESSION, NOTE_SIGN_IN};
                let mut tx = self.$pool.begin().await?;
                sqlx::query(NOTE_SIGN_IN)
                    .bind(now_ms)
                    .bind(user)
                    .execute(&mut *tx)
                    .await?;
                let (id,): (i64,) = sqlx::query_as(INSERT_SESSION)
                    .bind(user)
                    .bind(now_ms)
                    .bind(expires_at_ms)
                    .bind(client)
                    .fetch_one(&mut *tx)
                    .await?;
                for entry in &audit {
                    <$db>::insert_audit(&mut tx, entry).await?;
                }
                tx.commit().await?;
                Ok(id)
            }

            async fn user_session(
                &self,
                id: i64,
            ) -> Result<Option<$crate::storage::UserSessionRecord>, $crate::storage::StorageError>
            {
                use $crate::storage::people::SESSION_COLUMNS;
                let sql = format!("SELECT {SESSION_COLUMNS} FROM user_sessions WHERE id = $1");
                Ok(sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&self.$pool)
                    .await?)
            }

            async fn touch_user_session(
                &self,
                id: i64,
                now_ms: i64,
            ) -> Result<(), $crate::storage::StorageError> {
                sqlx::query($crate::storage::people::TOUCH_SESSION)
                    .bind(now_ms)
                    .bind(id)
                    .execute(&self.$pool)
                    .await?;
                Ok(())
            }

            async fn user_sessions(
                &self,
                user: $crate::ids::UserId,
                now_ms: i64,
            ) -> Result<Vec<$crate::storage::UserSessionRecord>, $crate::storage::StorageError>
            {
                use $crate::storage::people::SESSION_COLUMNS;
                let sql = format!(
                    "SELECT {SESSION_COLUMNS} FROM user_sessions WHERE user_id = $1 \
                     AND ended_at_ms IS NULL AND expires_at_ms >= $2 ORDER BY id DESC"
                );
                Ok(sqlx::query_as(&sql)
                    .bind(user)
                    .bind(now_ms)
                    .fetch_all(&self.$pool)
                    .await?)
            }

            async fn end_user_session(
                &self,
                user: $crate::ids::UserId,
                id: i64,
                now_ms: i64,
            ) -> Result<bool, $crate::storage::StorageError> {
                let ended: Option<(i64,)> = sqlx::query_as($crate::storage::people::END_SESSION)
                    .bind(now_ms)
                    .bind(id)
                    .bind(user)
                    .fetch_optional(&self.$pool)
                    .await?;
                Ok(ended.is_some())
            }

            async fn end_user_sessions(
                &self,
                user: $crate::ids::UserId,
                now_ms: i64,
            ) -> Result<u64, $crate::storage::StorageError> {
                let done = sqlx::query($crate::storage::people::END_SESSIONS)
                    .bind(now_ms)
                    .bind(user)
                    .execute(&self.$pool)
                    .await?;
                Ok(done.rows_affected())
            }
        }
    };
}
pub(in crate::storage) use session_store;
