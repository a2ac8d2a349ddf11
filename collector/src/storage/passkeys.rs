//! Passkeys: each person's WebAuthn credentials (public keys and their counters, as JSON) and
//! the ceremonies between their two calls, taken once. The capability's trait
//! ([`PasskeyStore`]), its SQL and its one implementation for both backends (`passkey_store!`).

use std::future::Future;

use super::StorageError;
use super::records::{NewPasskey, PasskeyRecord};
use crate::ids::UserId;

pub(in crate::storage) const COLUMNS: &str =
    "id, user_id, credential_id, credential, name, created_at_ms, last_used_at_ms";
pub(in crate::storage) const INSERT: &str = "INSERT INTO passkeys (user_id, credential_id, \
     credential, name, created_at_ms) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (credential_id) \
     DO NOTHING RETURNING id";
pub(in crate::storage) const UPDATE: &str = "UPDATE passkeys SET credential = $1, \
     last_used_at_ms = $2 WHERE id = $3";
pub(in crate::storage) const DELETE: &str =
    "DELETE FROM passkeys WHERE id = $1 AND user_id = $2 RETURNING id";
pub(in crate::storage) const PUT_CEREMONY: &str = "INSERT INTO passkey_ceremonies (id, user_id, \
     kind, state, expires_at_ms) VALUES ($1, $2, $3, $4, $5)";
/// Taken once, before it expires (`$2`: now); expired ones go with it.
pub(in crate::storage) const TAKE_CEREMONY: &str = "DELETE FROM passkey_ceremonies \
     WHERE id = $1 AND expires_at_ms > $2 RETURNING user_id, kind, state";
pub(in crate::storage) const DROP_EXPIRED: &str =
    "DELETE FROM passkey_ceremonies WHERE expires_at_ms <= $1";

/// A ceremony taken back: whose, which kind, its state as JSON.
pub type TakenCeremony = (UserId, String, String);

/// Passkeys and their ceremonies.
pub trait PasskeyStore: Clone + Send + Sync + 'static {
    /// Stores a passkey; `None` when that credential is registered already.
    fn add_passkey(
        &self,
        new: NewPasskey,
    ) -> impl Future<Output = Result<Option<i64>, StorageError>> + Send;

    /// A person's passkeys, oldest first.
    fn passkeys_of(
        &self,
        user: UserId,
    ) -> impl Future<Output = Result<Vec<PasskeyRecord>, StorageError>> + Send;

    /// A passkey's credential after a sign-in (its counter), and when it was used.
    fn update_passkey(
        &self,
        id: i64,
        credential: &str,
        used_at_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Removes one of a person's passkeys; `false` when it is not theirs.
    fn remove_passkey(
        &self,
        user: UserId,
        id: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Keeps a ceremony's state until `expires_at_ms` (and drops expired ones).
    fn put_ceremony(
        &self,
        id: &str,
        user: UserId,
        kind: &str,
        state: &str,
        expires_at_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Takes a ceremony back, once, if it has not expired at `now_ms`.
    fn take_ceremony(
        &self,
        id: &str,
        now_ms: i64,
    ) -> impl Future<Output = Result<Option<TakenCeremony>, StorageError>> + Send;
}

/// Implements [`PasskeyStore`] for a backend's storage type, on the pool field named.
macro_rules! passkey_store {
    ($storage:ty, $pool:ident) => {
        impl $crate::storage::PasskeyStore for $storage {
            async fn add_passkey(
                &self,
                new: $crate::storage::NewPasskey,
            ) -> Result<Option<i64>, $crate::storage::StorageError> {
                let id: Option<(i64,)> = sqlx::query_as($crate::storage::passkeys::INSERT)
                    .bind(new.user_id)
                    .bind(&new.credential_id)
                    .bind(&new.credential)
                    .bind(&new.name)
                    .bind(new.created_at_ms)
                    .fetch_optional(&self.$pool)
                    .await?;
                Ok(id.map(|(id,)| id))
            }

            async fn passkeys_of(
                &self,
                user: $crate::ids::UserId,
            ) -> Result<Vec<$crate::storage::PasskeyRecord>, $crate::storage::StorageError> {
                use $crate::storage::passkeys::COLUMNS;
                let sql = format!("SELECT {COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY id");
                Ok(sqlx::query_as(&sql)
                    .bind(user)
                    .fetch_all(&self.$pool)
                    .await?)
            }

            async fn update_passkey(
                &self,
                id: i64,
                credential: &str,
                used_at_ms: i64,
            ) -> Result<(), $crate::storage::StorageError> {
                sqlx::query($crate::storage::passkeys::UPDATE)
                    .bind(credential)
                    .bind(used_at_ms)
                    .bind(id)
                    .execute(&self.$pool)
                    .await?;
                Ok(())
            }

            async fn remove_passkey(
                &self,
                user: $crate::ids::UserId,
                id: i64,
            ) -> Result<bool, $crate::storage::StorageError> {
                let gone: Option<(i64,)> = sqlx::query_as($crate::storage::passkeys::DELETE)
                    .bind(id)
                    .bind(user)
                    .fetch_optional(&self.$pool)
                    .await?;
                Ok(gone.is_some())
            }

            async fn put_ceremony(
                &self,
                id: &str,
                user: $crate::ids::UserId,
                kind: &str,
                state: &str,
                expires_at_ms: i64,
            ) -> Result<(), $crate::storage::StorageError> {
                use $crate::storage::passkeys::{DROP_EXPIRED, PUT_CEREMONY};
                let mut tx = self.$pool.begin().await?;
                sqlx::query(DROP_EXPIRED)
                    .bind($crate::clock::now_ms())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(PUT_CEREMONY)
                    .bind(id)
                    .bind(user)
                    .bind(kind)
                    .bind(state)
                    .bind(expires_at_ms)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn take_ceremony(
                &self,
                id: &str,
                now_ms: i64,
            ) -> Result<
                Option<$crate::storage::passkeys::TakenCeremony>,
                $crate::storage::StorageError,
            > {
                let taken: Option<(i64, String, String)> =
                    sqlx::query_as($crate::storage::passkeys::TAKE_CEREMONY)
                        .bind(id)
                        .bind(now_ms)
                        .fetch_optional(&self.$pool)
                        .await?;
                Ok(taken.map(|(user, kind, state)| ($crate::ids::UserId::new(user), kind, state)))
            }
        }
    };
}
pub(super) use passkey_store;
