//! Access: API keys (create, list, revoke, last use), dashboard sessions kept on the server,
//! and the audit trail. A change and its audit entry are written on one connection, inside
//! one transaction. Here are the capability's trait ([`AccessStore`]), its one implementation
//! for both backends (the `access_store!` macro each backend invokes with its pool) and the
//! statements with their SQL.

use super::sql::for_koe_databases;
use std::future::Future;

use sqlx::Database;

use super::queries::unique;
use super::rows::{ApiKeyRow, AuditRow, SessionRow};
use super::{ApiKeyRecord, NewApiKey, SessionRecord, StorageError};
use crate::audit::{AuditAction, AuditEntry, AuditEvent};
use crate::ids::{KeyId, SiteId};

/// Keys, sessions and the audit trail.
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

    /// Starts a dashboard session for a key; gives its id.
    fn create_session(
        &self,
        key_id: KeyId,
        now: jiff::Timestamp,
        expires_at: jiff::Timestamp,
    ) -> impl Future<Output = Result<i64, StorageError>> + Send;

    fn session(
        &self,
        id: i64,
    ) -> impl Future<Output = Result<Option<SessionRecord>, StorageError>> + Send;

    /// Ends a dashboard session (sign-out).
    fn end_session(
        &self,
        id: i64,
        now: jiff::Timestamp,
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

            #[tracing::instrument(name = "storage::create_session", level = "debug", skip_all)]
            async fn create_session(
                &self,
                key_id: $crate::ids::KeyId,
                now: jiff::Timestamp,
                expires_at: jiff::Timestamp,
            ) -> Result<i64, $crate::storage::StorageError> {
                use $crate::storage::access::Access as _;
                <$db>::insert_session(
                    &mut *self.$pool.acquire().await?,
                    key_id,
                    now.as_millisecond(),
                    expires_at.as_millisecond(),
                )
                .await
            }

            #[tracing::instrument(name = "storage::session", level = "debug", skip_all)]
            async fn session(
                &self,
                id: i64,
            ) -> Result<Option<$crate::storage::SessionRecord>, $crate::storage::StorageError> {
                use $crate::storage::access::Access as _;
                <$db>::session(&mut *self.$pool.acquire().await?, id).await
            }

            #[tracing::instrument(name = "storage::end_session", level = "debug", skip_all)]
            async fn end_session(
                &self,
                id: i64,
                now: jiff::Timestamp,
            ) -> Result<(), $crate::storage::StorageError> {
                use $crate::storage::access::Access as _;
                <$db>::end_session(&mut *self.$pool.acquire().await?, id, now.as_millisecond())
                    .await
            }
        }
    };
}
pub(super) use access_store;

const INSERT_API_KEY: &str = "INSERT INTO api_keys (site_id, role, key_digest, \
     key_prefix, created_at_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id";

/// The columns an API key row reads.
macro_rules! api_key_columns {
    () => {
        "id, site_id, role, key_prefix, created_at_ms, last_used_at_ms, revoked_at_ms"
    };
}

/// A key that has not been revoked, by its digest.
const SELECT_API_KEY_BY_DIGEST: &str = concat!(
    "SELECT ",
    api_key_columns!(),
    " FROM api_keys WHERE key_digest = $1 AND revoked_at_ms IS NULL"
);

/// A site's keys, revoked ones included.
const SELECT_API_KEYS: &str = concat!(
    "SELECT ",
    api_key_columns!(),
    " FROM api_keys WHERE site_id = $1 ORDER BY id"
);

const SELECT_API_KEY_BY_ID: &str = concat!(
    "SELECT ",
    api_key_columns!(),
    " FROM api_keys WHERE id = $1"
);

/// Revokes a key of a site (`$1` now, `$2` site, `$3` key) if it is not revoked yet.
const REVOKE_API_KEY: &str = "UPDATE api_keys SET revoked_at_ms = $1 \
     WHERE site_id = $2 AND id = $3 AND revoked_at_ms IS NULL RETURNING key_prefix, role";

