//! Removing raw data: the capability's trait ([`RemovalStore`], which each backend implements
//! itself) and the statements: a retention purge's chunk and an erasure's rows (their deletes
//! come from each backend's `Dialect`), the site's forward-only purged-before day, the erased
//! impression's stand-in id and its alerts (shared SQL, here). What leaves the rollups with
//! them is decided in `write_path`.

use super::sql::for_koe_databases;
use std::future::Future;

use koe_shared::InteractionId;
use sqlx::{Database, FromRow};

use super::rows::ResponseRow;
use super::{PurgeCutoff, Rezoned, StorageError, StoredResponse};
use crate::audit::AuditEntry;
use crate::ids::SiteId;
use crate::sites::SiteTimeZone;

/// Most rows one purge transaction deletes: a long purge never holds the write lock long.
pub const PURGE_CHUNK: i64 = 5_000;

/// Removing and re-dating raw data. Each backend implements it itself: SQLite through its
/// writer, in queue order with answers; PostgreSQL in its own transactions, dropping whole
/// monthly partitions where it can.
pub trait RemovalStore: Clone + Send + Sync + 'static {
    /// Purges, in one transaction, one chunk (at most [`PURGE_CHUNK`]) of the raw responses of
    /// `cutoff.entry.site_id` answered before `cutoff.before` and created before
    /// `cutoff.created_before_ms`, leaving every rollup as it is; moves the site's
    /// purged-before day forward and, if anything went, records `cutoff.entry` with its detail
    /// prefixed by how many. How many went. Nothing goes unless the site's settings, read in
    /// that transaction (and on PostgreSQL locked until it ends), still let the cut-off stand
    /// ([`PurgeCutoff::still_stands`]).
    fn purge_responses(
        &self,
        cutoff: &PurgeCutoff,
    ) -> impl Future<Output = Result<u64, StorageError>> + Send;

    /// Drops, as a whole, each monthly partition of raw responses (PostgreSQL) whose rows are
    /// all past their sites' cut-offs: every site with rows in it has one in `cutoffs`, after
    /// the month's end in every time zone, that its settings — read again in the dropping
    /// transaction and locked until it ends — still let stand. Their keys go with them, each
    /// site's purged-before day moves and its purge is audited; rollups stay. SQLite keeps one
    /// table and drops nothing. How many rows went.
    fn drop_purged_partitions(
        &self,
        cutoffs: &[PurgeCutoff],
    ) -> impl Future<Output = Result<u64, StorageError>> + Send;

    /// Erases an interaction's responses and takes its counts out of every rollup, with the
    /// audit entry (of `entry.site_id`), in one transaction; how many rows went.
    fn erase_interaction(
        &self,
        entry: AuditEntry,
        interaction: &InteractionId,
    ) -> impl Future<Output = Result<u64, StorageError>> + Send;

    /// Moves a site to another time zone (`entry.site_id`): re-dates its raw responses and
    /// impressions, rebuilds its rollups, summaries and reason rows from them, stores the zone
    /// and records `entry`, in one transaction that concurrent writes wait for.
    fn rezone_site(
        &self,
        entry: AuditEntry,
        zone: SiteTimeZone,
    ) -> impl Future<Output = Result<Rezoned, StorageError>> + Send;
}

/// Moves a site's purged-before day (`$1`) forward, never back (site `$2`).
const MARK_PURGED: &str = "UPDATE sites SET purged_before = $1 WHERE id = $2 AND \
     (purged_before IS NULL OR purged_before < $1)";

/// An erased interaction's impression keeps counting (a survey was shown) under a random id
/// (`$1`) that links to nothing (site `$2`, interaction `$3`).
const ANONYMIZE_IMPRESSION: &str =
    "UPDATE impressions SET interaction = $1 WHERE site_id = $2 AND interaction = $3";

const DELETE_INTERACTION_ALERTS: &str =
    "DELETE FROM webhook_deliveries WHERE site_id = $1 AND interaction = $2";
