//! The interaction-facts capability as callers see it: [`FactsStore`] (facts, the service
//! rollups' reads, active users, service settings), and the part of it written once for both
//! backends (`facts_store_common!`); the statements and their SQL are `facts.rs`, the write
//! path `facts_path.rs`.

use std::future::Future;

use jiff::civil::Date;
use koe_shared::InteractionId;

use super::{
    DriverRow, FactsOutcome, FactsWrite, GroupedService, ServiceFilter, StorageError, StoredFacts,
};
use crate::facts::settings::ServiceSettings;
use crate::ids::SiteId;
use crate::report::Bucket;

/// Interaction facts, the service rollups, active users and service settings.
pub trait FactsStore: Clone + Send + Sync + 'static {
    /// Applies a call's updates in order in one transaction with the rollups they move: all,
    /// or — when any entry breaks a rule — none, with every refusal.
    fn put_facts(
        &self,
        write: FactsWrite,
    ) -> impl Future<Output = Result<FactsOutcome, StorageError>> + Send;

    /// An interaction's stored facts.
    fn facts_of(
        &self,
        site_id: SiteId,
        interaction: &InteractionId,
    ) -> impl Future<Output = Result<Option<StoredFacts>, StorageError>> + Send;

    /// Sets a site's active users on a local day (the contact rate's denominator).
    fn put_volume(
        &self,
        site_id: SiteId,
        day: Date,
        active_users: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Active users the site sent for the days in `from..=to`.
    fn volumes(
        &self,
        site_id: SiteId,
        from: Date,
        to: Date,
    ) -> impl Future<Output = Result<Vec<(Date, i64)>, StorageError>> + Send;

    /// A site's service settings (the defaults when it set none).
    fn service_settings(
        &self,
        site_id: SiteId,
    ) -> impl Future<Output = Result<ServiceSettings, StorageError>> + Send;

    /// Stores a site's service settings with its audit entry; a change of crediting rule
    /// re-counts its service rollups from its stored facts in the same transaction.
    fn set_service_settings(
        &self,
        entry: &crate::audit::AuditEntry,
        settings: &ServiceSettings,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Service rollups over `from..=to`, filtered, summed per local day and the groups asked
    /// (`agent`, `team`, `channel`, `topic`), then per bucket.
    fn service_rows(
        &self,
        site_id: SiteId,
        range: (Date, Date),
        bucket: Bucket,
        group_by: &[&'static str],
        filter: &ServiceFilter,
    ) -> impl Future<Output = Result<Vec<GroupedService>, StorageError>> + Send;

    /// Answers counted per drivers cut and band over `from..=to`, filtered by team and channel.
    fn driver_rows(
        &self,
        site_id: SiteId,
        range: (Date, Date),
        filter: &ServiceFilter,
    ) -> impl Future<Output = Result<Vec<DriverRow>, StorageError>> + Send;
}

/// Implements the read side and the management writes of [`FactsStore`] (all but
/// `put_facts`) for a backend: `$pool` for writes, `$reads` for reports, `$dialect` its report
/// dialect.
macro_rules! facts_store_common {
    ($db:ty, $pool:ident, $reads:ident, $dialect:expr) => {
        #[tracing::instrument(name = "storage::facts_of", level = "debug", skip_all)]
        async fn facts_of(
            &self,
            site_id: $crate::ids::SiteId,
            interaction: &koe_shared::InteractionId,
        ) -> Result<Option<$crate::storage::StoredFacts>, $crate::storage::StorageError> {
            use $crate::storage::facts::Facts as _;
            <$db>::stored_facts(&mut *self.$pool.acquire().await?, site_id, interaction).await
        }

        #[tracing::instrument(name = "storage::put_volume", level = "debug", skip_all)]
        async fn put_volume(
            &self,
            site_id: $crate::ids::SiteId,
            day: jiff::civil::Date,
            active_users: i64,
        ) -> Result<(), $crate::storage::StorageError> {
            use $crate::storage::facts::Facts as _;
            <$db>::upsert_volume(
                &mut *self.$pool.acquire().await?,
                site_id,
                day,
                active_users,
            )
            .await
        }

        #[tracing::instrument(name = "storage::volumes", level = "debug", skip_all)]
        async fn volumes(
            &self,
            site_id: $crate::ids::SiteId,
            from: jiff::civil::Date,
            to: jiff::civil::Date,
        ) -> Result<Vec<(jiff::civil::Date, i64)>, $crate::storage::StorageError> {
            use $crate::storage::facts::Facts as _;
            <$db>::select_volumes(&mut *self.$reads.acquire().await?, site_id, from, to).await
        }

        #[tracing::instrument(name = "storage::service_settings", level = "debug", skip_all)]
        async fn service_settings(
            &self,
            site_id: $crate::ids::SiteId,
        ) -> Result<$crate::facts::settings::ServiceSettings, $crate::storage::StorageError> {
            use $crate::storage::facts::Facts as _;
            <$db>::settings_of(&mut *self.$pool.acquire().await?, site_id).await
        }

        #[tracing::instrument(name = "storage::set_service_settings", level = "debug", skip_all)]
        async fn set_service_settings(
            &self,
            entry: &$crate::audit::AuditEntry,
            settings: &$crate::facts::settings::ServiceSettings,
        ) -> Result<(), $crate::storage::StorageError> {
            use $crate::storage::access::Access as _;
            use $crate::storage::facts::Facts as _;
            let site_id = entry.site_id;
            let mut tx = self.$pool.begin().await?;
            <$db>::insert_audit(&mut *tx, entry).await?;
            let before = <$db>::settings_of(&mut tx, site_id).await?;
            <$db>::store_settings(&mut tx, site_id, settings).await?;
            if before.credit != settings.credit {
                // Re-counted from the stored facts: days whose facts retention purged could
                // not be counted again, so the rule stays (checked in this transaction).
                $crate::storage::rezone::check_not_purged(&mut *tx, site_id).await?;
                $crate::storage::facts_path::recount(&mut *tx, site_id, None).await?;
            }
            tx.commit().await?;
            Ok(())
        }

        #[tracing::instrument(name = "storage::service_rows", level = "debug", skip_all)]
        async fn service_rows(
            &self,
            site_id: $crate::ids::SiteId,
            range: (jiff::civil::Date, jiff::civil::Date),
            bucket: $crate::report::Bucket,
            group_by: &[&'static str],
            filter: &$crate::storage::ServiceFilter,
        ) -> Result<Vec<$crate::storage::GroupedService>, $crate::storage::StorageError> {
            use $crate::storage::service_read as read;
            // One snapshot for the plan's reads (whole weeks, end days).
            let mut tx = self.$reads.begin_with($dialect.snapshot).await?;
            let mut jsons = Vec::new();
            for part in read::plan(range, bucket, group_by, filter)? {
                let (sql, binds) =
                    read::service_rows_sql(&$dialect, &part, bucket, group_by, filter);
                let mut query = sqlx::query_as::<_, (Option<String>,)>(&sql)
                    .bind(site_id)
                    .bind(part.from.to_string())
                    .bind(part.to.to_string());
                for value in binds {
                    query = query.bind(value);
                }
                jsons.push(query.fetch_one(&mut *tx).await?.0);
            }
            tx.commit().await?;
            read::parse_service_rows(&jsons, group_by, bucket, range.0)
        }

        #[tracing::instrument(name = "storage::driver_rows", level = "debug", skip_all)]
        async fn driver_rows(
            &self,
            site_id: $crate::ids::SiteId,
            range: (jiff::civil::Date, jiff::civil::Date),
            filter: &$crate::storage::ServiceFilter,
        ) -> Result<Vec<$crate::storage::DriverRow>, $crate::storage::StorageError> {
            let (sql, binds) = $crate::storage::service_read::driver_rows_sql(filter);
            let mut query = sqlx::query_as::<_, (String, String, i64, i64, i64, i64, i64)>(&sql)
                .bind(site_id)
                .bind(range.0.to_string())
                .bind(range.1.to_string());
            for value in binds {
                query = query.bind(value);
            }
            query
                .fetch_all(&mut *self.$reads.acquire().await?)
                .await?
                .into_iter()
                .map(|(cut, band, a, b, c, d, e)| {
                    $crate::storage::service_read::driver_row(&cut, band, [a, b, c, d, e])
                })
                .collect()
        }
    };
}
pub(super) use facts_store_common;
