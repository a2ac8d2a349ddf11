//! PostgreSQL: a pool; submissions go through group commit (`writer.rs`), interaction facts
//! through their own (`facts_writer.rs`), other writes take one short transaction each. Concurrent writers to the same interaction
//! serialise on its row (`FOR UPDATE`); rollup rows are locked in key order. Every write of a
//! site's raw rows or rollups first takes the site's write lock shared, without waiting; a
//! time-zone rebuild holds it exclusively (`site_lock.rs`, `rebuild.rs`), so the site's writes
//! are refused meanwhile and every other site's go on.

mod dialect;
mod facts_writer;
mod partitions;
mod rebuild;
mod site_lock;
mod write_tx;
mod writer;

use std::sync::Arc;

use koe_shared::InteractionId;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Connection, Postgres};
use tokio::sync::{mpsc, oneshot};

use super::access::{Access as _, access_store};
use super::customers::customer_store;
use super::report_read::ReportDialect;
use super::reports::report_store;
use super::sites::site_store;
use super::verification::verify_store;
use super::webhooks::alert_store;
use super::write_path;
use super::{
    AnswerStore, ImpressionOutcome, ImpressionWrite, KeyDrift, Lifecycle, OpenError, PurgeCutoff,
    RemovalStore, Rezoned, SaveError, Saved, StorageError, StorageOptions,
};
use crate::audit::AuditEntry;
use crate::ids::SiteId;
use crate::responses::{AnswerWrite, ResponseState};
use crate::sites::SiteTimeZone;
use partitions::Partitions;

/// PostgreSQL's report SQL: the Monday of a day's week, and rows folded into one JSON text.
const REPORT: ReportDialect = ReportDialect {
    snapshot: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    week: "to_char(date_trunc('week', CAST(day AS date)), 'YYYY-MM-DD')",
    cast_sums: true,
    rows_as_json: false,
    json_rows,
};

/// Rows as one JSON text: each text through `to_json`, the numbers as one array written out by
/// `array_to_string`, which looks their type up once per statement. `json_build_array` looked
/// every value's type up again: 18 of the 20 ms a 4 800-row report read took on a 1 M bench
/// database (`auto_explain`, issue 35's fifth pass).
fn json_rows(texts: &[String], numbers: &[String]) -> String {
    let texts: Vec<String> = texts
        .iter()
        .map(|t| format!("COALESCE(CAST(to_json({t}) AS TEXT), 'null')"))
        .collect();
    format!(
        "COALESCE('[' || string_agg('[' || {} || ',' || array_to_string(ARRAY[{}], ',', \
         'null') || ']', ',') || ']', '[]')",
        texts.join(" || ',' || "),
        numbers.join(", ")
    )
}

#[derive(Debug, Clone)]
pub struct PgStorage {
    pool: PgPool,
    /// Where reports and lists read: the replica (`read_url`), else the primary's pool.
    reads: PgPool,
    writer: mpsc::Sender<writer::Job>,
    /// Where interaction facts queue for their group commit (`facts_writer.rs`).
    facts_writer: mpsc::Sender<facts_writer::Job>,
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
        let (facts_writer, facts_jobs) = mpsc::channel(options.max_batch * 4);
        facts_writer::start(pool.clone(), facts_jobs, options.max_batch);
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
            facts_writer,
            partitions,
        })
    }
}

site_store!(PgStorage, Postgres, pool);
access_store!(PgStorage, Postgres, pool);
customer_store!(PgStorage, Postgres, pool);
alert_store!(PgStorage, Postgres, pool);
crate::storage::integrations::integration_store!(PgStorage, Postgres, pool);
crate::storage::people::people_store!(PgStorage, Postgres, pool);
crate::storage::followups::followup_store!(PgStorage, Postgres, pool);
crate::storage::people::session_store!(PgStorage, Postgres, pool);
crate::storage::passkeys::passkey_store!(PgStorage, pool);
verify_store!(PgStorage, Postgres, pool);
report_store!(PgStorage, Postgres, reads, REPORT);

