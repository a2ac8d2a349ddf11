//! The statements behind managing access, the same SQL on both backends: API keys (create,
//! list, revoke, last use), dashboard sessions kept on the server, a site's secret rotation
//! and the audit trail. A change and its audit entry are written on one connection, inside
//! the transaction the backend opens for them.

use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};

use super::queries::unique;
use super::rows::{ApiKeyRow, AuditRow, SessionRow, join_origins};
use super::sql;
use super::{ApiKeyRecord, NewApiKey, SessionRecord, StorageError};
use crate::audit::{AuditAction, AuditEntry, AuditEvent};
use crate::sites::Site;

pub(super) trait Admin: Database {
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
        id: i64,
    ) -> Result<Option<ApiKeyRecord>, StorageError>;

    async fn api_keys(
        conn: &mut Self::Connection,
        site_id: i64,
    ) -> Result<Vec<ApiKeyRecord>, StorageError>;

    /// Revokes a site's key and records it; `false` when the site has no such live key.
    async fn revoke_api_key(
        conn: &mut Self::Connection,
        entry: &AuditEntry,
        key_id: i64,
    ) -> Result<bool, StorageError>;

    async fn touch_api_key(
        conn: &mut Self::Connection,
        id: i64,
        now_ms: i64,
    ) -> Result<(), StorageError>;

    /// Makes `digest` the site's secret, keeps the current one verifying until `until_ms`,
    /// and records it.
    async fn rotate_secret(
        conn: &mut Self::Connection,
        entry: &AuditEntry,
        digest: &[u8; 32],
        until_ms: i64,
    ) -> Result<(), StorageError>;

    /// Stores a site's editable settings (name, origins, strict, low-n threshold) and records
    /// the change.
    async fn update_site(
        conn: &mut Self::Connection,
        entry: &AuditEntry,
        site: &Site,
    ) -> Result<(), StorageError>;

    async fn insert_audit(
        conn: &mut Self::Connection,
        entry: &AuditEntry,
    ) -> Result<(), StorageError>;

    async fn audit_events(
        conn: &mut Self::Connection,
        site_id: i64,
    ) -> Result<Vec<AuditEvent>, StorageError>;

    async fn insert_session(
        conn: &mut Self::Connection,
        key_id: i64,
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

impl<DB> Admin for DB
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> &'q [u8]: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
    for<'r> (i64,): FromRow<'r, DB::Row>,
    for<'r> (String, String): FromRow<'r, DB::Row>,
    for<'r> ApiKeyRow: FromRow<'r, DB::Row>,
    for<'r> SessionRow: FromRow<'r, DB::Row>,
    for<'r> AuditRow: FromRow<'r, DB::Row>,
{
    async fn insert_api_key(
        conn: &mut Self::Connection,
        key: &NewApiKey,
    ) -> Result<ApiKeyRecord, StorageError> {
        let (id,): (i64,) = sqlx::query_as(sql::INSERT_API_KEY)
            .bind(key.site_id)
            .bind(key.role.as_str())
            .bind(&key.digest[..])
            .bind(key.prefix.as_str())
            .bind(key.created_at_ms)
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| unique(e, "an API key with this digest"))?;
        let entry = AuditEntry {
            site_id: key.site_id,
            actor: key.actor,
            action: AuditAction::KeyCreated,
            detail: format!("key {id} ({}, {}…)", key.role.as_str(), key.prefix),
            at_ms: key.created_at_ms,
        };
        Self::insert_audit(conn, &entry).await?;
        Ok(ApiKeyRecord {
            id,
            site_id: key.site_id,
            role: key.role,
            prefix: key.prefix.clone(),
            created_at_ms: key.created_at_ms,
            last_used_at_ms: None,
            revoked_at_ms: None,
        })
    }

    async fn api_key(
        conn: &mut Self::Connection,
        digest: &[u8; 32],
    ) -> Result<Option<ApiKeyRecord>, StorageError> {
        let row: Option<ApiKeyRow> = sqlx::query_as(sql::SELECT_API_KEY_BY_DIGEST)
            .bind(&digest[..])
            .fetch_optional(conn)
            .await?;
        row.map(ApiKeyRecord::try_from).transpose()
    }

    async fn api_key_by_id(
        conn: &mut Self::Connection,
        id: i64,
    ) -> Result<Option<ApiKeyRecord>, StorageError> {
        let row: Option<ApiKeyRow> = sqlx::query_as(sql::SELECT_API_KEY_BY_ID)
            .bind(id)
            .fetch_optional(conn)
            .await?;
        row.map(ApiKeyRecord::try_from).transpose()
    }

    async fn api_keys(
        conn: &mut Self::Connection,
        site_id: i64,
    ) -> Result<Vec<ApiKeyRecord>, StorageError> {
        let rows: Vec<ApiKeyRow> = sqlx::query_as(sql::SELECT_API_KEYS)
            .bind(site_id)
            .fetch_all(conn)
            .await?;
        rows.into_iter().map(ApiKeyRecord::try_from).collect()
    }

    async fn revoke_api_key(
        conn: &mut Self::Connection,
        entry: &AuditEntry,
        key_id: i64,
    ) -> Result<bool, StorageError> {
        let revoked: Option<(String, String)> = sqlx::query_as(sql::REVOKE_API_KEY)
            .bind(entry.at_ms)
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
        id: i64,
        now_ms: i64,
    ) -> Result<(), StorageError> {
        sqlx::query(sql::TOUCH_API_KEY)
            .bind(now_ms)
            .bind(id)
            .execute(conn)
            .await?;
        Ok(())
    }

    async fn rotate_secret(
        conn: &mut Self::Connection,
        entry: &AuditEntry,
        digest: &[u8; 32],
        until_ms: i64,
    ) -> Result<(), StorageError> {
        sqlx::query(sql::ROTATE_SECRET)
            .bind(&digest[..])
            .bind(until_ms)
            .bind(entry.site_id)
            .execute(&mut *conn)
            .await?;
        Self::insert_audit(conn, entry).await
    }

    async fn update_site(
        conn: &mut Self::Connection,
        entry: &AuditEntry,
        site: &Site,
    ) -> Result<(), StorageError> {
        sqlx::query(sql::UPDATE_SITE)
            .bind(site.name.as_str())
            .bind(join_origins(&site.origins))
            .bind(site.strict)
            .bind(i64::from(site.low_n_threshold))
            .bind(site.retention_days.map(i64::from))
            .bind(i64::from(site.fatigue.sample_percent))
            .bind(i64::from(site.fatigue.cooldown_days))
            .bind(site.id)
            .execute(&mut *conn)
            .await?;
        Self::insert_audit(conn, entry).await
    }

    async fn insert_audit(
        conn: &mut Self::Connection,
        entry: &AuditEntry,
    ) -> Result<(), StorageError> {
        sqlx::query(sql::INSERT_AUDIT)
            .bind(entry.site_id)
            .bind(entry.at_ms)
            .bind(entry.actor.to_string())
            .bind(entry.action.as_str())
            .bind(entry.detail.as_str())
            .execute(conn)
            .await?;
        Ok(())
    }

    async fn audit_events(
        conn: &mut Self::Connection,
        site_id: i64,
    ) -> Result<Vec<AuditEvent>, StorageError> {
        let rows: Vec<AuditRow> = sqlx::query_as(sql::SELECT_AUDIT)
            .bind(site_id)
            .fetch_all(conn)
            .await?;
        Ok(rows.into_iter().map(AuditEvent::from).collect())
    }

    async fn insert_session(
        conn: &mut Self::Connection,
        key_id: i64,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<i64, StorageError> {
        let (id,): (i64,) = sqlx::query_as(sql::INSERT_SESSION)
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
        let row: Option<SessionRow> = sqlx::query_as(sql::SELECT_SESSION)
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
        sqlx::query(sql::END_SESSION)
            .bind(now_ms)
            .bind(id)
            .execute(conn)
            .await?;
        Ok(())
    }
}
