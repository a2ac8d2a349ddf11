//! The statements behind access, with their SQL: API keys (and the person who owns one) and the
//! audit trail. A change and its audit entry are written on one connection, inside the caller's
//! transaction.

use sqlx::Database;

use crate::audit::{AuditAction, AuditEntry, AuditEvent};
use crate::ids::{KeyId, SiteId};
use crate::storage::queries::unique;
use crate::storage::rows::{ApiKeyRow, AuditRow};
use crate::storage::sql::for_koe_databases;
use crate::storage::{ApiKeyRecord, NewApiKey, StorageError};

const INSERT_API_KEY: &str = "INSERT INTO api_keys (site_id, role, key_digest, \
     key_prefix, created_at_ms, owner_user_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";

/// The columns an API key row reads.
macro_rules! api_key_columns {
    () => {
        "id, site_id, role, key_prefix, created_at_ms, last_used_at_ms, revoked_at_ms, \
         (SELECT email FROM users WHERE users.id = api_keys.owner_user_id) AS owner"
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

/// The statements, on one connection (the caller's transaction where there is one).
pub(in crate::storage) trait Access: Database {
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
            .bind(key.owner.map(crate::ids::UserId::get))
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| unique(e, "an API key with this digest"))?;
        let entry = AuditEntry {
            site_id: key.site_id,
            actor: key.actor.clone(),
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
            owner: key.owner_email.clone(),
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



    }
}