const TOUCH_API_KEY: &str = "UPDATE api_keys SET last_used_at_ms = $1 WHERE id = $2";

const INSERT_AUDIT: &str = "INSERT INTO audit_events (site_id, at_ms, actor, action, \
     detail) VALUES ($1, $2, $3, $4, $5)";

const SELECT_AUDIT: &str = "SELECT id, at_ms, actor, action, detail \
     FROM audit_events WHERE site_id = $1 ORDER BY at_ms, id";

const INSERT_SESSION: &str = "INSERT INTO dashboard_sessions (key_id, created_at_ms, \
     expires_at_ms) VALUES ($1, $2, $3) RETURNING id";

/// A session with its key's site, role and revocation.
const SELECT_SESSION: &str = "SELECT s.id, s.key_id, k.site_id, k.role, \
     s.expires_at_ms, s.ended_at_ms, k.revoked_at_ms FROM dashboard_sessions s \
     JOIN api_keys k ON k.id = s.key_id WHERE s.id = $1";

const END_SESSION: &str =
    "UPDATE dashboard_sessions SET ended_at_ms = $1 WHERE id = $2 AND ended_at_ms IS NULL";

/// The statements, on one connection (the caller's transaction where there is one).
pub(super) trait Access: Database {
    /// Stores a new key and records its creation.
    async fn insert_api_key(
        conn: &mut Self::Connection,
        key: &NewApiKey,
    ) -> Result<ApiKeyRecord, StorageError>;

    /// A key that has not been revoked, by its digest.
    async fn api_key(
        conn: &mut Self::Connection,
        digest: &[u8; 32],
    ) -> Result<Option<ApiKeyRecord>, StorageError>;

    async fn api_key_by_id(
        conn: &mut Self::Connection,
        id: KeyId,
    ) -> Result<Option<ApiKeyRecord>, StorageError>;

