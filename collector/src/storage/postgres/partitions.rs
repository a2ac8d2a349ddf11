//! The monthly partitions of `responses` on PostgreSQL (see the migration
//! `…_monthly_response_partitions.sql`): one table per UTC month a response was first
//! answered in, `responses_YYYY_MM`.
//!
//! - **Created ahead.** At start and every hour the collector makes sure this month's and
//!   next month's partitions exist; before a write or an import it makes sure the months it
//!   creates responses in have one (an import of last year, a clock that jumped). Each
//!   collector remembers the months it has seen, so a write costs no round trip for this.
//! - **Dropped whole.** Retention drops a month once every site with rows in it purges the whole
//!   month: it is detached (a moment's lock on `responses`), the keys of its counted responses
//!   are deleted, the sites' purges are audited, and the table is dropped. A month some site
//!   still keeps is purged row by row, as on SQLite.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::Duration;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use sqlx::postgres::PgPool;
use sqlx::{PgConnection, Postgres};

use crate::audit::AuditEntry;
use crate::storage::admin::Admin as _;
use crate::storage::removal::Removal as _;
use crate::storage::{KeyDrift, KeyProblem, PurgeCutoff, StorageError};

/// A UTC calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Month {
    first_day: Date,
}

impl Month {
    /// The month the moment `at_ms` falls in (UTC).
    pub fn of(at_ms: i64) -> Option<Self> {
        let at = jiff::Timestamp::from_millisecond(at_ms).ok()?;
        let day = at.to_zoned(TimeZone::UTC).date();
        Some(Self {
            first_day: day.first_of_month(),
        })
    }

    pub fn next(self) -> Option<Self> {
        let first_day = self
            .first_day
            .checked_add(jiff::Span::new().months(1))
            .ok()?;
        Some(Self { first_day })
    }

    /// Its first moment, in Unix milliseconds.
    pub fn start_ms(self) -> i64 {
        self.first_day
            .to_zoned(TimeZone::UTC)
            .map_or(i64::MIN, |z| z.timestamp().as_millisecond())
    }

    /// The first moment after it.
    pub fn end_ms(self) -> i64 {
        self.next().map_or(i64::MAX, Self::start_ms)
    }

    /// `YYYY-MM`.
    pub fn label(self) -> String {
        format!("{:04}-{:02}", self.first_day.year(), self.first_day.month())
    }

    /// Its partition's table name, as `koe_response_partition` names it.
    pub fn table(self) -> String {
        format!("responses_{}", self.label().replace('-', "_"))
    }

    /// The month a partition's table name stands for; `None` for any other table.
    pub fn of_table(name: &str) -> Option<Self> {
        let (year, month) = name.strip_prefix("responses_")?.split_once('_')?;
        if year.len() != 4 || month.len() != 2 {
            return None;
        }
        let first_day = Date::new(year.parse().ok()?, month.parse().ok()?, 1).ok()?;
        Some(Self { first_day })
    }
}

/// The months whose partitions this collector knows exist.
#[derive(Debug, Default)]
pub(super) struct Partitions {
    known: Mutex<BTreeSet<Month>>,
}

impl Partitions {
    /// Makes sure a partition exists for each month one of `times` falls in, creating the
    /// missing ones (each in a transaction of its own, never inside a write's).
    pub async fn ensure(
        &self,
        pool: &PgPool,
        times: impl IntoIterator<Item = i64>,
    ) -> Result<(), StorageError> {
        let missing: BTreeSet<Month> = {
            let known = self.known.lock().unwrap_or_else(|e| e.into_inner());
            times
                .into_iter()
                .filter_map(Month::of)
                .filter(|month| !known.contains(month))
                .collect()
        };
        for month in missing {
            sqlx::query("SELECT koe_response_partition($1)")
                .bind(month.start_ms())
                .execute(pool)
                .await?;
            self.known
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(month);
        }
        Ok(())
    }

    /// This month's partition and the next month's.
    pub async fn ensure_ahead(&self, pool: &PgPool, now_ms: i64) -> Result<(), StorageError> {
        let next = Month::of(now_ms).and_then(Month::next).map(Month::start_ms);
        self.ensure(pool, std::iter::once(now_ms).chain(next)).await
    }

    fn forget(&self, month: Month) {
        self.known
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&month);
    }
}

/// Keeps this month's and next month's partitions there, hourly, until the pool closes.
pub(super) fn keep_ahead(pool: PgPool, partitions: std::sync::Arc<Partitions>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_secs(3600));
        ticks.tick().await;
        loop {
            ticks.tick().await;
            if pool.is_closed() {
                return;
            }
            if let Err(error) = partitions.ensure_ahead(&pool, crate::clock::now_ms()).await {
                tracing::warn!(error = %error, "could not create the coming months' response partitions");
            }
        }
    });
}

