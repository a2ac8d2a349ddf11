//! What several statements share: the columns a response row reads and writes, the rows per
//! multi-row statement, the response update both backends run, the `Dialect` trait (what each
//! backend's folder fills in: parameters, creating and moving responses), the rollup upserts
//! the writers build, the attribution filters reports and lists bind, and [`Statement`] (text
//! plus the values to bind, for statements assembled at run time) with [`bind_all`]. A
//! statement only one file runs lives in that file.

use koe_shared::{AgentId, Channel, TeamId};
use sqlx::query::Query;
use sqlx::{Database, Encode, Type};

use crate::ids::SiteId;
use crate::rollup::COUNTER_COLUMNS;

/// The columns a response row reads (a macro, so that `concat!` builds constant statements).
macro_rules! response_columns {
    () => {
        "id, interaction, agent, team, channel, verified, csat, nps, ces, resolved, comment, \
         reasons, locale, day, created_at_ms, updated_at_ms, client, flagged, set_aside, \
         survey_version, question"
    };
}

pub(super) use response_columns;

pub(super) const RESPONSE_COLUMNS: &str = response_columns!();

/// The columns [`crate::storage::bind::response_columns`] binds, in its order.
pub(super) const WRITTEN_RESPONSE_COLUMNS: &str = "agent, team, channel, verified, csat, nps, \
     ces, resolved, comment, reasons, locale, day, created_at_ms, updated_at_ms, client, flagged, \
     survey_version, question";

/// Rows per multi-row statement: far below both databases' bound-parameter limits (SQLite
/// 32 766, PostgreSQL 65 535) at ≤ 35 parameters a row, and small enough that a statement's
/// bound values (copied per statement by sqlx) stay small: at 400 rows a SQLite batch's
/// statements held the collector's peak RSS near 70 MiB, at 100 about 42 MiB, as fast.
pub(super) const ROWS_PER_STATEMENT: usize = 100;

/// Columns 1–18 bound by `bind::response_columns`, then the response id and the creation time
/// it is stored under (which places its row on PostgreSQL, and may change with this update).
pub(super) const UPDATE_RESPONSE: &str = "UPDATE responses SET agent = $1, team = $2, \
     channel = $3, verified = $4, csat = $5, nps = $6, ces = $7, resolved = $8, comment = $9, \
     reasons = $10, locale = $11, day = $12, created_at_ms = $13, updated_at_ms = $14, \
     client = $15, flagged = $16, survey_version = $17, question = $18 WHERE id = $19 \
     AND created_at_ms = $20";

/// What the backends write differently in the statements they otherwise share: how a bound
/// parameter is written, and — because PostgreSQL keeps responses in monthly partitions, with
/// their uniqueness in `response_keys` — how responses are created, updated and removed. Each
/// backend's folder implements it (`sqlite/dialect.rs`, `postgres/dialect.rs`).
pub(super) trait Dialect {
    /// The `n`-th parameter (from 1).
    fn parameter(n: usize) -> String;

    /// Inserts `rows` new responses (each its 18 written columns, then site id and
    /// interaction), skipping any another writer created meanwhile, and gives back
    /// `id, site_id, interaction` of those inserted.
    fn insert_responses(rows: usize) -> String;

    /// What follows an insert of answers kept aside ([`insert_set_aside`]): an interaction
    /// keeps at most one (the unique index of migration `…_one_set_aside_row.sql`), so one it
    /// has already is updated in place to the new answers, by the database in the insert's own
    /// statement (no window between a look and a write for a concurrent writer).
    const KEEP_ONE_SET_ASIDE: &'static str;

    /// [`UPDATE_RESPONSE`] for an update that changes the creation time (a person's answer
    /// replacing a suspected scanner's starts its own edit window), and whatever else must
    /// follow the row. Every other update is [`UPDATE_RESPONSE`] as it is.
    const UPDATE_MOVED_RESPONSE: &'static str;

    /// Deletes every row an interaction left in `responses` — its counted response and any
    /// answers set aside beside it — for an erasure request (site `$1`, interaction `$2`),
    /// giving them back as response columns.
    const DELETE_INTERACTION: &'static str;

    /// Deletes up to `$4` of a site's (`$1`) rows answered before local day `$3` (and so
    /// created before `$2`, which keeps the read on the site's time index); gives their ids.
    const PURGE_RESPONSES: &'static str;

    /// Run first in a transaction that counts a site's rows before adding one (its webhooks,
    /// under their cap), so two such transactions cannot both pass the count: PostgreSQL locks
    /// the site's row; SQLite needs nothing, its writers being one at a time.
    const LOCK_SITE: Option<&'static str>;
}

/// Inserts `rows` answers kept aside, bound like [`Dialect::insert_responses`], each replacing
/// the one its interaction has ([`Dialect::KEEP_ONE_SET_ASIDE`]); no two rows of one statement
/// may be of the same interaction.
pub(super) fn insert_set_aside<P: Dialect>(rows: usize) -> String {
    insert_rows::<P>(rows, "TRUE") + P::KEEP_ONE_SET_ASIDE
}