    async fn api_keys(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<ApiKeyRecord>, StorageError>;

    /// Revokes a site's key and records it; `false` when the site has no such live key.
    async fn revoke_api_key(
        conn: &mut Self::Connection,
        entry: &AuditEntry,
        key_id: KeyId,
    ) -> Result<bool, StorageError>;

    async fn touch_api_key(
        conn: &mut Self::Connection,
        id: KeyId,
        now_ms: i64,
    ) -> Result<(), StorageError>;

    async fn insert_audit(
        conn: &mut Self::Connection,
        entry: &AuditEntry,
    ) -> Result<(), StorageError>;

    async fn audit_events(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<AuditEvent>, StorageError>;

    async fn insert_session(
        conn: &mut Self::Connection,
        key_id: KeyId,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<i64, StorageError>;

    async fn session(
        conn: &mut Self::Connection,
        id: i64,
    ) -> Result<Option<SessionRecord>, StorageError>;

    async fn end_session(
        conn: &mut Self::Connection,
        id: i64,
        now_ms: i64,
    ) -> Result<(), StorageError>;
}

for_koe_databases! {
    impl Access {
    async fn insert_api_key(
        conn: &mut Self::Connection,
        key: &NewApiKey,
    ) -> Result<ApiKeyRecord, StorageError> {
        let (id,): (i64,) = sqlx::query_as(INSERT_API_KEY)
            .bind(key.site_id)
            .bind(key.role.as_str())
            .bind(&key.digest[..])
            .bind(key.prefix.as_str())
            .bind(key.created_at.as_millisecond())
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| unique(e, "an API key with this digest"))?;
        let entry = AuditEntry {
            site_id: key.site_id,
            actor: key.actor,
            action: AuditAction::KeyCreated,
            detail: format!("key {id} ({}, {}…)", key.role.as_str(), key.prefix),
            at: key.created_at,
        };
        Self::insert_audit(conn, &entry).await?;
        Ok(ApiKeyRecord {
            id: KeyId::new(id),
            site_id: key.site_id,
            role: key.role,
            prefix: key.prefix.clone(),
            created_at: key.created_at,
            last_used_at: None,
            revoked_at: None,
        })
    }

    async fn api_key(
        conn: &mut Self::Connection,
        digest: &[u8; 32],
    ) -> Result<Option<ApiKeyRecord>, StorageError> {
        let row: Option<ApiKeyRow> = sqlx::query_as(SELECT_API_KEY_BY_DIGEST)
            .bind(&digest[..])
            .fetch_optional(conn)
            .await?;
        row.map(ApiKeyRecord::try_from).transpose()
    }

    async fn api_key_by_id(
        conn: &mut Self::Connection,
        id: KeyId,
    ) -> Result<Option<ApiKeyRecord>, StorageError> {
        let row: Option<ApiKeyRow> = sqlx::query_as(SELECT_API_KEY_BY_ID)
            .bind(id)
            .fetch_optional(conn)
            .await?;
        row.map(ApiKeyRecord::try_from).transpose()
    }

    async fn api_keys(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<ApiKeyRecord>, StorageError> {
        let rows: Vec<ApiKeyRow> = sqlx::query_as(SELECT_API_KEYS)
            .bind(site_id)
            .fetch_all(conn)
            .await?;
        rows.into_iter().map(ApiKeyRecord::try_from).collect()
    }

    async fn revoke_api_key(
        conn: &mut Self::Connection,
        entry: &AuditEntry,
        key_id: KeyId,
    ) -> Result<bool, StorageError> {
        let revoked: Option<(String, String)> = sqlx::query_as(REVOKE_API_KEY)
            .bind(entry.at.as_millisecond())
            .bind(entry.site_id)
            .bind(key_id)
            .fetch_optional(&mut *conn)
            .await?;
        let Some((prefix, role)) = revoked else {
            return Ok(false);
        };
        let entry = AuditEntry {
            detail: format!("key {key_id} ({role}, {prefix}…)"),
            ..entry.clone()
        };
        Self::insert_audit(conn, &entry).await?;
        Ok(true)
    }

    async fn touch_api_key(
        conn: &mut Self::Connection,
        id: KeyId,
        now_ms: i64,
    ) -> Result<(), StorageError> {
        sqlx::query(TOUCH_API_KEY)
            .bind(now_ms)
            .bind(id)
            .execute(conn)
            .await?;
        Ok(())
    }

    async fn insert_audit(
        conn: &mut Self::Connection,
        entry: &AuditEntry,
    ) -> Result<(), StorageError> {
        sqlx::query(INSERT_AUDIT)
            .bind(entry.site_id)
            .bind(entry.at.as_millisecond())
            .bind(entry.actor.to_string())
            .bind(entry.action.as_str())
            .bind(entry.detail.as_str())
            .execute(conn)
            .await?;
        Ok(())
    }

    async fn audit_events(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<AuditEvent>, StorageError> {
        let rows: Vec<AuditRow> = sqlx::query_as(SELECT_AUDIT)
            .bind(site_id)
            .fetch_all(conn)
            .await?;
        Ok(rows.into_iter().map(AuditEvent::from).collect())
    }

    async fn insert_session(
        conn: &mut Self::Connection,
        key_id: KeyId,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<i64, StorageError> {
        let (id,): (i64,) = sqlx::query_as(INSERT_SESSION)
            .bind(key_id)
            .bind(now_ms)
            .bind(expires_at_ms)
            .fetch_one(conn)
            .await?;
        Ok(id)
    }

    async fn session(
        conn: &mut Self::Connection,
        id: i64,
    ) -> Result<Option<SessionRecord>, StorageError> {
        let row: Option<SessionRow> = sqlx::query_as(SELECT_SESSION)
            .bind(id)
            .fetch_optional(conn)
            .await?;
        row.map(SessionRecord::try_from).transpose()
    }

    async fn end_session(
        conn: &mut Self::Connection,
        id: i64,
        now_ms: i64,
    ) -> Result<(), StorageError> {
        sqlx::query(END_SESSION)
            .bind(now_ms)
            .bind(id)
            .execute(conn)
            .await?;
        Ok(())
    }
    }
}
