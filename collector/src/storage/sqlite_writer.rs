//! Group commit for SQLite: one task owns the only writing connection. It takes every write
//! waiting in its queue (up to a batch), applies them in one transaction, commits once, and
//! only then answers each caller. One fsync serves the whole batch.
//!
//! The batch first goes through set-based statements (`apply_answer_batch`: a handful of
//! statements for the whole batch, which is what makes SQLite ingest fast). If any statement
//! fails, that transaction is rolled back and the batch is applied again write by write, each
//! inside a savepoint, so one bad write cannot fail the others.

use std::sync::Arc;

use sqlx::SqliteConnection;
use tokio::sync::{mpsc, oneshot};

use super::sqlite::queries;
use super::{ImpressionWrite, Saved, StorageError};
use crate::response::AnswerWrite;

pub(super) enum WriteJob {
    Answers(AnswerWrite, oneshot::Sender<Result<Saved, StorageError>>),
    Impression(ImpressionWrite, oneshot::Sender<Result<bool, StorageError>>),
}

/// A job's result, kept until the batch commits.
enum Outcome {
    Answers(Result<Saved, StorageError>),
    Impression(Result<bool, StorageError>),
}

impl Outcome {
    fn is_ok(&self) -> bool {
        match self {
            Self::Answers(r) => r.is_ok(),
            Self::Impression(r) => r.is_ok(),
        }
    }
}

pub(super) async fn run_writer(
    mut conn: SqliteConnection,
    mut jobs: mpsc::Receiver<WriteJob>,
    max_batch: usize,
) {
    let mut batch = Vec::with_capacity(max_batch);
    while jobs.recv_many(&mut batch, max_batch).await > 0 {
        commit_batch(&mut conn, std::mem::take(&mut batch)).await;
    }
    tracing::debug!("sqlite writer stopped: every storage handle is gone");
}

async fn commit_batch(conn: &mut SqliteConnection, jobs: Vec<WriteJob>) {
    match set_based(conn, &jobs).await {
        Ok(outcomes) => answer(jobs, outcomes),
        Err(error) => {
            tracing::debug!(error = %error, size = jobs.len(), "set-based batch failed; applying its writes one by one");
            if let Err(rollback) = execute(conn, "ROLLBACK").await {
                tracing::debug!(error = %rollback, "rollback after a failed set-based batch");
            }
            commit_one_by_one(conn, jobs).await;
        }
    }
}

async fn set_based(
    conn: &mut SqliteConnection,
    jobs: &[WriteJob],
) -> Result<Vec<Outcome>, StorageError> {
    execute(conn, "BEGIN IMMEDIATE").await?;
    let answers: Vec<&AnswerWrite> = jobs
        .iter()
        .filter_map(|job| match job {
            WriteJob::Answers(write, _) => Some(write),
            WriteJob::Impression(..) => None,
        })
        .collect();
    let mut answered = queries::apply_answer_batch(conn, &answers)
        .await?
        .into_iter();
    let mut outcomes = Vec::with_capacity(jobs.len());
    for job in jobs {
        outcomes.push(match job {
            WriteJob::Answers(..) => Outcome::Answers(
                answered
                    .next()
                    .ok_or_else(|| StorageError::Corrupt("a batch outcome is missing".into()))?,
            ),
            WriteJob::Impression(write, _) => {
                Outcome::Impression(Ok(queries::apply_impression(conn, write).await?))
            }
        });
    }
    execute(conn, "COMMIT").await?;
    tracing::trace!(size = jobs.len(), "committed a set-based write batch");
    Ok(outcomes)
}

/// Hands each caller its outcome once the batch is committed.
fn answer(jobs: Vec<WriteJob>, outcomes: Vec<Outcome>) {
    for (job, outcome) in jobs.into_iter().zip(outcomes) {
        // A caller that gave up (timeout, disconnect) has dropped its receiver; the
        // write is committed all the same.
        let _ = match (job, outcome) {
            (WriteJob::Answers(_, reply), Outcome::Answers(r)) => reply.send(r).map_err(drop),
            (WriteJob::Impression(_, reply), Outcome::Impression(r)) => reply.send(r).map_err(drop),
            _ => unreachable!("outcomes are pushed in job order"),
        };
    }
}

async fn commit_one_by_one(conn: &mut SqliteConnection, jobs: Vec<WriteJob>) {
    let size = jobs.len();
    let outcome = async {
        execute(conn, "BEGIN IMMEDIATE").await?;
        let mut outcomes = Vec::with_capacity(jobs.len());
        for job in &jobs {
            execute(conn, "SAVEPOINT job").await?;
            let outcome = match job {
                WriteJob::Answers(write, _) => {
                    Outcome::Answers(queries::apply_answers(conn, write).await)
                }
                WriteJob::Impression(write, _) => {
                    Outcome::Impression(queries::apply_impression(conn, write).await)
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
            tracing::error!(error = %error, source = ?std::error::Error::source(&error), size, "a write batch failed; nothing in it was committed");
            if let Err(rollback) = execute(conn, "ROLLBACK").await {
                tracing::debug!(error = %rollback, "rollback after a failed batch");
            }
            let error = Arc::new(error);
            for job in jobs {
                let failed = StorageError::Batch(Arc::clone(&error));
                let _ = match job {
                    WriteJob::Answers(_, reply) => reply.send(Err(failed)).map_err(drop),
                    WriteJob::Impression(_, reply) => reply.send(Err(failed)).map_err(drop),
                };
            }
        }
    }
}

async fn execute(conn: &mut SqliteConnection, sql: &str) -> Result<(), StorageError> {
    sqlx::query(sql).execute(conn).await?;
    Ok(())
}
