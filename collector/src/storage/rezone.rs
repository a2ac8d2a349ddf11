//! Moving a site to another time zone (`koe site update --timezone Z --rebuild-rollups`, or
//! `PATCH /api/v1/sites/{site}` with `"rebuild_rollups": true`): every raw response and
//! impression is given the local day its own timestamp falls on in the new zone, and its counts
//! move with it — out of the rollup, summary and reason rows of its old day, into its new day's
//! — as an edited answer's do. The last step drops the rows left counting nothing, stores the
//! zone with the time the rebuild ended, and records the audit entry.
//!
//! A rebuild locks its site, never the tables. It reads the site's raw rows in chunks of
//! [`REZONE_CHUNK`] (responses in the order of the site's index, creation time then id;
//! impressions by interaction), so its memory is a chunk's whatever the site holds. Each chunk
//! leaves the rollups equal to the raw rows — the invariant every write keeps — so the steps here
//! run as well in one transaction as in many, and each backend picks:
//! - PostgreSQL (`postgres/rebuild.rs`) runs them all in one transaction holding only the site's
//!   advisory locks (`postgres/site_lock.rs`): other sites write on, no report ever mixes two
//!   calendars, and a crash leaves the old zone whole.
//! - SQLite (`sqlite/rebuild.rs`) has one writer for every site, so each chunk is a transaction
//!   of its own between other sites' batches, which wait a chunk at most. Meanwhile the site's
//!   own reports show days already moved beside days not yet moved; a crash leaves it so (the
//!   counts exact, the zone the old one), and asking for the same change again finishes it.
//!
//! On both, while a site is rebuilt its own answers, impressions, imports, erasures and purges
//! are refused at once ([`StorageError::SiteRebuilding`]: 503 with `Retry-After`, which the
//! widget's outbox keeps and sends again) rather than waited for: a waiting write holds a pooled
//! connection on PostgreSQL, a group-commit batch holds other sites' answers beside it, and a
//! busy site's writes would soon hold them all — every site stalled again. Nothing of the site
//! changes under the rebuild, so no chunk needs catching up. A site is rebuilt once at a time
//! ([`StorageError::RebuildRunning`], 409), and its API keys may start a rebuild once every
//! [`REBUILD_INTERVAL_MINUTES`] minutes after the last one ended ([`StorageError::RebuildTooSoon`],
//! 429; `sites.rollups_rebuilt_at_ms`, written in the last step, so a rebuild that failed does
//! not count). The operator's command line is not limited: the limit keeps tenants from costing
//! each other, and the operator owns the database.

use sqlx::{Database, FromRow, Row as _};

use super::access::Access;
use super::queries::Queries;
use super::rows::{ImpressionRow, ResponseRow};
use super::sql::{for_koe_databases, response_columns};
use super::write_plan::{self, RollupChanges, StoredRow, Tallies};
use super::write_tx::WriteTx;
use super::{Rezoned, StorageError, StoredResponse};
use crate::audit::{Actor, AuditEntry};
use crate::ids::SiteId;
use crate::responses::ResponseState;
use crate::rollup::{
    COUNTER_COLUMNS, RollupCounters, RollupDelta, RollupKey, Summary, response_deltas,
};
use crate::sites::SiteTimeZone;

/// Raw rows one step of a rebuild reads and re-dates. On SQLite a step is a transaction of the
/// one writer, so this bounds how long other sites' writes wait behind it.
pub const REZONE_CHUNK: i64 = 1_000;

/// How often a site's API keys may rebuild its rollups: once per this many minutes, counted from
/// the end of the last rebuild.
pub const REBUILD_INTERVAL_MINUTES: i64 = 10;

const REBUILD_INTERVAL_MS: i64 = REBUILD_INTERVAL_MINUTES * 60 * 1000;

/// Where a rebuild has got to among a site's raw responses: the last one it read, in the order
/// of the site's index (creation time, then id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RebuildCursor {
    created_at_ms: i64,
    id: i64,
}

impl RebuildCursor {
    /// Before every response.
    pub(super) const START: Self = Self {
        created_at_ms: i64::MIN,
        id: i64::MIN,
    };

    fn of(response: &StoredResponse) -> Self {
        Self {
            created_at_ms: response.state.created_at_ms,
            id: response.id,
        }
    }
}

/// What a step leaves to do: the rows after this position, or nothing.
#[derive(Debug)]
pub(super) enum Progress<P> {
    More(P),
    Done,
}

