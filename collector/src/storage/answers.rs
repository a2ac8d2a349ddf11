//! The capability every answer takes: a submission merged into its interaction's response, an
//! impression, an import — each with its rollups in one transaction. Each backend implements
//! [`AnswerStore`] itself (its writer commits batches: `sqlite/writer.rs`,
//! `postgres/writer.rs`); the path they share is `write_path.rs` and `write_plan.rs`.

use std::future::Future;

use koe_shared::InteractionId;

use super::{ImpressionOutcome, ImpressionWrite, SaveError, Saved, StorageError};
use crate::ids::SiteId;
use crate::responses::{AnswerWrite, ResponseState};

/// Writes of answers and impressions.
pub trait AnswerStore: Clone + Send + Sync + 'static {
    /// Merges a submission into its interaction's response and moves the rollups, in one
    /// transaction. Returns once that transaction has committed.
    fn save_answers(
        &self,
        write: AnswerWrite,
    ) -> impl Future<Output = Result<Saved, SaveError>> + Send;

    /// Records that a survey is shown — counted the first time for an interaction — unless its
    /// customer was surveyed within the site's cooldown (then nothing is written).
    fn record_impression(
        &self,
        write: ImpressionWrite,
    ) -> impl Future<Output = Result<ImpressionOutcome, StorageError>> + Send;

    /// Stores imported answers in one transaction (new interactions only; one the site has is
    /// left as it is), counted in the rollups; how many were stored.
    fn import_responses(
        &self,
        site_id: SiteId,
        rows: Vec<(InteractionId, ResponseState)>,
    ) -> impl Future<Output = Result<u64, StorageError>> + Send;
}
