//! What the SQLite writer task is asked to do ([`WriteJob`], in queue order): the writer
//! (`writer.rs`) runs them and the time-zone rebuild (`rebuild.rs`) refuses those of a site it is
//! rebuilding.

use koe_shared::InteractionId;
use tokio::sync::oneshot;

use crate::audit::AuditEntry;
use crate::ids::SiteId;
use crate::responses::{AnswerWrite, ResponseState};
use crate::sites::SiteTimeZone;
use crate::storage::{
    ImpressionOutcome, ImpressionWrite, PurgeCutoff, Rezoned, SaveError, Saved, StorageError,
};

/// What the writer task is asked to do, in queue order.
pub(super) enum WriteJob {
    Write(Write),
    /// Can the connection write? Answered without writing anything (`/readyz`).
    Probe(oneshot::Sender<Result<(), StorageError>>),
    /// Close the connection once everything queued before this is committed (shutdown).
    Close(oneshot::Sender<()>),
    /// Erase an interaction's responses (a deletion request), in a transaction of its own
    /// after everything queued before it.
    Erase(Erasure, oneshot::Sender<Result<u64, StorageError>>),
    /// Purge one chunk of raw responses past a site's retention (rollups untouched).
    Purge(PurgeCutoff, oneshot::Sender<Result<u64, StorageError>>),
    /// Store a batch of imported answers (`koe import`) in a transaction of its own.
    Import(
        SiteId,
        Vec<(InteractionId, ResponseState)>,
        oneshot::Sender<Result<u64, StorageError>>,
    ),
    /// Move a site to another time zone: its rollups are rebuilt a chunk at a time between
    /// batches (`rebuild.rs`), and answered once the last chunk committed.
    Rezone(
        AuditEntry,
        SiteTimeZone,
        oneshot::Sender<Result<Rezoned, StorageError>>,
    ),
}

/// An erasure and its audit entry.
pub(super) struct Erasure {
    pub(super) entry: AuditEntry,
    pub(super) interaction: InteractionId,
    pub(super) stand_in: String,
}

/// A write that joins a batch.
pub(super) enum Write {
    Answers(AnswerWrite, oneshot::Sender<Result<Saved, SaveError>>),
    Impression(
        ImpressionWrite,
        oneshot::Sender<Result<ImpressionOutcome, StorageError>>,
    ),
    /// A call's interaction facts, applied in order (all or none).
    Facts(
        crate::storage::FactsWrite,
        oneshot::Sender<Result<crate::storage::FactsOutcome, StorageError>>,
    ),
}
