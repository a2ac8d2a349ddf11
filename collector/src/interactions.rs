//! Recording interaction facts: one PUT, a batch or an import, and a site's active users —
//! the API, `koe import --format interactions` and tests call these. Each body is read into
//! typed updates here (times parsed, the customer hashed with the cooldown's key); storage
//! merges them into what it keeps, checks the rules on the result and moves the service
//! rollups in the same transaction (`storage/facts_path.rs`). A refused call stores nothing.

use jiff::civil::Date;
use koe_shared::InteractionId;
use koe_shared::facts::{FactsBody, FactsEntry};

use crate::facts::FactsUpdate;
use crate::sites::Site;
use crate::sites::fatigue::CustomerKey;
use crate::storage::{
    FactsEntryWrite, FactsRefusal, FactsSaved, FactsStore, FactsWrite, StorageError,
};

/// Most active users a day may report (far above any site; a typo's extra zeros are refused).
pub const MAX_ACTIVE_USERS: i64 = 10_000_000_000;

/// Why facts were not recorded.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// Entries that break a rule (index in the call, interaction, why): nothing was stored.
    #[error("{} interaction(s) refused", .0.len())]
    Refused(Vec<FactsRefusal>),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// An entry's update and its customer, or why it cannot be one.
fn entry_write(
    site: &Site,
    key: &CustomerKey,
    index: usize,
    interaction: InteractionId,
    body: &FactsBody,
) -> Result<FactsEntryWrite, FactsRefusal> {
    let update = FactsUpdate::parse(body).map_err(|error| FactsRefusal {
        index,
        interaction: interaction.clone(),
        error,
    })?;
    let customer = body
        .customer
        .as_ref()
        .map(|c| c.as_ref().map(|c| key.hash(site.id, c)));
    Ok(FactsEntryWrite {
        interaction,
        update,
        customer,
    })
}

/// Records facts of one or more interactions in one transaction, in order: all, or nothing and
/// every refusal.
pub async fn record<S: FactsStore>(
    storage: &S,
    site: &Site,
    key: &CustomerKey,
    entries: Vec<FactsEntry>,
    now: jiff::Timestamp,
) -> Result<Vec<FactsSaved>, RecordError> {
    let mut writes = Vec::with_capacity(entries.len());
    let mut refusals = Vec::new();
    for (index, entry) in entries.into_iter().enumerate() {
        match entry_write(site, key, index, entry.interaction, &entry.facts) {
            Ok(write) => writes.push(write),
            Err(refusal) => refusals.push(refusal),
        }
    }
    if !refusals.is_empty() {
        return Err(RecordError::Refused(refusals));
    }
    let write = FactsWrite {
        site_id: site.id,
        zone: site.timezone.zone().clone(),
        now_ms: now.as_millisecond(),
        entries: writes,
    };
    storage
        .put_facts(write)
        .await?
        .map_err(RecordError::Refused)
}

/// Why active users were not recorded.
#[derive(Debug, thiserror::Error)]
pub enum VolumeError {
    #[error("active_users must be a whole number from 0 to {MAX_ACTIVE_USERS}, got {0}")]
    OutOfRange(i64),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Records a site's active users on a local day (last write wins).
pub async fn record_volume<S: FactsStore>(
    storage: &S,
    site: &Site,
    day: Date,
    active_users: i64,
) -> Result<(), VolumeError> {
    if !(0..=MAX_ACTIVE_USERS).contains(&active_users) {
        return Err(VolumeError::OutOfRange(active_users));
    }
    Ok(storage.put_volume(site.id, day, active_users).await?)
}
