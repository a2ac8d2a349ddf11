//! Group commit of interaction facts on PostgreSQL, as `writer.rs` does for answers: calls
//! queue up, a couple of tasks each take what is waiting (up to a batch) and apply it with
//! set-based statements in one transaction (`facts_path::apply_facts_batch`), answering every
//! caller after the commit. Without it each call was a transaction of its own, and calls of one
//! site — whose rollup rows they share — committed one after another, one WAL flush each.
//!
//! A batch takes its sites' write locks shared (a site being rebuilt for a new time zone has
//! its calls refused, to be sent again) and its interactions' locks exclusively, in order. If
//! the batch fails as a whole, each call is tried again in a transaction of its own.

use std::sync::Arc;

use sqlx::PgPool;
use tokio::sync::{Mutex, mpsc, oneshot};

use super::site_lock;
use crate::ids::SiteId;
use crate::storage::{FactsOutcome, FactsWrite, StorageError};
use crate::storage::{commits, facts_path};

pub(super) type Job = (
    FactsWrite,
    oneshot::Sender<Result<FactsOutcome, StorageError>>,
);

/// Tasks taking batches: facts come from a site's backend, a few at a time; two suffice.
const TASKS: usize = 2;

/// Starts the tasks taking batches of up to `max_batch` from `jobs`.
pub(super) fn start(pool: PgPool, jobs: mpsc::Receiver<Job>, max_batch: usize) {
    let jobs = Arc::new(Mutex::new(jobs));
    for _ in 0..TASKS {
        let (pool, jobs) = (pool.clone(), Arc::clone(&jobs));
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(max_batch);
            while jobs.lock().await.recv_many(&mut batch, max_batch).await > 0 {
                commit(&pool, std::mem::take(&mut batch)).await;
            }
        });
    }
}

async fn commit(pool: &PgPool, mut jobs: Vec<Job>) {
    let outcome = async {
        let mut tx = pool.begin().await?;
        let mut sites: Vec<SiteId> = jobs.iter().map(|(write, _)| write.site_id).collect();
        sites.sort_unstable();
        sites.dedup();
        let rebuilding = site_lock::share_all(&mut tx, &sites).await?;
        if !rebuilding.is_empty() {
            let (refused, kept): (Vec<Job>, Vec<Job>) = std::mem::take(&mut jobs)
                .into_iter()
                .partition(|(write, _)| rebuilding.contains(&write.site_id));
            jobs = kept;
            for (_, reply) in refused {
                let _ = reply.send(Err(StorageError::SiteRebuilding));
            }
        }
        let writes: Vec<&FactsWrite> = jobs.iter().map(|(write, _)| write).collect();
        let outcomes = facts_path::apply_facts_batch(&mut *tx, &writes).await?;
        tx.commit().await?;
        commits::committed(writes.len());
        Ok::<_, StorageError>(outcomes)
    }
    .await;
    match outcome {
        Ok(outcomes) => {
            for ((_, reply), outcome) in jobs.into_iter().zip(outcomes) {
                // A caller that gave up has dropped its receiver; the write is committed.
                let _ = reply.send(Ok(outcome));
            }
        }
        Err(error) => {
            tracing::debug!(error = %error, size = jobs.len(), "a batch of facts failed; applying its calls one by one");
            for (write, reply) in jobs {
                let pool = pool.clone();
                tokio::spawn(async move {
                    let _ = reply.send(put_one(&pool, &write).await);
                });
            }
        }
    }
}

/// One call in a transaction of its own, tried again when PostgreSQL gave up on it for
/// another transaction's sake.
pub(super) async fn put_one(
    pool: &PgPool,
    write: &FactsWrite,
) -> Result<FactsOutcome, StorageError> {
    let mut attempt = 0;
    loop {
        let outcome = async {
            let mut tx = pool.begin().await?;
            site_lock::share(&mut tx, write.site_id).await?;
            let outcome = facts_path::apply_facts(&mut *tx, write).await?;
            match outcome.is_ok() {
                true => {
                    tx.commit().await?;
                    commits::committed(1);
                }
                false => tx.rollback().await?,
            }
            Ok::<_, StorageError>(outcome)
        }
        .await;
        attempt += 1;
        match outcome {
            Err(error) if attempt < 3 && error.is_serialization_failure() => {
                tracing::debug!(error = %error, attempt, "facts lost to a concurrent write; trying again");
            }
            outcome => return outcome,
        }
    }
}