/// The statements, on one connection (the caller's transaction).
pub(super) trait Rezone: Database {
    /// The site's purged-before day, read inside the transaction.
    async fn purged_before(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Option<String>, StorageError>;

    /// When the site's last rebuild ended (Unix ms; 0: never).
    async fn rebuilt_at_ms(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<i64, StorageError>;

    /// Up to [`REZONE_CHUNK`] raw responses of the site (set-aside ones too) after `after`, in
    /// cursor order.
    async fn responses_after(
        conn: &mut Self::Connection,
        site_id: SiteId,
        after: RebuildCursor,
    ) -> Result<Vec<StoredResponse>, StorageError>;

    /// Up to [`REZONE_CHUNK`] impressions of the site after the interaction `after`, in
    /// interaction order: each one's interaction, creation time and rollup key (its stored day).
    async fn impressions_after(
        conn: &mut Self::Connection,
        site_id: SiteId,
        after: &str,
    ) -> Result<Vec<(String, i64, RollupKey)>, StorageError>;

    /// Deletes the site's rows of `rollups`, every summary table and the tallies that count
    /// nothing (the days everything moved away from).
    async fn delete_empty_rollups(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<(), StorageError>;

    /// How many rows of `rollups` the site has.
    async fn rollup_rows(conn: &mut Self::Connection, site_id: SiteId)
    -> Result<u64, StorageError>;

    /// Stores the site's new zone and when its rebuild ended.
    async fn set_timezone(
        conn: &mut Self::Connection,
        site_id: SiteId,
        zone: &str,
        rebuilt_at_ms: i64,
    ) -> Result<(), StorageError>;
}

/// Each backend's statements that give re-dated rows their new day: PostgreSQL sends a chunk as
/// arrays in one statement (`postgres/rebuild.rs`), SQLite — in-process, no round trip — runs
/// one prepared statement a row (`sqlite/rebuild.rs`).
pub(super) trait Redate {
    /// Gives each of the site's responses stored at a row its new day; `moved` is in cursor
    /// order.
    async fn set_response_days(
        &mut self,
        site_id: SiteId,
        moved: &[(StoredRow, String)],
    ) -> Result<(), StorageError>;

    /// Gives each of the site's impressions (by interaction) its new day.
    async fn set_impression_days(
        &mut self,
        site_id: SiteId,
        moved: &[(String, String)],
    ) -> Result<(), StorageError>;
}

/// By the site's index (`responses_by_site_time`), from the cursor on: `$2` its creation time,
/// `$3` its id, `$4` the chunk.
const SELECT_RESPONSES_AFTER: &str = concat!(
    "SELECT ",
    response_columns!(),
    " FROM responses WHERE site_id = $1 AND created_at_ms >= $2 \
     AND (created_at_ms > $2 OR id > $3) ORDER BY created_at_ms, id LIMIT $4"
);
/// The key columns `ImpressionRow` reads by name, then the interaction and creation time.
const SELECT_IMPRESSIONS_AFTER: &str = "SELECT agent, team, channel, day, interaction, \
     created_at_ms FROM impressions WHERE site_id = $1 AND interaction > $2 \
     ORDER BY interaction LIMIT $3";
const SELECT_PURGED_BEFORE: &str = "SELECT purged_before FROM sites WHERE id = $1";
const SELECT_REBUILT_AT: &str =
    "SELECT COALESCE(rollups_rebuilt_at_ms, 0) FROM sites WHERE id = $1";
const COUNT_ROLLUP_ROWS: &str = "SELECT COUNT(*) FROM rollups WHERE site_id = $1";
const DELETE_EMPTY_REASONS: &str = "DELETE FROM reason_rollups WHERE site_id = $1 AND unhappy = 0";
const DELETE_EMPTY_QUESTIONS: &str =
    "DELETE FROM question_rollups WHERE site_id = $1 AND answers = 0";
const SET_TIMEZONE: &str =
    "UPDATE sites SET timezone = $1, rollups_rebuilt_at_ms = $2 WHERE id = $3";

for_koe_databases! {
    impl Rezone {
    async fn purged_before(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Option<String>, StorageError> {
        let (day,): (Option<String>,) = sqlx::query_as(SELECT_PURGED_BEFORE)
            .bind(site_id)
            .fetch_one(conn)
            .await?;
        Ok(day)
    }

    async fn rebuilt_at_ms(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<i64, StorageError> {
        let (at_ms,): (i64,) = sqlx::query_as(SELECT_REBUILT_AT)
            .bind(site_id)
            .fetch_one(conn)
            .await?;
        Ok(at_ms)
    }

    async fn responses_after(
        conn: &mut Self::Connection,
        site_id: SiteId,
        after: RebuildCursor,
    ) -> Result<Vec<StoredResponse>, StorageError> {
        let rows: Vec<ResponseRow> = sqlx::query_as(SELECT_RESPONSES_AFTER)
            .bind(site_id)
            .bind(after.created_at_ms)
            .bind(after.id)
            .bind(REZONE_CHUNK)
            .fetch_all(conn)
            .await?;
        rows.into_iter().map(StoredResponse::try_from).collect()
    }

    async fn impressions_after(
        conn: &mut Self::Connection,
        site_id: SiteId,
        after: &str,
    ) -> Result<Vec<(String, i64, RollupKey)>, StorageError> {
        let rows = sqlx::query(SELECT_IMPRESSIONS_AFTER)
            .bind(site_id)
            .bind(after)
            .bind(REZONE_CHUNK)
            .fetch_all(conn)
            .await?;
        rows.iter()
            .map(|row| -> Result<(String, i64, RollupKey), StorageError> {
                let key = RollupKey::try_from(ImpressionRow::from_row(row)?)?;
                let interaction: String = row.try_get(4_usize)?;
                let created_at_ms: i64 = row.try_get(5_usize)?;
                Ok((interaction, created_at_ms, key))
            })
            .collect()
    }

    async fn delete_empty_rollups(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<(), StorageError> {
        let nothing = COUNTER_COLUMNS.map(|c| format!("{c} = 0")).join(" AND ");
        let tables = ["rollups"].into_iter().chain(Summary::ALL.map(Summary::table));
        for table in tables {
            sqlx::query(&format!("DELETE FROM {table} WHERE site_id = $1 AND {nothing}"))
                .bind(site_id)
                .execute(&mut *conn)
                .await?;
        }
        for tally in [DELETE_EMPTY_REASONS, DELETE_EMPTY_QUESTIONS] {
            sqlx::query(tally).bind(site_id).execute(&mut *conn).await?;
        }
        Ok(())
    }

    async fn rollup_rows(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<u64, StorageError> {
        let (rows,): (i64,) = sqlx::query_as(COUNT_ROLLUP_ROWS)
            .bind(site_id)
            .fetch_one(conn)
            .await?;
        Ok(u64::try_from(rows).unwrap_or(0))
    }

    async fn set_timezone(
        conn: &mut Self::Connection,
        site_id: SiteId,
        zone: &str,
        rebuilt_at_ms: i64,
    ) -> Result<(), StorageError> {
        sqlx::query(SET_TIMEZONE)
            .bind(zone)
            .bind(rebuilt_at_ms)
            .bind(site_id)
            .execute(conn)
            .await?;
        Ok(())
    }
    }
}

/// Refuses a rebuild asked for with one of the site's API keys within
/// [`REBUILD_INTERVAL_MINUTES`] of the end of its last one, saying how many seconds are left.
pub(super) async fn check_interval<T: WriteTx>(
    tx: &mut T,
    entry: &AuditEntry,
) -> Result<(), StorageError>
where
    T::Db: Rezone,
{
    if !matches!(entry.actor, Actor::Key(_)) {
        return Ok(());
    }
    let last_ms = T::Db::rebuilt_at_ms(tx, entry.site_id).await?;
    let wait_ms = last_ms.saturating_add(REBUILD_INTERVAL_MS) - entry.at.as_millisecond();
    if last_ms > 0 && wait_ms > 0 {
        let wait_secs = u64::try_from((wait_ms + 999) / 1000).unwrap_or(1);
        return Err(StorageError::RebuildTooSoon(wait_secs));
    }
    Ok(())
}

/// Refuses a rebuild of a site whose raw responses retention has purged: those days cannot be
/// counted again. (The caller checked the site it had; a purge may have run since.)
pub(super) async fn check_not_purged<T: WriteTx>(
    tx: &mut T,
    site_id: SiteId,
) -> Result<(), StorageError>
where
    T::Db: Rezone,
{
    if let Some(day) = T::Db::purged_before(tx, site_id).await? {
        let day = day
            .parse()
            .map_err(|_| StorageError::Corrupt(format!("a purged-before day of {day:?}")))?;
        return Err(StorageError::PurgedBefore(day));
    }
    Ok(())
}

/// Re-dates the next chunk of the site's raw responses after `after` in `zone`, and moves the
/// counts of those that changed day (set-aside ones count nothing, and only move).
pub(super) async fn redate_responses<T: WriteTx + Redate>(
    tx: &mut T,
    site_id: SiteId,
    zone: &SiteTimeZone,
    after: RebuildCursor,
    moved: &mut Rezoned,
) -> Result<Progress<RebuildCursor>, StorageError>
where
    T::Db: Rezone,
{
    let chunk = T::Db::responses_after(tx, site_id, after).await?;
    let mut days = Vec::new();
    let mut changes = RollupChanges::new();
    let mut tallies = Tallies::default();
    for response in &chunk {
        let day = zone.local_date(response.state.created_at_ms);
        if day == response.state.day {
            continue;
        }
        days.push((StoredRow::of(response), day.to_string()));
        moved.responses_moved += 1;
        if !response.set_aside {
            let before = &response.state;
            let redated = ResponseState {
                day,
                ..before.clone()
            };
            write_plan::add_changes(
                &mut changes,
                site_id,
                response_deltas(Some(before), &redated),
            );
            tallies.add(site_id, Some(before), &redated);
        }
    }
    tx.set_response_days(site_id, &days).await?;
    tx.apply_rollup_changes(&changes).await?;
    T::Db::apply_tallies(tx, &tallies).await?;
    Ok(match chunk.last() {
        Some(last) if chunk.len() as i64 >= REZONE_CHUNK => Progress::More(RebuildCursor::of(last)),
        _ => Progress::Done,
    })
}

/// Re-dates the next chunk of the site's impressions after the interaction `after` in `zone`,
/// and moves the count of those that changed day.
pub(super) async fn redate_impressions<T: WriteTx + Redate>(
    tx: &mut T,
    site_id: SiteId,
    zone: &SiteTimeZone,
    after: &str,
    moved: &mut Rezoned,
) -> Result<Progress<String>, StorageError>
where
    T::Db: Rezone,
{
    let chunk = T::Db::impressions_after(tx, site_id, after).await?;
    let mut days = Vec::new();
    let mut deltas = Vec::new();
    for (interaction, created_at_ms, key) in &chunk {
        let day = zone.local_date(*created_at_ms);
        if day == key.day {
            continue;
        }
        days.push((interaction.clone(), day.to_string()));
        deltas.push(RollupDelta {
            key: key.clone(),
            counters: RollupCounters::default().minus(&RollupCounters::impression()),
        });
        deltas.push(RollupDelta {
            key: RollupKey { day, ..key.clone() },
            counters: RollupCounters::impression(),
        });
        moved.impressions_moved += 1;
    }
    tx.set_impression_days(site_id, &days).await?;
    let mut changes = RollupChanges::new();
    write_plan::add_changes(&mut changes, site_id, deltas);
    tx.apply_rollup_changes(&changes).await?;
    Ok(match chunk.last() {
        Some((interaction, ..)) if chunk.len() as i64 >= REZONE_CHUNK => {
            Progress::More(interaction.clone())
        }
        _ => Progress::Done,
    })
}

/// The last step, once every row is re-dated: drops the rows left counting nothing, stores the
/// zone and when the rebuild ended, and records `entry` with how much moved.
pub(super) async fn finish<T: WriteTx>(
    tx: &mut T,
    entry: &AuditEntry,
    zone: &SiteTimeZone,
    moved: Rezoned,
) -> Result<Rezoned, StorageError>
where
    T::Db: Access + Rezone,
{
    let site_id = entry.site_id;
    T::Db::delete_empty_rollups(tx, site_id).await?;
    // Interaction facts count on their opening's day in the new zone, and the drivers on
    // their answers' new days.
    super::facts_path::recount(tx, site_id, Some(zone.zone())).await?;
    let moved = Rezoned {
        rollup_rows: T::Db::rollup_rows(tx, site_id).await?,
        ..moved
    };
    T::Db::set_timezone(tx, site_id, zone.name(), crate::clock::now_ms()).await?;
    let audited = AuditEntry {
        detail: format!(
            "{}; {} responses and {} impressions moved to another day; {} rollup rows now",
            entry.detail, moved.responses_moved, moved.impressions_moved, moved.rollup_rows
        ),
        ..entry.clone()
    };
    T::Db::insert_audit(tx, &audited).await?;
    Ok(moved)
}

/// Every step in the caller's transaction (PostgreSQL's way, which holds the site's locks
/// meanwhile): refused once retention purged raw responses; the interval is checked by the
/// caller, before it waits for the site's writes.
pub(super) async fn rezone_site<T: WriteTx + Redate>(
    tx: &mut T,
    entry: &AuditEntry,
    zone: &SiteTimeZone,
) -> Result<Rezoned, StorageError>
where
    T::Db: Access + Rezone,
{
    let site_id = entry.site_id;
    check_not_purged(tx, site_id).await?;
    let mut moved = Rezoned::default();
    let mut after = RebuildCursor::START;
    while let Progress::More(next) = redate_responses(tx, site_id, zone, after, &mut moved).await? {
        after = next;
    }
    let mut after = String::new();
    while let Progress::More(next) =
        redate_impressions(tx, site_id, zone, &after, &mut moved).await?
    {
        after = next;
    }
    finish(tx, entry, zone, moved).await
}
