//! PostgreSQL: a pool; submissions go through group commit (`writer.rs`), other
//! writes take one short transaction each. Concurrent writers to the same interaction
//! serialise on its row (`FOR UPDATE`); rollup rows are locked in key order.

mod dialect;
mod partitions;
mod write_tx;
mod writer;

use std::sync::Arc;

use koe_shared::{InteractionId, SiteKey};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Connection, Postgres};
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
use super::{rezone, write_path};
use crate::alerts::webhooks::{DeliveryRecord, NewWebhook, WebhookRecord};
use crate::audit::{AuditEntry, AuditEvent};
use crate::report::reasons::ReasonCount;
use crate::report::{AgentCounts, GroupedRollup, ReportQuery};
use crate::responses::AnswerWrite;
use crate::rollup::{ReasonKey, RollupCounters, RollupKey, Summary};
use crate::sites::fatigue::CustomerCheck;
use crate::sites::{NewSite, Site, SiteTimeZone};
use partitions::Partitions;

/// PostgreSQL's report SQL: the Monday of a day's week, and rows folded into one JSON text.
const REPORT: ReportDialect = ReportDialect {
    week: "to_char(date_trunc('week', CAST(day AS date)), 'YYYY-MM-DD')",
    json_rows: "CAST(COALESCE(json_agg(json_build_array({columns})), '[]') AS TEXT)",
};

#[derive(Debug, Clone)]
pub struct PgStorage {
    pool: PgPool,
    /// Where reports and lists read: the replica (`read_url`), else the primary's pool.
    reads: PgPool,
    writer: mpsc::Sender<writer::Job>,
    /// The monthly partitions of `responses` this collector knows exist.
    partitions: Arc<Partitions>,
}

impl PgStorage {
    /// Connects and applies migrations.
    pub async fn connect(url: &str, options: &StorageOptions) -> Result<Self, OpenError> {
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect(url)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        let partitions = Arc::new(Partitions::default());
        partitions
            .ensure_ahead(&pool, crate::clock::now_ms())
            .await?;
        partitions::keep_ahead(pool.clone(), Arc::clone(&partitions));
        let (writer, jobs) = mpsc::channel(options.max_batch * 4);
        // Half the pool writes batches; the rest serves reads and retried writes.
        let writers = (options.max_connections / 2).max(1) as usize;
        writer::start(
            pool.clone(),
            Arc::clone(&partitions),
            jobs,
            writers,
            options.max_batch,
        );
        // A replica that is down at start is not a reason not to start: its reads answer 503
        // until it is back, and everything else goes on.
        let reads = match &options.read_url {
            Some(url) => PgPoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(options.acquire_timeout)
                .connect_lazy(url)?,
            None => pool.clone(),
        };
        Ok(Self {
            pool,
            reads,
            writer,
            partitions,
        })
    }
}