/// How long detaching a month may wait for `responses`: while it waits, writes queue behind
/// it. A month not detached now is tried again at the next purge.
const DETACH_LOCK_TIMEOUT: &str = "1s";

/// A detached month waiting to be dropped (its name while it is no partition any more).
fn detached_table(month: Month) -> String {
    format!("{}_detached", month.table())
}

/// Drops each month every site with rows in it purges whole (see the module), and finishes any
/// month an earlier run detached but could not drop; how many rows went.
pub(super) async fn drop_purged(
    pool: &PgPool,
    partitions: &Partitions,
    cutoffs: &[PurgeCutoff],
) -> Result<u64, StorageError> {
    let by_site: BTreeMap<i64, &PurgeCutoff> =
        cutoffs.iter().map(|c| (c.entry.site_id, c)).collect();
    let sites: Vec<(i64,)> = sqlx::query_as("SELECT id FROM sites")
        .fetch_all(pool)
        .await?;
    let mut dropped = 0;
    for (table, month) in response_tables(pool).await? {
        // The sites whose rows in this month it may drop: all of the month lies before their
        // cut-off, in every time zone.
        let drops = |site_id: i64| {
            by_site
                .get(&site_id)
                .is_some_and(|c| month.end_ms() <= c.surely_before_ms)
        };
        let detached = table != month.table();
        if !detached {
            if !cutoffs.iter().any(|c| drops(c.entry.site_id)) {
                continue;
            }
            let mut keeps = false;
            for (site_id,) in sites.iter().filter(|(id,)| !drops(*id)) {
                keeps |= has_rows_of(pool, &table, *site_id).await?;
            }
            if keeps || !detach(pool, month).await? {
                continue;
            }
            partitions.forget(month);
        }
        let mut tx = pool.begin().await?;
        dropped += drop_detached(&mut tx, month, &drops, &by_site).await?;
        tx.commit().await?;
    }
    Ok(dropped)
}

/// The partitions of `responses`, and months detached and not yet dropped, oldest first.
async fn response_tables(pool: &PgPool) -> Result<Vec<(String, Month)>, StorageError> {
    let names: Vec<(String,)> = sqlx::query_as(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
         WHERE i.inhparent = CAST('responses' AS regclass) \
         UNION SELECT relname FROM pg_class WHERE relkind = 'r' \
         AND relname LIKE 'responses\\_%\\_detached' AND relnamespace = \
         (SELECT oid FROM pg_namespace WHERE nspname = current_schema())",
    )
    .fetch_all(pool)
    .await?;
    let mut tables: Vec<(String, Month)> = names
        .into_iter()
        .filter_map(|(name,)| {
            let month = Month::of_table(name.strip_suffix("_detached").unwrap_or(&name))?;
            Some((name, month))
        })
        .collect();
    tables.sort_by_key(|(_, month)| *month);
    Ok(tables)
}

async fn has_rows_of(pool: &PgPool, table: &str, site_id: i64) -> Result<bool, StorageError> {
    let (found,): (bool,) = sqlx::query_as(&format!(
        "SELECT EXISTS (SELECT 1 FROM {table} WHERE site_id = $1)"
    ))
    .bind(site_id)
    .fetch_one(pool)
    .await?;
    Ok(found)
}

