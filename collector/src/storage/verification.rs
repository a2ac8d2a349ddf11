//! What `koe verify` reads to recompute rollups from the raw data and compare: a site's raw
//! responses and impressions, and its stored rollup, summary and reason rows — the
//! capability's trait ([`VerifyStore`]) and its one implementation for both backends (the
//! `verify_store!` macro, on the primary). The comparison itself is a domain service
//! (`crate::verify`).

use std::future::Future;

use super::{StorageError, StoredResponse};
use crate::ids::SiteId;
use crate::rollup::{ReasonKey, RollupCounters, RollupKey, Summary};

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
                use $crate::storage::queries::Queries as _;
                <$db>::responses(&mut *self.$pool.acquire().await?, site_id).await
            }

            #[tracing::instrument(name = "storage::impressions", level = "debug", skip_all)]
            async fn impressions(
                &self,
                site_id: $crate::ids::SiteId,
            ) -> Result<Vec<$crate::rollup::RollupKey>, $crate::storage::StorageError> {
                use $crate::storage::queries::Queries as _;
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
                use $crate::storage::queries::Queries as _;
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
                use $crate::storage::queries::Queries as _;
                <$db>::summary_rollups(&mut *self.$pool.acquire().await?, site_id, summary).await
            }

            #[tracing::instrument(name = "storage::reason_rollups", level = "debug", skip_all)]
            async fn reason_rollups(
                &self,
                site_id: $crate::ids::SiteId,
            ) -> Result<Vec<($crate::rollup::ReasonKey, i64)>, $crate::storage::StorageError> {
                use $crate::storage::queries::Queries as _;
                <$db>::reason_rollups(&mut *self.$pool.acquire().await?, site_id).await
            }
        }
    };
}
pub(super) use verify_store;
