//! Access: API keys (create, list, revoke, last use, the person who owns one) and the audit
//! trail. Here are the capability's trait ([`AccessStore`]) and its one
//! implementation for both backends (the `access_store!` macro each backend invokes with its
//! pool); the statements it runs, with their SQL, are in `statements.rs`.

mod statements;

use std::future::Future;

use super::{ApiKeyRecord, NewApiKey, StorageError};
use crate::audit::{AuditEntry, AuditEvent};
use crate::ids::{KeyId, SiteId};

/// Keys and the audit trail.
pub trait AccessStore: Clone + Send + Sync + 'static {
    /// Stores a new API key (its digest) and records its creation in the audit trail.
    fn create_api_key(
        &self,
        key: NewApiKey,
    ) -> impl Future<Output = Result<ApiKeyRecord, StorageError>> + Send;

    /// A key that has not been revoked, by the digest of the key.
    fn api_key_by_digest(
        &self,
        digest: &[u8; 32],
    ) -> impl Future<Output = Result<Option<ApiKeyRecord>, StorageError>> + Send;

    /// A site's keys, revoked ones included.
    fn api_keys(
        &self,
        site_id: SiteId,
    ) -> impl Future<Output = Result<Vec<ApiKeyRecord>, StorageError>> + Send;

    fn api_key_by_id(
        &self,
        id: KeyId,
    ) -> impl Future<Output = Result<Option<ApiKeyRecord>, StorageError>> + Send;

    /// Revokes a key of `entry.site_id` and records it, in one transaction; `false` when that
    /// site has no such live key.
    fn revoke_api_key(
        &self,
        entry: AuditEntry,
        key_id: KeyId,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Notes that a key was used.
    fn touch_api_key(
        &self,
        id: KeyId,
        now: jiff::Timestamp,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// A site's audit trail, oldest first.
    fn audit_events(
        &self,
        site_id: SiteId,
    ) -> impl Future<Output = Result<Vec<AuditEvent>, StorageError>> + Send;

    /// Records an audit entry on its own (a change made in several transactions, e.g. an import).
    fn record_audit(
        &self,
        entry: AuditEntry,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;
}

/// Implements [`AccessStore`] for a backend's storage type over its sqlx database, with every
/// statement on the pool field named (the primary: a revocation is seen at once).
macro_rules! access_store {
    ($storage:ty, $db:ty, $pool:ident) => {
        impl $crate::storage::AccessStore for $storage {
            #[tracing::instrument(name = "storage::create_api_key", level = "debug", skip_all)]
            async fn create_api_key(
                &self,
                key: $crate::storage::NewApiKey,
            ) -> Result<$crate::storage::ApiKeyRecord, $crate::storage::StorageError> {
                use $crate::storage::access::Access as _;
                let mut tx = self.$pool.begin().await?;
                let record = <$db>::insert_api_key(&mut tx, &key).await?;
                tx.commit().await?;
                Ok(record)
            }

            #[tracing::instrument(name = "storage::api_key_by_digest", level = "debug", skip_all)]
            async fn api_key_by_digest(
                &self,
                digest: &[u8; 32],
            ) -> Result<Option<$crate::storage::ApiKeyRecord>, $crate::storage::StorageError> {
                use $crate::storage::access::Access as _;
                <$db>::api_key(&mut *self.$pool.acquire().await?, digest).await
            }

            #[tracing::instrument(name = "storage::api_keys", level = "debug", skip_all)]
            async fn api_keys(
                &self,
                site_id: $crate::ids::SiteId,
            ) -> Result<Vec<$crate::storage::ApiKeyRecord>, $crate::storage::StorageError> {
                use $crate::storage::access::Access as _;
                <$db>::api_keys(&mut *self.$pool.acquire().await?, site_id).await
            }

            #[tracing::instrument(name = "storage::api_key_by_id", level = "debug", skip_all)]
            async fn api_key_by_id(
                &self,
                id: $crate::ids::KeyId,
            ) -> Result<Option<$crate::storage::ApiKeyRecord>, $crate::storage::StorageError> {
                use $crate::storage::access::Access as _;
                <$db>::api_key_by_id(&mut *self.$pool.acquire().await?, id).await
            }

            #[tracing::instrument(name = "storage::revoke_api_key", level = "debug", skip_all)]
            async fn revoke_api_key(
                &self,
                entry: $crate::audit::AuditEntry,
                key_id: $crate::ids::KeyId,
            ) -> Result<bool, $crate::storage::StorageError> {
                use $crate::storage::access::Access as _;
                let mut tx = self.$pool.begin().await?;
                let revoked = <$db>::revoke_api_key(&mut tx, &entry, key_id).await?;
                tx.commit().await?;
                Ok(revoked)
            }

            #[tracing::instrument(name = "storage::touch_api_key", level = "debug", skip_all)]
            async fn touch_api_key(
                &self,
                id: $crate::ids::KeyId,
                now: jiff::Timestamp,
            ) -> Result<(), $crate::storage::StorageError> {
                use $crate::storage::access::Access as _;
                <$db>::touch_api_key(&mut *self.$pool.acquire().await?, id, now.as_millisecond())
                    .await
            }

            #[tracing::instrument(name = "storage::audit_events", level = "debug", skip_all)]
            async fn audit_events(
                &self,
                site_id: $crate::ids::SiteId,
            ) -> Result<Vec<$crate::audit::AuditEvent>, $crate::storage::StorageError> {
                use $crate::storage::access::Access as _;
                <$db>::audit_events(&mut *self.$pool.acquire().await?, site_id).await
            }

            #[tracing::instrument(name = "storage::record_audit", level = "debug", skip_all)]
            async fn record_audit(
                &self,
                entry: $crate::audit::AuditEntry,
            ) -> Result<(), $crate::storage::StorageError> {
                use $crate::storage::access::Access as _;
                <$db>::insert_audit(&mut *self.$pool.acquire().await?, &entry).await
            }
        }
    };
}
pub(super) use access_store;

pub(in crate::storage) use statements::Access;
