//! The statements that remove raw responses, the same SQL on both backends: a retention
//! purge's chunk (and the site's forward-only purged-before day) and an erasure's rows. What
//! leaves the rollups with them is decided in `write_path`.

use koe_shared::InteractionId;
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};

use super::rows::ResponseRow;
use super::{StorageError, StoredResponse, sql, webhooks};

pub(super) trait Removal: Database {
    /// Deletes up to `limit` rows of a site answered before `before_day` (created before
    /// `bound_ms`); how many went.
    async fn purge_responses(
        conn: &mut Self::Connection,
        site_id: i64,
        bound_ms: i64,
        before_day: &str,
        limit: i64,
    ) -> Result<u64, StorageError>;

    /// Records that a site's raw responses before `before_day` are purged (forward only).
    async fn mark_purged(
        conn: &mut Self::Connection,
        site_id: i64,
        before_day: &str,
    ) -> Result<(), StorageError>;

    /// Deletes every row of an interaction (counted and set aside) and gives them back as
    /// they were; renames its impression to `stand_in`.
    async fn delete_interaction(
        conn: &mut Self::Connection,
        site_id: i64,
        interaction: &InteractionId,
        stand_in: &str,
    ) -> Result<Vec<StoredResponse>, StorageError>;
}

impl<DB> Removal for DB
where
    DB: Database + sql::Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'r> (i64,): FromRow<'r, DB::Row>,
    for<'r> ResponseRow: FromRow<'r, DB::Row>,
{
    async fn purge_responses(
        conn: &mut Self::Connection,
        site_id: i64,
        bound_ms: i64,
        before_day: &str,
        limit: i64,
    ) -> Result<u64, StorageError> {
        let ids: Vec<(i64,)> = sqlx::query_as(DB::PURGE_RESPONSES)
            .bind(site_id)
            .bind(bound_ms)
            .bind(before_day)
            .bind(limit)
            .fetch_all(conn)
            .await?;
        Ok(ids.len() as u64)
    }

    async fn mark_purged(
        conn: &mut Self::Connection,
        site_id: i64,
        before_day: &str,
    ) -> Result<(), StorageError> {
        sqlx::query(sql::MARK_PURGED)
            .bind(before_day)
            .bind(site_id)
            .execute(conn)
            .await?;
        Ok(())
    }

    async fn delete_interaction(
        conn: &mut Self::Connection,
        site_id: i64,
        interaction: &InteractionId,
        stand_in: &str,
    ) -> Result<Vec<StoredResponse>, StorageError> {
        let rows = sqlx::query(DB::DELETE_INTERACTION)
            .bind(site_id)
            .bind(interaction.as_str())
            .fetch_all(&mut *conn)
            .await?;
        let deleted = rows
            .iter()
            .map(|row| StoredResponse::try_from(ResponseRow::from_row(row)?))
            .collect::<Result<Vec<_>, _>>()?;
        sqlx::query(sql::ANONYMIZE_IMPRESSION)
            .bind(stand_in)
            .bind(site_id)
            .bind(interaction.as_str())
            .execute(&mut *conn)
            .await?;
        // Its alerts hold the comment too: sent or not, they go with it.
        sqlx::query(webhooks::DELETE_INTERACTION_ALERTS)
            .bind(site_id)
            .bind(interaction.as_str())
            .execute(conn)
            .await?;
        Ok(deleted)
    }
}
