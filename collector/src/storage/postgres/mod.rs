//! PostgreSQL: a pool; submissions go through group commit (`postgres_writer.rs`), other
//! writes take one short transaction each. Concurrent writers to the same interaction
//! serialise on its row (`FOR UPDATE`); rollup rows are locked in key order.

use koe_shared::SiteKey;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Connection, PgConnection, Postgres, QueryBuilder};
use tokio::sync::{mpsc, oneshot};

use super::postgres_writer;
use super::rows::ResponseRow;
use super::{
    ApiKeyRecord, ImpressionWrite, NewApiKey, ResponseFilter, Saved, Storage, StorageError,
    StorageOptions, StoredResponse,
};
use crate::report::{GroupedRollup, ReportQuery};
use crate::response::AnswerWrite;
use crate::rollup::{RollupCounters, RollupKey, Summary};
use crate::site::{NewSite, Site};

pub(super) mod queries {
    super::super::sql::queries!(sqlx::Postgres, " FOR UPDATE");
    super::super::rollup_sql::rollup_writes!(
        sqlx::Postgres,
        Some((
            "FROM jsonb_array_elements(CAST(",
            " AS JSONB)) WITH ORDINALITY AS r(value, n) ORDER BY n"
        ))
    );
    super::super::batch_sql::batch_queries!(sqlx::Postgres, super::select_touched);
    super::super::report_sql::report_queries!(
        sqlx::Postgres,
        "to_char(date_trunc('week', CAST(day AS date)), 'YYYY-MM-DD')",
        "CAST(COALESCE(json_agg(json_build_array({columns})), '[]') AS TEXT)"
    );
}

/// The responses a batch touches, locked (`interactions` sorted: every writer locks in one
/// order). Each is looked up on its own by the whole unique (site, interaction) key, and the
/// statement is planned at every run rather than once per connection. A plan cached while the
/// table was small (a sequential scan, right for a few rows) was kept as it grew, and so was
/// `interaction IN (…)` planned on a table not yet analysed (every response of the site read
/// and filtered): either way each batch read more as the table grew — 90 ms a batch after
/// 3 s of ingest, in about half of the benchmark runs.
async fn select_touched(
    conn: &mut PgConnection,
    site_id: i64,
    interactions: &[&str],
) -> Result<Vec<ResponseRow>, sqlx::Error> {
    let mut query = QueryBuilder::<Postgres>::new("SELECT touched.* FROM unnest(");
    query
        .push_bind(interactions)
        .push(format!(
            ") AS wanted (interaction) CROSS JOIN LATERAL (SELECT {} FROM responses \
             WHERE site_id = ",
            super::sql::RESPONSE_COLUMNS
        ))
        .push_bind(site_id)
        .push(" AND responses.interaction = wanted.interaction FOR UPDATE) AS touched");
    query
        .build_query_as()
        .persistent(false)
        .fetch_all(conn)
        .await
}

#[derive(Debug, Clone)]
pub struct PgStorage {
    pool: PgPool,
    writer: mpsc::Sender<postgres_writer::Job>,
}

impl PgStorage {
    /// Connects and applies migrations.
    pub async fn connect(url: &str, options: &StorageOptions) -> Result<Self, StorageError> {
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect(url)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        let (writer, jobs) = mpsc::channel(options.max_batch * 4);
        // Half the pool writes batches; the rest serves reads and retried writes.
        let writers = (options.max_connections / 2).max(1) as usize;
        postgres_writer::start(pool.clone(), jobs, writers, options.max_batch);
        Ok(Self { pool, writer })
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
        let id = queries::insert_site(&mut tx, &site).await?;
        let created = queries::select_site_by_key(&mut tx, site.key.as_str())
            .await?
            .filter(|s| s.id == id)
            .ok_or_else(|| StorageError::Corrupt("a new site could not be read back".into()))?;
        tx.commit().await?;
        Ok(created)
    }

    async fn sites(&self) -> Result<Vec<Site>, StorageError> {
        queries::select_sites(&mut *self.pool.acquire().await?).await
    }

    async fn site_by_key(&self, key: &SiteKey) -> Result<Option<Site>, StorageError> {
        queries::select_site_by_key(&mut *self.pool.acquire().await?, key.as_str()).await
    }

    async fn create_api_key(&self, key: NewApiKey) -> Result<ApiKeyRecord, StorageError> {
        queries::insert_api_key(&mut *self.pool.acquire().await?, &key).await
    }

    async fn api_key_by_digest(
        &self,
        digest: &[u8; 32],
    ) -> Result<Option<ApiKeyRecord>, StorageError> {
        queries::select_api_key(&mut *self.pool.acquire().await?, digest).await
    }

    async fn save_answers(&self, write: AnswerWrite) -> Result<Saved, StorageError> {
        let (reply, answer) = oneshot::channel();
        self.writer
            .send((write, reply))
            .await
            .map_err(|_| StorageError::WriterGone)?;
        answer.await.map_err(|_| StorageError::WriterGone)?
    }

    async fn record_impression(&self, write: ImpressionWrite) -> Result<bool, StorageError> {
        let mut tx = self.pool.begin().await?;
        let inserted = queries::apply_impression(&mut tx, &write).await?;
        tx.commit().await?;
        Ok(inserted)
    }

    async fn responses(&self, site_id: i64) -> Result<Vec<StoredResponse>, StorageError> {
        queries::select_responses(&mut *self.pool.acquire().await?, site_id).await
    }

    async fn impressions(&self, site_id: i64) -> Result<Vec<RollupKey>, StorageError> {
        queries::select_impressions(&mut *self.pool.acquire().await?, site_id).await
    }

    async fn report_rollups(
        &self,
        site_id: i64,
        query: &ReportQuery,
    ) -> Result<Vec<GroupedRollup>, StorageError> {
        queries::select_report_rollups(&mut *self.pool.acquire().await?, site_id, query).await
    }

    async fn response_page(
        &self,
        site_id: i64,
        filter: &ResponseFilter,
        limit: u32,
    ) -> Result<Vec<StoredResponse>, StorageError> {
        queries::select_response_page(&mut *self.pool.acquire().await?, site_id, filter, limit)
            .await
    }

    async fn summary_rollups(
        &self,
        site_id: i64,
        summary: Summary,
    ) -> Result<Vec<(RollupKey, RollupCounters)>, StorageError> {
        queries::select_summary_rollups(&mut *self.pool.acquire().await?, site_id, summary).await
    }

    async fn rollups(
        &self,
        site_id: i64,
    ) -> Result<Vec<(RollupKey, RollupCounters)>, StorageError> {
        queries::select_rollups(&mut *self.pool.acquire().await?, site_id).await
    }
}
