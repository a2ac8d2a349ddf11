//! What `koe verify` reads to recompute rollups from the raw data and compare: a site's raw
//! responses and impressions, and its stored rollup, summary and reason rows — the
//! capability's trait ([`VerifyStore`]) and its one implementation for both backends (the
//! `verify_store!` macro, on the primary) and the statements with their SQL (`RawReads`). The
//! comparison itself is a domain service (`crate::verify`).

use super::sql::for_koe_databases;
use std::future::Future;

use sqlx::Database;

use super::bind;
use super::rows::{ImpressionRow, QuestionRow, ResponseRow, question_row};
use super::sql::response_columns;
use super::{StorageError, StoredResponse};
use crate::ids::SiteId;
use crate::rollup::{COUNTER_COLUMNS, QuestionKey, ReasonKey, RollupCounters, RollupKey, Summary};

/// The raw data and stored rollups of a site, whole.
pub trait VerifyStore: Clone + Send + Sync + 'static {
    /// All responses of a site, oldest first.
    fn responses(
        &self,
        site_id: SiteId,
    ) -> impl Future<Output = Result<Vec<StoredResponse>, StorageError>> + Send;

    /// The rollup keys of a site's impressions.
    fn impressions(
        &self,
        site_id: SiteId,
    ) -> impl Future<Output = Result<Vec<RollupKey>, StorageError>> + Send;

    /// A site's rollup rows.
    fn rollups(
        &self,
        site_id: SiteId,
    ) -> impl Future<Output = Result<Vec<(RollupKey, RollupCounters)>, StorageError>> + Send;

    /// A site's rows of a summary table (no team; `key.day` the week's Monday in the weekly
    /// ones).
    fn summary_rollups(
        &self,
        site_id: SiteId,
        summary: Summary,
    ) -> impl Future<Output = Result<Vec<(RollupKey, RollupCounters)>, StorageError>> + Send;

    /// A site's reason rows.
    fn reason_rollups(
        &self,
        site_id: SiteId,
    ) -> impl Future<Output = Result<Vec<(ReasonKey, i64)>, StorageError>> + Send;

    /// A site's rows of answers to its own question.
    fn question_rollups(
        &self,
        site_id: SiteId,
    ) -> impl Future<Output = Result<Vec<(QuestionKey, i64)>, StorageError>> + Send;
}

/// Implements [`VerifyStore`] for a backend's storage type over its sqlx database, on the pool
/// field named.
macro_rules! verify_store {
    ($storage:ty, $db:ty, $pool:ident) => {
        impl $crate::storage::VerifyStore for $storage {
            #[tracing::instrument(name = "storage::responses", level = "debug", skip_all)]
            async fn responses(
                &self,
                site_id: $crate::ids::SiteId,
            ) -> Result<Vec<$crate::storage::StoredResponse>, $crate::storage::StorageError> {
                use $crate::storage::verification::RawReads as _;
                <$db>::responses(&mut *self.$pool.acquire().await?, site_id).await
            }

            #[tracing::instrument(name = "storage::impressions", level = "debug", skip_all)]
            async fn impressions(
                &self,
                site_id: $crate::ids::SiteId,
            ) -> Result<Vec<$crate::rollup::RollupKey>, $crate::storage::StorageError> {
                use $crate::storage::verification::RawReads as _;
                <$db>::impressions(&mut *self.$pool.acquire().await?, site_id).await
            }

            #[tracing::instrument(name = "storage::rollups", level = "debug", skip_all)]
            async fn rollups(
                &self,
                site_id: $crate::ids::SiteId,
            ) -> Result<
                Vec<($crate::rollup::RollupKey, $crate::rollup::RollupCounters)>,
                $crate::storage::StorageError,
            > {
                use $crate::storage::verification::RawReads as _;
                <$db>::rollups(&mut *self.$pool.acquire().await?, site_id).await
            }

            #[tracing::instrument(name = "storage::summary_rollups", level = "debug", skip_all)]
            async fn summary_rollups(
                &self,
                site_id: $crate::ids::SiteId,
                summary: $crate::rollup::Summary,
            ) -> Result<
                Vec<($crate::rollup::RollupKey, $crate::rollup::RollupCounters)>,
                $crate::storage::StorageError,
            > {
                use $crate::storage::verification::RawReads as _;
                <$db>::summary_rollups(&mut *self.$pool.acquire().await?, site_id, summary).await
            }

            #[tracing::instrument(name = "storage::reason_rollups", level = "debug", skip_all)]
            async fn reason_rollups(
                &self,
                site_id: $crate::ids::SiteId,
            ) -> Result<Vec<($crate::rollup::ReasonKey, i64)>, $crate::storage::StorageError> {
                use $crate::storage::verification::RawReads as _;
                <$db>::reason_rollups(&mut *self.$pool.acquire().await?, site_id).await
            }

            #[tracing::instrument(name = "storage::question_rollups", level = "debug", skip_all)]
            async fn question_rollups(
                &self,
                site_id: $crate::ids::SiteId,
            ) -> Result<Vec<($crate::rollup::QuestionKey, i64)>, $crate::storage::StorageError>
            {
                use $crate::storage::verification::RawReads as _;
                <$db>::question_rollups(&mut *self.$pool.acquire().await?, site_id).await
            }
        }
    };
}
pub(super) use verify_store;

