//! SQLite: one file, WAL, readers in a pool, and every write through one writer task that
//! commits whole batches (see `writer.rs`).

mod dialect;
mod write_tx;
mod writer;

use std::str::FromStr;

use koe_shared::{InteractionId, SiteKey};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Connection, Sqlite};
use tokio::sync::{mpsc, oneshot};

use super::admin::Admin as _;
use super::customers::{Customers as _, in_cooldown};
use super::queries::Queries as _;
use super::report_read::ReportDialect;
use super::webhooks::{AttemptOutcome, DueDelivery, Webhooks as _};
use super::{
    ApiKeyRecord, ImpressionOutcome, ImpressionWrite, KeyDrift, NewApiKey, OpenError, PurgeCutoff,
    ResponseFilter, Rezoned, SaveError, Saved, SessionRecord, Storage, StorageError,
    StorageOptions, StoredResponse,
};
use crate::alerts::webhooks::{DeliveryRecord, NewWebhook, WebhookRecord};
use crate::audit::{AuditEntry, AuditEvent};
use crate::report::reasons::ReasonCount;
use crate::report::{AgentCounts, GroupedRollup, ReportQuery};
use crate::responses::AnswerWrite;
use crate::rollup::{ReasonKey, RollupCounters, RollupKey, Summary};
use crate::sites::fatigue::CustomerCheck;
use crate::sites::{NewSite, Site, SiteTimeZone};
use writer::{Erasure, Purge, Write, WriteJob, Writer, run_writer};

/// SQLite's report SQL: the Monday of a day's week, and rows folded into one JSON text.
const REPORT: ReportDialect = ReportDialect {
    week: "date(day, '-' || ((CAST(strftime('%w', day) AS INTEGER) + 6) % 7) || ' days')",
    json_rows: "json_group_array(json_array({columns}))",
};

#[derive(Debug, Clone)]
pub struct SqliteStorage {
    reads: SqlitePool,
    writer: mpsc::Sender<WriteJob>,
}

impl SqliteStorage {
    /// Opens (creating if missing) the database file, migrates it and starts the writer.
    pub async fn connect(url: &str, options: &StorageOptions) -> Result<Self, OpenError> {
        let connect = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Every acknowledged response must survive a power cut, not only a crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // 16 MiB of page cache per reading connection (SQLite's default is 2 MiB): enough
            // for the rollup ranges reports scan; the kernel's file cache holds the rest.
            .pragma("cache_size", "-16384")
            .busy_timeout(options.acquire_timeout);
        let reads = SqlitePoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect.clone())
            .await
            .map_err(|source| OpenError::Open {
                path: connect.get_filename().display().to_string(),
                source,
            })?;
        sqlx::migrate!("./migrations/sqlite").run(&reads).await?;
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
        let storage = Self { reads, writer };
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

impl Storage for SqliteStorage {
    async fn ping(&self) -> Result<(), StorageError> {
        self.reads.acquire().await?.ping().await?;
        self.probe().await
    }

    async fn close(&self) {
        // Readers first: the last connection to close checkpoints the WAL into the file.
        self.reads.close().await;
        let (reply, closed) = oneshot::channel();
        if self.writer.send(WriteJob::Close(reply)).await.is_ok() {
            let _ = closed.await;
        }
    }

    async fn create_site(&self, site: NewSite) -> Result<Site, StorageError> {
        let mut conn = self.reads.acquire().await?;
        let id = Sqlite::insert_site(&mut conn, &site).await?;
        Sqlite::site_by_key(&mut conn, site.key.as_str())
            .await?
            .filter(|s| s.id == id)
            .ok_or_else(|| StorageError::Corrupt("a new site could not be read back".into()))
    }

    async fn sites(&self) -> Result<Vec<Site>, StorageError> {
        Sqlite::sites(&mut *self.reads.acquire().await?).await
    }

    async fn site_by_key(&self, key: &SiteKey) -> Result<Option<Site>, StorageError> {
        Sqlite::site_by_key(&mut *self.reads.acquire().await?, key.as_str()).await
    }

