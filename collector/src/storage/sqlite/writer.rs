//! Group commit for SQLite: one task owns the only writing connection. It takes every write
//! waiting in its queue (up to a batch), applies them in one transaction, commits once, and
//! only then answers each caller. One fsync serves the whole batch.
//!
//! The batch first goes through set-based statements (`apply_answer_batch`: a handful of
//! statements for the whole batch, which is what makes SQLite ingest fast). If any statement
//! fails, that transaction is rolled back and the batch is applied again write by write, each
//! inside a savepoint, so one bad write cannot fail the others.
//!
//! A time-zone rebuild runs here too, a chunk at a time between batches (`rebuild.rs`): other
//! sites' writes wait a chunk at most, and the rebuilt site's are refused until it ends.

use std::sync::Arc;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions as _, Connection as _, SqliteConnection};
use tokio::sync::mpsc;

use koe_shared::InteractionId;
use sqlx::Sqlite;

use super::jobs::{Erasure, Write, WriteJob};
use super::rebuild::{self, Rebuild};
use super::write_tx::CREATE_ROLLUP_CHANGES;
use crate::ids::SiteId;
use crate::responses::{AnswerWrite, ResponseState};
use crate::storage::access::Access as _;
use crate::storage::write_path::{self, BatchError};
use crate::storage::{ImpressionOutcome, PurgeCutoff, SaveError, Saved, StorageError};
use crate::storage::{commits, facts_path};

/// A job's result, kept until the batch commits.
enum Outcome {
    Answers(Result<Saved, SaveError>),
    Impression(Result<ImpressionOutcome, StorageError>),
    Facts(Result<crate::storage::FactsOutcome, StorageError>),
}

impl Outcome {
    fn is_ok(&self) -> bool {
        match self {
            Self::Answers(r) => r.is_ok(),
            Self::Impression(r) => r.is_ok(),
            Self::Facts(r) => matches!(r, Ok(Ok(_))),
        }
    }
}

/// The only writing connection.
pub(super) struct Writer {
    conn: SqliteConnection,
}

impl Writer {
    pub(super) async fn open(options: &SqliteConnectOptions) -> Result<Self, StorageError> {
        let mut conn = options.connect().await?;
        sqlx::query(&CREATE_ROLLUP_CHANGES)
            .execute(&mut conn)
            .await?;
        Ok(Self { conn })
    }

    /// Takes the write lock and starts (then abandons) a write, so a file SQLite could only
    /// open read-only (read-only mount, permissions) is found without writing anything.
    async fn probe(&mut self) -> Result<(), StorageError> {
        let conn = &mut self.conn;
        execute(conn, "BEGIN IMMEDIATE").await?;
        let tried = execute(conn, "UPDATE sites SET name = name WHERE 0").await;
        execute(conn, "ROLLBACK").await?;
        tried
    }
}

impl Writer {
    /// An erasure and its audit entry in one transaction.
    async fn erase(&mut self, erasure: &Erasure) -> Result<u64, StorageError> {
        self.erasing(Erasing::Erase(erasure)).await
    }

    /// One chunk of a purge, audited, in one transaction.
    async fn purge(&mut self, cutoff: &PurgeCutoff) -> Result<u64, StorageError> {
        self.erasing(Erasing::Purge(cutoff)).await
    }

    /// Runs a job that deletes personal data in a transaction of its own (rolled back on any
    /// failure, the commit's included). `secure_delete` is on for it alone, so SQLite
    /// overwrites the deleted bytes instead of leaving them in free pages (answers do not pay
    /// for that), and afterwards the WAL is checkpointed and truncated, so the old pages do not
    /// linger in `koe.db-wal` either. Neither afterthought can fail a committed job: a failure
    /// is logged.
    async fn erasing(&mut self, job: Erasing<'_>) -> Result<u64, StorageError> {
        let conn = &mut self.conn;
        execute(conn, "PRAGMA secure_delete = ON").await?;
        let done = async {
            execute(conn, "BEGIN IMMEDIATE").await?;
            let deleted = match job {
                Erasing::Erase(e) => {
                    let erased = write_path::erase_interaction(
                        conn,
                        e.entry.site_id,
                        &e.interaction,
                        &e.stand_in,
                    )
                    .await?;
                    if erased > 0 {
                        Sqlite::insert_audit(conn, &e.entry).await?;
                    }
                    erased
                }
                Erasing::Purge(cutoff) => match write_path::purge_chunk(conn, cutoff).await? {
                    Some(purged) => purged,
                    None => {
                        // The site changed its settings since the cut-off was computed:
                        // nothing goes.
                        execute(conn, "ROLLBACK").await?;
                        return Ok(0);
                    }
                },
            };
            execute(conn, "COMMIT").await?;
            Ok::<_, StorageError>(deleted)
        }
        .await;
        if done.is_err()
            && let Err(rollback) = execute(conn, "ROLLBACK").await
        {
            tracing::debug!(error = %rollback, "rollback after a failed erasure or purge");
        }
        if let Err(error) = execute(conn, "PRAGMA secure_delete = OFF").await {
            tracing::warn!(error = %error, "could not turn secure_delete off again");
        }
        if matches!(done, Ok(n) if n > 0)
            && let Err(error) = execute(conn, "PRAGMA wal_checkpoint(TRUNCATE)").await
        {
            tracing::warn!(error = %error, "could not checkpoint the WAL after an erasure or purge");
        }
        done
    }
}