/// What integrations noted of the interaction (its id, the message with its links).
const DELETE_INTERACTION_EVENTS: &str =
    "DELETE FROM integration_events WHERE site_id = $1 AND interaction = $2";
/// Integrations' events received before `$2` (site `$1`).
const PURGE_INTEGRATION_EVENTS: &str =
    "DELETE FROM integration_events WHERE site_id = $1 AND received_at_ms < $2";

/// The statements, on one connection (the caller's transaction).
pub(super) trait Removal: Database {
    /// Deletes up to `limit` rows of a site answered before `before_day` (created before
    /// `bound_ms`); how many went.
    async fn purge_responses(
        conn: &mut Self::Connection,
        site_id: SiteId,
        bound_ms: i64,
        before_day: &str,
        limit: i64,
    ) -> Result<u64, StorageError>;

    /// Records that a site's raw responses before `before_day` are purged (forward only).
    async fn mark_purged(
        conn: &mut Self::Connection,
        site_id: SiteId,
        before_day: &str,
    ) -> Result<(), StorageError>;

    /// Deletes a site's integration events received before `bound_ms` (retention).
    async fn purge_integration_events(
        conn: &mut Self::Connection,
        site_id: SiteId,
        bound_ms: i64,
    ) -> Result<(), StorageError>;

    /// Deletes every row of an interaction (counted and set aside) and gives them back as
    /// they were; renames its impression to `stand_in`.
    async fn delete_interaction(
        conn: &mut Self::Connection,
        site_id: SiteId,
        interaction: &InteractionId,
        stand_in: &str,
    ) -> Result<Vec<StoredResponse>, StorageError>;
}

for_koe_databases! {
    impl Removal {
    async fn purge_integration_events(
        conn: &mut Self::Connection,
        site_id: SiteId,
        bound_ms: i64,
    ) -> Result<(), StorageError> {
        sqlx::query(PURGE_INTEGRATION_EVENTS)
            .bind(site_id)
            .bind(bound_ms)
            .execute(conn)
            .await?;
        Ok(())
    }

    async fn purge_responses(
        conn: &mut Self::Connection,
        site_id: SiteId,
        bound_ms: i64,
        before_day: &str,
        limit: i64,
    ) -> Result<u64, StorageError> {
        let ids: Vec<(i64,)> = sqlx::query_as(DB::PURGE_RESPONSES)
            .bind(site_id)
            .bind(bound_ms)
            .bind(before_day)
            .bind(limit)
            .fetch_all(conn)
            .await?;
        Ok(ids.len() as u64)
    }

    async fn mark_purged(
        conn: &mut Self::Connection,
        site_id: SiteId,
        before_day: &str,
    ) -> Result<(), StorageError> {
        sqlx::query(MARK_PURGED)
            .bind(before_day)
            .bind(site_id)
            .execute(conn)
            .await?;
        Ok(())
    }

    async fn delete_interaction(
        conn: &mut Self::Connection,
        site_id: SiteId,
        interaction: &InteractionId,
        stand_in: &str,
    ) -> Result<Vec<StoredResponse>, StorageError> {
        let rows = sqlx::query(DB::DELETE_INTERACTION)
            .bind(site_id)
            .bind(interaction.as_str())
            .fetch_all(&mut *conn)
            .await?;
        let deleted = rows
            .iter()
            .map(|row| StoredResponse::try_from(ResponseRow::from_row(row)?))
            .collect::<Result<Vec<_>, _>>()?;
        sqlx::query(ANONYMIZE_IMPRESSION)
            .bind(stand_in)
            .bind(site_id)
            .bind(interaction.as_str())
            .execute(&mut *conn)
            .await?;
        // Its alerts hold the comment too: sent or not, they go with it.
        sqlx::query(DELETE_INTERACTION_ALERTS)
            .bind(site_id)
            .bind(interaction.as_str())
            .execute(&mut *conn)
            .await?;
        sqlx::query(DELETE_INTERACTION_EVENTS)
            .bind(site_id)
            .bind(interaction.as_str())
            .execute(conn)
            .await?;
        Ok(deleted)
    }
    }
}
