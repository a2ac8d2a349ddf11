//! The statements both backends run with the same SQL: the reads, sites, and
//! the plain writes of the write path (update a response, insert new ones, an impression).
//! Written once, as a trait every sqlx database that can bind and decode Koe's column types
//! implements: the bounds are stated here, once, and each backend calls `Sqlite::…` or
//! `Postgres::…` on its connection.

use std::collections::HashMap;

use koe_shared::Channel;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, FromRow, IntoArguments, Type};

use super::ReasonCount;
use super::bind;
use super::rows::{ImpressionRow, ResponseColumns, ResponseRow, inserted_ids};
use super::sql::{self, Statement, bind_all};
use super::write_plan::{ReasonChanges, ResponseKey, StoredRow};
use super::{ImpressionWrite, ResponseFilter, StorageError, StoredResponse};
use crate::ids::SiteId;
use crate::report::{AgentCounts, GroupedRollup, ReportQuery};
use crate::responses::ResponseState;
use crate::rollup::{ReasonKey, RollupCounters, RollupKey, Summary};

pub(super) trait Queries: Database {
    async fn responses(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<StoredResponse>, StorageError>;

    async fn response_page(
        conn: &mut Self::Connection,
        site_id: SiteId,
        filter: &ResponseFilter,
        limit: u32,
    ) -> Result<Vec<StoredResponse>, StorageError>;

    async fn impressions(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<RollupKey>, StorageError>;

    async fn rollups(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<(RollupKey, RollupCounters)>, StorageError>;

    async fn summary_rollups(
        conn: &mut Self::Connection,
        site_id: SiteId,
        summary: Summary,
    ) -> Result<Vec<(RollupKey, RollupCounters)>, StorageError>;

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

    /// Adds reason-count changes to `reason_rollups`, in key order.
    async fn apply_reason_changes(
        conn: &mut Self::Connection,
        changes: &ReasonChanges,
    ) -> Result<(), StorageError>;

    /// Unhappy responses per reason (`report::reasons`).
    async fn reason_counts(
        conn: &mut Self::Connection,
        site_id: SiteId,
        query: &ReportQuery,
    ) -> Result<Vec<ReasonCount>, StorageError>;

    /// Each (agent, team)'s CSAT answers in the query's range and filters (`report::standings`).
    async fn agent_csat(
        conn: &mut Self::Connection,
        site_id: SiteId,
        query: &ReportQuery,
    ) -> Result<Vec<AgentCounts>, StorageError>;

    /// A site's reason rows: (day, agent, channel, reason) → unhappy responses (`koe verify`).
    async fn reason_rollups(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<(ReasonKey, i64)>, StorageError>;

    /// Stores answers kept aside beside their interactions' responses.
    async fn insert_set_aside(
        conn: &mut Self::Connection,
        answers: &[(ResponseKey, ResponseState)],
    ) -> Result<(), StorageError>;

    /// Records an impression once per interaction; `true` the first time.
    async fn insert_impression(
        conn: &mut Self::Connection,
        write: &ImpressionWrite,
    ) -> Result<bool, StorageError>;

    /// A report's rollups, filtered, bucketed and summed by the database (`report_read`),
    /// in this backend's dialect.
    async fn report_rollups(
        conn: &mut Self::Connection,
        site_id: SiteId,
        query: &ReportQuery,
        dialect: &super::report_read::ReportDialect,
    ) -> Result<Vec<GroupedRollup>, StorageError>;
}

impl<DB> Queries for DB
where
    DB: Database + sql::Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> &'q [u8]: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> i16: Encode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i16>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<bool>: Encode<'q, DB> + Type<DB>,
    for<'r> (i64,): FromRow<'r, DB::Row>,
    for<'r> (i64, i64, String): FromRow<'r, DB::Row>,
    for<'r> (String, String, String, String, i64): FromRow<'r, DB::Row>,
    for<'r> (String, String, String, i64): FromRow<'r, DB::Row>,
    for<'r> &'r str: Decode<'r, DB>,
    for<'r> String: Decode<'r, DB> + Type<DB>,
    for<'r> i64: Decode<'r, DB>,
    usize: ColumnIndex<DB::Row>,
    for<'r> ResponseRow: FromRow<'r, DB::Row>,
    for<'r> ImpressionRow: FromRow<'r, DB::Row>,
{
    async fn responses(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<StoredResponse>, StorageError> {
        let rows: Vec<ResponseRow> = sqlx::query_as(sql::SELECT_RESPONSES)
            .bind(site_id)
            .fetch_all(conn)
            .await?;
        rows.into_iter().map(StoredResponse::try_from).collect()
    }

    async fn response_page(
        conn: &mut Self::Connection,
        site_id: SiteId,
        filter: &ResponseFilter,
        limit: u32,
    ) -> Result<Vec<StoredResponse>, StorageError> {
        let statement = super::response_page::statement(site_id, filter, limit);
        let rows = bind_all::<DB>(&statement).fetch_all(conn).await?;
        rows.iter()
            .map(|row| StoredResponse::try_from(ResponseRow::from_row(row)?))
            .collect()
    }

    async fn impressions(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<RollupKey>, StorageError> {
        let rows: Vec<ImpressionRow> = sqlx::query_as(sql::SELECT_IMPRESSIONS)
            .bind(site_id)
            .fetch_all(conn)
            .await?;
        rows.into_iter().map(RollupKey::try_from).collect()
    }

    async fn rollups(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<(RollupKey, RollupCounters)>, StorageError> {
        let select = sql::select_rollups();
        let rows = sqlx::query(&select).bind(site_id).fetch_all(conn).await?;
        rows.iter().map(bind::rollup_row).collect()
    }

    async fn summary_rollups(
        conn: &mut Self::Connection,
        site_id: SiteId,
        summary: Summary,
    ) -> Result<Vec<(RollupKey, RollupCounters)>, StorageError> {
        let select = sql::select_summary_rollups(summary);
        let rows = sqlx::query(&select).bind(site_id).fetch_all(conn).await?;
        rows.iter().map(bind::rollup_row).collect()
    }

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

    async fn apply_reason_changes(
        conn: &mut Self::Connection,
        changes: &ReasonChanges,
    ) -> Result<(), StorageError> {
        let rows: Vec<_> = changes.iter().collect();
        for chunk in rows.chunks(sql::ROWS_PER_STATEMENT) {
            let statement = sql::upsert_reason_changes(chunk);
            bind_all::<DB>(&statement).execute(&mut *conn).await?;
        }
        Ok(())
    }

    async fn agent_csat(
        conn: &mut Self::Connection,
        site_id: SiteId,
        query: &ReportQuery,
    ) -> Result<Vec<AgentCounts>, StorageError> {
        let statement = super::standings_read::statement(site_id, query);
        let rows = bind_all::<DB>(&statement).fetch_all(conn).await?;
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        rows.iter()
            .map(|row| {
                let (agent, team, satisfied, answered) =
                    <(String, String, i64, i64)>::from_row(row)?;
                Ok(AgentCounts {
                    agent,
                    team: Some(team).filter(|t| !t.is_empty()),
                    satisfied: count(satisfied),
                    answered: count(answered),
                })
            })
            .collect()
    }

    async fn reason_counts(
        conn: &mut Self::Connection,
        site_id: SiteId,
        query: &ReportQuery,
    ) -> Result<Vec<ReasonCount>, StorageError> {
        let statement = sql::select_reason_counts(site_id, query);
        let rows = bind_all::<DB>(&statement).fetch_all(conn).await?;
        let given = |v: String| Some(v).filter(|v| !v.is_empty());
        rows.iter()
            .map(|row| {
                let (agent, channel, reason, unhappy) =
                    <(String, String, String, i64)>::from_row(row)?;
                Ok(ReasonCount {
                    agent: given(agent),
                    channel: given(channel),
                    reason,
                    unhappy: u64::try_from(unhappy).unwrap_or(0),
                })
            })
            .collect()
    }

    async fn reason_rollups(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<(ReasonKey, i64)>, StorageError> {
        let rows: Vec<(String, String, String, String, i64)> =
            sqlx::query_as(sql::SELECT_REASON_ROLLUPS)
                .bind(site_id)
                .fetch_all(conn)
                .await?;
        rows.into_iter()
            .map(|(day, agent, channel, reason, unhappy)| {
                let key = super::rows::rollup_key(&day, &agent, "", &channel)?;
                Ok((
                    ReasonKey {
                        day: key.day,
                        agent: key.agent,
                        channel: key.channel,
                        reason,
                    },
                    unhappy,
                ))
            })
            .collect()
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
        let inserted: Option<i64> = sqlx::query_scalar(sql::INSERT_IMPRESSION)
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

    async fn report_rollups(
        conn: &mut Self::Connection,
        site_id: SiteId,
        query: &ReportQuery,
        dialect: &super::report_read::ReportDialect,
    ) -> Result<Vec<GroupedRollup>, StorageError> {
        let mut rollups = Vec::new();
        for read in super::report_read::plan(query)? {
            let (statement, groups): (Statement, _) =
                super::report_read::statement(site_id, query, &read, dialect);
            let row = bind_all::<DB>(&statement).fetch_one(&mut *conn).await?;
            let json: String = sqlx::Row::try_get(&row, 0)?;
            rollups.extend(super::json_rows::parse(&json, &groups)?);
        }
        Ok(rollups)
    }
}

/// A unique-constraint violation is a duplicate; anything else a storage failure.
pub(super) fn unique(error: sqlx::Error, what: &'static str) -> StorageError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => StorageError::Duplicate(what),
        _ => error.into(),
    }
}