/// `INSERT INTO responses (…) VALUES (…), …`: `rows` rows bound like [`insert_set_aside`],
/// each with `set_aside` for its last column.
pub(super) fn insert_rows<P: Dialect>(rows: usize, set_aside: &str) -> String {
    format!(
        "INSERT INTO responses ({WRITTEN_RESPONSE_COLUMNS}, site_id, interaction, set_aside) {}",
        response_values::<P>(rows, Some(set_aside))
    )
}

/// `VALUES (…), …` of `rows` responses: each row's 18 written columns, site id and interaction
/// bound, then `last` when given.
pub(super) fn response_values<P: Dialect>(rows: usize, last: Option<&str>) -> String {
    const COLUMNS: usize = 20;
    let mut sql = String::from("VALUES ");
    for row in 0..rows {
        let mut values: Vec<String> = (1..=COLUMNS)
            .map(|i| P::parameter(row * COLUMNS + i))
            .collect();
        values.extend(last.map(str::to_owned));
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("({})", values.join(", ")));
    }
    sql
}

/// The attribution filters of a report or a list as `(column, value)` pairs, absent ones
/// `None`: each present one becomes `AND column = value`.
pub(super) fn attribution_filters<'a>(
    agent: Option<&'a AgentId>,
    channel: Option<Channel>,
    team: Option<&'a TeamId>,
) -> [(&'static str, Option<&'a str>); 3] {
    [
        ("agent", agent.map(AgentId::as_str)),
        ("channel", channel.map(Channel::as_str)),
        ("team", team.map(TeamId::as_str)),
    ]
}

/// Adds reason-count changes to `reason_rollups` (rows in lock order).
pub(super) fn upsert_reason_changes(
    rows: &[(&(SiteId, crate::rollup::ReasonKey), &i64)],
) -> Statement {
    let mut s = Statement::new(
        "INSERT INTO reason_rollups (site_id, day, agent, channel, reason, unhappy) VALUES ",
    );
    for (i, ((site_id, key), delta)) in rows.iter().enumerate() {
        s.push(if i == 0 { "(" } else { ", (" });
        s.bind(Bind::Int(site_id.get())).push(", ");
        s.bind(Bind::Text(key.day.to_string())).push(", ");
        let agent = key.agent.as_ref().map_or("", |a| a.as_str());
        s.bind(Bind::Text(agent.to_owned())).push(", ");
        let channel = key.channel.map_or("", Channel::as_str);
        s.bind(Bind::Text(channel.to_owned())).push(", ");
        s.bind(Bind::Text(key.reason.clone())).push(", ");
        s.bind(Bind::Int(**delta)).push(")");
    }
    s.push(
        " ON CONFLICT (site_id, day, agent, channel, reason) \
         DO UPDATE SET unhappy = reason_rollups.unhappy + excluded.unhappy",
    );
    s
}

/// Adds question-count changes to `question_rollups` (rows in lock order).
pub(super) fn upsert_question_changes(
    rows: &[(&(SiteId, crate::rollup::QuestionKey), &i64)],
) -> Statement {
    let mut s = Statement::new(
        "INSERT INTO question_rollups (site_id, day, agent, team, channel, question, answer, \
         answers) VALUES ",
    );
    for (i, ((site_id, key), delta)) in rows.iter().enumerate() {
        s.push(if i == 0 { "(" } else { ", (" });
        s.bind(Bind::Int(site_id.get())).push(", ");
        s.bind(Bind::Text(key.day.to_string())).push(", ");
        let agent = key.agent.as_ref().map_or("", |a| a.as_str());
        s.bind(Bind::Text(agent.to_owned())).push(", ");
        let team = key.team.as_ref().map_or("", |t| t.as_str());
        s.bind(Bind::Text(team.to_owned())).push(", ");
        let channel = key.channel.map_or("", Channel::as_str);
        s.bind(Bind::Text(channel.to_owned())).push(", ");
        s.bind(Bind::Text(key.question.clone())).push(", ");
        s.bind(Bind::Text(key.answer.clone())).push(", ");
        s.bind(Bind::Int(**delta)).push(")");
    }
    s.push(
        " ON CONFLICT (site_id, day, agent, team, channel, question, answer) \
         DO UPDATE SET answers = question_rollups.answers + excluded.answers",
    );
    s
}

/// `INSERT INTO <table> (<key columns>, <counters>) `: rows of changes follow.
pub(super) fn upsert_rollups_head(table: &str, keys: &str) -> String {
    format!(
        "INSERT INTO {table} ({keys}, {}) ",
        COUNTER_COLUMNS.join(", ")
    )
}

/// What makes an insert of rollup changes add to existing rows instead.
pub(super) fn upsert_rollups_tail(table: &str, keys: &str) -> String {
    let sets: Vec<String> = COUNTER_COLUMNS
        .iter()
        .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
        .collect();
    format!(" ON CONFLICT ({keys}) DO UPDATE SET {}", sets.join(", "))
}