    async fn create_api_key(&self, key: NewApiKey) -> Result<ApiKeyRecord, StorageError> {
        let mut tx = self.reads.begin().await?;
        let record = Sqlite::insert_api_key(&mut tx, &key).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn api_key_by_digest(
        &self,
        digest: &[u8; 32],
    ) -> Result<Option<ApiKeyRecord>, StorageError> {
        Sqlite::api_key(&mut *self.reads.acquire().await?, digest).await
    }

    async fn api_keys(&self, site_id: i64) -> Result<Vec<ApiKeyRecord>, StorageError> {
        Sqlite::api_keys(&mut *self.reads.acquire().await?, site_id).await
    }

    async fn api_key_by_id(&self, id: i64) -> Result<Option<ApiKeyRecord>, StorageError> {
        Sqlite::api_key_by_id(&mut *self.reads.acquire().await?, id).await
    }

    async fn revoke_api_key(&self, entry: AuditEntry, key_id: i64) -> Result<bool, StorageError> {
        let mut tx = self.reads.begin().await?;
        let revoked = Sqlite::revoke_api_key(&mut tx, &entry, key_id).await?;
        tx.commit().await?;
        Ok(revoked)
    }

    async fn touch_api_key(&self, id: i64, now_ms: i64) -> Result<(), StorageError> {
        Sqlite::touch_api_key(&mut *self.reads.acquire().await?, id, now_ms).await
    }

    async fn rotate_secret(
        &self,
        entry: AuditEntry,
        digest: [u8; 32],
        until_ms: i64,
    ) -> Result<(), StorageError> {
        let mut tx = self.reads.begin().await?;
        Sqlite::rotate_secret(&mut tx, &entry, &digest, until_ms).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn update_site(&self, entry: AuditEntry, site: Site) -> Result<(), StorageError> {
        let mut tx = self.reads.begin().await?;
        Sqlite::update_site(&mut tx, &entry, &site).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn audit_events(&self, site_id: i64) -> Result<Vec<AuditEvent>, StorageError> {
        Sqlite::audit_events(&mut *self.reads.acquire().await?, site_id).await
    }

    async fn create_session(
        &self,
        key_id: i64,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<i64, StorageError> {
        Sqlite::insert_session(
            &mut *self.reads.acquire().await?,
            key_id,
            now_ms,
            expires_at_ms,
        )
        .await
    }

    async fn session(&self, id: i64) -> Result<Option<SessionRecord>, StorageError> {
        Sqlite::session(&mut *self.reads.acquire().await?, id).await
    }

    async fn end_session(&self, id: i64, now_ms: i64) -> Result<(), StorageError> {
        Sqlite::end_session(&mut *self.reads.acquire().await?, id, now_ms).await
    }

    async fn save_answers(&self, write: AnswerWrite) -> Result<Saved, SaveError> {
        self.through_writer(|reply| WriteJob::Write(Write::Answers(write, reply)))
            .await
    }

    async fn record_impression(
        &self,
        write: ImpressionWrite,
    ) -> Result<ImpressionOutcome, StorageError> {
        self.through_writer(|reply| WriteJob::Write(Write::Impression(write, reply)))
            .await
    }

    async fn would_show(
        &self,
        site_id: i64,
        interaction: &InteractionId,
        customer: Option<CustomerCheck>,
        now_ms: i64,
    ) -> Result<bool, StorageError> {
        let mut conn = self.reads.acquire().await?;
        let cooling = in_cooldown::<Sqlite>(
            &mut conn,
            site_id,
            interaction.as_str(),
            customer.as_ref(),
            now_ms,
        )
        .await?;
        Ok(!cooling)
    }

    async fn survey_customer(
        &self,
        site_id: i64,
        check: CustomerCheck,
        now_ms: i64,
    ) -> Result<bool, StorageError> {
        let cooldown_ms = check.cooldown_ms.unwrap_or(0);
        Sqlite::survey_customer(
            &mut *self.reads.acquire().await?,
            site_id,
            &check.customer,
            now_ms,
            cooldown_ms,
        )
        .await
    }

    async fn forget_customers(&self, site_id: i64, before_ms: i64) -> Result<u64, StorageError> {
        Sqlite::forget_customers(&mut *self.reads.acquire().await?, site_id, before_ms).await
    }

    async fn server_key(&self, name: &'static str) -> Result<[u8; 32], StorageError> {
        Sqlite::server_key(&mut *self.reads.acquire().await?, name).await
    }

    async fn responses(&self, site_id: i64) -> Result<Vec<StoredResponse>, StorageError> {
        Sqlite::responses(&mut *self.reads.acquire().await?, site_id).await
    }

    async fn impressions(&self, site_id: i64) -> Result<Vec<RollupKey>, StorageError> {
        Sqlite::impressions(&mut *self.reads.acquire().await?, site_id).await
    }

    async fn report_rollups(
        &self,
        site_id: i64,
        query: &ReportQuery,
    ) -> Result<Vec<GroupedRollup>, StorageError> {
        Sqlite::report_rollups(&mut *self.reads.acquire().await?, site_id, query, &REPORT).await
    }

    async fn response_page(
        &self,
        site_id: i64,
        filter: &ResponseFilter,
        limit: u32,
    ) -> Result<Vec<StoredResponse>, StorageError> {
        Sqlite::response_page(&mut *self.reads.acquire().await?, site_id, filter, limit).await
    }

    async fn summary_rollups(
        &self,
        site_id: i64,
        summary: Summary,
    ) -> Result<Vec<(RollupKey, RollupCounters)>, StorageError> {
        Sqlite::summary_rollups(&mut *self.reads.acquire().await?, site_id, summary).await
    }

    async fn reason_rollups(&self, site_id: i64) -> Result<Vec<(ReasonKey, i64)>, StorageError> {
        Sqlite::reason_rollups(&mut *self.reads.acquire().await?, site_id).await
    }

    async fn purge_responses(
        &self,
        entry: AuditEntry,
        before: jiff::civil::Date,
        bound_ms: i64,
    ) -> Result<u64, StorageError> {
        let purge = Purge {
            entry,
            before,
            bound_ms,
        };
        self.through_writer(|reply| WriteJob::Purge(purge, reply))
            .await
    }

    /// The partial unique index on `responses` is the key: nothing can disagree with it.
    async fn key_drift(&self) -> Result<Vec<KeyDrift>, StorageError> {
        Ok(Vec::new())
    }

    /// One table, no partitions: retention purges row by row.
    async fn drop_purged_partitions(&self, _: &[PurgeCutoff]) -> Result<u64, StorageError> {
        Ok(0)
    }

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

    async fn import_responses(
        &self,
        site_id: i64,
        rows: Vec<(InteractionId, crate::responses::ResponseState)>,
    ) -> Result<u64, StorageError> {
        self.through_writer(|reply| WriteJob::Import(site_id, rows, reply))
            .await
    }

    async fn record_audit(&self, entry: AuditEntry) -> Result<(), StorageError> {
        Sqlite::insert_audit(&mut *self.reads.acquire().await?, &entry).await
    }

    async fn add_webhook(
        &self,
        entry: AuditEntry,
        webhook: NewWebhook,
    ) -> Result<WebhookRecord, StorageError> {
        let mut tx = self.reads.begin().await?;
        let id = Sqlite::insert_webhook(&mut tx, &entry, &webhook).await?;
        tx.commit().await?;
        Ok(webhook.record(id))
    }

    async fn webhooks(&self, site_id: i64) -> Result<Vec<WebhookRecord>, StorageError> {
        Sqlite::webhooks(&mut *self.reads.acquire().await?, site_id).await
    }

    async fn remove_webhook(&self, entry: AuditEntry, id: i64) -> Result<bool, StorageError> {
        let mut tx = self.reads.begin().await?;
        let removed = Sqlite::remove_webhook(&mut tx, &entry, id).await?;
        tx.commit().await?;
        Ok(removed)
    }

    async fn due_deliveries(
        &self,
        now_ms: i64,
        limit: i64,
    ) -> Result<Vec<DueDelivery>, StorageError> {
        Sqlite::due_deliveries(&mut *self.reads.acquire().await?, now_ms, limit).await
    }

    async fn claim_delivery(
        &self,
        delivery: &DueDelivery,
        until_ms: i64,
    ) -> Result<bool, StorageError> {
        Sqlite::claim_delivery(&mut *self.reads.acquire().await?, delivery, until_ms).await
    }

    async fn finish_attempt(
        &self,
        id: i64,
        claimed_until: i64,
        outcome: AttemptOutcome,
    ) -> Result<(), StorageError> {
        Sqlite::finish_attempt(
            &mut *self.reads.acquire().await?,
            id,
            claimed_until,
            &outcome,
        )
        .await
    }

    async fn deliveries(
        &self,
        site_id: i64,
        limit: i64,
    ) -> Result<Vec<DeliveryRecord>, StorageError> {
        Sqlite::deliveries(&mut *self.reads.acquire().await?, site_id, limit).await
    }

    async fn rezone_site(
        &self,
        entry: AuditEntry,
        zone: SiteTimeZone,
    ) -> Result<Rezoned, StorageError> {
        self.through_writer(|reply| WriteJob::Rezone(entry, zone, reply))
            .await
    }

    async fn agent_csat(
        &self,
        site_id: i64,
        query: &ReportQuery,
    ) -> Result<Vec<AgentCounts>, StorageError> {
        Sqlite::agent_csat(&mut *self.reads.acquire().await?, site_id, query).await
    }

    async fn reason_counts(
        &self,
        site_id: i64,
        query: &ReportQuery,
    ) -> Result<Vec<ReasonCount>, StorageError> {
        Sqlite::reason_counts(&mut *self.reads.acquire().await?, site_id, query).await
    }

    async fn rollups(
        &self,
        site_id: i64,
    ) -> Result<Vec<(RollupKey, RollupCounters)>, StorageError> {
        Sqlite::rollups(&mut *self.reads.acquire().await?, site_id).await
    }
}
