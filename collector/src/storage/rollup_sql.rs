//! How rollup changes are written, for both backends: every write adds its changes to
//! `rollups` and to the four summary tables in the same transaction (see `rollup::Summary`).
//! `rollup_writes!` is expanded next to `queries!` (it uses that module's `Conn`);
//! `$json_rows` says how the backend takes many rows at once (see `apply_deltas`).

use std::sync::LazyLock;

use koe_shared::Channel;

use crate::rollup::{COUNTER_COLUMNS, RollupCounters, RollupKey, Summary};

/// `INSERT INTO <table> (<key columns>, <counters>) `: rows of changes follow as `VALUES`.
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

pub(super) const ROLLUP_KEYS: &str = "site_id, day, agent, team, channel";

/// Rollup rows as the JSON `apply_deltas` sends: one array per row, keys then counters.
pub(super) fn rollup_rows_json(
    rows: &[(&(i64, RollupKey), &RollupCounters)],
    with_team: bool,
) -> String {
    use std::fmt::Write as _;
    let text = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    let mut json = String::with_capacity(rows.len() * 160);
    json.push('[');
    for (i, ((site_id, key), counters)) in rows.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        let _ = write!(json, "[{site_id},{},{},", text(&key.day), text(&key.agent));
        if with_team {
            let _ = write!(json, "{},", text(&key.team));
        }
        json.push_str(&text(&key.channel));
        for value in counters.0 {
            let _ = write!(json, ",{value}");
        }
        json.push(']');
    }
    json.push(']');
    json
}

/// The select list reading one JSON row of [`rollup_rows_json`] from a `value` column.
pub(super) fn rollup_rows_select(with_team: bool) -> String {
    let keys = if with_team { 5 } else { 4 };
    let mut columns = vec!["CAST(value ->> 0 AS BIGINT)".to_owned()];
    columns.extend((1..keys).map(|i| format!("value ->> {i}")));
    columns.extend(
        (0..COUNTER_COLUMNS.len()).map(|i| format!("CAST(value ->> {} AS BIGINT)", keys + i)),
    );
    columns.join(", ")
}

/// Where SQLite's writer puts a batch's rollup changes: sent once, bound row by row, then
/// added to `rollups` and summed into every summary table by the fixed statements of
/// [`APPLY_ROLLUP_CHANGES`] — one set of bound rows instead of one per table, and statements
/// prepared once instead of one shape per row count. A temporary table: private to the
/// writer's connection, in memory, never in the database file.
pub(super) static CREATE_ROLLUP_CHANGES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "CREATE TEMP TABLE IF NOT EXISTS rollup_changes (site_id INTEGER NOT NULL, day TEXT NOT NULL, \
         week TEXT NOT NULL, agent TEXT NOT NULL, team TEXT NOT NULL, channel TEXT NOT NULL, {})",
        COUNTER_COLUMNS
            .map(|c| format!("{c} INTEGER NOT NULL"))
            .join(", ")
    )
});

/// `INSERT INTO rollup_changes (…) `: rows follow as `VALUES`.
pub(super) static INSERT_ROLLUP_CHANGES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO temp.rollup_changes (site_id, day, week, agent, team, channel, {}) ",
        COUNTER_COLUMNS.join(", ")
    )
});

/// Adds `rollup_changes` to `rollups`, then sums them into each summary in [`Summary::ALL`]
/// order. A sum that cancels out (a response moved between two rows of `rollups` that share
/// a summary row) only adds zeros to a row that exists: a negative change comes from a
/// response counted before, so every summary row it was counted in is there. (Filtering those
/// sums out with `HAVING` made each statement 40 % slower.)
pub(super) static APPLY_ROLLUP_CHANGES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let counters = COUNTER_COLUMNS.join(", ");
    let mut statements = vec![format!(
        "{} SELECT site_id, day, agent, team, channel, {counters} FROM temp.rollup_changes WHERE true{}",
        upsert_rollups_head("rollups", ROLLUP_KEYS),
        upsert_rollups_tail("rollups", ROLLUP_KEYS),
    )];
    let sums = COUNTER_COLUMNS.map(|c| format!("sum({c})"));
    for summary in Summary::ALL {
        let keys = format!("site_id, {}, agent, channel", summary.day_column());
        let day = if summary.is_weekly() { "week" } else { "day" };
        let channel = match summary.is_by_agent() {
            true => format!(
                "CASE WHEN channel = '{}' THEN channel ELSE '' END",
                Channel::HelpCenter.as_str()
            ),
            false => "channel".to_owned(),
        };
        statements.push(format!(
            "{} SELECT site_id, {day}, agent, {channel}, {} FROM temp.rollup_changes WHERE true \
             GROUP BY 1, 2, 3, 4{}",
            upsert_rollups_head(summary.table(), &keys),
            sums.join(", "),
            upsert_rollups_tail(summary.table(), &keys),
        ));
    }
    statements
});

