//! SQLite: one file in WAL mode. Answers, impressions, imports, purges, erasures and time-zone
//! rebuilds go through one writer task that commits whole batches on its own connection (see
//! `writer.rs`; a rebuild a chunk at a time between batches, `rebuild.rs`); reads, and the rare
//! management writes (sites, keys, sessions, webhooks) in their own short transactions, use the
//! pool.

mod dialect;
mod jobs;
mod rebuild;
mod write_tx;
mod writer;

use std::path::PathBuf;
use std::str::FromStr;

use koe_shared::InteractionId;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Connection, Sqlite};
use tokio::sync::{mpsc, oneshot};

use super::access::access_store;
use super::customers::customer_store;
use super::report_read::ReportDialect;
use super::reports::report_store;
use super::sites::site_store;
use super::verification::verify_store;
use super::webhooks::alert_store;
use super::{
    AnswerStore, ImpressionOutcome, ImpressionWrite, KeyDrift, Lifecycle, OpenError, PurgeCutoff,
    RemovalStore, Rezoned, SaveError, Saved, StorageError, StorageOptions,
};
use crate::audit::AuditEntry;
use crate::ids::SiteId;
use crate::responses::{AnswerWrite, ResponseState};
use crate::sites::SiteTimeZone;
use jobs::{Erasure, Write, WriteJob};
use writer::{Writer, run_writer};

/// SQLite's report SQL: the Monday of a day's week, and rows folded into one JSON text.
const REPORT: ReportDialect = ReportDialect {
    snapshot: "BEGIN",
    week: "date(day, '-' || ((CAST(strftime('%w', day) AS INTEGER) + 6) % 7) || ' days')",
    cast_sums: false,
    rows_as_json: true,
    json_rows: |texts, numbers| {
        format!(
            "json_group_array(json_array({}, {}))",
            texts.join(", "),
            numbers.join(", ")
        )
    },
};

#[derive(Debug, Clone)]
pub struct SqliteStorage {
    /// Reads and management writes (busy-waiting on the writer's lock when it holds it).
    pool: SqlitePool,
    writer: mpsc::Sender<WriteJob>,
}

impl SqliteStorage {
    /// The file a `sqlite:` URL names, as given (relative paths stay relative); `None` for an
    /// in-memory database.
    pub fn file_of(url: &str) -> Result<Option<PathBuf>, OpenError> {
        let connect = SqliteConnectOptions::from_str(url)?;
        if url.contains(":memory:") || url.contains("mode=memory") {
            return Ok(None);
        }
        Ok(Some(connect.get_filename().to_path_buf()))
    }

    /// Opens the database file (creating it when missing, if `options.create_if_missing`),
    /// migrates it and starts the writer.
    pub async fn connect(url: &str, options: &StorageOptions) -> Result<Self, OpenError> {
        let connect = SqliteConnectOptions::from_str(url)?
            .create_if_missing(options.create_if_missing)
            .journal_mode(SqliteJournalMode::Wal)
            // Every acknowledged response must survive a power cut, not only a crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // 16 MiB of page cache per reading connection (SQLite's default is 2 MiB): enough
            // for the rollup ranges reports scan; the kernel's file cache holds the rest.
            .pragma("cache_size", "-16384")
            .busy_timeout(options.acquire_timeout);
        let pool = SqlitePoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect.clone())
            .await
            .map_err(|source| OpenError::Open {
                path: connect.get_filename().display().to_string(),
                source,
            })?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        let (writer, jobs) = mpsc::channel(options.max_batch * 4);
        tokio::spawn(run_writer(
            // The writer touches the newest pages only (appended responses, today's rollups):
            // 4 MiB holds them, and a bigger cache only grew the collector's memory under load.
            Writer::open(
                &connect
                    .clone()
                    .pragma("cache_size", "-4096")
                    .pragma("temp_store", "memory"),
            )
            .await
            .map_err(OpenError::Storage)?,
            jobs,
            options.max_batch,
        ));
        let storage = Self { pool, writer };
        // SQLite opens a file it may not write read-only, and such a connection (with every
        // other one on that file in this process) stays read-only: refuse to start instead of
        // acknowledging nothing.
        if let Err(error) = storage.probe().await {
            return Err(match error.is_read_only() {
                true => OpenError::ReadOnly(connect.get_filename().display().to_string()),
                false => error.into(),
            });
        }
        Ok(storage)
    }

    /// Asks the writer whether it can write (without writing).
    async fn probe(&self) -> Result<(), StorageError> {
        self.through_writer(WriteJob::Probe).await
    }

    async fn through_writer<T, E: From<StorageError>>(
        &self,
        job: impl FnOnce(oneshot::Sender<Result<T, E>>) -> WriteJob,
    ) -> Result<T, E> {
        let (reply, answer) = oneshot::channel();
        self.writer
            .send(job(reply))
            .await
            .map_err(|_| StorageError::WriterGone)?;
        answer.await.map_err(|_| StorageError::WriterGone)?
    }
}

