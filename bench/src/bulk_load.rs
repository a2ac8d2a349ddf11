//! Responses at scale, bulk-loaded for the report rows: synthetic answers (200 agents in 10
//! teams of 20 — each agent answers in one team, as support teams are organised —, 6
//! channels, 365 days) written with one `INSERT … SELECT` over a generated series per million,
//! then every rollup table rebuilt from them with `GROUP BY`, the way a migration from another
//! tool would. SQLite and PostgreSQL get the same rows: the same hash of the row number picks
//! each score, so the two backends' reports are over identical data.
//!
//! At the smallest size the rollups are checked against the collector's own recomputation
//! (`koe verify`'s code, `reports::drift`), so the bulk path cannot drift from what live writes
//! produce. One response in five carries a comment, so the dashboard's comment feed has
//! something to show.

use koe_collector::rollup::COUNTER_COLUMNS;
use koe_shared::Channel;
use sqlx::{Connection as _, PgConnection, SqliteConnection};

use crate::target::Target;

pub const AGENTS: u64 = 200;
pub const TEAMS: u64 = 10;
pub const DAYS: u64 = 365;

/// Rows written per statement.
const CHUNK: u64 = 1_000_000;

/// Runs each statement of `statements` on `conn` with the same values bound (one macro for
/// both backends' connection types).
macro_rules! execute_each {
    ($conn:expr, $statements:expr, $($value:expr),+) => {
        for statement in $statements {
            sqlx::query(statement)$(.bind($value))+.execute(&mut *$conn).await?;
        }
    };
}

/// Bulk rows `from..to`, one statement set per [`CHUNK`], then the rollups rebuilt in one
/// transaction (the macro's body, not a function: the two backends' connections differ).
macro_rules! load_then_rebuild {
    ($conn:expr, $target:expr, $today:expr, $from:expr, $to:expr, $inserts:expr, $site:expr, $week:expr) => {
        for (start, end) in chunks($from, $to) {
            execute_each!(
                (&mut $conn),
                $inserts,
                start as i64,
                end as i64,
                $target.site.id,
                $today
            );
        }
        let mut tx = $conn.begin().await?;
        execute_each!(tx, &rebuild_statements($site, $week), $target.site.id);
        tx.commit().await?;
    };
}

/// Adds responses `from..to` to the target's site, all within the 365 days ending `today`, and
/// rebuilds its rollups.
pub async fn load(target: &Target, today: &str, from: u64, to: u64) -> anyhow::Result<()> {
    match target.is_postgres() {
        true => postgres(target, today, from, to).await,
        false => sqlite(target, today, from, to).await,
    }
}

/// `CASE <expression> WHEN 0 THEN 'chat' …`: channel `i` of [`Channel::ALL`].
fn channel_case(expression: &str) -> String {
    let whens: String = Channel::ALL
        .iter()
        .enumerate()
        .map(|(i, c)| format!(" WHEN {i} THEN '{}'", c.as_str()))
        .collect();
    format!("CASE {expression}{whens} END")
}

/// The columns every bulk row fills, and their values from `i` (the row number), `h` (a
/// multiplicative hash of it, so scores do not line up with agents or days), `site` and the
/// backend's `agent` and `day` expressions.
fn columns_and_values(site: &str, agent: &str, day: &str) -> (&'static str, String) {
    let columns = "site_id, interaction, agent, team, channel, verified, csat, nps, ces, \
                   resolved, comment, reasons, locale, day, created_at_ms, updated_at_ms";
    let values = format!(
        "{site}, 'bulk-' || i, {agent}, 'team-' || ((i % {AGENTS}) % {TEAMS}), {}, TRUE, \
         1 + h % 5, CASE WHEN h % 3 = 0 THEN NULL ELSE (h / 8) % 11 END, \
         CASE WHEN h % 4 = 0 THEN 1 + (h / 16) % 7 END, \
         CASE WHEN h % 2 = 0 THEN (h / 64) % 3 <> 0 END, \
         CASE WHEN h % 5 = 0 THEN 'comment ' || i END, '', NULL, {day}, i, i",
        channel_case(&format!("(i / 3) % {}", Channel::ALL.len())),
    );
    (columns, values)
}

