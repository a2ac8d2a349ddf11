//! A time-zone rebuild on SQLite: the steps of `storage/rezone.rs`, each chunk a transaction of
//! its own on the writer's connection, run between the writer's batches — other sites' writes
//! wait a chunk at most, never the whole rebuild. While a site is rebuilt the writer refuses its
//! writes ([`unless_rebuilding`]), so nothing of it changes between two chunks, and a second
//! rebuild of it. Each chunk leaves the rollups equal to the raw rows; the last one also stores
//! the zone. At shutdown a rebuild stops between two chunks ([`Rebuild::abandon`]): its site
//! keeps the old zone with some days moved, and the same change asked again finishes it.
//!
//! One writer is one process: a `koe` command run beside the server on the same file has its
//! own. Its chunks and the server's still commit one at a time, each moving counts from what it
//! reads, so counts stay exact either way.

use sqlx::SqliteConnection;
use tokio::sync::{mpsc, oneshot};

use super::jobs::{Write, WriteJob};
use crate::audit::AuditEntry;
use crate::ids::SiteId;
use crate::sites::SiteTimeZone;
use crate::storage::rezone::{self, Progress, RebuildCursor, Redate};
use crate::storage::write_plan::StoredRow;
use crate::storage::{Rezoned, SaveError, StorageError};

/// Whom a rebuild answers when it ends.
pub(super) type Reply = oneshot::Sender<Result<Rezoned, StorageError>>;

const SET_RESPONSE_DAY: &str = "UPDATE responses SET day = $1 WHERE id = $2 AND created_at_ms = $3";
const SET_IMPRESSION_DAY: &str =
    "UPDATE impressions SET day = $1 WHERE site_id = $2 AND interaction = $3";

/// A rebuild under way: where it has got to, and whom to answer.
#[derive(Debug)]
pub(super) struct Rebuild {
    entry: AuditEntry,
    zone: SiteTimeZone,
    next: Step,
    moved: Rezoned,
    reply: Reply,
}

/// The chunk a rebuild runs next.
#[derive(Debug)]
enum Step {
    Responses(RebuildCursor),
    Impressions(String),
}

/// What a chunk left.
enum Stepped {
    Next(Step),
    Ended(Rezoned),
}

impl Rebuild {
    /// A rebuild of `entry.site_id`, if it may start: refused (and answered) within the
    /// interval of the last one, or once retention purged raw responses.
    pub(super) async fn start(
        conn: &mut SqliteConnection,
        entry: AuditEntry,
        zone: SiteTimeZone,
        reply: Reply,
    ) -> Option<Self> {
        let allowed = async {
            rezone::check_interval(&mut *conn, &entry).await?;
            rezone::check_not_purged(&mut *conn, entry.site_id).await
        }
        .await;
        match allowed {
            Ok(()) => Some(Self {
                entry,
                zone,
                next: Step::Responses(RebuildCursor::START),
                moved: Rezoned::default(),
                reply,
            }),
            Err(error) => {
                let _ = reply.send(Err(error));
                None
            }
        }
    }

    pub(super) fn site_id(&self) -> SiteId {
        self.entry.site_id
    }

    /// Runs the next chunk in a transaction of its own; gives the rebuild back while there is
    /// more to do, and answers its caller once it ended or failed (a failed chunk is rolled
    /// back; those before it stand, each exact).
    pub(super) async fn step(mut self, conn: &mut SqliteConnection) -> Option<Self> {
        let site_id = self.entry.site_id;
        let mut moved = self.moved;
        let stepped = async {
            execute(conn, "BEGIN IMMEDIATE").await?;
            let stepped = match &self.next {
                Step::Responses(after) => {
                    match rezone::redate_responses(conn, site_id, &self.zone, *after, &mut moved)
                        .await?
                    {
                        Progress::More(cursor) => Stepped::Next(Step::Responses(cursor)),
                        Progress::Done => Stepped::Next(Step::Impressions(String::new())),
                    }
                }
                Step::Impressions(after) => {
                    match rezone::redate_impressions(conn, site_id, &self.zone, after, &mut moved)
                        .await?
                    {
                        Progress::More(interaction) => {
                            Stepped::Next(Step::Impressions(interaction))
                        }
                        Progress::Done => Stepped::Ended(
                            rezone::finish(conn, &self.entry, &self.zone, moved).await?,
                        ),
                    }
                }
            };
            execute(conn, "COMMIT").await?;
            Ok::<_, StorageError>(stepped)
        }
        .await;
        match stepped {
            Ok(Stepped::Next(next)) => {
                self.next = next;
                self.moved = moved;
                Some(self)
            }
            Ok(Stepped::Ended(moved)) => {
                let _ = self.reply.send(Ok(moved));
                None
            }
            Err(error) => {
                if let Err(rollback) = execute(conn, "ROLLBACK").await {
                    tracing::debug!(error = %rollback, "rollback after a failed chunk of a time-zone rebuild");
                }
                let _ = self.reply.send(Err(error));
                None
            }
        }
    }