/// The key columns of `rollups`.
pub(super) const ROLLUP_KEYS: &str = "site_id, day, agent, team, channel";

/// The key columns of a summary table.
pub(super) fn summary_keys(summary: crate::rollup::Summary) -> String {
    format!("site_id, {}, agent, channel", summary.day_column())
}

/// A value to bind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Bind {
    Int(i64),
    SmallInt(i16),
    Text(String),
    Bool(bool),
}

/// SQL text with `$n` placeholders and the values they stand for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Statement {
    pub sql: String,
    pub binds: Vec<Bind>,
}

impl Statement {
    pub fn new(sql: impl Into<String>) -> Self {
        Self {
            sql: sql.into(),
            binds: Vec::new(),
        }
    }

    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends the next placeholder and remembers its value.
    pub fn bind(&mut self, value: Bind) -> &mut Self {
        self.binds.push(value);
        self.sql.push_str(&format!("${}", self.binds.len()));
        self
    }
}

/// A [`Statement`] bound, on either backend.
pub(super) fn bind_all<'q, DB: Database>(
    statement: &'q Statement,
) -> Query<'q, DB, DB::Arguments<'q>>
where
    i64: Encode<'q, DB> + Type<DB>,
    i16: Encode<'q, DB> + Type<DB>,
    bool: Encode<'q, DB> + Type<DB>,
    &'q str: Encode<'q, DB> + Type<DB>,
{
    statement
        .binds
        .iter()
        .fold(sqlx::query(&statement.sql), |query, value| match value {
            Bind::Int(v) => query.bind(*v),
            Bind::SmallInt(v) => query.bind(*v),
            Bind::Text(v) => query.bind(v.as_str()),
            Bind::Bool(v) => query.bind(*v),
        })
}

/// `impl $trait for DB` for every sqlx database that binds and decodes Koe's column types (both
/// backends do): the statement traits of each capability file (`Access`, `Sites`, `Queries`,
/// …) are written once over both backends, and their bounds are stated here, once, as one
/// list every one of them may use. `$trait: Extra` adds a supertrait the statements call.
macro_rules! for_koe_databases {
    (impl $trait:ident $(: $extra:path)? { $($body:tt)* }) => {
        impl<DB> $trait for DB
        where
            DB: sqlx::Database + $crate::storage::sql::Dialect $(+ $extra)?,
            for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
            for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
            for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
            for<'q> &'q [u8]: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
            for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
            for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
            for<'q> f64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
            for<'q> Option<&'q [u8]>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
            for<'q> i16: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
            for<'q> bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
            for<'q> Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
            for<'q> Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
            for<'q> Option<i16>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
            for<'q> Option<bool>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
            for<'r> &'r str: sqlx::Decode<'r, DB>,
            for<'r> String: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
            for<'r> i64: sqlx::Decode<'r, DB>,
            usize: sqlx::ColumnIndex<DB::Row>,
            for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
            for<'r> (i32,): sqlx::FromRow<'r, DB::Row>,
            for<'r> (Vec<u8>,): sqlx::FromRow<'r, DB::Row>,
            for<'r> (Option<String>,): sqlx::FromRow<'r, DB::Row>,
            for<'r> (i64, String): sqlx::FromRow<'r, DB::Row>,
            for<'r> (String, String): sqlx::FromRow<'r, DB::Row>,
            for<'r> (i64, i64, String): sqlx::FromRow<'r, DB::Row>,
            for<'r> (String, i64, String): sqlx::FromRow<'r, DB::Row>,
            for<'r> (i64, String, String): sqlx::FromRow<'r, DB::Row>,
            for<'r> (String, Option<String>, Option<i64>, Option<String>, Option<String>):
                sqlx::FromRow<'r, DB::Row>,
            for<'r> (String, String, String, i64): sqlx::FromRow<'r, DB::Row>,
            for<'r> (String, String, String, String, i64): sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::storage::rows::QuestionRow: sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::storage::rows::SiteRow: sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::storage::rows::FactsRow: sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::storage::rows::ApiKeyRow: sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::storage::rows::AuditRow: sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::storage::rows::ResponseRow: sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::storage::rows::ImpressionRow: sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::storage::rows::WebhookRow: sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::storage::rows::DeliveryRow: sqlx::FromRow<'r, DB::Row>,
            for<'r> $crate::storage::records::DueDelivery: sqlx::FromRow<'r, DB::Row>,
        {
            $($body)*
        }
    };
}
pub(super) use for_koe_databases;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_bind_order() {
        let mut statement = Statement::new("SELECT 1 WHERE a = ");
        statement
            .bind(Bind::Int(1))
            .push(" AND b = ")
            .bind(Bind::Text("x".into()));
        assert_eq!(statement.sql, "SELECT 1 WHERE a = $1 AND b = $2");
        assert_eq!(statement.binds, [Bind::Int(1), Bind::Text("x".into())]);
    }
}
