//! Noticing overdue follow-ups: every half minute, those still open past their due time are
//! marked noticed — once, whichever collector on the database looks first — and the site's
//! webhooks of follow-ups told, in the same transaction (`FollowupStore::notice_overdue`).

use std::time::Duration;

use crate::clock;
use crate::shutdown::Stopping;
use crate::storage::{FollowupStore, StorageError};

/// How often to look.
pub const CHECK_EVERY: Duration = Duration::from_secs(30);
/// The most noticed in one transaction; a look takes turns until none are left.
const PER_ROUND: i64 = 200;

/// Notices every follow-up overdue at `now_ms`; how many.
pub async fn notice<S: FollowupStore>(storage: &S, now_ms: i64) -> Result<usize, StorageError> {
    let mut total = 0;
    loop {
        let noticed = storage.notice_overdue(now_ms, PER_ROUND).await?;
        total += noticed;
        if noticed < PER_ROUND as usize {
            return Ok(total);
        }
    }
}

/// Looks every [`CHECK_EVERY`] until the application stops (a look that fails is logged and
/// tried again next time).
pub fn keep_noticing<S: FollowupStore>(storage: S, stopping: Stopping) {
    tokio::spawn(stopping.every(CHECK_EVERY, move || {
        let storage = storage.clone();
        async move {
            if let Err(error) = notice(&storage, clock::now_ms()).await {
                tracing::warn!(error = %error, "could not notice overdue follow-ups");
            }
        }
    }));
}
