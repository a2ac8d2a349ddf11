//! Binding a response's columns and reading a rollup row, written once for both backends:
//! generic over the database, with the few value types these need spelled out.

use sqlx::query::Query;
use sqlx::{ColumnIndex, Database, Decode, Encode, Row, Type};

use super::StorageError;
use super::rows::{ResponseColumns, rollup_key};
use super::write_plan::ResponseKey;
use crate::responses::ResponseState;
use crate::rollup::{COUNTERS, RollupCounters, RollupKey};

/// Columns 1–18 of `sql::UPDATE_RESPONSE` (and of a new response), in
/// `sql::WRITTEN_RESPONSE_COLUMNS` order.
pub(super) fn response_columns<'q, DB: Database>(
    query: Query<'q, DB, DB::Arguments<'q>>,
    c: &'q ResponseColumns<'q>,
) -> Query<'q, DB, DB::Arguments<'q>>
where
    Option<&'q str>: Encode<'q, DB> + Type<DB>,
    &'q str: Encode<'q, DB> + Type<DB>,
    Option<i16>: Encode<'q, DB> + Type<DB>,
    Option<bool>: Encode<'q, DB> + Type<DB>,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    bool: Encode<'q, DB> + Type<DB>,
    String: Encode<'q, DB> + Type<DB>,
    i64: Encode<'q, DB> + Type<DB>,
{
    query
        .bind(c.agent)
        .bind(c.team)
        .bind(c.channel)
        .bind(c.verified)
        .bind(c.csat)
        .bind(c.nps)
        .bind(c.ces)
        .bind(c.resolved)
        .bind(c.comment)
        .bind(c.reasons.clone())
        .bind(c.locale)
        .bind(c.day.clone())
        .bind(c.created_at_ms)
        .bind(c.updated_at_ms)
        .bind(c.client)
        .bind(c.flagged)
        .bind(c.survey_version)
        .bind(c.question.as_deref())
}

/// A multi-row insert of responses (`Dialect::insert_responses`, `sql::insert_set_aside`) bound:
/// each row's written columns, then its site id and interaction.
pub(super) fn response_rows<'q, DB: Database>(
    sql: &'q str,
    rows: &'q [(ResponseKey, ResponseState)],
    columns: &'q [ResponseColumns<'q>],
) -> Query<'q, DB, DB::Arguments<'q>>
where
    Option<&'q str>: Encode<'q, DB> + Type<DB>,
    &'q str: Encode<'q, DB> + Type<DB>,
    Option<i16>: Encode<'q, DB> + Type<DB>,
    Option<bool>: Encode<'q, DB> + Type<DB>,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    bool: Encode<'q, DB> + Type<DB>,
    String: Encode<'q, DB> + Type<DB>,
    i64: Encode<'q, DB> + Type<DB>,
{
    rows.iter().zip(columns).fold(
        sqlx::query(sql),
        |query, (((site_id, interaction), _), columns)| {
            response_columns(query, columns)
                .bind(*site_id)
                .bind(interaction.as_str())
        },
    )
}

/// A row of `sql::select_rollups` (or a summary read shaped like it).
pub(super) fn rollup_row<'r, R: Row>(
    row: &'r R,
) -> Result<(RollupKey, RollupCounters), StorageError>
where
    usize: ColumnIndex<R>,
    &'r str: Decode<'r, R::Database> + Type<R::Database>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let text = |i: usize| row.try_get::<&str, _>(i);
    let key = rollup_key(text(0)?, text(1)?, text(2)?, text(3)?)?;
    let mut values = [0; COUNTERS];
    for (i, value) in values.iter_mut().enumerate() {
        *value = row.try_get(4 + i)?;
    }
    Ok((key, RollupCounters::from_values(values)))
}
