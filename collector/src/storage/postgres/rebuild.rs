//! A time-zone rebuild on PostgreSQL: the steps of `storage/rezone.rs`, every chunk in one
//! transaction that holds the site's locks (`site_lock.rs`) and never a table's, so other sites
//! write on while a site is rebuilt, and its reports switch calendars at the commit. Here too
//! this backend's statements that re-date a chunk of rows in one round trip.

use sqlx::{PgConnection, PgPool};

use super::site_lock;
use crate::audit::AuditEntry;
use crate::ids::SiteId;
use crate::sites::SiteTimeZone;
use crate::storage::rezone::{self, Redate};
use crate::storage::write_plan::StoredRow;
use crate::storage::{Rezoned, StorageError};

/// A chunk's responses as arrays (`$1` ids, `$2` creation times, `$3` days); the chunk's span
/// of creation times (`$5`–`$6`: it is read in creation order) names the months to look in.
const SET_RESPONSE_DAYS: &str = "UPDATE responses SET day = moved.day \
     FROM unnest(CAST($1 AS BIGINT[]), CAST($2 AS BIGINT[]), CAST($3 AS TEXT[])) \
     AS moved (id, created_at_ms, day) \
     WHERE responses.site_id = $4 AND responses.created_at_ms BETWEEN $5 AND $6 \
     AND responses.id = moved.id AND responses.created_at_ms = moved.created_at_ms";

/// A chunk's impressions of site `$1` as arrays (`$2` interactions, `$3` days).
const SET_IMPRESSION_DAYS: &str = "UPDATE impressions SET day = moved.day \
     FROM unnest(CAST($2 AS TEXT[]), CAST($3 AS TEXT[])) AS moved (interaction, day) \
     WHERE impressions.site_id = $1 AND impressions.interaction = moved.interaction";

/// Moves the site of `entry` to `zone` in one transaction: one rebuild of a site at a time
/// (`RebuildRunning`), an API key's within the interval of the last (`RebuildTooSoon`), then
/// the site's writes in flight commit and later ones are refused until this one commits.
pub(super) async fn rezone_site(
    pool: &PgPool,
    entry: &AuditEntry,
    zone: &SiteTimeZone,
) -> Result<Rezoned, StorageError> {
    let site_id = entry.site_id;
    let mut tx = pool.begin().await?;
    site_lock::claim_rebuild(&mut tx, site_id).await?;
    rezone::check_interval(&mut *tx, entry).await?;
    site_lock::exclude_writes(&mut tx, site_id).await?;
    // ACCESS SHARE on `responses` and each month of it, which only ACCESS EXCLUSIVE waits for:
    // a retention drop detaching a month now finishes first (its purged-before day is then
    // read, and refuses the rebuild), and one detaching later gives way to this transaction.
    sqlx::query("LOCK TABLE responses IN ACCESS SHARE MODE")
        .execute(&mut *tx)
        .await?;
    let moved = rezone::rezone_site(&mut *tx, entry, zone).await?;
    tx.commit().await?;
    Ok(moved)
}

impl Redate for PgConnection {
    /// Planned at each run (`persistent(false)`), with the chunk's times in view: only their
    /// months' partitions are read.
    async fn set_response_days(
        &mut self,
        site_id: SiteId,
        moved: &[(StoredRow, String)],
    ) -> Result<(), StorageError> {
        let (Some((first, _)), Some((last, _))) = (moved.first(), moved.last()) else {
            return Ok(());
        };
        let ids: Vec<i64> = moved.iter().map(|(row, _)| row.id).collect();
        let times: Vec<i64> = moved.iter().map(|(row, _)| row.created_at_ms).collect();
        let days: Vec<&str> = moved.iter().map(|(_, day)| day.as_str()).collect();
        sqlx::query(SET_RESPONSE_DAYS)
            .bind(ids)
            .bind(times)
            .bind(days)
            .bind(site_id)
            .bind(first.created_at_ms)
            .bind(last.created_at_ms)
            .persistent(false)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn set_impression_days(
        &mut self,
        site_id: SiteId,
        moved: &[(String, String)],
    ) -> Result<(), StorageError> {
        if moved.is_empty() {
            return Ok(());
        }
        let interactions: Vec<&str> = moved
            .iter()
            .map(|(interaction, _)| interaction.as_str())
            .collect();
        let days: Vec<&str> = moved.iter().map(|(_, day)| day.as_str()).collect();
        sqlx::query(SET_IMPRESSION_DAYS)
            .bind(site_id)
            .bind(interactions)
            .bind(days)
            .execute(&mut *self)
            .await?;
        Ok(())
    }
}