    /// Stops between two chunks (the writer is closing): the caller is told the writer is gone.
    pub(super) fn abandon(self) {
        let _ = self.reply.send(Err(StorageError::WriterGone));
    }
}

/// Answers at once a job that writes a site being rebuilt — refused, to be sent again
/// (`SiteRebuilding`), or a second rebuild of it (`RebuildRunning`) — or gives it back.
pub(super) fn unless_rebuilding(job: WriteJob, rebuilds: &[Rebuild]) -> Option<WriteJob> {
    let rebuilding = |site_id: SiteId| rebuilds.iter().any(|r| r.site_id() == site_id);
    match job {
        WriteJob::Write(Write::Answers(write, reply)) if rebuilding(write.site_id) => {
            let _ = reply.send(Err(SaveError::Storage(StorageError::SiteRebuilding)));
        }
        WriteJob::Write(Write::Impression(write, reply)) if rebuilding(write.site_id) => {
            let _ = reply.send(Err(StorageError::SiteRebuilding));
        }
        WriteJob::Write(Write::Facts(write, reply)) if rebuilding(write.site_id) => {
            let _ = reply.send(Err(StorageError::SiteRebuilding));
        }
        WriteJob::Erase(erasure, reply) if rebuilding(erasure.entry.site_id) => {
            let _ = reply.send(Err(StorageError::SiteRebuilding));
        }
        WriteJob::Purge(cutoff, reply) if rebuilding(cutoff.entry.site_id) => {
            let _ = reply.send(Err(StorageError::SiteRebuilding));
        }
        WriteJob::Import(site_id, _, reply) if rebuilding(site_id) => {
            let _ = reply.send(Err(StorageError::SiteRebuilding));
        }
        WriteJob::Rezone(entry, _, reply) if rebuilding(entry.site_id) => {
            let _ = reply.send(Err(StorageError::RebuildRunning));
        }
        job => return Some(job),
    }
    None
}

/// Takes what waits in the queue (up to `max`) without waiting for more, so a rebuild under
/// way goes on when nothing else comes; `false` once the queue is closed and empty.
pub(super) fn take_waiting(
    jobs: &mut mpsc::Receiver<WriteJob>,
    queued: &mut Vec<WriteJob>,
    max: usize,
) -> bool {
    while queued.len() < max {
        match jobs.try_recv() {
            Ok(job) => queued.push(job),
            Err(mpsc::error::TryRecvError::Empty) => return true,
            Err(mpsc::error::TryRecvError::Disconnected) => return !queued.is_empty(),
        }
    }
    true
}

impl Redate for SqliteConnection {
    async fn set_response_days(
        &mut self,
        _site_id: SiteId,
        moved: &[(StoredRow, String)],
    ) -> Result<(), StorageError> {
        for (row, day) in moved {
            sqlx::query(SET_RESPONSE_DAY)
                .bind(day.as_str())
                .bind(row.id)
                .bind(row.created_at_ms)
                .execute(&mut *self)
                .await?;
        }
        Ok(())
    }

    async fn set_impression_days(
        &mut self,
        site_id: SiteId,
        moved: &[(String, String)],
    ) -> Result<(), StorageError> {
        for (interaction, day) in moved {
            sqlx::query(SET_IMPRESSION_DAY)
                .bind(day.as_str())
                .bind(site_id)
                .bind(interaction.as_str())
                .execute(&mut *self)
                .await?;
        }
        Ok(())
    }
}

async fn execute(conn: &mut SqliteConnection, sql: &str) -> Result<(), StorageError> {
    sqlx::query(sql).execute(conn).await?;
    Ok(())
}