impl Storage for PgStorage {
    async fn ping(&self) -> Result<(), StorageError> {
        self.pool.acquire().await?.ping().await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    async fn create_site(&self, site: NewSite) -> Result<Site, StorageError> {
        let mut tx = self.pool.begin().await?;
        let id = Postgres::insert_site(&mut tx, &site).await?;
        let created = Postgres::site_by_key(&mut tx, site.key.as_str())
            .await?
            .filter(|s| s.id == id)
            .ok_or_else(|| StorageError::Corrupt("a new site could not be read back".into()))?;
        tx.commit().await?;
        Ok(created)
    }

    async fn sites(&self) -> Result<Vec<Site>, StorageError> {
        Postgres::sites(&mut *self.pool.acquire().await?).await
    }

    async fn site_by_key(&self, key: &SiteKey) -> Result<Option<Site>, StorageError> {
        Postgres::site_by_key(&mut *self.pool.acquire().await?, key.as_str()).await
    }

    async fn create_api_key(&self, key: NewApiKey) -> Result<ApiKeyRecord, StorageError> {
        let mut tx = self.pool.begin().await?;
        let record = Postgres::insert_api_key(&mut tx, &key).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn api_key_by_digest(
        &self,
        digest: &[u8; 32],
    ) -> Result<Option<ApiKeyRecord>, StorageError> {
        Postgres::api_key(&mut *self.pool.acquire().await?, digest).await
    }

    async fn api_keys(&self, site_id: i64) -> Result<Vec<ApiKeyRecord>, StorageError> {
        Postgres::api_keys(&mut *self.pool.acquire().await?, site_id).await
    }

    async fn api_key_by_id(&self, id: i64) -> Result<Option<ApiKeyRecord>, StorageError> {
        Postgres::api_key_by_id(&mut *self.pool.acquire().await?, id).await
    }

    async fn revoke_api_key(&self, entry: AuditEntry, key_id: i64) -> Result<bool, StorageError> {
        let mut tx = self.pool.begin().await?;
        let revoked = Postgres::revoke_api_key(&mut tx, &entry, key_id).await?;
        tx.commit().await?;
        Ok(revoked)
    }

    async fn touch_api_key(&self, id: i64, now_ms: i64) -> Result<(), StorageError> {
        Postgres::touch_api_key(&mut *self.pool.acquire().await?, id, now_ms).await
    }

    async fn rotate_secret(
        &self,
        entry: AuditEntry,
        digest: [u8; 32],
        until_ms: i64,
    ) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        Postgres::rotate_secret(&mut tx, &entry, &digest, until_ms).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn update_site(&self, entry: AuditEntry, site: Site) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        Postgres::update_site(&mut tx, &entry, &site).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn audit_events(&self, site_id: i64) -> Result<Vec<AuditEvent>, StorageError> {
        Postgres::audit_events(&mut *self.pool.acquire().await?, site_id).await
    }

    async fn create_session(
        &self,
        key_id: i64,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<i64, StorageError> {
        Postgres::insert_session(
            &mut *self.pool.acquire().await?,
            key_id,
            now_ms,
            expires_at_ms,
        )
        .await
    }

    async fn session(&self, id: i64) -> Result<Option<SessionRecord>, StorageError> {
        Postgres::session(&mut *self.pool.acquire().await?, id).await
    }

    async fn end_session(&self, id: i64, now_ms: i64) -> Result<(), StorageError> {
        Postgres::end_session(&mut *self.pool.acquire().await?, id, now_ms).await
    }

    async fn save_answers(&self, write: AnswerWrite) -> Result<Saved, SaveError> {
        let (reply, answer) = oneshot::channel();
        self.writer
            .send((write, reply))
            .await
            .map_err(|_| StorageError::WriterGone)?;
        answer.await.map_err(|_| StorageError::WriterGone)?
    }

    async fn record_impression(
        &self,
        write: ImpressionWrite,
    ) -> Result<ImpressionOutcome, StorageError> {
        let mut tx = self.pool.begin().await?;
        let inserted = write_path::apply_impression(&mut *tx, &write).await?;
        tx.commit().await?;
        Ok(inserted)
    }

    async fn would_show(
        &self,
        site_id: i64,
        interaction: &InteractionId,
        customer: Option<CustomerCheck>,
        now_ms: i64,
    ) -> Result<bool, StorageError> {
        let mut conn = self.pool.acquire().await?;
        let cooling = in_cooldown::<Postgres>(
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
        Postgres::survey_customer(
            &mut *self.pool.acquire().await?,
            site_id,
            &check.customer,
            now_ms,
            cooldown_ms,
        )
        .await
    }

    async fn forget_customers(&self, site_id: i64, before_ms: i64) -> Result<u64, StorageError> {
        Postgres::forget_customers(&mut *self.pool.acquire().await?, site_id, before_ms).await
    }

    async fn server_key(&self, name: &'static str) -> Result<[u8; 32], StorageError> {
        Postgres::server_key(&mut *self.pool.acquire().await?, name).await
    }

    async fn responses(&self, site_id: i64) -> Result<Vec<StoredResponse>, StorageError> {
        Postgres::responses(&mut *self.pool.acquire().await?, site_id).await
    }

    async fn impressions(&self, site_id: i64) -> Result<Vec<RollupKey>, StorageError> {
        Postgres::impressions(&mut *self.pool.acquire().await?, site_id).await
    }

    async fn report_rollups(
        &self,
        site_id: i64,
        query: &ReportQuery,
    ) -> Result<Vec<GroupedRollup>, StorageError> {
        Postgres::report_rollups(&mut *self.reads.acquire().await?, site_id, query, &REPORT).await
    }

    async fn response_page(
        &self,
        site_id: i64,
        filter: &ResponseFilter,
        limit: u32,
    ) -> Result<Vec<StoredResponse>, StorageError> {
        Postgres::response_page(&mut *self.reads.acquire().await?, site_id, filter, limit).await
    }

    async fn summary_rollups(
        &self,
        site_id: i64,
        summary: Summary,
    ) -> Result<Vec<(RollupKey, RollupCounters)>, StorageError> {
        Postgres::summary_rollups(&mut *self.pool.acquire().await?, site_id, summary).await
    }

    async fn reason_rollups(&self, site_id: i64) -> Result<Vec<(ReasonKey, i64)>, StorageError> {
        Postgres::reason_rollups(&mut *self.pool.acquire().await?, site_id).await
    }

    async fn purge_responses(
        &self,
        entry: AuditEntry,
        before: jiff::civil::Date,
        bound_ms: i64,
    ) -> Result<u64, StorageError> {
        let mut tx = self.pool.begin().await?;
        let purged = write_path::purge_chunk(&mut *tx, &entry, before, bound_ms).await?;
        tx.commit().await?;
        Ok(purged)
    }

    async fn key_drift(&self) -> Result<Vec<KeyDrift>, StorageError> {
        partitions::key_drift(&self.pool).await
    }

    async fn drop_purged_partitions(&self, cutoffs: &[PurgeCutoff]) -> Result<u64, StorageError> {
        partitions::drop_purged(&self.pool, &self.partitions, cutoffs).await
    }

    async fn erase_interaction(
        &self,
        entry: AuditEntry,
        interaction: &InteractionId,
    ) -> Result<u64, StorageError> {
        // An erasure reads every month's partition; one being dropped by retention meanwhile
        // can make either give way (a deadlock, 40P01). A deletion request is tried again.
        let mut attempt = 0;
        loop {
            let erased = async {
                let mut tx = self.pool.begin().await?;
                let stand_in = crate::secrets::erased_interaction();
                let erased =
                    write_path::erase_interaction(&mut *tx, entry.site_id, interaction, &stand_in)
                        .await?;
                if erased > 0 {
                    Postgres::insert_audit(&mut *tx, &entry).await?;
                }
                tx.commit().await?;
                Ok::<_, StorageError>(erased)
            }
            .await;
            attempt += 1;
            match erased {
                Err(error) if attempt < 3 && error.is_serialization_failure() => {
                    tracing::debug!(error = %error, attempt, "erasure lost to a concurrent transaction; trying again");
                }
                erased => return erased,
            }
        }
    }

    async fn import_responses(
        &self,
        site_id: i64,
        rows: Vec<(InteractionId, crate::responses::ResponseState)>,
    ) -> Result<u64, StorageError> {
        let times = rows.iter().map(|(_, state)| state.created_at_ms);
        self.partitions.ensure_afresh(&self.pool, times).await?;
        let mut tx = self.pool.begin().await?;
        let stored = write_path::import_batch(&mut *tx, site_id, &rows).await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn record_audit(&self, entry: AuditEntry) -> Result<(), StorageError> {
        Postgres::insert_audit(&mut *self.pool.acquire().await?, &entry).await
    }

    async fn add_webhook(
        &self,
        entry: AuditEntry,
        webhook: NewWebhook,
    ) -> Result<WebhookRecord, StorageError> {
        let mut tx = self.pool.begin().await?;
        let id = Postgres::insert_webhook(&mut tx, &entry, &webhook).await?;
        tx.commit().await?;
        Ok(webhook.record(id))
    }

    async fn webhooks(&self, site_id: i64) -> Result<Vec<WebhookRecord>, StorageError> {
        Postgres::webhooks(&mut *self.pool.acquire().await?, site_id).await
    }

    async fn remove_webhook(&self, entry: AuditEntry, id: i64) -> Result<bool, StorageError> {
        let mut tx = self.pool.begin().await?;
        let removed = Postgres::remove_webhook(&mut tx, &entry, id).await?;
        tx.commit().await?;
        Ok(removed)
    }

    async fn due_deliveries(
        &self,
        now_ms: i64,
        limit: i64,
    ) -> Result<Vec<DueDelivery>, StorageError> {
        Postgres::due_deliveries(&mut *self.pool.acquire().await?, now_ms, limit).await
    }

    async fn claim_delivery(
        &self,
        delivery: &DueDelivery,
        until_ms: i64,
    ) -> Result<bool, StorageError> {
        Postgres::claim_delivery(&mut *self.pool.acquire().await?, delivery, until_ms).await
    }

    async fn finish_attempt(
        &self,
        id: i64,
        claimed_until: i64,
        outcome: AttemptOutcome,
    ) -> Result<(), StorageError> {
        Postgres::finish_attempt(
            &mut *self.pool.acquire().await?,
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
        Postgres::deliveries(&mut *self.pool.acquire().await?, site_id, limit).await
    }

    async fn rezone_site(
        &self,
        entry: AuditEntry,
        zone: SiteTimeZone,
    ) -> Result<Rezoned, StorageError> {
        let mut tx = self.pool.begin().await?;
        // Answers and impressions wait until the site's rows are re-dated and rebuilt (and a
        // second rebuild waits for the first: the mode conflicts with itself); reads go on.
        sqlx::query("LOCK TABLE responses, impressions IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
        let moved = rezone::rezone_site(&mut *tx, &entry, &zone).await?;
        tx.commit().await?;
        Ok(moved)
    }

    async fn agent_csat(
        &self,
        site_id: i64,
        query: &ReportQuery,
    ) -> Result<Vec<AgentCounts>, StorageError> {
        Postgres::agent_csat(&mut *self.reads.acquire().await?, site_id, query).await
    }

    async fn reason_counts(
        &self,
        site_id: i64,
        query: &ReportQuery,
    ) -> Result<Vec<ReasonCount>, StorageError> {
        Postgres::reason_counts(&mut *self.reads.acquire().await?, site_id, query).await
    }

    async fn rollups(
        &self,
        site_id: i64,
    ) -> Result<Vec<(RollupKey, RollupCounters)>, StorageError> {
        Postgres::rollups(&mut *self.pool.acquire().await?, site_id).await
    }
}