impl Writer {
    /// A batch of imported answers in one transaction.
    async fn import(
        &mut self,
        site_id: SiteId,
        rows: &[(InteractionId, ResponseState)],
    ) -> Result<u64, StorageError> {
        let conn = &mut self.conn;
        execute(conn, "BEGIN IMMEDIATE").await?;
        let done = async {
            let stored = write_path::import_batch(conn, site_id, rows).await?;
            execute(conn, "COMMIT").await?;
            Ok::<_, StorageError>(stored)
        }
        .await;
        if done.is_err()
            && let Err(rollback) = execute(conn, "ROLLBACK").await
        {
            tracing::debug!(error = %rollback, "rollback after a failed import batch");
        }
        done
    }
}

/// What [`Writer::erasing`] runs.
enum Erasing<'a> {
    Erase(&'a Erasure),
    Purge(&'a PurgeCutoff),
}

pub(super) async fn run_writer(
    mut writer: Writer,
    mut jobs: mpsc::Receiver<WriteJob>,
    max_batch: usize,
) {
    let mut queued = Vec::with_capacity(max_batch);
    let mut batch = Vec::with_capacity(max_batch);
    // Time-zone rebuilds under way: one chunk of each runs after each batch.
    let mut rebuilds: Vec<Rebuild> = Vec::new();
    loop {
        let open = match rebuilds.is_empty() {
            true => jobs.recv_many(&mut queued, max_batch).await > 0,
            false => rebuild::take_waiting(&mut jobs, &mut queued, max_batch),
        };
        if !open && rebuilds.is_empty() {
            break;
        }
        for job in queued.drain(..) {
            let Some(job) = rebuild::unless_rebuilding(job, &rebuilds) else {
                continue;
            };
            match job {
                WriteJob::Write(write) => batch.push(write),
                WriteJob::Probe(reply) => {
                    commit_batch(&mut writer, std::mem::take(&mut batch)).await;
                    let _ = reply.send(writer.probe().await);
                }
                WriteJob::Erase(erasure, reply) => {
                    commit_batch(&mut writer, std::mem::take(&mut batch)).await;
                    let _ = reply.send(writer.erase(&erasure).await);
                }
                WriteJob::Purge(purge, reply) => {
                    commit_batch(&mut writer, std::mem::take(&mut batch)).await;
                    let _ = reply.send(writer.purge(&purge).await);
                }
                WriteJob::Import(site_id, rows, reply) => {
                    commit_batch(&mut writer, std::mem::take(&mut batch)).await;
                    let _ = reply.send(writer.import(site_id, &rows).await);
                }
                WriteJob::Rezone(entry, zone, reply) => {
                    commit_batch(&mut writer, std::mem::take(&mut batch)).await;
                    if let Some(started) =
                        Rebuild::start(&mut writer.conn, entry, zone, reply).await
                    {
                        rebuilds.push(started);
                    }
                }
                WriteJob::Close(reply) => {
                    commit_batch(&mut writer, std::mem::take(&mut batch)).await;
                    // Shutdown does not wait for a rebuild: each chunk committed is exact.
                    for unfinished in rebuilds.drain(..) {
                        unfinished.abandon();
                    }
                    if let Err(error) = writer.conn.close().await {
                        tracing::warn!(error = %error, "closing the database writer");
                    }
                    let _ = reply.send(());
                    return;
                }
            }
        }
        commit_batch(&mut writer, std::mem::take(&mut batch)).await;
        let mut going = Vec::with_capacity(rebuilds.len());
        for under_way in rebuilds.drain(..) {
            if let Some(under_way) = under_way.step(&mut writer.conn).await {
                going.push(under_way);
            }
        }
        rebuilds = going;
    }
    tracing::debug!("sqlite writer stopped: every storage handle is gone");
}

async fn commit_batch(writer: &mut Writer, writes: Vec<Write>) {
    if writes.is_empty() {
        return;
    }
    let conn = &mut writer.conn;
    match set_based(conn, &writes).await {
        Ok(outcomes) => answer(writes, outcomes),
        Err(error) => {
            tracing::debug!(error = %error, size = writes.len(), "set-based batch failed; applying its writes one by one");
            if let Err(rollback) = execute(conn, "ROLLBACK").await {
                tracing::debug!(error = %rollback, "rollback after a failed set-based batch");
            }
            commit_one_by_one(conn, writes).await;
        }
    }
}

async fn set_based(
    conn: &mut SqliteConnection,
    jobs: &[Write],
) -> Result<Vec<Outcome>, BatchError> {
    execute(conn, "BEGIN IMMEDIATE").await?;
    let answers: Vec<&AnswerWrite> = jobs
        .iter()
        .filter_map(|job| match job {
            Write::Answers(write, _) => Some(write),
            Write::Impression(..) | Write::Facts(..) => None,
        })
        .collect();
    let mut answered = write_path::apply_answer_batch(conn, &answers)
        .await?
        .into_iter();
    let facts: Vec<&crate::storage::FactsWrite> = jobs
        .iter()
        .filter_map(|job| match job {
            Write::Facts(write, _) => Some(write),
            Write::Answers(..) | Write::Impression(..) => None,
        })
        .collect();
    let mut facts_outcomes = match facts.is_empty() {
        true => Vec::new(),
        false => facts_path::apply_facts_batch(conn, &facts).await?,
    }
    .into_iter();
    let mut outcomes = Vec::with_capacity(jobs.len());
    for job in jobs {
        outcomes.push(match job {
            Write::Answers(..) => Outcome::Answers(
                answered
                    .next()
                    .ok_or_else(|| StorageError::Corrupt("a batch outcome is missing".into()))?
                    .map_err(SaveError::Rejected),
            ),
            Write::Impression(write, _) => {
                Outcome::Impression(Ok(write_path::apply_impression(conn, write).await?))
            }
            Write::Facts(..) => Outcome::Facts(Ok(facts_outcomes
                .next()
                .ok_or_else(|| StorageError::Corrupt("a facts outcome is missing".into()))?)),
        });
    }
    execute(conn, "COMMIT").await?;
    commits::committed(jobs.len());
    tracing::trace!(size = jobs.len(), "committed a set-based write batch");
    Ok(outcomes)
}

/// Hands each caller its outcome once the batch is committed.
fn answer(jobs: Vec<Write>, outcomes: Vec<Outcome>) {
    for (job, outcome) in jobs.into_iter().zip(outcomes) {
        // A caller that gave up (timeout, disconnect) has dropped its receiver; the
        // write is committed all the same.
        let _ = match (job, outcome) {
            (Write::Answers(_, reply), Outcome::Answers(r)) => reply.send(r).map_err(drop),
            (Write::Impression(_, reply), Outcome::Impression(r)) => reply.send(r).map_err(drop),
            (Write::Facts(_, reply), Outcome::Facts(r)) => reply.send(r).map_err(drop),
            _ => unreachable!("outcomes are pushed in job order"),
        };
    }
}

async fn commit_one_by_one(conn: &mut SqliteConnection, jobs: Vec<Write>) {
    let size = jobs.len();
    let outcome = async {
        execute(conn, "BEGIN IMMEDIATE").await?;
        let mut outcomes = Vec::with_capacity(jobs.len());
        for job in &jobs {
            execute(conn, "SAVEPOINT job").await?;
            let outcome = match job {
                Write::Answers(write, _) => {
                    Outcome::Answers(write_path::apply_answers(conn, write).await)
                }
                Write::Impression(write, _) => {
                    Outcome::Impression(write_path::apply_impression(conn, write).await)
                }
                Write::Facts(write, _) => {
                    Outcome::Facts(facts_path::apply_facts(conn, write).await)
                }
            };
            if !outcome.is_ok() {
                execute(conn, "ROLLBACK TO job").await?;
            }
            execute(conn, "RELEASE job").await?;
            outcomes.push(outcome);
        }
        execute(conn, "COMMIT").await?;
        Ok::<_, StorageError>(outcomes)
    }
    .await;
    match outcome {
        Ok(outcomes) => {
            commits::committed(size);
            tracing::trace!(size, "committed a write batch one by one");
            answer(jobs, outcomes);
        }
        Err(error) => {
            if let Err(rollback) = execute(conn, "ROLLBACK").await {
                tracing::debug!(error = %rollback, "rollback after a failed batch");
            }
            fail(jobs, &Arc::new(error));
        }
    }
}

/// Answers every write of a batch that was not committed with why.
fn fail(writes: Vec<Write>, error: &Arc<StorageError>) {
    tracing::error!(error = %error, source = ?std::error::Error::source(&**error), size = writes.len(), "a write batch failed; nothing in it was committed");
    for write in writes {
        let failed = StorageError::Batch(Arc::clone(error));
        let _ = match write {
            Write::Answers(_, reply) => reply.send(Err(failed.into())).map_err(drop),
            Write::Impression(_, reply) => reply.send(Err(failed)).map_err(drop),
            Write::Facts(_, reply) => reply.send(Err(failed)).map_err(drop),
        };
    }
}

async fn execute(conn: &mut SqliteConnection, sql: &str) -> Result<(), StorageError> {
    sqlx::query(sql).execute(conn).await?;
    Ok(())
}
