//! SQLite's side of the write path ([`WriteTx`] for the writer's connection): the only writer,
//! so nothing is locked; rollup changes are bound once into a temporary table and summed
//! into every rollup table by SQL.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use koe_shared::{Channel, InteractionId};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::ids::SiteId;
use crate::rollup::{COUNTER_COLUMNS, Summary, week_of};
use crate::storage::rows::ResponseRow;
use crate::storage::sql::{self, ROLLUP_KEYS, ROWS_PER_STATEMENT};
use crate::storage::write_plan::RollupChanges;
use crate::storage::write_tx::WriteTx;
use crate::storage::{StorageError, StoredResponse};

/// Where the writer puts a batch's rollup changes: sent once, bound row by row, then added to
/// `rollups` and summed into every summary table by the fixed statements of
/// `APPLY_ROLLUP_CHANGES` — one set of bound rows instead of one per table, and statements
/// prepared once instead of one shape per row count. A temporary table: private to the
/// writer's connection, in memory, never in the database file.
pub(super) static CREATE_ROLLUP_CHANGES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "CREATE TEMP TABLE IF NOT EXISTS rollup_changes (site_id INTEGER NOT NULL, \
         day TEXT NOT NULL, week TEXT NOT NULL, agent TEXT NOT NULL, team TEXT NOT NULL, \
         channel TEXT NOT NULL, {})",
        COUNTER_COLUMNS
            .map(|c| format!("{c} INTEGER NOT NULL"))
            .join(", ")
    )
});

/// `INSERT INTO rollup_changes (…) `: rows follow as `VALUES`.
static INSERT_ROLLUP_CHANGES: LazyLock<String> = LazyLock::new(|| {
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
static APPLY_ROLLUP_CHANGES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let counters = COUNTER_COLUMNS.join(", ");
    let mut statements = vec![format!(
        "{} SELECT site_id, day, agent, team, channel, {counters} FROM temp.rollup_changes \
         WHERE true{}",
        sql::upsert_rollups_head("rollups", ROLLUP_KEYS),
        sql::upsert_rollups_tail("rollups", ROLLUP_KEYS),
    )];
    let sums = COUNTER_COLUMNS.map(|c| format!("sum({c})"));
    for summary in Summary::ALL {
        let keys = sql::summary_keys(summary);
        let day = if summary.is_weekly() { "week" } else { "day" };
        let channel = match summary.is_by_agent() {
            true => format!(
                "CASE WHEN channel = '{}' THEN channel ELSE '' END",
                Channel::HelpCenter.as_str()
            ),
            false => "channel".to_owned(),
        };
        statements.push(format!(
            "{} SELECT site_id, {day}, agent, {channel}, {} FROM temp.rollup_changes \
             WHERE true GROUP BY 1, 2, 3, 4{}",
            sql::upsert_rollups_head(summary.table(), &keys),
            sums.join(", "),
            sql::upsert_rollups_tail(summary.table(), &keys),
        ));
    }
    statements
});

impl WriteTx for SqliteConnection {
    type Db = Sqlite;

    async fn lock_interactions(
        &mut self,
        site_id: SiteId,
        interactions: &[InteractionId],
        exclusive: bool,
    ) -> Result<(), StorageError> {
        // The writer is the only one: nothing to lock.
        let _ = (site_id, interactions, exclusive);
        Ok(())
    }

    async fn lock_every_interaction(&mut self, _: SiteId) -> Result<(), StorageError> {
        Ok(())
    }

    async fn facts_of_many(
        &mut self,
        site_id: SiteId,
        interactions: &[InteractionId],
    ) -> Result<BTreeMap<InteractionId, crate::storage::StoredFacts>, StorageError> {
        if interactions.is_empty() {
            return Ok(BTreeMap::new());
        }
        let mut query = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {} FROM interactions WHERE site_id = ",
            crate::storage::facts::FACTS_COLUMNS
        ));
        query.push_bind(site_id).push(" AND interaction IN (");
        let mut list = query.separated(", ");
        for interaction in interactions {
            list.push_bind(interaction.as_str());
        }
        query.push(")");
        let rows: Vec<crate::storage::rows::FactsRow> =
            query.build_query_as().fetch_all(&mut *self).await?;
        crate::storage::facts::facts_map(rows)
    }

    async fn responses_of(
        &mut self,
        site_id: SiteId,
        interactions: &[InteractionId],
    ) -> Result<Vec<StoredResponse>, StorageError> {
        let mut query = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {} FROM responses WHERE site_id = ",
            sql::RESPONSE_COLUMNS
        ));
        query.push_bind(site_id).push(" AND interaction IN (");
        let mut list = query.separated(", ");
        for interaction in interactions {
            list.push_bind(interaction.as_str());
        }
        query.push(") AND NOT set_aside");
        let rows: Vec<ResponseRow> = query.build_query_as().fetch_all(&mut *self).await?;
        rows.into_iter().map(StoredResponse::try_from).collect()
    }

    async fn apply_rollup_changes(&mut self, changes: &RollupChanges) -> Result<(), StorageError> {
        let rows: Vec<_> = changes.iter().filter(|(_, c)| !c.is_zero()).collect();
        if rows.is_empty() {
            return Ok(());
        }
        sqlx::query("DELETE FROM temp.rollup_changes")
            .execute(&mut *self)
            .await?;
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut query = QueryBuilder::<Sqlite>::new(&*INSERT_ROLLUP_CHANGES);
            query.push_values(chunk, |mut row, ((site_id, key), counters)| {
                row.push_bind(*site_id)
                    .push_bind(key.day.to_string())
                    .push_bind(week_of(key.day).to_string())
                    .push_bind(key.agent_column())
                    .push_bind(key.team_column())
                    .push_bind(key.channel_column());
                for value in counters.values() {
                    row.push_bind(value);
                }
            });
            query.build().execute(&mut *self).await?;
        }
        for statement in APPLY_ROLLUP_CHANGES.iter() {
            sqlx::query(statement).execute(&mut *self).await?;
        }
        Ok(())
    }

    /// Nothing to lock: the writer's transaction holds SQLite's only write lock, so a change
    /// of the site's settings (on the pool) waits for it anyway.
    async fn retention_now(
        &mut self,
        site_id: SiteId,
    ) -> Result<Option<(Option<i64>, String)>, StorageError> {
        let settings: Option<(Option<i64>, String)> =
            sqlx::query_as("SELECT retention_days, timezone FROM sites WHERE id = $1")
                .bind(site_id)
                .fetch_optional(&mut *self)
                .await?;
        Ok(settings)
    }
}