/// Detaches a month's partition and renames it out of the way (a write or import into that
/// month makes a new one); `false` when `responses` stayed busy past the lock timeout.
async fn detach(pool: &PgPool, month: Month) -> Result<bool, StorageError> {
    let mut tx = pool.begin().await?;
    sqlx::query(&format!("SET LOCAL lock_timeout = '{DETACH_LOCK_TIMEOUT}'"))
        .execute(&mut *tx)
        .await?;
    let table = month.table();
    let detached = sqlx::query(&format!("ALTER TABLE responses DETACH PARTITION {table}"))
        .execute(&mut *tx)
        .await;
    if let Err(error) = detached {
        tracing::info!(error = %error, %table, "could not detach a purged month now; trying again at the next purge");
        return Ok(false);
    }
    sqlx::query(&format!(
        "ALTER TABLE {table} RENAME TO {}",
        detached_table(month)
    ))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// In one transaction: the rows of sites that keep them (written into the month between the
/// check and the detach) go back into `responses`; the others' keys are deleted, their purge
/// audited and their purged-before day moved; the detached table is dropped. How many rows went.
async fn drop_detached(
    tx: &mut PgConnection,
    month: Month,
    drops: &impl Fn(i64) -> bool,
    by_site: &BTreeMap<i64, &PurgeCutoff>,
) -> Result<u64, StorageError> {
    let table = detached_table(month);
    let counts: Vec<(i64, i64)> = sqlx::query_as(&format!(
        "SELECT site_id, COUNT(*) FROM {table} GROUP BY site_id ORDER BY site_id"
    ))
    .fetch_all(&mut *tx)
    .await?;
    let (gone, kept): (Vec<_>, Vec<_>) = counts.into_iter().partition(|(site, _)| drops(*site));
    let kept: Vec<i64> = kept.into_iter().map(|(site, _)| site).collect();
    if !kept.is_empty() {
        sqlx::query("SELECT koe_response_partition($1)")
            .bind(month.start_ms())
            .execute(&mut *tx)
            .await?;
        sqlx::query(&format!(
            "INSERT INTO responses OVERRIDING SYSTEM VALUE SELECT * FROM {table} \
             WHERE site_id = ANY($1)"
        ))
        .bind(&kept)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(&format!(
        "DELETE FROM response_keys k USING {table} r WHERE k.site_id = r.site_id \
         AND k.interaction = r.interaction AND k.created_at_ms = r.created_at_ms \
         AND NOT r.set_aside AND NOT r.site_id = ANY($1)"
    ))
    .bind(&kept)
    .execute(&mut *tx)
    .await?;
    let mut dropped = 0;
    for (site_id, rows) in gone {
        let Some(cutoff) = by_site.get(&site_id) else {
            continue;
        };
        let before = cutoff.before.to_string();
        Postgres::mark_purged(&mut *tx, site_id, &before).await?;
        let audited = AuditEntry {
            detail: format!(
                "{rows} {} — the whole month {} (UTC) dropped",
                cutoff.entry.detail,
                month.label()
            ),
            ..cutoff.entry.clone()
        };
        Postgres::insert_audit(&mut *tx, &audited).await?;
        dropped += u64::try_from(rows).unwrap_or(0);
    }
    sqlx::query(&format!("DROP TABLE {table}"))
        .execute(&mut *tx)
        .await?;
    Ok(dropped)
}

/// Counted responses without their key, and keys without their response (`koe verify`).
pub(super) async fn key_drift(pool: &PgPool) -> Result<Vec<KeyDrift>, StorageError> {
    let rows: Vec<(String, String, bool)> = sqlx::query_as(
        "SELECT s.site_key, r.interaction, TRUE FROM responses r JOIN sites s ON s.id = r.site_id \
         WHERE NOT r.set_aside AND NOT EXISTS (SELECT 1 FROM response_keys k \
         WHERE k.site_id = r.site_id AND k.interaction = r.interaction \
         AND k.created_at_ms = r.created_at_ms) \
         UNION ALL \
         SELECT s.site_key, k.interaction, FALSE FROM response_keys k \
         JOIN sites s ON s.id = k.site_id WHERE NOT EXISTS (SELECT 1 FROM responses r \
         WHERE r.site_id = k.site_id AND r.interaction = k.interaction \
         AND r.created_at_ms = k.created_at_ms AND NOT r.set_aside) \
         ORDER BY 1, 2",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(site, interaction, unkeyed)| KeyDrift {
            site,
            interaction,
            problem: if unkeyed {
                KeyProblem::Unkeyed
            } else {
                KeyProblem::Dangling
            },
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_runs_from_its_first_utc_millisecond_to_the_next_months() {
        let december = Month::of(1_796_083_200_000).unwrap(); // 2026-12-01T00:00:00Z
        assert_eq!(december.table(), "responses_2026_12");
        assert_eq!(december.start_ms(), 1_796_083_200_000);
        assert_eq!(
            Month::of(1_796_083_200_000 - 1).unwrap().table(),
            "responses_2026_11"
        );
        let january = december.next().unwrap();
        assert_eq!(january.table(), "responses_2027_01");
        assert_eq!(december.end_ms(), january.start_ms());
        assert_eq!(Month::of(january.start_ms() - 1), Some(december));
    }

    #[test]
    fn only_partition_names_read_as_months() {
        assert_eq!(
            Month::of_table("responses_2025_02")
                .map(Month::table)
                .as_deref(),
            Some("responses_2025_02")
        );
        for other in [
            "responses",
            "responses_2025_13",
            "responses_2025_2",
            "responses_keys",
            "responses_2025_02_detached",
        ] {
            assert_eq!(Month::of_table(other), None, "{other}");
        }
    }
}