impl crate::storage::FactsStore for PgStorage {
    #[tracing::instrument(name = "storage::put_facts", level = "debug", skip_all)]
    async fn put_facts(
        &self,
        write: crate::storage::FactsWrite,
    ) -> Result<crate::storage::FactsOutcome, StorageError> {
        let (reply, answer) = oneshot::channel();
        self.facts_writer
            .send((write, reply))
            .await
            .map_err(|_| StorageError::WriterGone)?;
        answer.await.map_err(|_| StorageError::WriterGone)?
    }

    crate::storage::facts_store::facts_store_common!(Postgres, pool, reads, REPORT);
}

impl Lifecycle for PgStorage {
    #[tracing::instrument(name = "storage::ping", level = "debug", skip_all)]
    async fn ping(&self) -> Result<(), StorageError> {
        self.pool.acquire().await?.ping().await?;
        Ok(())
    }

    #[tracing::instrument(name = "storage::close", level = "debug", skip_all)]
    async fn close(&self) {
        self.pool.close().await;
    }

    #[tracing::instrument(name = "storage::key_drift", level = "debug", skip_all)]
    async fn key_drift(&self) -> Result<Vec<KeyDrift>, StorageError> {
        partitions::key_drift(&self.pool).await
    }
}

impl AnswerStore for PgStorage {
    #[tracing::instrument(name = "storage::save_answers", level = "debug", skip_all)]
    async fn save_answers(&self, write: AnswerWrite) -> Result<Saved, SaveError> {
        let (reply, answer) = oneshot::channel();
        self.writer
            .send((write, reply))
            .await
            .map_err(|_| StorageError::WriterGone)?;
        answer.await.map_err(|_| StorageError::WriterGone)?
    }

    #[tracing::instrument(name = "storage::record_impression", level = "debug", skip_all)]
    async fn record_impression(
        &self,
        write: ImpressionWrite,
    ) -> Result<ImpressionOutcome, StorageError> {
        let mut tx = self.pool.begin().await?;
        site_lock::share(&mut tx, write.site_id).await?;
        let inserted = write_path::apply_impression(&mut *tx, &write).await?;
        tx.commit().await?;
        Ok(inserted)
    }

    #[tracing::instrument(name = "storage::import_responses", level = "debug", skip_all)]
    async fn import_responses(
        &self,
        site_id: SiteId,
        rows: Vec<(InteractionId, ResponseState)>,
    ) -> Result<u64, StorageError> {
        let times = rows.iter().map(|(_, state)| state.created_at_ms);
        self.partitions.ensure_afresh(&self.pool, times).await?;
        let mut tx = self.pool.begin().await?;
        site_lock::share(&mut tx, site_id).await?;
        let stored = write_path::import_batch(&mut *tx, site_id, &rows).await?;
        tx.commit().await?;
        Ok(stored)
    }
}

impl RemovalStore for PgStorage {
    #[tracing::instrument(name = "storage::purge_responses", level = "debug", skip_all)]
    async fn purge_responses(&self, cutoff: &PurgeCutoff) -> Result<u64, StorageError> {
        let mut tx = self.pool.begin().await?;
        site_lock::share(&mut tx, cutoff.entry.site_id).await?;
        let Some(purged) = write_path::purge_chunk(&mut *tx, cutoff).await? else {
            // The site changed its settings since the cut-off was computed: nothing goes.
            tx.rollback().await?;
            return Ok(0);
        };
        tx.commit().await?;
        Ok(purged)
    }

    #[tracing::instrument(name = "storage::drop_purged_partitions", level = "debug", skip_all)]
    async fn drop_purged_partitions(&self, cutoffs: &[PurgeCutoff]) -> Result<u64, StorageError> {
        partitions::drop_purged(&self.pool, &self.partitions, cutoffs).await
    }

    #[tracing::instrument(name = "storage::erase_interaction", level = "debug", skip_all)]
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
                site_lock::share(&mut tx, entry.site_id).await?;
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

    #[tracing::instrument(name = "storage::rezone_site", level = "debug", skip_all)]
    async fn rezone_site(
        &self,
        entry: AuditEntry,
        zone: SiteTimeZone,
    ) -> Result<Rezoned, StorageError> {
        rebuild::rezone_site(&self.pool, &entry, &zone).await
    }
}
