//! The write path's plain statements: update a response (`sql::UPDATE_RESPONSE`, or the
//! backend's `Dialect` when it moves), insert new ones (the `Dialect`) and answers set aside
//! (one per interaction, replaced in place), add the tallies' changes (reasons, the site's
//! own question), record an impression
//! (its SQL here).
//! Written once, as a trait every sqlx database that can bind and decode Koe's column types
//! implements; `write_path.rs` runs them inside a batch's transaction. (Reports read through
//! `reports.rs`, `koe verify` through `verification.rs`.)

use super::sql::for_koe_databases;
use std::collections::HashMap;

use koe_shared::Channel;
use sqlx::{Database, FromRow};

use super::bind;
use super::rows::{ResponseColumns, inserted_ids};
use super::sql::{self, bind_all};
use super::write_plan::{ResponseKey, StoredRow, Tallies};
use super::{ImpressionWrite, StorageError};
use crate::responses::ResponseState;

/// Gives the site id back when the impression is new.
const INSERT_IMPRESSION: &str = "INSERT INTO impressions (site_id, interaction, \
     agent, team, channel, day, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) \
     ON CONFLICT (site_id, interaction) DO NOTHING RETURNING site_id";

pub(super) trait Queries: Database {
    /// Gives the response stored at `row` the new `state`.
    async fn update_response(
        conn: &mut Self::Connection,
        row: StoredRow,
        state: &ResponseState,
    ) -> Result<(), StorageError>;

    /// Inserts new responses, skipping any another writer created meanwhile; gives the ids of
    /// those inserted.
    async fn insert_responses(
        conn: &mut Self::Connection,
        responses: &[(ResponseKey, ResponseState)],
    ) -> Result<HashMap<ResponseKey, i64>, StorageError>;

    /// Adds the tallies' changes to `reason_rollups` and `question_rollups`, in key order.
    async fn apply_tallies(
        conn: &mut Self::Connection,
        tallies: &Tallies,
    ) -> Result<(), StorageError>;

    /// Stores answers kept aside beside their interactions' responses, each replacing in
    /// place the one its interaction has (an interaction keeps at most one). `answers` holds
    /// at most one per interaction.
    async fn insert_set_aside(
        conn: &mut Self::Connection,
        answers: &[(ResponseKey, ResponseState)],
    ) -> Result<(), StorageError>;

    /// Records an impression once per interaction; `true` the first time.
    async fn insert_impression(
        conn: &mut Self::Connection,
        write: &ImpressionWrite,
    ) -> Result<bool, StorageError>;
}

for_koe_databases! {
    impl Queries {
    async fn update_response(
        conn: &mut Self::Connection,
        row: StoredRow,
        state: &ResponseState,
    ) -> Result<(), StorageError> {
        let columns = ResponseColumns::of(state);
        let update = match row.created_at_ms == state.created_at_ms {
            true => sql::UPDATE_RESPONSE,
            false => DB::UPDATE_MOVED_RESPONSE,
        };
        bind::response_columns(sqlx::query(update), &columns)
            .bind(row.id)
            .bind(row.created_at_ms)
            .execute(conn)
            .await?;
        Ok(())
    }

    async fn insert_responses(
        conn: &mut Self::Connection,
        responses: &[(ResponseKey, ResponseState)],
    ) -> Result<HashMap<ResponseKey, i64>, StorageError> {
        let insert = DB::insert_responses(responses.len());
        let columns: Vec<ResponseColumns<'_>> = responses
            .iter()
            .map(|(_, state)| ResponseColumns::of(state))
            .collect();
        let rows = bind::response_rows::<DB>(&insert, responses, &columns)
            .fetch_all(conn)
            .await?;
        let rows = rows
            .iter()
            .map(<(i64, i64, String)>::from_row)
            .collect::<Result<_, _>>()?;
        inserted_ids(rows)
    }

    async fn apply_tallies(
        conn: &mut Self::Connection,
        tallies: &Tallies,
    ) -> Result<(), StorageError> {
        let rows: Vec<_> = tallies.reasons.iter().collect();
        for chunk in rows.chunks(sql::ROWS_PER_STATEMENT) {
            let statement = sql::upsert_reason_changes(chunk);
            bind_all::<DB>(&statement).execute(&mut *conn).await?;
        }
        let rows: Vec<_> = tallies.questions.iter().collect();
        for chunk in rows.chunks(sql::ROWS_PER_STATEMENT) {
            let statement = sql::upsert_question_changes(chunk);
            bind_all::<DB>(&statement).execute(&mut *conn).await?;
        }
        Ok(())
    }

    async fn insert_set_aside(
        conn: &mut Self::Connection,
        answers: &[(ResponseKey, ResponseState)],
    ) -> Result<(), StorageError> {
        if answers.is_empty() {
            return Ok(());
        }
        let insert = sql::insert_set_aside::<DB>(answers.len());
        let columns: Vec<ResponseColumns<'_>> = answers
            .iter()
            .map(|(_, state)| ResponseColumns::of(state))
            .collect();
        bind::response_rows::<DB>(&insert, answers, &columns)
            .execute(conn)
            .await?;
        Ok(())
    }

    async fn insert_impression(
        conn: &mut Self::Connection,
        write: &ImpressionWrite,
    ) -> Result<bool, StorageError> {
        let a = &write.attribution;
        let inserted: Option<i64> = sqlx::query_scalar(INSERT_IMPRESSION)
            .bind(write.site_id)
            .bind(write.interaction.as_str())
            .bind(a.agent.as_ref().map(|x| x.as_str()))
            .bind(a.team.as_ref().map(|x| x.as_str()))
            .bind(a.channel.map(Channel::as_str))
            .bind(write.day.to_string())
            .bind(write.now_ms)
            .fetch_optional(conn)
            .await?;
        Ok(inserted.is_some())
    }
    }
}

/// A unique-constraint violation is a duplicate; anything else a storage failure.
pub(super) fn unique(error: sqlx::Error, what: &'static str) -> StorageError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => StorageError::Duplicate(what),
        _ => error.into(),
    }
}
