//! Group commit for SQLite: one task owns the only writing connection. It takes every write
//! waiting in its queue (up to a batch), applies them in one transaction, commits once, and
//! only then answers each caller. One fsync serves the whole batch.
//!
//! The batch first goes through set-based statements (`apply_answer_batch`: a handful of
//! statements for the whole batch, which is what makes SQLite ingest fast). If any statement
//! fails, that transaction is rolled back and the batch is applied again write by write, each
//! inside a savepoint, so one bad write cannot fail the others.

use std::sync::Arc;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions as _, Connection as _, SqliteConnection};
use tokio::sync::{mpsc, oneshot};

use koe_shared::InteractionId;
use sqlx::Sqlite;

use super::write_tx::CREATE_ROLLUP_CHANGES;
use crate::audit::AuditEntry;
use crate::ids::SiteId;
use crate::responses::{AnswerWrite, ResponseState};
use crate::sites::SiteTimeZone;
use crate::storage::Rezoned;
use crate::storage::access::Access as _;
use crate::storage::rezone;
use crate::storage::write_path::{self, BatchError};
use crate::storage::{ImpressionOutcome, ImpressionWrite, SaveError, Saved, StorageError};

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
    Purge(Purge, oneshot::Sender<Result<u64, StorageError>>),
    /// Store a batch of imported answers (`koe import`) in a transaction of its own.
    Import(
        SiteId,
        Vec<(InteractionId, ResponseState)>,
        oneshot::Sender<Result<u64, StorageError>>,
    ),
    /// Move a site to another time zone, rebuilding its rollups.
    Rezone(
        AuditEntry,
        SiteTimeZone,
        oneshot::Sender<Result<Rezoned, StorageError>>,
    ),
}

/// One chunk of a retention purge and its audit entry (detail without the count).
pub(super) struct Purge {
    pub(super) entry: AuditEntry,
    pub(super) before: jiff::civil::Date,
    pub(super) bound_ms: i64,
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
}

/// A job's result, kept until the batch commits.
enum Outcome {
    Answers(Result<Saved, SaveError>),
    Impression(Result<ImpressionOutcome, StorageError>),
}

impl Outcome {
    fn is_ok(&self) -> bool {
        match self {
            Self::Answers(r) => r.is_ok(),
            Self::Impression(r) => r.is_ok(),
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
    async fn purge(&mut self, purge: &Purge) -> Result<u64, StorageError> {
        self.erasing(Erasing::Purge(purge)).await
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
                Erasing::Purge(p) => {
                    write_path::purge_chunk(conn, &p.entry, p.before, p.bound_ms).await?
                }
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

    /// A time-zone change and its rebuild in one transaction of its own, after everything
    /// queued before it; answers queued behind it wait.
    async fn rezone(
        &mut self,
        entry: &AuditEntry,
        zone: &SiteTimeZone,
    ) -> Result<Rezoned, StorageError> {
        let conn = &mut self.conn;
        execute(conn, "BEGIN IMMEDIATE").await?;
        let done = async {
            let moved = rezone::rezone_site(conn, entry, zone).await?;
            execute(conn, "COMMIT").await?;
            Ok::<_, StorageError>(moved)
        }
        .await;
        if done.is_err()
            && let Err(rollback) = execute(conn, "ROLLBACK").await
        {
            tracing::debug!(error = %rollback, "rollback after a failed time-zone change");
        }
        done
    }
}

/// What [`Writer::erasing`] runs.
enum Erasing<'a> {
    Erase(&'a Erasure),
    Purge(&'a Purge),
}

pub(super) async fn run_writer(
    mut writer: Writer,
    mut jobs: mpsc::Receiver<WriteJob>,
    max_batch: usize,
) {
    let mut queued = Vec::with_capacity(max_batch);
    let mut batch = Vec::with_capacity(max_batch);
    while jobs.recv_many(&mut queued, max_batch).await > 0 {
        for job in queued.drain(..) {
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
                    let _ = reply.send(writer.rezone(&entry, &zone).await);
                }
                WriteJob::Close(reply) => {
                    commit_batch(&mut writer, std::mem::take(&mut batch)).await;
                    if let Err(error) = writer.conn.close().await {
                        tracing::warn!(error = %error, "closing the database writer");
                    }
                    let _ = reply.send(());
                    return;
                }
            }
        }
        commit_batch(&mut writer, std::mem::take(&mut batch)).await;
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
            Write::Impression(..) => None,
        })
        .collect();
    let mut answered = write_path::apply_answer_batch(conn, &answers)
        .await?
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
        });
    }
    execute(conn, "COMMIT").await?;
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
        };
    }
}

async fn execute(conn: &mut SqliteConnection, sql: &str) -> Result<(), StorageError> {
    sqlx::query(sql).execute(conn).await?;
    Ok(())
}
