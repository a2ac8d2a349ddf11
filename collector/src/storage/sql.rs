//! The SQL both backends run as written: the dialects agree on these statements (`$n`
//! parameters, `ON CONFLICT`, `RETURNING`), so they are written once, as text. What differs
//! lives in each backend's folder (`sqlite/`, `postgres/`): row locks, how rollup changes
//! travel, how a report's rows are folded into one JSON text, week arithmetic.
//!
//! Statements assembled at run time (a response page's filters, a report's grouping) are
//! [`Statement`]s: text plus the values to bind, in order; [`bind_all`] binds them on
//! either backend.

use koe_shared::{AgentId, Channel, TeamId};
use sqlx::query::Query;
use sqlx::{Database, Encode, Type};

use crate::ids::SiteId;
use crate::rollup::COUNTER_COLUMNS;

/// The columns a response row reads (a macro, so that `concat!` builds constant statements).
macro_rules! response_columns {
    () => {
        "id, interaction, agent, team, channel, verified, csat, nps, ces, resolved, comment, \
         reasons, locale, day, created_at_ms, updated_at_ms, client, flagged, set_aside"
    };
}

pub(super) use response_columns;

pub(super) const RESPONSE_COLUMNS: &str = response_columns!();

/// The columns [`crate::storage::bind::response_columns`] binds, in its order.
pub(super) const WRITTEN_RESPONSE_COLUMNS: &str = "agent, team, channel, verified, csat, nps, \
     ces, resolved, comment, reasons, locale, day, created_at_ms, updated_at_ms, client, flagged";

/// Rows per multi-row statement: far below both databases' bound-parameter limits (SQLite
/// 32 766, PostgreSQL 65 535) at ≤ 35 parameters a row, and small enough that a statement's
/// bound values (copied per statement by sqlx) stay small: at 400 rows a SQLite batch's
/// statements held the collector's peak RSS near 70 MiB, at 100 about 42 MiB, as fast.
pub(super) const ROWS_PER_STATEMENT: usize = 100;

pub(super) const SELECT_RESPONSES: &str = concat!(
    "SELECT ",
    response_columns!(),
    " FROM responses WHERE site_id = $1 ORDER BY created_at_ms, id"
);

/// Columns 1–16 bound by `bind::response_columns`, then the response id and the creation time
/// it is stored under (which places its row on PostgreSQL, and may change with this update).
pub(super) const UPDATE_RESPONSE: &str = "UPDATE responses SET agent = $1, team = $2, \
     channel = $3, verified = $4, csat = $5, nps = $6, ces = $7, resolved = $8, comment = $9, \
     reasons = $10, locale = $11, day = $12, created_at_ms = $13, updated_at_ms = $14, \
     client = $15, flagged = $16 WHERE id = $17 AND created_at_ms = $18";

/// Gives the site id back when the impression is new.
pub(super) const INSERT_IMPRESSION: &str = "INSERT INTO impressions (site_id, interaction, \
     agent, team, channel, day, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) \
     ON CONFLICT (site_id, interaction) DO NOTHING RETURNING site_id";

/// What the backends write differently in the statements they otherwise share: how a bound
/// parameter is written, and — because PostgreSQL keeps responses in monthly partitions, with
/// their uniqueness in `response_keys` — how responses are created, updated and removed. Each
/// backend's folder implements it (`sqlite/dialect.rs`, `postgres/dialect.rs`).
pub(super) trait Dialect {
    /// The `n`-th parameter (from 1).
    fn parameter(n: usize) -> String;

    /// Inserts `rows` new responses (each its 16 written columns, then site id and
    /// interaction), skipping any another writer created meanwhile, and gives back
    /// `id, site_id, interaction` of those inserted.
    fn insert_responses(rows: usize) -> String;

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
}

/// Inserts `rows` answers kept aside, bound like [`Dialect::insert_responses`].
pub(super) fn insert_set_aside<P: Dialect>(rows: usize) -> String {
    insert_rows::<P>(rows, "TRUE")
}

