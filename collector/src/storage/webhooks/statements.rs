//! The statements behind webhooks, with their SQL: a site's webhooks (added and removed with an
//! audit entry), their conditions and events, the alerts the write path writes in the answer's
//! transaction, and the outbox the deliverer drains.

use sqlx::Database;

use crate::alerts::{AlertRule, Condition, NewAlert, WebhookFormat};
use crate::audit::AuditEntry;
use crate::ids::{SiteId, WebhookId};
use crate::storage::StorageError;
use crate::storage::access::Access;
use crate::storage::records::{
    AttemptOutcome, DeliveryRecord, DeliveryState, DueDelivery, NewWebhook, Rotation, WebhookRecord,
};
use crate::storage::rows::{DeliveryRow, WebhookRow, timestamp};
use crate::storage::sql::{Dialect, for_koe_databases};

/// Inserts nothing when the site has `$7` webhooks already: counted and inserted in one
/// statement, after [`Dialect::LOCK_SITE`], so concurrent adds cannot pass the cap together.
const INSERT_WEBHOOK: &str = "INSERT INTO webhooks (site_id, url, condition, format, secret, \
     created_at_ms, events) SELECT $1, $2, $3, $4, $5, $6, $8 WHERE (SELECT COUNT(*) FROM webhooks \
     WHERE site_id = $1 AND removed_at_ms IS NULL) < $7 RETURNING id";
/// When the secret a rotation replaced stops signing (`None`: no such webhook).
const SELECT_GRACE: &str = "SELECT previous_secret_until_ms FROM webhooks WHERE id = $1 AND \
     site_id = $2 AND removed_at_ms IS NULL";
/// The secret it replaces keeps signing until `$1`.
const ROTATE_SECRET: &str = "UPDATE webhooks SET previous_secret = secret, \
     previous_secret_until_ms = $1, secret = $2 WHERE id = $3 AND site_id = $4 AND \
     removed_at_ms IS NULL RETURNING id";
const SELECT_WEBHOOKS: &str = "SELECT id, url, condition, format, created_at_ms, events FROM webhooks \
     WHERE site_id = $1 AND removed_at_ms IS NULL ORDER BY id";
const REMOVE_WEBHOOK: &str = "UPDATE webhooks SET removed_at_ms = $1 WHERE id = $2 AND \
     site_id = $3 AND removed_at_ms IS NULL RETURNING id";
/// A removed webhook's waiting alerts are never sent: dropped with it, so they neither linger
/// in the outbox nor cost every round a look.
const DROP_REMOVED: &str = "UPDATE webhook_deliveries SET state = 'dropped', last_error = $2 \
     WHERE webhook_id = $1 AND state = 'pending'";
/// Why a removed webhook's alerts were dropped.
const REMOVED_REASON: &str = "dropped: the webhook was removed";
const SELECT_RULES: &str =
    "SELECT id, condition, events FROM webhooks WHERE site_id = $1 AND removed_at_ms IS NULL";
const INSERT_ALERT: &str = "INSERT INTO webhook_deliveries (webhook_id, site_id, event_id, \
     interaction, payload, created_at_ms, next_attempt_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $6)";
/// Each webhook's turn: its oldest due delivery (so one webhook's backlog cannot fill the batch
/// and push every other site's alerts back), oldest due first, with the previous secret while
/// its grace lasts.
const SELECT_DUE: &str = "SELECT d.id, d.webhook_id, d.site_id, d.event_id, s.site_key, w.url, \
     w.format, w.secret, CASE WHEN w.previous_secret_until_ms > $1 THEN w.previous_secret END \
     AS previous_secret, d.payload, d.created_at_ms, d.attempts, d.next_attempt_at_ms \
     FROM (SELECT q.id, q.webhook_id, q.site_id, q.event_id, q.payload, q.created_at_ms, \
     q.attempts, q.next_attempt_at_ms, ROW_NUMBER() OVER (PARTITION BY q.webhook_id \
     ORDER BY q.next_attempt_at_ms, q.id) AS turn FROM webhook_deliveries q \
     JOIN webhooks h ON h.id = q.webhook_id AND h.removed_at_ms IS NULL \
     WHERE q.state = 'pending' AND q.next_attempt_at_ms <= $1) d \
     JOIN webhooks w ON w.id = d.webhook_id JOIN sites s ON s.id = d.site_id \
     WHERE d.turn = 1 AND w.removed_at_ms IS NULL ORDER BY d.next_attempt_at_ms, d.id LIMIT $2";