async fn sqlite(target: &Target, today: &str, from: u64, to: u64) -> anyhow::Result<()> {
    let mut conn = SqliteConnection::connect(&target.url).await?;
    sqlx::query("PRAGMA synchronous = OFF")
        .execute(&mut conn)
        .await?;
    let (columns, values) = columns_and_values(
        "?3",
        &format!("printf('agent-%03d', i % {AGENTS})"),
        &format!("date(?4, '-' || ((i / 11) % {DAYS}) || ' days')"),
    );
    let insert = format!(
        "INSERT INTO responses ({columns})
         WITH RECURSIVE n(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2),
              g(i, h) AS (SELECT i, (i * 2654435761) % 4294967296 FROM n)
         SELECT {values} FROM g"
    );
    let week = "date(day, '-' || ((CAST(strftime('%w', day) AS INTEGER) + 6) % 7) || ' days')";
    load_then_rebuild!(conn, target, today, from, to, [&insert], "?1", week);
    // Fold the WAL into the file now: otherwise the last connection to close does it, and a
    // collector starting meanwhile waits for that lock longer than its busy timeout.
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

/// The same rows into PostgreSQL: `created_at_ms` is the row number, as on SQLite, so every
/// row falls in the partition of January 1970, created first as the collector would; each
/// row's key goes to `response_keys` as a write's would. The tables are analysed afterwards,
/// as after any bulk load, so the planner knows their size.
async fn postgres(target: &Target, today: &str, from: u64, to: u64) -> anyhow::Result<()> {
    let mut conn = PgConnection::connect(&target.url).await?;
    // A benchmark's own load: nothing is acknowledged to anyone, so a crash may lose it.
    sqlx::query("SET synchronous_commit = off")
        .execute(&mut conn)
        .await?;
    sqlx::query("SELECT koe_response_partition(0)")
        .execute(&mut conn)
        .await?;
    let (columns, values) = columns_and_values(
        "$3",
        &format!("'agent-' || lpad(CAST(i % {AGENTS} AS TEXT), 3, '0')"),
        &format!("to_char(CAST($4 AS DATE) - CAST((i / 11) % {DAYS} AS INTEGER), 'YYYY-MM-DD')"),
    );
    let insert = format!(
        "INSERT INTO responses ({columns})
         SELECT {values} FROM (SELECT i, (i * 2654435761) % 4294967296 AS h
                               FROM generate_series(CAST($1 AS BIGINT), $2 - 1) AS i) AS g"
    );
    let keys = &"INSERT INTO response_keys (site_id, interaction, created_at_ms)
                SELECT $3, 'bulk-' || i, i FROM generate_series(CAST($1 AS BIGINT), $2 - 1) AS i"
        .to_owned();
    let week = "to_char(date_trunc('week', CAST(day AS TIMESTAMP)), 'YYYY-MM-DD')";
    load_then_rebuild!(conn, target, today, from, to, [&insert, keys], "$1", week);
    sqlx::query("ANALYZE").execute(&mut conn).await?;
    conn.close().await?;
    Ok(())
}

/// `from..to` in [`CHUNK`]s.
fn chunks(from: u64, to: u64) -> impl Iterator<Item = (u64, u64)> {
    (from..to)
        .step_by(CHUNK as usize)
        .map(move |start| (start, (start + CHUNK).min(to)))
}

/// The statements that rebuild every rollup table of site `site` (a placeholder) from its raw
/// responses: the five emptied, `rollups` grouped from the responses, and each summary from
/// `rollups` (`week`: the backend's expression for the Monday of `day`).
fn rebuild_statements(site: &str, week: &str) -> Vec<String> {
    let tables = [
        "rollups",
        "rollups_daily",
        "rollups_weekly",
        "rollups_daily_agent",
        "rollups_weekly_agent",
    ];
    let mut statements: Vec<String> = tables
        .iter()
        .map(|table| format!("DELETE FROM {table} WHERE site_id = {site}"))
        .collect();
    let counts: Vec<String> = COUNTER_COLUMNS
        .iter()
        .map(|column| match *column {
            "responses" => "COUNT(*)".to_owned(),
            "impressions" => "0".to_owned(),
            "resolved_yes" => "COUNT(CASE WHEN resolved THEN 1 END)".to_owned(),
            "resolved_no" => "COUNT(CASE WHEN NOT resolved THEN 1 END)".to_owned(),
            score => {
                let (name, value) = score.split_once('_').expect("name_value");
                format!("COUNT(CASE WHEN {name} = {value} THEN 1 END)")
            }
        })
        .collect();
    let columns = COUNTER_COLUMNS.join(", ");
    statements.push(format!(
        "INSERT INTO rollups (site_id, day, agent, team, channel, {columns})
         SELECT site_id, day, COALESCE(agent, ''), COALESCE(team, ''), COALESCE(channel, ''),
                {}
         FROM responses WHERE site_id = {site} AND NOT flagged
         GROUP BY site_id, day, agent, team, channel",
        counts.join(", ")
    ));
    let sums: Vec<String> = COUNTER_COLUMNS
        .iter()
        .map(|c| format!("SUM({c})"))
        .collect();
    let by_agent = "CASE WHEN channel = 'help_center' THEN channel ELSE '' END";
    for (table, day, channel) in [
        ("rollups_daily (site_id, day", "day", "channel"),
        ("rollups_weekly (site_id, week", week, "channel"),
        ("rollups_daily_agent (site_id, day", "day", by_agent),
        ("rollups_weekly_agent (site_id, week", week, by_agent),
    ] {
        statements.push(format!(
            "INSERT INTO {table}, agent, channel, {columns})
             SELECT site_id, {day}, agent, {channel}, {}
             FROM rollups WHERE site_id = {site} GROUP BY site_id, {day}, agent, {channel}",
            sums.join(", ")
        ));
    }
    statements
}
