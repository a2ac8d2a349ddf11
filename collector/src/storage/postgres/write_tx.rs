//! PostgreSQL's side of the write path ([`WriteTx`] for a pooled connection in a
//! transaction): writers run concurrently (in this collector and others), so the responses a
//! write touches are locked (`FOR UPDATE`, in interaction order), and rollup rows in key
//! order; each table's rollup changes travel as one JSON parameter, all five in one statement.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use koe_shared::InteractionId;
use sqlx::{PgConnection, Postgres, QueryBuilder};

use crate::ids::SiteId;
use crate::rollup::{COUNTER_COLUMNS, RollupCounters, RollupKey, Summary};
use crate::storage::rows::ResponseRow;
use crate::storage::sql::{self, ROLLUP_KEYS};
use crate::storage::write_plan::RollupChanges;
use crate::storage::write_tx::WriteTx;
use crate::storage::{StorageError, StoredResponse};

impl WriteTx for PgConnection {
    type Db = Postgres;

    async fn lock_interactions(
        &mut self,
        site_id: SiteId,
        interactions: &[InteractionId],
        exclusive: bool,
    ) -> Result<(), StorageError> {
        let keys: Vec<i32> = super::site_lock::interaction_keys(site_id, interactions);
        let sql = match exclusive {
            true => super::site_lock::LOCK_INTERACTIONS,
            false => super::site_lock::SHARE_INTERACTIONS,
        };
        sqlx::query(sql)
            .bind(keys)
            .bind(super::site_lock::INTERACTION)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn lock_every_interaction(&mut self, site_id: SiteId) -> Result<(), StorageError> {
        sqlx::query(super::site_lock::LOCK_INTERACTIONS)
            .bind(super::site_lock::every_interaction_key(site_id))
            .bind(super::site_lock::INTERACTION)
            .execute(&mut *self)
            .await?;
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
        let mut query = QueryBuilder::<Postgres>::new(format!(
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

    /// Each response is found through its key, which names its creation time, in two steps:
    /// the keys of the wanted interactions, then — only if any has one — their rows, in
    /// interaction order, from the partitions of those times alone (pruned when the statement
    /// is planned, so neither the plan nor the read grows with the months kept; a batch of new
    /// interactions reads no partition at all). Both statements are planned at every run
    /// rather than once per connection: a plan cached while the table was small (a sequential
    /// scan, right for a few rows) was kept as it grew, and so was `interaction IN (…)`
    /// planned on a table not yet analysed (every response of the site read and filtered):
    /// either way each batch read more as the table grew — 90 ms a batch after 3 s of ingest,
    /// in about half of the benchmark runs.
    async fn responses_of(
        &mut self,
        site_id: SiteId,
        interactions: &[InteractionId],
    ) -> Result<Vec<StoredResponse>, StorageError> {
        let interactions: Vec<&str> = interactions.iter().map(InteractionId::as_str).collect();
        let mut keys = QueryBuilder::<Postgres>::new("SELECT key.* FROM unnest(");
        keys.push_bind(interactions)
            .push(
                ") AS wanted (interaction) CROSS JOIN LATERAL (SELECT interaction, created_at_ms \
                 FROM response_keys WHERE site_id = ",
            )
            .push_bind(site_id)
            .push(" AND interaction = wanted.interaction) AS key");
        let keyed: Vec<(String, i64)> = keys
            .build_query_as()
            .persistent(false)
            .fetch_all(&mut *self)
            .await?;
        if keyed.is_empty() {
            return Ok(Vec::new());
        }
        let (interactions, times): (Vec<String>, Vec<i64>) = keyed.into_iter().unzip();
        let mut rows = QueryBuilder::<Postgres>::new("SELECT touched.* FROM unnest(");
        rows.push_bind(interactions)
            .push(", ")
            .push_bind(times.clone())
            .push(format!(
                ") AS wanted (interaction, created_at_ms) CROSS JOIN LATERAL (SELECT {} \
                 FROM responses WHERE site_id = ",
                sql::RESPONSE_COLUMNS
            ))
            .push_bind(site_id)
            .push(" AND created_at_ms = ANY(")
            .push_bind(times)
            .push(
                ") AND responses.interaction = wanted.interaction \
                 AND responses.created_at_ms = wanted.created_at_ms AND NOT set_aside \
                 FOR UPDATE) AS touched",
            );
        let rows: Vec<ResponseRow> = rows
            .build_query_as()
            .persistent(false)
            .fetch_all(&mut *self)
            .await?;
        rows.into_iter().map(StoredResponse::try_from).collect()
    }

    /// Each table's rows travel as one parameter (`[[site_id, day, agent, (team,) channel,
    /// counters…], …]`), summed per table here: PostgreSQL then parses one value instead of
    /// 30-odd a row. All five tables change in one statement ([`UPSERT_ALL`]): one round trip
    /// instead of five.
    async fn apply_rollup_changes(&mut self, changes: &RollupChanges) -> Result<(), StorageError> {
        let rows: Vec<_> = changes.iter().filter(|(_, c)| !c.is_zero()).collect();
        if rows.is_empty() {
            return Ok(());
        }
        let mut upsert = sqlx::query(&UPSERT_ALL).bind(rows_json(&rows, true));
        for summary in Summary::ALL {
            let mut summed: BTreeMap<(SiteId, RollupKey), RollupCounters> = BTreeMap::new();
            for ((site_id, key), counters) in &rows {
                summed
                    .entry((*site_id, summary.key_of(key)))
                    .or_default()
                    .add(counters);
            }
            let summed: Vec<_> = summed.iter().filter(|(_, c)| !c.is_zero()).collect();
            upsert = upsert.bind(rows_json(&summed, false));
        }
        upsert.execute(&mut *self).await?;
        Ok(())
    }

    /// `FOR NO KEY UPDATE`, the lock an update of the row takes: a change of the site's
    /// settings waits for this transaction (and this for it), while answers, whose inserts
    /// only check that the site exists (`FOR KEY SHARE`), go on.
    async fn retention_now(
        &mut self,
        site_id: SiteId,
    ) -> Result<Option<(Option<i64>, String)>, StorageError> {
        let settings: Option<(Option<i64>, String)> = sqlx::query_as(
            "SELECT retention_days, timezone FROM sites WHERE id = $1 FOR NO KEY UPDATE",
        )
        .bind(site_id)
        .fetch_optional(&mut *self)
        .await?;
        Ok(settings)
    }
}

/// The upserts of `rollups` (`$1`) and of the four summary tables (`$2`…`$5`, in
/// [`Summary::ALL`] order) as one statement, each table's rows unpacked from its JSON parameter
/// in array order (so rows are locked in key order). PostgreSQL promises no order among a
/// statement's upserts, but every writer runs this one statement, which reads each upsert's
/// count in turn, so writers take the tables in one order; a deadlock in spite of that fails
/// the batch, whose writes are then retried one by one (`writer.rs`). An empty array changes
/// nothing.
static UPSERT_ALL: LazyLock<String> = LazyLock::new(|| {
    let summary_keys: Vec<String> = Summary::ALL.iter().map(|s| sql::summary_keys(*s)).collect();
    let tables = std::iter::once(("rollups", ROLLUP_KEYS, true)).chain(
        Summary::ALL
            .iter()
            .zip(&summary_keys)
            .map(|(summary, keys)| (summary.table(), keys.as_str(), false)),
    );
    let upserts: Vec<String> = tables
        .enumerate()
        .map(|(i, (table, keys, with_team))| {
            format!(
                "u{i} AS ({} SELECT {} FROM jsonb_array_elements(CAST(${} AS JSONB)) \
                 WITH ORDINALITY AS r(value, n) ORDER BY n{} RETURNING 1)",
                sql::upsert_rollups_head(table, keys),
                rows_select(with_team),
                i + 1,
                sql::upsert_rollups_tail(table, keys),
            )
        })
        .collect();
    let counts: Vec<String> = (0..upserts.len())
        .map(|i| format!("(SELECT count(*) FROM u{i})"))
        .collect();
    format!("WITH {} SELECT {}", upserts.join(", "), counts.join(", "))
});

/// Rollup rows as JSON: one array per row, keys then counters.
fn rows_json(rows: &[(&(SiteId, RollupKey), &RollupCounters)], with_team: bool) -> String {
    use std::fmt::Write as _;
    let text = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    let mut json = String::with_capacity(rows.len() * 160);
    json.push('[');
    for (i, ((site_id, key), counters)) in rows.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        let _ = write!(
            json,
            "[{site_id},\"{}\",{},",
            key.day,
            text(key.agent_column())
        );
        if with_team {
            let _ = write!(json, "{},", text(key.team_column()));
        }
        json.push_str(&text(key.channel_column()));
        for value in counters.values() {
            let _ = write!(json, ",{value}");
        }
        json.push(']');
    }
    json.push(']');
    json
}

/// The select list reading one row of [`rows_json`] from a `value` column.
fn rows_select(with_team: bool) -> String {
    let keys = if with_team { 5 } else { 4 };
    let mut columns = vec!["CAST(value ->> 0 AS BIGINT)".to_owned()];
    columns.extend((1..keys).map(|i| format!("value ->> {i}")));
    columns.extend(
        (0..COUNTER_COLUMNS.len()).map(|i| format!("CAST(value ->> {} AS BIGINT)", keys + i)),
    );
    columns.join(", ")
}