/// How many pending deliveries lie beyond their webhook's newest `$1`: read first, so the
/// round that finds none (nearly every one) takes no write lock.
const COUNT_EXCESS: &str = "SELECT COUNT(*) FROM (SELECT ROW_NUMBER() OVER (PARTITION BY \
     webhook_id ORDER BY id DESC) AS newer FROM webhook_deliveries WHERE state = 'pending') \
     ranked WHERE newer > $1";
/// Drops each webhook's pending deliveries beyond its newest `$1`, saying why (`$2`); never one
/// finished or claimed meanwhile (state and due time checked again, `$3` now).
const DROP_EXCESS: &str = "UPDATE webhook_deliveries SET state = 'dropped', last_error = $2 \
     WHERE state = 'pending' AND next_attempt_at_ms <= $3 AND id IN (SELECT id FROM \
     (SELECT id, ROW_NUMBER() OVER (PARTITION BY webhook_id ORDER BY id DESC) AS newer \
     FROM webhook_deliveries WHERE state = 'pending') ranked WHERE newer > $1) RETURNING id";
const CLAIM: &str = "UPDATE webhook_deliveries SET next_attempt_at_ms = $1 WHERE id = $2 AND \
     state = 'pending' AND next_attempt_at_ms = $3 RETURNING id";
/// Only by the sender holding the claim (`$7`, the claim's end it set).
const FINISH: &str = "UPDATE webhook_deliveries SET state = $1, attempts = attempts + 1, \
     next_attempt_at_ms = $2, delivered_at_ms = $3, last_status = $4, last_error = $5 \
     WHERE id = $6 AND state = 'pending' AND next_attempt_at_ms = $7";
const SELECT_DELIVERIES: &str = "SELECT id, webhook_id, event_id, interaction, state, attempts, \
     created_at_ms, next_attempt_at_ms, delivered_at_ms, last_status, last_error \
     FROM webhook_deliveries WHERE site_id = $1 ORDER BY id DESC LIMIT $2";
const PURGE_ALERTS: &str =
    "DELETE FROM webhook_deliveries WHERE site_id = $1 AND created_at_ms < $2";

/// The statements, on one connection (the caller's transaction where there is one).
pub(in crate::storage) trait Webhooks: Database {
    /// `None`: the site has `cap` webhooks already.
    async fn insert_webhook(
        conn: &mut Self::Connection,
        entry: &AuditEntry,
        webhook: &NewWebhook,
        cap: i64,
    ) -> Result<Option<WebhookId>, StorageError>;

    /// Gives webhook `id` of `entry.site_id` a new secret, the old one signing beside it until
    /// `previous_until_ms` — unless the secret an earlier rotation replaced still signs and not
    /// `force` (it would stop at once).
    async fn rotate_secret(
        conn: &mut Self::Connection,
        entry: &AuditEntry,
        id: WebhookId,
        secret: &str,
        previous_until_ms: i64,
        force: bool,
    ) -> Result<Rotation, StorageError>;

