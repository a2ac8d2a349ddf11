//! Group commit for PostgreSQL: submissions queue up and a few writer tasks each take what is
//! waiting (up to a batch), apply it with set-based statements in one transaction on a pooled
//! connection, and answer every caller after the commit. One commit (one WAL flush) serves the
//! whole batch, and each statement carries many rows, so a burst costs a few round trips
//! instead of five per submission.
//!
//! Writers run concurrently with each other and with other collectors on the same database:
//! a batch locks the responses it merges (`FOR UPDATE`, index order) and then rollup rows in
//! one order (tables in the order of one statement, rows in `RollupKey` order), so writers wait
//! for each other rather than deadlock. If a batch fails as a whole (another writer created
//! one of its responses first, a deadlock in spite of that, a constraint), each of its writes
//! is retried in a transaction of its own.
//!
//! A batch first takes the write locks of its sites, shared (`site_lock.rs`): the answers of a
//! site being rebuilt for a new time zone are refused at once (503, sent again by the widget)
//! and the rest of the batch goes on — waiting for the rebuild would hold this connection and
//! every other site's answers in the batch.

use std::sync::Arc;

use sqlx::PgPool;
use tokio::sync::{Mutex, mpsc, oneshot};

use super::partitions::Partitions;
use super::site_lock;
use crate::ids::SiteId;
use crate::responses::AnswerWrite;
use crate::storage::{SaveError, Saved, StorageError};
use crate::storage::{commits, write_path};

pub(super) type Job = (AnswerWrite, oneshot::Sender<Result<Saved, SaveError>>);

/// Starts `writers` tasks taking batches of up to `max_batch` from `jobs`.
pub(super) fn start(
    pool: PgPool,
    partitions: Arc<Partitions>,
    jobs: mpsc::Receiver<Job>,
    writers: usize,
    max_batch: usize,
) {
    let jobs = Arc::new(Mutex::new(jobs));
    for _ in 0..writers.max(1) {
        let (pool, partitions, jobs) = (pool.clone(), Arc::clone(&partitions), Arc::clone(&jobs));
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(max_batch);
            // The lock is held only while taking a batch: the next writer takes the
            // following one while this one commits.
            while jobs.lock().await.recv_many(&mut batch, max_batch).await > 0 {
                let batch = std::mem::take(&mut batch);
                // A response created now lands in the month of its write (set in memory once
                // the month is known: no round trip). Should this fail, the write says why.
                let times = batch.iter().map(|(write, _)| write.now_ms);
                if let Err(error) = partitions.ensure(&pool, times).await {
                    tracing::warn!(error = %error, "could not create a month's response partition");
                }
                commit(&pool, batch).await;
            }
        });
    }
}

async fn commit(pool: &PgPool, mut jobs: Vec<Job>) {
    let outcome = async {
        let mut tx = pool.begin().await.map_err(StorageError::from)?;
        let rebuilding = site_lock::share_all(&mut tx, &sites_of(&jobs)).await?;
        if !rebuilding.is_empty() {
            let (refused, kept): (Vec<Job>, Vec<Job>) = std::mem::take(&mut jobs)
                .into_iter()
                .partition(|(write, _)| rebuilding.contains(&write.site_id));
            jobs = kept;
            for (_, reply) in refused {
                let _ = reply.send(Err(StorageError::SiteRebuilding.into()));
            }
            if jobs.is_empty() {
                return Ok(Vec::new());
            }
        }
        let writes: Vec<&AnswerWrite> = jobs.iter().map(|(write, _)| write).collect();
        let outcomes = write_path::apply_answer_batch(&mut *tx, &writes).await?;
        tx.commit().await.map_err(StorageError::from)?;
        commits::committed(writes.len());
        Ok::<_, write_path::BatchError>(outcomes)
    }
    .await;
    match outcome {
        Ok(outcomes) => {
            for ((_, reply), outcome) in jobs.into_iter().zip(outcomes) {
                // A caller that gave up has dropped its receiver; the write is committed.
                let _ = reply.send(outcome.map_err(SaveError::Rejected));
            }
        }
        Err(error) => {
            tracing::debug!(error = %error, size = jobs.len(), "set-based batch failed; applying its writes one by one");
            for (write, reply) in jobs {
                let pool = pool.clone();
                tokio::spawn(async move {
                    let _ = reply.send(save_one(&pool, &write).await);
                });
            }
        }
    }
}

/// The sites a batch writes, each once.
fn sites_of(jobs: &[Job]) -> Vec<SiteId> {
    let mut sites: Vec<SiteId> = jobs.iter().map(|(write, _)| write.site_id).collect();
    sites.sort_unstable();
    sites.dedup();
    sites
}

/// One write in a transaction of its own (the path every write took before batching), tried
/// again when PostgreSQL gave up on it for another transaction's sake: a deadlock, or the row
/// it waited for moved to another month's partition meanwhile (a person's answer replacing a
/// suspected scanner's starts its own month).
async fn save_one(pool: &PgPool, write: &AnswerWrite) -> Result<Saved, SaveError> {
    let mut attempt = 0;
    loop {
        let saved = async {
            let mut tx = pool.begin().await?;
            site_lock::share(&mut tx, write.site_id).await?;
            let saved = write_path::apply_answers(&mut *tx, write).await?;
            tx.commit().await?;
            commits::committed(1);
            Ok::<_, SaveError>(saved)
        }
        .await;
        attempt += 1;
        match saved {
            Err(SaveError::Storage(error)) if attempt < 3 && error.is_serialization_failure() => {
                tracing::debug!(error = %error, attempt, "write lost to a concurrent one; trying again");
            }
            saved => return saved,
        }
    }
}