const SELECT_RESPONSES: &str = concat!(
    "SELECT ",
    response_columns!(),
    " FROM responses WHERE site_id = $1 ORDER BY created_at_ms, id"
);

const SELECT_IMPRESSIONS: &str =
    "SELECT agent, team, channel, day FROM impressions WHERE site_id = $1";

const SELECT_REASON_ROLLUPS: &str = "SELECT day, agent, channel, reason, unhappy \
     FROM reason_rollups WHERE site_id = $1 ORDER BY day, agent, channel, reason";

const SELECT_QUESTION_ROLLUPS: &str = "SELECT day, agent, team, channel, question, answer, \
     answers FROM question_rollups WHERE site_id = $1 \
     ORDER BY day, agent, team, channel, question, answer";

/// `rollups` of a site: key columns, then every counter.
fn select_rollups() -> String {
    format!(
        "SELECT day, agent, team, channel, {} FROM rollups WHERE site_id = $1 \
         ORDER BY day, agent, team, channel",
        COUNTER_COLUMNS.join(", ")
    )
}

/// A summary table of a site, shaped like [`select_rollups`] (team `''`).
fn select_summary_rollups(summary: Summary) -> String {
    let day = summary.day_column();
    format!(
        "SELECT {day}, agent, '', channel, {} FROM {} WHERE site_id = $1 \
         ORDER BY {day}, agent, channel",
        COUNTER_COLUMNS.join(", "),
        summary.table()
    )
}

/// The statements, on one connection.
pub(super) trait RawReads: Database {
    async fn responses(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<StoredResponse>, StorageError>;

    async fn impressions(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<RollupKey>, StorageError>;

    async fn rollups(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<(RollupKey, RollupCounters)>, StorageError>;

    async fn summary_rollups(
        conn: &mut Self::Connection,
        site_id: SiteId,
        summary: Summary,
    ) -> Result<Vec<(RollupKey, RollupCounters)>, StorageError>;

    /// A site's reason rows: (day, agent, channel, reason) → unhappy responses (`koe verify`).
    async fn reason_rollups(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<(ReasonKey, i64)>, StorageError>;

    /// A site's question rows: (day, agent, team, channel, question, answer) → responses.
    async fn question_rollups(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<(QuestionKey, i64)>, StorageError>;
}

for_koe_databases! {
    impl RawReads {
    async fn responses(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<StoredResponse>, StorageError> {
        let rows: Vec<ResponseRow> = sqlx::query_as(SELECT_RESPONSES)
            .bind(site_id)
            .fetch_all(conn)
            .await?;
        rows.into_iter().map(StoredResponse::try_from).collect()
    }

    async fn impressions(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<RollupKey>, StorageError> {
        let rows: Vec<ImpressionRow> = sqlx::query_as(SELECT_IMPRESSIONS)
            .bind(site_id)
            .fetch_all(conn)
            .await?;
        rows.into_iter().map(RollupKey::try_from).collect()
    }

    async fn rollups(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<(RollupKey, RollupCounters)>, StorageError> {
        let select = select_rollups();
        let rows = sqlx::query(&select).bind(site_id).fetch_all(conn).await?;
        rows.iter().map(bind::rollup_row).collect()
    }

    async fn summary_rollups(
        conn: &mut Self::Connection,
        site_id: SiteId,
        summary: Summary,
    ) -> Result<Vec<(RollupKey, RollupCounters)>, StorageError> {
        let select = select_summary_rollups(summary);
        let rows = sqlx::query(&select).bind(site_id).fetch_all(conn).await?;
        rows.iter().map(bind::rollup_row).collect()
    }

    async fn reason_rollups(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<(ReasonKey, i64)>, StorageError> {
        let rows: Vec<(String, String, String, String, i64)> =
            sqlx::query_as(SELECT_REASON_ROLLUPS)
                .bind(site_id)
                .fetch_all(conn)
                .await?;
        rows.into_iter()
            .map(|(day, agent, channel, reason, unhappy)| {
                let key = super::rows::rollup_key(&day, &agent, "", &channel)?;
                Ok((
                    ReasonKey {
                        day: key.day,
                        agent: key.agent,
                        channel: key.channel,
                        reason,
                    },
                    unhappy,
                ))
            })
            .collect()
    }

    async fn question_rollups(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<(QuestionKey, i64)>, StorageError> {
        let rows: Vec<QuestionRow> = sqlx::query_as(SELECT_QUESTION_ROLLUPS)
            .bind(site_id)
            .fetch_all(conn)
            .await?;
        rows.into_iter().map(question_row).collect()
    }
    }
}
