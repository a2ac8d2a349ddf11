//! Webhooks as stored: a site's webhooks and the delivery outbox. Here are the capability's
//! trait ([`AlertStore`]) and its one implementation for both backends (the `alert_store!`
//! macro); the statements, with their SQL — including the rules the write path checks and the
//! alerts it writes in the answer's transaction — are in `statements.rs`.

mod statements;

use std::future::Future;

use super::StorageError;
use super::records::{
    AttemptOutcome, DeliveryRecord, DueDelivery, NewWebhook, Rotation, WebhookRecord,
};
use crate::audit::AuditEntry;
use crate::ids::{SiteId, WebhookId};

pub(in crate::storage) use statements::Webhooks;

/// Webhooks and the delivery outbox.
pub trait AlertStore: Clone + Send + Sync + 'static {
    /// Stores a webhook and records `entry` (its detail gets the id), in one transaction;
    /// `None` when the site has `cap` webhooks already (counted in that transaction, so
    /// concurrent adds cannot pass it together).
    fn add_webhook(
        &self,
        entry: AuditEntry,
        webhook: NewWebhook,
        cap: usize,
    ) -> impl Future<Output = Result<Option<WebhookRecord>, StorageError>> + Send;

    /// Gives webhook `id` of `entry.site_id` a new `secret`, the replaced one signing beside it
    /// until `previous_until_ms`, recording `entry` — refused while the secret an earlier
    /// rotation replaced still signs, unless `force`.
    fn rotate_webhook_secret(
        &self,
        entry: AuditEntry,
        id: WebhookId,
        secret: &str,
        previous_until_ms: i64,
        force: bool,
    ) -> impl Future<Output = Result<Rotation, StorageError>> + Send;

    /// A site's webhooks, oldest first.
    fn webhooks(
        &self,
        site_id: SiteId,
    ) -> impl Future<Output = Result<Vec<WebhookRecord>, StorageError>> + Send;

    /// Removes webhook `id` of `entry.site_id`, recording `entry`; `false` when there is none.
    fn remove_webhook(
        &self,
        entry: AuditEntry,
        id: WebhookId,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Alerts due at `now_ms` (at most `limit`), of webhooks not removed: each webhook's oldest
    /// due one, oldest due first.
    fn due_deliveries(
        &self,
        now_ms: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<DueDelivery>, StorageError>> + Send;

    /// Drops each webhook's pending deliveries beyond its newest `keep` (state `dropped`, with
    /// `reason`; none claimed at `now_ms`); how many were dropped.
    fn drop_excess_deliveries(
        &self,
        keep: i64,
        reason: &str,
        now_ms: i64,
    ) -> impl Future<Output = Result<usize, StorageError>> + Send;

    /// Takes a due delivery until `until_ms`, so no other sender takes it meanwhile; `false`
    /// when another sender took it first.
    fn claim_delivery(
        &self,
        delivery: &DueDelivery,
        until_ms: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Records how an attempt ended, if the claim taken until `claimed_until` is still this
    /// sender's (another sender that took over an expired claim is not overwritten).
    fn finish_attempt(
        &self,
        id: i64,
        claimed_until: i64,
        outcome: AttemptOutcome,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// A site's latest deliveries, newest first.
    fn deliveries(
        &self,
        site_id: SiteId,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<DeliveryRecord>, StorageError>> + Send;
}

/// Implements [`AlertStore`] for a backend's storage type over its sqlx database, on the pool
/// field named (the primary: the outbox is claimed where it is written).
macro_rules! alert_store {
    ($storage:ty, $db:ty, $pool:ident) => {
        impl $crate::storage::AlertStore for $storage {
            #[tracing::instrument(name = "storage::add_webhook", level = "debug", skip_all)]
            async fn add_webhook(
                &self,
                entry: $crate::audit::AuditEntry,
                webhook: $crate::storage::NewWebhook,
                cap: usize,
            ) -> Result<Option<$crate::storage::WebhookRecord>, $crate::storage::StorageError> {
                use $crate::storage::webhooks::Webhooks as _;
                let cap = i64::try_from(cap).unwrap_or(i64::MAX);
                let mut tx = self.$pool.begin().await?;
                let id = <$db>::insert_webhook(&mut tx, &entry, &webhook, cap).await?;
                tx.commit().await?;
                Ok(id.map(|id| webhook.record(id)))
            }

            #[tracing::instrument(
                name = "storage::rotate_webhook_secret",
                level = "debug",
                skip_all
            )]
            async fn rotate_webhook_secret(
                &self,
                entry: $crate::audit::AuditEntry,
                id: $crate::ids::WebhookId,
                secret: &str,
                previous_until_ms: i64,
                force: bool,
            ) -> Result<$crate::storage::Rotation, $crate::storage::StorageError> {
                use $crate::storage::webhooks::Webhooks as _;
                let mut tx = self.$pool.begin().await?;
                let rotated =
                    <$db>::rotate_secret(&mut tx, &entry, id, secret, previous_until_ms, force)
                        .await?;
                tx.commit().await?;
                Ok(rotated)
            }

            #[tracing::instrument(name = "storage::webhooks", level = "debug", skip_all)]
            async fn webhooks(
                &self,
                site_id: $crate::ids::SiteId,
            ) -> Result<Vec<$crate::storage::WebhookRecord>, $crate::storage::StorageError> {
                use $crate::storage::webhooks::Webhooks as _;
                <$db>::webhooks(&mut *self.$pool.acquire().await?, site_id).await
            }

            #[tracing::instrument(name = "storage::remove_webhook", level = "debug", skip_all)]
            async fn remove_webhook(
                &self,
                entry: $crate::audit::AuditEntry,
                id: $crate::ids::WebhookId,
            ) -> Result<bool, $crate::storage::StorageError> {
                use $crate::storage::webhooks::Webhooks as _;
                let mut tx = self.$pool.begin().await?;
                let removed = <$db>::remove_webhook(&mut tx, &entry, id).await?;
                tx.commit().await?;
                Ok(removed)
            }

            #[tracing::instrument(name = "storage::due_deliveries", level = "debug", skip_all)]
            async fn due_deliveries(
                &self,
                now_ms: i64,
                limit: i64,
            ) -> Result<Vec<$crate::storage::DueDelivery>, $crate::storage::StorageError> {
                use $crate::storage::webhooks::Webhooks as _;
                <$db>::due_deliveries(&mut *self.$pool.acquire().await?, now_ms, limit).await
            }

            #[tracing::instrument(
                name = "storage::drop_excess_deliveries",
                level = "debug",
                skip_all
            )]
            async fn drop_excess_deliveries(
                &self,
                keep: i64,
                reason: &str,
                now_ms: i64,
            ) -> Result<usize, $crate::storage::StorageError> {
                use $crate::storage::webhooks::Webhooks as _;
                <$db>::drop_excess(&mut *self.$pool.acquire().await?, keep, reason, now_ms).await
            }

            #[tracing::instrument(name = "storage::claim_delivery", level = "debug", skip_all)]
            async fn claim_delivery(
                &self,
                delivery: &$crate::storage::DueDelivery,
                until_ms: i64,
            ) -> Result<bool, $crate::storage::StorageError> {
                use $crate::storage::webhooks::Webhooks as _;
                <$db>::claim_delivery(&mut *self.$pool.acquire().await?, delivery, until_ms).await
            }

            #[tracing::instrument(name = "storage::finish_attempt", level = "debug", skip_all)]
            async fn finish_attempt(
                &self,
                id: i64,
                claimed_until: i64,
                outcome: $crate::storage::AttemptOutcome,
            ) -> Result<(), $crate::storage::StorageError> {
                use $crate::storage::webhooks::Webhooks as _;
                <$db>::finish_attempt(
                    &mut *self.$pool.acquire().await?,
                    id,
                    claimed_until,
                    &outcome,
                )
                .await
            }

            #[tracing::instrument(name = "storage::deliveries", level = "debug", skip_all)]
            async fn deliveries(
                &self,
                site_id: $crate::ids::SiteId,
                limit: i64,
            ) -> Result<Vec<$crate::storage::DeliveryRecord>, $crate::storage::StorageError> {
                use $crate::storage::webhooks::Webhooks as _;
                <$db>::deliveries(&mut *self.$pool.acquire().await?, site_id, limit).await
            }
        }
    };
}
pub(super) use alert_store;