/// `INSERT INTO responses (…) VALUES (…), …`: `rows` rows bound like [`insert_set_aside`],
/// each with `set_aside` for its last column.
pub(super) fn insert_rows<P: Dialect>(rows: usize, set_aside: &str) -> String {
    format!(
        "INSERT INTO responses ({WRITTEN_RESPONSE_COLUMNS}, site_id, interaction, set_aside) {}",
        response_values::<P>(rows, Some(set_aside))
    )
}

/// `VALUES (…), …` of `rows` responses: each row's 16 written columns, site id and interaction
/// bound, then `last` when given.
pub(super) fn response_values<P: Dialect>(rows: usize, last: Option<&str>) -> String {
    const COLUMNS: usize = 18;
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

pub(super) const SELECT_REASON_ROLLUPS: &str = "SELECT day, agent, channel, reason, unhappy \
     FROM reason_rollups WHERE site_id = $1 ORDER BY day, agent, channel, reason";

/// Unhappy responses per reason in a report's range and filters, by its agent and channel
/// groups; gives (agent, channel, reason, count) with `''` for a column not grouped by.
pub(super) fn select_reason_counts(
    site_id: SiteId,
    query: &crate::report::ReportQuery,
) -> Statement {
    use crate::report::GroupBy;
    let column = |group: GroupBy, name: &str| match query.group_by.contains(&group) {
        true => name.to_owned(),
        false => "''".to_owned(),
    };
    let (agent, channel) = (
        column(GroupBy::Agent, "agent"),
        column(GroupBy::Channel, "channel"),
    );
    let mut s = Statement::new(format!(
        "SELECT {agent}, {channel}, reason, CAST(SUM(unhappy) AS BIGINT) FROM reason_rollups \
         WHERE site_id = "
    ));
    s.bind(Bind::Int(site_id.get()));
    s.push(" AND day >= ")
        .bind(Bind::Text(query.from.to_string()));
    s.push(" AND day <= ")
        .bind(Bind::Text(query.to.to_string()));
    // Reasons are not kept per team: a report asking for one is refused before it gets here.
    for (name, value) in attribution_filters(query.agent.as_ref(), query.channel, None) {
        if let Some(value) = value {
            s.push(&format!(" AND {name} = "))
                .bind(Bind::Text(value.to_owned()));
        }
    }
    s.push(" GROUP BY 1, 2, 3 HAVING SUM(unhappy) > 0");
    s
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

pub(super) const SELECT_IMPRESSIONS: &str =
    "SELECT agent, team, channel, day FROM impressions WHERE site_id = $1";

/// `rollups` of a site: key columns, then every counter.
pub(super) fn select_rollups() -> String {
    format!(
        "SELECT day, agent, team, channel, {} FROM rollups WHERE site_id = $1 \
         ORDER BY day, agent, team, channel",
        COUNTER_COLUMNS.join(", ")
    )
}

/// A summary table of a site, shaped like [`select_rollups`] (team `''`).
pub(super) fn select_summary_rollups(summary: crate::rollup::Summary) -> String {
    let day = summary.day_column();
    format!(
        "SELECT {day}, agent, '', channel, {} FROM {} WHERE site_id = $1 \
         ORDER BY {day}, agent, channel",
        COUNTER_COLUMNS.join(", "),
        summary.table()
    )
}

/// An erased interaction's impression keeps counting (a survey was shown) under a random id
/// (`$1`) that links to nothing (site `$2`, interaction `$3`).
pub(super) const ANONYMIZE_IMPRESSION: &str =
    "UPDATE impressions SET interaction = $1 WHERE site_id = $2 AND interaction = $3";

/// Moves a site's purged-before day (`$1`) forward, never back (site `$2`).
pub(super) const MARK_PURGED: &str = "UPDATE sites SET purged_before = $1 WHERE id = $2 AND \
     (purged_before IS NULL OR purged_before < $1)";

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
