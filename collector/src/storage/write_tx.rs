//! The half of the write path each backend writes for itself ([`WriteTx`], implemented for its
//! connection in `sqlite/write_tx.rs` and `postgres/write_tx.rs`): reading and locking what a
//! write touches, and moving the rollups. The write path written once (`write_path.rs`,
//! `facts_path.rs`) runs over it.

use koe_shared::InteractionId;
use sqlx::Database;

use super::customers::Customers;
use super::facts::Facts;
use super::followups::Followups;
use super::queries::Queries;
use super::removal::Removal;
use super::webhooks::Webhooks;
use super::write_plan::RollupChanges;
use super::{StorageError, StoredResponse};
use crate::ids::SiteId;

/// What only a backend knows about its open write transaction; the plain statements come
/// from [`Queries`], which `Db` implements on this connection type.
pub(super) trait WriteTx: Sized {
    type Db: Queries
        + Removal
        + Customers
        + Webhooks
        + Facts
        + Followups
        + Database<Connection = Self>;

    /// Takes these interactions' locks until commit — exclusively for a write of facts, shared
    /// for a write of answers — where writers run concurrently (`facts_path`).
    async fn lock_interactions(
        &mut self,
        site_id: SiteId,
        interactions: &[InteractionId],
        exclusive: bool,
    ) -> Result<(), StorageError>;

    /// Takes every interaction lock of the site, exclusively, until commit (a re-count of its
    /// service rollups), where writers run concurrently.
    async fn lock_every_interaction(&mut self, site_id: SiteId) -> Result<(), StorageError>;

    /// The stored facts of those of these interactions (sorted) that have some.
    async fn facts_of_many(
        &mut self,
        site_id: SiteId,
        interactions: &[InteractionId],
    ) -> Result<std::collections::BTreeMap<InteractionId, super::StoredFacts>, StorageError>;

    /// The stored responses of these interactions of a site (sorted), locked until commit
    /// where writers run concurrently.
    async fn responses_of(
        &mut self,
        site_id: SiteId,
        interactions: &[InteractionId],
    ) -> Result<Vec<StoredResponse>, StorageError>;

    /// Adds changes to `rollups` and every summary table, in key order.
    async fn apply_rollup_changes(&mut self, changes: &RollupChanges) -> Result<(), StorageError>;

    /// A site's retention in days (`None`: it keeps everything) and its time zone's name as
    /// they are now (`None`: no such site), its row locked until commit where writers run
    /// concurrently, so that a change of its settings waits for this transaction.
    async fn retention_now(
        &mut self,
        site_id: SiteId,
    ) -> Result<Option<(Option<i64>, String)>, StorageError>;
}