    async fn webhooks(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<WebhookRecord>, StorageError>;

    async fn remove_webhook(
        conn: &mut Self::Connection,
        entry: &AuditEntry,
        id: WebhookId,
    ) -> Result<bool, StorageError>;

    /// The conditions and events of a site's webhooks (a follow-up's change tells those of
    /// follow-ups; the write path reads them with its follow-up rule, `Followups::answer_rules`).
    async fn alert_rules(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<AlertRule>, StorageError>;

    async fn insert_alerts(
        conn: &mut Self::Connection,
        alerts: &[NewAlert],
    ) -> Result<(), StorageError>;

    async fn due_deliveries(
        conn: &mut Self::Connection,
        now_ms: i64,
        limit: i64,
    ) -> Result<Vec<DueDelivery>, StorageError>;

    /// Drops the pending deliveries of each webhook beyond its newest `keep` (none claimed at
    /// `now_ms`); how many.
    async fn drop_excess(
        conn: &mut Self::Connection,
        keep: i64,
        reason: &str,
        now_ms: i64,
    ) -> Result<usize, StorageError>;

    /// Takes a due delivery for this sender until `until_ms` (`false`: another took it).
    async fn claim_delivery(
        conn: &mut Self::Connection,
        delivery: &DueDelivery,
        until_ms: i64,
    ) -> Result<bool, StorageError>;

    /// Records an attempt's outcome, if this sender still holds the claim it took until
    /// `claimed_until`.
    async fn finish_attempt(
        conn: &mut Self::Connection,
        id: i64,
        claimed_until: i64,
        outcome: &AttemptOutcome,
    ) -> Result<(), StorageError>;

    async fn deliveries(
        conn: &mut Self::Connection,
        site_id: SiteId,
        limit: i64,
    ) -> Result<Vec<DeliveryRecord>, StorageError>;

    /// Deletes a site's alerts made before `bound_ms` (retention).
    async fn purge_alerts(
        conn: &mut Self::Connection,
        site_id: SiteId,
        bound_ms: i64,
    ) -> Result<(), StorageError>;
}

for_koe_databases! {
    impl Webhooks: Access {
    async fn insert_webhook(
        conn: &mut Self::Connection,
        entry: &AuditEntry,
        webhook: &NewWebhook,
        cap: i64,
    ) -> Result<Option<WebhookId>, StorageError> {
        if let Some(lock) = <Self as Dialect>::LOCK_SITE {
            sqlx::query(lock).bind(webhook.site_id).execute(&mut *conn).await?;
        }
        let inserted: Option<(i64,)> = sqlx::query_as(INSERT_WEBHOOK)
            .bind(webhook.site_id)
            .bind(webhook.url.as_str())
            .bind(webhook.condition.to_string().as_str())
            .bind(webhook.format.as_str())
            .bind(webhook.secret.as_str())
            .bind(webhook.created_at.as_millisecond())
            .bind(cap)
            .bind(webhook.events.as_str())
            .fetch_optional(&mut *conn)
            .await?;
        let Some((id,)) = inserted else {
            return Ok(None);
        };
        let entry = AuditEntry {
            detail: format!("{} (id {id})", entry.detail),
            ..entry.clone()
        };
        Self::insert_audit(conn, &entry).await?;
        Ok(Some(WebhookId::new(id)))
    }

    async fn rotate_secret(
        conn: &mut Self::Connection,
        entry: &AuditEntry,
        id: WebhookId,
        secret: &str,
        previous_until_ms: i64,
        force: bool,
    ) -> Result<Rotation, StorageError> {
        let grace: Option<(Option<i64>,)> = sqlx::query_as(SELECT_GRACE)
            .bind(id)
            .bind(entry.site_id)
            .fetch_optional(&mut *conn)
            .await?;
        match grace {
            None => return Ok(Rotation::NoWebhook),
            Some((Some(until_ms),)) if until_ms > entry.at.as_millisecond() && !force => {
                return Ok(Rotation::InGrace { until_ms });
            }
            Some(_) => {}
        }
        let rotated: Option<(i64,)> = sqlx::query_as(ROTATE_SECRET)
            .bind(previous_until_ms)
            .bind(secret)
            .bind(id)
            .bind(entry.site_id)
            .fetch_optional(&mut *conn)
            .await?;
        if rotated.is_none() {
            return Ok(Rotation::NoWebhook);
        }
        Self::insert_audit(conn, entry).await?;
        Ok(Rotation::Rotated)
    }

    async fn webhooks(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<WebhookRecord>, StorageError> {
        let rows: Vec<WebhookRow> = sqlx::query_as(SELECT_WEBHOOKS)
            .bind(site_id)
            .fetch_all(conn)
            .await?;
        rows.into_iter()
            .map(|row| {
                Ok(WebhookRecord {
                    id: WebhookId::new(row.id),
                    url: row.url,
                    condition: row.condition,
                    format: format(&row.format)?,
                    events: row.events,
                    created_at: timestamp(row.created_at_ms)?,
                })
            })
            .collect()
    }

    async fn remove_webhook(
        conn: &mut Self::Connection,
        entry: &AuditEntry,
        id: WebhookId,
    ) -> Result<bool, StorageError> {
        let removed: Option<(i64,)> = sqlx::query_as(REMOVE_WEBHOOK)
            .bind(entry.at.as_millisecond())
            .bind(id)
            .bind(entry.site_id)
            .fetch_optional(&mut *conn)
            .await?;
        let removed = removed.is_some();
        if removed {
            sqlx::query(DROP_REMOVED)
                .bind(id)
                .bind(REMOVED_REASON)
                .execute(&mut *conn)
                .await?;
            Self::insert_audit(conn, entry).await?;
        }
        Ok(removed)
    }

    async fn alert_rules(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Vec<AlertRule>, StorageError> {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(SELECT_RULES)
            .bind(site_id)
            .fetch_all(conn)
            .await?;
        rows.into_iter()
            .map(|(webhook_id, condition, events)| {
                let (answers, followups) = crate::alerts::parse_events(&events)
                    .ok_or_else(|| StorageError::Corrupt(format!("webhook events {events:?}")))?;
                Ok(AlertRule {
                    webhook_id: WebhookId::new(webhook_id),
                    condition: Condition::parse(&condition)
                        .map_err(|e| StorageError::Corrupt(e.to_string()))?,
                    answers,
                    followups,
                })
            })
            .collect()
    }

    async fn insert_alerts(
        conn: &mut Self::Connection,
        alerts: &[NewAlert],
    ) -> Result<(), StorageError> {
        for alert in alerts {
            sqlx::query(INSERT_ALERT)
                .bind(alert.webhook_id)
                .bind(alert.site_id)
                .bind(alert.event_id.as_str())
                .bind(alert.interaction.as_str())
                .bind(alert.payload.as_str())
                .bind(alert.created_at_ms)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    async fn due_deliveries(
        conn: &mut Self::Connection,
        now_ms: i64,
        limit: i64,
    ) -> Result<Vec<DueDelivery>, StorageError> {
        Ok(sqlx::query_as(SELECT_DUE)
            .bind(now_ms)
            .bind(limit)
            .fetch_all(conn)
            .await?)
    }

    async fn drop_excess(
        conn: &mut Self::Connection,
        keep: i64,
        reason: &str,
        now_ms: i64,
    ) -> Result<usize, StorageError> {
        let (beyond,): (i64,) = sqlx::query_as(COUNT_EXCESS)
            .bind(keep)
            .fetch_one(&mut *conn)
            .await?;
        if beyond == 0 {
            return Ok(0);
        }
        let dropped: Vec<(i64,)> = sqlx::query_as(DROP_EXCESS)
            .bind(keep)
            .bind(reason)
            .bind(now_ms)
            .fetch_all(conn)
            .await?;
        Ok(dropped.len())
    }

    async fn claim_delivery(
        conn: &mut Self::Connection,
        delivery: &DueDelivery,
        until_ms: i64,
    ) -> Result<bool, StorageError> {
        let claimed: Option<(i64,)> = sqlx::query_as(CLAIM)
            .bind(until_ms)
            .bind(delivery.id)
            .bind(delivery.next_attempt_at_ms)
            .fetch_optional(conn)
            .await?;
        Ok(claimed.is_some())
    }

    async fn finish_attempt(
        conn: &mut Self::Connection,
        id: i64,
        claimed_until: i64,
        outcome: &AttemptOutcome,
    ) -> Result<(), StorageError> {
        let (state, next, delivered, status, error) = match outcome {
            AttemptOutcome::Delivered { status, at_ms } => (
                DeliveryState::Delivered,
                *at_ms,
                Some(*at_ms),
                Some(*status),
                None,
            ),
            AttemptOutcome::Retry {
                status,
                error,
                next_at_ms,
            } => (
                DeliveryState::Pending,
                *next_at_ms,
                None,
                *status,
                Some(error.as_str()),
            ),
            AttemptOutcome::GaveUp { status, error } => (
                DeliveryState::Failed,
                0,
                None,
                *status,
                Some(error.as_str()),
            ),
        };
        sqlx::query(FINISH)
            .bind(state.as_str())
            .bind(next)
            .bind(delivered)
            .bind(status.map(i64::from))
            .bind(error)
            .bind(id)
            .bind(claimed_until)
            .execute(conn)
            .await?;
        Ok(())
    }

    async fn deliveries(
        conn: &mut Self::Connection,
        site_id: SiteId,
        limit: i64,
    ) -> Result<Vec<DeliveryRecord>, StorageError> {
        let rows: Vec<DeliveryRow> = sqlx::query_as(SELECT_DELIVERIES)
            .bind(site_id)
            .bind(limit)
            .fetch_all(conn)
            .await?;
        rows.into_iter()
            .map(|row| {
                let state = DeliveryState::parse(&row.state).ok_or_else(|| {
                    StorageError::Corrupt(format!("a delivery in state {:?}", row.state))
                })?;
                Ok(DeliveryRecord {
                    next_attempt_at: (state == DeliveryState::Pending)
                        .then(|| timestamp(row.next_attempt_at_ms))
                        .transpose()?,
                    id: row.id,
                    webhook_id: row.webhook_id,
                    event_id: row.event_id,
                    interaction: row.interaction,
                    state,
                    attempts: row.attempts,
                    created_at: timestamp(row.created_at_ms)?,
                    delivered_at: row.delivered_at_ms.map(timestamp).transpose()?,
                    last_status: row.last_status,
                    last_error: row.last_error,
                })
            })
            .collect()
    }

    async fn purge_alerts(
        conn: &mut Self::Connection,
        site_id: SiteId,
        bound_ms: i64,
    ) -> Result<(), StorageError> {
        sqlx::query(PURGE_ALERTS)
            .bind(site_id)
            .bind(bound_ms)
            .execute(conn)
            .await?;
        Ok(())
    }
    }
}

fn format(text: &str) -> Result<WebhookFormat, StorageError> {
    text.parse()
        .map_err(|_| StorageError::Corrupt(format!("webhook format {text:?}")))
}