site_store!(SqliteStorage, Sqlite, pool);
access_store!(SqliteStorage, Sqlite, pool);
customer_store!(SqliteStorage, Sqlite, pool);
alert_store!(SqliteStorage, Sqlite, pool);
crate::storage::integrations::integration_store!(SqliteStorage, Sqlite, pool);
crate::storage::people::people_store!(SqliteStorage, Sqlite, pool);
crate::storage::followups::followup_store!(SqliteStorage, Sqlite, pool);
crate::storage::people::session_store!(SqliteStorage, Sqlite, pool);
crate::storage::passkeys::passkey_store!(SqliteStorage, pool);
verify_store!(SqliteStorage, Sqlite, pool);
report_store!(SqliteStorage, Sqlite, pool, REPORT);

impl crate::storage::FactsStore for SqliteStorage {
    #[tracing::instrument(name = "storage::put_facts", level = "debug", skip_all)]
    async fn put_facts(
        &self,
        write: crate::storage::FactsWrite,
    ) -> Result<crate::storage::FactsOutcome, StorageError> {
        self.through_writer(|reply| WriteJob::Write(Write::Facts(write, reply)))
            .await
    }

    crate::storage::facts_store::facts_store_common!(Sqlite, pool, pool, REPORT);
}

impl Lifecycle for SqliteStorage {
    #[tracing::instrument(name = "storage::ping", level = "debug", skip_all)]
    async fn ping(&self) -> Result<(), StorageError> {
        self.pool.acquire().await?.ping().await?;
        self.probe().await
    }

    #[tracing::instrument(name = "storage::close", level = "debug", skip_all)]
    async fn close(&self) {
        // The pool first: the last connection to close checkpoints the WAL into the file.
        self.pool.close().await;
        let (reply, closed) = oneshot::channel();
        if self.writer.send(WriteJob::Close(reply)).await.is_ok() {
            let _ = closed.await;
        }
    }

    /// The partial unique index on `responses` is the key: nothing can disagree with it.
    #[tracing::instrument(name = "storage::key_drift", level = "debug", skip_all)]
    async fn key_drift(&self) -> Result<Vec<KeyDrift>, StorageError> {
        Ok(Vec::new())
    }
}

impl AnswerStore for SqliteStorage {
    #[tracing::instrument(name = "storage::save_answers", level = "debug", skip_all)]
    async fn save_answers(&self, write: AnswerWrite) -> Result<Saved, SaveError> {
        self.through_writer(|reply| WriteJob::Write(Write::Answers(write, reply)))
            .await
    }

    #[tracing::instrument(name = "storage::record_impression", level = "debug", skip_all)]
    async fn record_impression(
        &self,
        write: ImpressionWrite,
    ) -> Result<ImpressionOutcome, StorageError> {
        self.through_writer(|reply| WriteJob::Write(Write::Impression(write, reply)))
            .await
    }

    #[tracing::instrument(name = "storage::import_responses", level = "debug", skip_all)]
    async fn import_responses(
        &self,
        site_id: SiteId,
        rows: Vec<(InteractionId, ResponseState)>,
    ) -> Result<u64, StorageError> {
        self.through_writer(|reply| WriteJob::Import(site_id, rows, reply))
            .await
    }
}

impl RemovalStore for SqliteStorage {
    #[tracing::instrument(name = "storage::purge_responses", level = "debug", skip_all)]
    async fn purge_responses(&self, cutoff: &PurgeCutoff) -> Result<u64, StorageError> {
        let cutoff = cutoff.clone();
        self.through_writer(|reply| WriteJob::Purge(cutoff, reply))
            .await
    }

    /// One table, no partitions: retention purges row by row.
    #[tracing::instrument(name = "storage::drop_purged_partitions", level = "debug", skip_all)]
    async fn drop_purged_partitions(&self, _: &[PurgeCutoff]) -> Result<u64, StorageError> {
        Ok(0)
    }

    #[tracing::instrument(name = "storage::erase_interaction", level = "debug", skip_all)]
    async fn erase_interaction(
        &self,
        entry: AuditEntry,
        interaction: &InteractionId,
    ) -> Result<u64, StorageError> {
        // Through the writer: rollups move on its connection, in queue order with answers.
        let erasure = Erasure {
            entry,
            interaction: interaction.clone(),
            stand_in: crate::secrets::erased_interaction(),
        };
        self.through_writer(|reply| WriteJob::Erase(erasure, reply))
            .await
    }

    #[tracing::instrument(name = "storage::rezone_site", level = "debug", skip_all)]
    async fn rezone_site(
        &self,
        entry: AuditEntry,
        zone: SiteTimeZone,
    ) -> Result<Rezoned, StorageError> {
        self.through_writer(|reply| WriteJob::Rezone(entry, zone, reply))
            .await
    }
}
