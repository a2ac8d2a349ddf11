//! What reports read: rollups summed by group and bucket, the standings' CSAT counts, reasons,
//! and a page of responses — the capability's trait ([`ReportStore`]) and its one
//! implementation for both backends (the `report_store!` macro, on the backend's read pool:
//! PostgreSQL's replica when one is set). How each is read lives beside it: `report_read.rs`,
//! `standings_read.rs`, `response_page.rs`, the reasons' statement in `sql.rs`.

use std::future::Future;

use super::{ReasonCount, ResponseFilter, StorageError, StoredResponse};
use crate::ids::SiteId;
use crate::report::{AgentCounts, GroupedRollup, ReportQuery};

/// Reads for reports, standings, reasons and the response list.
pub trait ReportStore: Clone + Send + Sync + 'static {
    /// A site's rollups in the query's range and filters, bucketed and summed by its groups in
    /// the database, so about one row per group and bucket travels (a summary read at its own
    /// grain may give a group two rows; `report::build` adds up rows of one group).
    fn report_rollups(
        &self,
        site_id: SiteId,
        query: &ReportQuery,
    ) -> impl Future<Output = Result<Vec<GroupedRollup>, StorageError>> + Send;

    /// Each (agent, team)'s CSAT answers (satisfied, answered) in the query's range and
    /// filters, from `rollups` (`report::standings`).
    fn agent_csat(
        &self,
        site_id: SiteId,
        query: &ReportQuery,
    ) -> impl Future<Output = Result<Vec<AgentCounts>, StorageError>> + Send;

    /// Unhappy responses per reason in a report's range and filters, grouped by its agent
    /// and channel groups (a team cannot be asked for: reasons are not kept per team).
    fn reason_counts(
        &self,
        site_id: SiteId,
        query: &ReportQuery,
    ) -> impl Future<Output = Result<Vec<ReasonCount>, StorageError>> + Send;

    /// A page of a site's responses, newest first.
    fn response_page(
        &self,
        site_id: SiteId,
        filter: &ResponseFilter,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<StoredResponse>, StorageError>> + Send;
}

/// Implements [`ReportStore`] for a backend's storage type over its sqlx database, on the read
/// pool field named, with the backend's report dialect.
macro_rules! report_store {
    ($storage:ty, $db:ty, $reads:ident, $dialect:expr) => {
        impl $crate::storage::ReportStore for $storage {
            #[tracing::instrument(name = "storage::report_rollups", level = "debug", skip_all)]
            async fn report_rollups(
                &self,
                site_id: $crate::ids::SiteId,
                query: &$crate::report::ReportQuery,
            ) -> Result<Vec<$crate::report::GroupedRollup>, $crate::storage::StorageError> {
                use $crate::storage::queries::Queries as _;
                <$db>::report_rollups(
                    &mut *self.$reads.acquire().await?,
                    site_id,
                    query,
                    &$dialect,
                )
                .await
            }

            #[tracing::instrument(name = "storage::agent_csat", level = "debug", skip_all)]
            async fn agent_csat(
                &self,
                site_id: $crate::ids::SiteId,
                query: &$crate::report::ReportQuery,
            ) -> Result<Vec<$crate::report::AgentCounts>, $crate::storage::StorageError> {
                use $crate::storage::queries::Queries as _;
                <$db>::agent_csat(&mut *self.$reads.acquire().await?, site_id, query).await
            }

            #[tracing::instrument(name = "storage::reason_counts", level = "debug", skip_all)]
            async fn reason_counts(
                &self,
                site_id: $crate::ids::SiteId,
                query: &$crate::report::ReportQuery,
            ) -> Result<Vec<$crate::storage::ReasonCount>, $crate::storage::StorageError> {
                use $crate::storage::queries::Queries as _;
                <$db>::reason_counts(&mut *self.$reads.acquire().await?, site_id, query).await
            }

            #[tracing::instrument(name = "storage::response_page", level = "debug", skip_all)]
            async fn response_page(
                &self,
                site_id: $crate::ids::SiteId,
                filter: &$crate::storage::ResponseFilter,
                limit: u32,
            ) -> Result<Vec<$crate::storage::StoredResponse>, $crate::storage::StorageError> {
                use $crate::storage::queries::Queries as _;
                <$db>::response_page(&mut *self.$reads.acquire().await?, site_id, filter, limit)
                    .await
            }
        }
    };
}
pub(super) use report_store;
