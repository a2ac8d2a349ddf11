//! Moving a site to another time zone (`koe site update --timezone Z --rebuild-rollups`): every
//! raw response and impression is given the local day its own timestamp falls on in the new
//! zone, and the site's rollups, summaries and reason rows are rebuilt from them — in one
//! transaction, with the site's new zone and the audit entry, so reports never mix two calendars.
//! The same SQL on both backends; each runs [`rezone_site`] inside a transaction it owns.

use super::sql::for_koe_databases;
use sqlx::Database;

use super::access::Access;
use super::queries::Queries;
use super::verification::RawReads;
use super::write_path::WriteTx;
use super::write_plan::{self, ReasonChanges, RollupChanges, StoredRow};
use super::{Rezoned, StorageError};
use crate::audit::AuditEntry;
use crate::ids::SiteId;
use crate::rollup::{Recomputation, Summary};
use crate::sites::SiteTimeZone;

pub(super) trait Rezone: Database {
    /// Every impression of a site: interaction, creation time, stored day.
    async fn impression_days(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<(String, i64, String)>, StorageError>;

    /// The new local day of the response stored at `row`.
    async fn set_response_day(
        conn: &mut Self::Connection,
        row: StoredRow,
        day: &str,
    ) -> Result<(), StorageError>;

    async fn set_impression_day(
        conn: &mut Self::Connection,
        site_id: SiteId,
        interaction: &str,
        day: &str,
    ) -> Result<(), StorageError>;

    /// Deletes a site's rows of `rollups`, every summary table and `reason_rollups`.
    async fn clear_rollups(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<(), StorageError>;

    async fn set_timezone(
        conn: &mut Self::Connection,
        site_id: SiteId,
        zone: &str,
    ) -> Result<(), StorageError>;

    /// The site's purged-before day, read inside the transaction.
    async fn purged_before(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Option<String>, StorageError>;
}

const SELECT_IMPRESSION_DAYS: &str =
    "SELECT interaction, created_at_ms, day FROM impressions WHERE site_id = $1";
/// By id and creation time: on PostgreSQL the time names the one partition to look in.
const SET_RESPONSE_DAY: &str = "UPDATE responses SET day = $1 WHERE id = $2 AND created_at_ms = $3";
const SET_IMPRESSION_DAY: &str =
    "UPDATE impressions SET day = $1 WHERE site_id = $2 AND interaction = $3";
const SET_TIMEZONE: &str = "UPDATE sites SET timezone = $1 WHERE id = $2";
const SELECT_PURGED_BEFORE: &str = "SELECT purged_before FROM sites WHERE id = $1";

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

    async fn impression_days(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<(String, i64, String)>, StorageError> {
        Ok(sqlx::query_as(SELECT_IMPRESSION_DAYS)
            .bind(site_id)
            .fetch_all(conn)
            .await?)
    }

    async fn set_response_day(
        conn: &mut Self::Connection,
        row: StoredRow,
        day: &str,
    ) -> Result<(), StorageError> {
        sqlx::query(SET_RESPONSE_DAY)
            .bind(day)
            .bind(row.id)
            .bind(row.created_at_ms)
            .execute(conn)
            .await?;
        Ok(())
    }

    async fn set_impression_day(
        conn: &mut Self::Connection,
        site_id: SiteId,
        interaction: &str,
        day: &str,
    ) -> Result<(), StorageError> {
        sqlx::query(SET_IMPRESSION_DAY)
            .bind(day)
            .bind(site_id)
            .bind(interaction)
            .execute(conn)
            .await?;
        Ok(())
    }

    async fn clear_rollups(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<(), StorageError> {
        let tables = ["rollups", "reason_rollups"]
            .into_iter()
            .chain(Summary::ALL.map(Summary::table));
        for table in tables {
            sqlx::query(&format!("DELETE FROM {table} WHERE site_id = $1"))
                .bind(site_id)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    async fn set_timezone(
        conn: &mut Self::Connection,
        site_id: SiteId,
        zone: &str,
    ) -> Result<(), StorageError> {
        sqlx::query(SET_TIMEZONE)
            .bind(zone)
            .bind(site_id)
            .execute(conn)
            .await?;
        Ok(())
    }
    }
}

/// Re-dates a site's raw responses and impressions in `zone`, rebuilds its rollups, summaries
/// and reason rows from them, stores the zone and records `entry`. The caller owns the
/// transaction (and, on PostgreSQL, has locked out concurrent writers of the site's rows).
pub(super) async fn rezone_site<T: WriteTx>(
    tx: &mut T,
    entry: &AuditEntry,
    zone: &SiteTimeZone,
) -> Result<Rezoned, StorageError>
where
    T::Db: Access + Rezone + RawReads,
{
    let site_id = entry.site_id;
    // The caller checked the site it had; a purge may have run since.
    if let Some(day) = T::Db::purged_before(tx, site_id).await? {
        let day = day
            .parse()
            .map_err(|_| StorageError::Corrupt(format!("a purged-before day of {day:?}")))?;
        return Err(StorageError::PurgedBefore(day));
    }
    let mut moved = Rezoned::default();
    let mut expected = Recomputation::default();
    let mut reasons = ReasonChanges::new();
    for mut response in T::Db::responses(tx, site_id).await? {
        let day = zone.local_date(response.state.created_at_ms);
        if day != response.state.day {
            T::Db::set_response_day(tx, StoredRow::of(&response), &day.to_string()).await?;
            response.state.day = day;
            moved.responses_moved += 1;
        }
        if !response.set_aside {
            expected.count_response(&response.state);
            write_plan::add_reason_changes(&mut reasons, site_id, None, &response.state);
        }
    }
    for (interaction, created_at_ms, stored) in T::Db::impression_days(tx, site_id).await? {
        let day = zone.local_date(created_at_ms).to_string();
        if day != stored {
            T::Db::set_impression_day(tx, site_id, &interaction, &day).await?;
            moved.impressions_moved += 1;
        }
    }
    for key in T::Db::impressions(tx, site_id).await? {
        expected.count_impression(key);
    }
    T::Db::clear_rollups(tx, site_id).await?;
    let mut changes = RollupChanges::new();
    let deltas = expected.into_deltas();
    moved.rollup_rows = deltas.len() as u64;
    write_plan::add_changes(&mut changes, site_id, deltas);
    tx.apply_rollup_changes(&changes).await?;
    T::Db::apply_reason_changes(tx, &reasons).await?;
    T::Db::set_timezone(tx, site_id, zone.name()).await?;
    let audited = AuditEntry {
        detail: format!(
            "{}; {} responses and {} impressions moved to another day, {} rollup rows rebuilt",
            entry.detail, moved.responses_moved, moved.impressions_moved, moved.rollup_rows
        ),
        ..entry.clone()
    };
    T::Db::insert_audit(tx, &audited).await?;
    Ok(moved)
}