macro_rules! rollup_writes {
    ($db:ty, $json_rows:expr) => {
        use crate::storage::rollup_sql;

        /// Applies rollup changes to `rollups` and every summary table, in one lock order for
        /// every writer (`rollups` in key order, then each summary table in its key order).
        ///
        /// Where the backend unpacks JSON cheaply (`$json_rows`: the text around a bound JSON
        /// parameter that yields a `value` column in array order), each table's rows travel as
        /// one parameter (`[[site_id, day, agent, (team,) channel, counters…], …]`), summed per
        /// table here; PostgreSQL then parses one value instead of 30-odd a row. Otherwise
        /// (SQLite re-parses a row's JSON text for every column) the changes are bound once,
        /// into the writer's `rollup_changes`, and summed into each table by SQLite.
        async fn apply_deltas(
            conn: &mut Conn,
            changes: &std::collections::BTreeMap<(i64, RollupKey), RollupCounters>,
        ) -> Result<(), StorageError> {
            use std::collections::BTreeMap;

            let rows: Vec<_> = changes.iter().filter(|(_, c)| !c.is_zero()).collect();
            if rows.is_empty() {
                return Ok(());
            }
            let json_rows: Option<(&str, &str)> = $json_rows;
            let Some((open, close)) = json_rows else {
                return apply_bound_deltas(conn, &rows).await;
            };
            let upsert = |table: &str,
                          keys: &str,
                          rows: &[(&(i64, RollupKey), &RollupCounters)],
                          with_team: bool| {
                let mut query = sqlx::QueryBuilder::<$db>::new(format!(
                    "{} SELECT {} {open}",
                    rollup_sql::upsert_rollups_head(table, keys),
                    rollup_sql::rollup_rows_select(with_team),
                ));
                query
                    .push_bind(rollup_sql::rollup_rows_json(rows, with_team))
                    .push(close);
                query.push(rollup_sql::upsert_rollups_tail(table, keys));
                query
            };
            upsert("rollups", rollup_sql::ROLLUP_KEYS, &rows, true)
                .build()
                .execute(&mut *conn)
                .await?;
            for summary in crate::rollup::Summary::ALL {
                let mut summed: BTreeMap<(i64, RollupKey), RollupCounters> = BTreeMap::new();
                for ((site_id, key), counters) in &rows {
                    summed
                        .entry((*site_id, summary.key_of(key)))
                        .or_default()
                        .add(counters);
                }
                let summed: Vec<_> = summed.iter().filter(|(_, c)| !c.is_zero()).collect();
                if summed.is_empty() {
                    continue;
                }
                let keys = format!("site_id, {}, agent, channel", summary.day_column());
                upsert(summary.table(), &keys, &summed, false)
                    .build()
                    .execute(&mut *conn)
                    .await?;
            }
            Ok(())
        }

        /// `apply_deltas` where rows are bound: into `rollup_changes`, then applied by SQL.
        async fn apply_bound_deltas(
            conn: &mut Conn,
            rows: &[(&(i64, RollupKey), &RollupCounters)],
        ) -> Result<(), StorageError> {
            sqlx::query("DELETE FROM temp.rollup_changes")
                .execute(&mut *conn)
                .await?;
            for chunk in rows.chunks(sql::ROWS_PER_STATEMENT) {
                let mut query = sqlx::QueryBuilder::<$db>::new(&*rollup_sql::INSERT_ROLLUP_CHANGES);
                query.push_values(chunk, |mut row, ((site_id, key), counters)| {
                    row.push_bind(*site_id)
                        .push_bind(&key.day)
                        .push_bind(crate::rollup::week_of(&key.day))
                        .push_bind(&key.agent)
                        .push_bind(&key.team)
                        .push_bind(&key.channel);
                    for value in counters.0 {
                        row.push_bind(value);
                    }
                });
                query.build().execute(&mut *conn).await?;
            }
            for statement in rollup_sql::APPLY_ROLLUP_CHANGES.iter() {
                sqlx::query(statement).execute(&mut *conn).await?;
            }
            Ok(())
        }

        /// One site's changes as `apply_deltas` takes them.
        fn site_deltas(
            site_id: i64,
            deltas: Vec<RollupDelta>,
        ) -> std::collections::BTreeMap<(i64, RollupKey), RollupCounters> {
            let mut rows = std::collections::BTreeMap::new();
            for delta in deltas {
                rows.entry((site_id, delta.key))
                    .or_insert_with(RollupCounters::default)
                    .add(&delta.counters);
            }
            rows
        }
    };
}

pub(super) use rollup_writes;
