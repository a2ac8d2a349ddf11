//! The monthly partitions of `responses` on PostgreSQL (see the migration
//! `…_monthly_response_partitions.sql`): one table per UTC month a response was first
//! answered in, `responses_YYYY_MM`.
//!
//! - **Created ahead.** At start and every hour the collector makes sure this month's and
//!   next month's partitions exist; before a write or an import it makes sure the months it
//!   creates responses in have one (an import of last year, a clock that jumped). Each
//!   collector remembers the months it has seen, so a write costs no round trip for this.
//! - **Dropped whole.** Retention drops a month once every site with rows in it purges the whole
//!   month, in one transaction: writes into the month stop, the sites' settings are read again
//!   (their rows locked until the commit, so a site that clears its retention meanwhile keeps
//!   the month), the keys of its counted responses are deleted, the sites' purges are audited,
//!   and it is detached from `responses` (a moment's lock, from there to the commit) and
//!   dropped. A month some site still keeps is purged row by row, as on SQLite.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::Duration;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use sqlx::Postgres;

use crate::ids::SiteId;
use sqlx::postgres::PgPool;

use crate::audit::AuditEntry;
use crate::storage::access::Access as _;
use crate::storage::removal::Removal as _;
use crate::storage::write_path;
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
        let digits =
            |part: &str, n: usize| part.len() == n && part.bytes().all(|b| b.is_ascii_digit());
        if !digits(year, 4) || !digits(month, 2) {
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
    /// missing ones (each in a transaction of its own, never inside a write's). Months seen
    /// before are taken on trust: retention drops only months long past, which live writes
    /// never reach (an import asks afresh: [`Partitions::ensure_afresh`]).
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

    /// As [`Partitions::ensure`], asking the database for every month, even one seen before
    /// (another collector's retention may have dropped it since).
    pub async fn ensure_afresh(
        &self,
        pool: &PgPool,
        times: impl IntoIterator<Item = i64>,
    ) -> Result<(), StorageError> {
        let months: BTreeSet<Month> = times.into_iter().filter_map(Month::of).collect();
        for month in &months {
            self.forget(*month);
        }
        self.ensure(pool, months.iter().map(|m| m.start_ms())).await
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

/// How long dropping a month may wait for a lock: while it waits, other sessions' requests
/// for that lock queue behind it. A month not dropped now is tried again at the next purge.
const DROP_LOCK_TIMEOUT: &str = "1s";

/// How long detaching may wait for `responses` (see [`drop_month`]).
const DETACH_LOCK_TIMEOUT: &str = "100ms";

/// Drops each month every site with rows in it purges whole (see the module); how many rows
/// went. A month that cannot be dropped now (busy, or another collector is at it) is left for
/// the next purge.
pub(super) async fn drop_purged(
    pool: &PgPool,
    partitions: &Partitions,
    cutoffs: &[PurgeCutoff],
) -> Result<u64, StorageError> {
    let by_site: BTreeMap<SiteId, &PurgeCutoff> =
        cutoffs.iter().map(|c| (c.entry.site_id, c)).collect();
    let mut dropped = 0;
    for month in partition_months(pool).await? {
        if !cutoffs.iter().any(|c| lets_go(c, month)) {
            continue;
        }
        match drop_month(pool, month, &by_site).await {
            Ok(Some(rows)) => {
                partitions.forget(month);
                dropped += rows;
            }
            Ok(None) => {}
            Err(error) => {
                tracing::info!(error = %error, month = %month.label(), "could not drop a purged month now; trying again at the next purge");
            }
        }
    }
    Ok(dropped)
}

/// Whether a site's cut-off lets the whole month go: all of it lies before the cut-off, in
/// every time zone.
fn lets_go(cutoff: &PurgeCutoff, month: Month) -> bool {
    month.end_ms() <= cutoff.surely_before_ms
}

/// The months `responses` has partitions for, oldest first.
async fn partition_months(pool: &PgPool) -> Result<Vec<Month>, StorageError> {
    let names: Vec<(String,)> = sqlx::query_as(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
         WHERE i.inhparent = CAST('responses' AS regclass)",
    )
    .fetch_all(pool)
    .await?;
    let mut months: Vec<Month> = names
        .iter()
        .filter_map(|(name,)| Month::of_table(name))
        .collect();
    months.sort();
    Ok(months)
}

/// Drops one month in one transaction, or leaves it (`None`): writes into it are stopped
/// (reads go on), it is left if a site that keeps it — by its settings as read here, not as
/// `by_site` was computed from — has rows in it; else the keys of its counted responses are
/// deleted, each site's purge is audited and its purged-before day moved, and the month is
/// detached from `responses` — locking it only from there to the commit — and dropped.
async fn drop_month(
    pool: &PgPool,
    month: Month,
    by_site: &BTreeMap<SiteId, &PurgeCutoff>,
) -> Result<Option<u64>, StorageError> {
    let table = month.table();
    let mut tx = pool.begin().await?;
    sqlx::query(&format!("SET LOCAL lock_timeout = '{DROP_LOCK_TIMEOUT}'"))
        .execute(&mut *tx)
        .await?;
    // One collector at a time drops months, and none creates one meanwhile.
    let (ours,): (bool,) =
        sqlx::query_as("SELECT pg_try_advisory_xact_lock(hashtext('koe.response_partitions'))")
            .fetch_one(&mut *tx)
            .await?;
    let (there,): (bool,) = sqlx::query_as("SELECT to_regclass($1) IS NOT NULL")
        .bind(&table)
        .fetch_one(&mut *tx)
        .await?;
    if !ours || !there {
        return Ok(None);
    }
    sqlx::query(&format!("LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))
        .execute(&mut *tx)
        .await?;
    let sites: Vec<(SiteId,)> = sqlx::query_as("SELECT id FROM sites ORDER BY id")
        .fetch_all(&mut *tx)
        .await?;
    // The cut-offs were computed from settings read before this transaction. Each site that
    // would let the month go is read again, its row locked until the commit (after the
    // month's, the order every writer locks in): a site that has cleared its retention
    // meanwhile keeps the month, and one that changes it now waits for the drop.
    let mut letting_go: BTreeMap<SiteId, &PurgeCutoff> = BTreeMap::new();
    for (site_id,) in &sites {
        if let Some(cutoff) = by_site.get(site_id).filter(|c| lets_go(c, month))
            && write_path::cutoff_stands(&mut *tx, cutoff).await?
        {
            letting_go.insert(*site_id, *cutoff);
        }
    }
    let keeps = sites.iter().filter(|(id,)| !letting_go.contains_key(id));
    for (site_id,) in keeps {
        let (found,): (bool,) = sqlx::query_as(&format!(
            "SELECT EXISTS (SELECT 1 FROM {table} WHERE site_id = $1)"
        ))
        .bind(site_id)
        .fetch_one(&mut *tx)
        .await?;
        if found {
            return Ok(None);
        }
    }
    let counts: Vec<(SiteId, i64)> = sqlx::query_as(&format!(
        "SELECT site_id, COUNT(*) FROM {table} GROUP BY site_id ORDER BY site_id"
    ))
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query(&format!(
        "DELETE FROM response_keys k USING {table} r WHERE k.site_id = r.site_id \
         AND k.interaction = r.interaction AND k.created_at_ms = r.created_at_ms \
         AND NOT r.set_aside"
    ))
    .execute(&mut *tx)
    .await?;
    let mut dropped = 0;
    for (site_id, rows) in counts {
        let Some(cutoff) = letting_go.get(&site_id) else {
            continue;
        };
        // What is gone for sure: every day before the one the month's end falls on (the rest,
        // up to the cut-off, goes row by row right after).
        let gone_before = cutoff.zone.local_date(month.end_ms()).min(cutoff.before);
        Postgres::mark_purged(&mut *tx, site_id, &gone_before.to_string()).await?;
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
    // Others lock `responses` before its partitions, this the other way round: a session
    // that reads this month (an erasure, a rezone, another collector's row purge) and waits
    // for it would be a deadlock. Waiting less than PostgreSQL's deadlock check (1 s) makes
    // the drop the one to give way; its month goes row by row, or at the next purge.
    sqlx::query(&format!("SET LOCAL lock_timeout = '{DETACH_LOCK_TIMEOUT}'"))
        .execute(&mut *tx)
        .await?;
    sqlx::query(&format!("ALTER TABLE responses DETACH PARTITION {table}"))
        .execute(&mut *tx)
        .await?;
    sqlx::query(&format!("DROP TABLE {table}"))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(dropped))
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
            "responses_+202_01",
        ] {
            assert_eq!(Month::of_table(other), None, "{other}");
        }
    }
}
