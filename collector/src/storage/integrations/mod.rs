//! Integrations as stored: each site's connected helpdesks and LINE channels, the events they
//! acted on (once per key — a resend finds its key), what a helpdesk said earlier about a
//! conversation, and the outbox of calls back (a message into a conversation, a LINE reply),
//! claimed and retried like the webhook outbox. Here are the trait ([`IntegrationStore`]) and
//! its one implementation for both backends (the `integration_store!` macro); the SQL is in
//! `sql.rs`.

mod sql;

use std::future::Future;

use super::StorageError;
use super::records::{
    CallOutcome, ConversationState, DueCall, EventRecord, IntegrationCounts, NewEvent,
    NewIntegration, StoredIntegration,
};
use crate::audit::AuditEntry;
use crate::ids::{IntegrationId, SiteId};

pub(in crate::storage) use sql::*;

/// Integrations, their events and their outbox.
pub trait IntegrationStore: Clone + Send + Sync + 'static {
    /// Stores an integration and records `entry` (its detail gets the id), in one transaction.
    fn add_integration(
        &self,
        entry: AuditEntry,
        integration: NewIntegration,
    ) -> impl Future<Output = Result<IntegrationId, StorageError>> + Send;

    /// The integration reached at the path whose digest is `path_digest` (not removed).
    fn integration_by_path(
        &self,
        path_digest: [u8; 32],
    ) -> impl Future<Output = Result<Option<StoredIntegration>, StorageError>> + Send;

    /// A site's integrations, oldest first.
    fn integrations(
        &self,
        site_id: SiteId,
    ) -> impl Future<Output = Result<Vec<StoredIntegration>, StorageError>> + Send;

    /// Events since `since_ms`, calls waiting and calls given up, of one integration.
    fn integration_counts(
        &self,
        id: IntegrationId,
        since_ms: i64,
    ) -> impl Future<Output = Result<IntegrationCounts, StorageError>> + Send;

    /// Pauses or resumes integration `id` of `entry.site_id`, recording `entry`; `false` when
    /// there is none.
    fn set_integration_paused(
        &self,
        entry: AuditEntry,
        id: IntegrationId,
        paused: bool,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Removes integration `id` of `entry.site_id` (its waiting calls dropped), recording
    /// `entry`; `false` when there is none.
    fn remove_integration(
        &self,
        entry: AuditEntry,
        id: IntegrationId,
        now_ms: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Replaces the sealed credentials of integration `id` of `entry.site_id`, recording
    /// `entry`; `false` when there is none.
    fn set_integration_credentials(
        &self,
        entry: AuditEntry,
        id: IntegrationId,
        sealed: &str,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Notes what went wrong last (shown to the site's admins; `Some("")` clears it: a call
    /// went through), or that an event came (`None`).
    fn note_integration(
        &self,
        id: IntegrationId,
        error: Option<&str>,
        now_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Notes a refused request as the last error, unless the same was noted within a minute.
    fn note_refusal(
        &self,
        id: IntegrationId,
        error: &str,
        now_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// The state of the event noted with this key and when it came, if one was.
    fn event_seen(
        &self,
        id: IntegrationId,
        key: &str,
    ) -> impl Future<Output = Result<Option<(String, i64)>, StorageError>> + Send;

    /// Notes an event once: `false` when its key was noted before (nothing is written).
    fn note_event(
        &self,
        event: NewEvent,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// What earlier events said about a conversation.
    fn conversation(
        &self,
        id: IntegrationId,
        conversation: &str,
    ) -> impl Future<Output = Result<ConversationState, StorageError>> + Send;

    /// Notes the last human agent who wrote in a conversation.
    fn note_conversation_agent(
        &self,
        id: IntegrationId,
        conversation: &str,
        agent: &str,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Notes a conversation's status (resolved or open) and gives what it now knows: an
    /// opening after a resolution counts a reopen.
    fn note_conversation_status(
        &self,
        id: IntegrationId,
        conversation: &str,
        resolved: bool,
    ) -> impl Future<Output = Result<ConversationState, StorageError>> + Send;

    /// Calls due at `now_ms` (at most `limit`) of integrations not removed, oldest due first.
    fn due_calls(
        &self,
        now_ms: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<DueCall>, StorageError>> + Send;

    /// Takes a due call until `until_ms`; `false` when another sender took it first.
    fn claim_call(
        &self,
        call: &DueCall,
        until_ms: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Records how a call ended, if the claim taken until `claimed_until` is still this
    /// sender's.
    fn finish_call(
        &self,
        id: i64,
        claimed_until: i64,
        outcome: CallOutcome,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// A site's latest events (only those in `state`, when given), newest first.
    fn integration_events(
        &self,
        site_id: SiteId,
        state: Option<&str>,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<EventRecord>, StorageError>> + Send;

    /// Makes a given-up call of `site_id` due again at `now_ms`; `false` when there is none.
    fn retry_call(
        &self,
        site_id: SiteId,
        id: i64,
        now_ms: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;
}

/// Implements [`IntegrationStore`] for a backend's storage type over its sqlx database, on the
/// pool field named (the primary: the outbox is claimed where it is written).
macro_rules! integration_store {
    ($storage:ty, $db:ty, $pool:ident) => {
        impl $crate::storage::IntegrationStore for $storage {
            async fn add_integration(
                &self,
                entry: $crate::audit::AuditEntry,
                new: $crate::storage::NewIntegration,
            ) -> Result<$crate::ids::IntegrationId, $crate::storage::StorageError> {
                use $crate::storage::access::Access as _;
                use $crate::storage::integrations::INSERT;
                let mut tx = self.$pool.begin().await?;
                let (id,): (i64,) = sqlx::query_as(INSERT)
                    .bind(new.site_id)
                    .bind(new.kind)
                    .bind(&new.path_digest[..])
                    .bind(&new.config)
                    .bind(&new.sealed)
                    .bind(&new.base_url)
                    .bind(new.created_at_ms)
                    .fetch_one(&mut *tx)
                    .await?;
                let entry = $crate::audit::AuditEntry {
                    detail: format!("{} (id {id})", entry.detail),
                    ..entry
                };
                <$db>::insert_audit(&mut tx, &entry).await?;
                tx.commit().await?;
                Ok($crate::ids::IntegrationId::new(id))
            }

            async fn integration_by_path(
                &self,
                path_digest: [u8; 32],
            ) -> Result<Option<$crate::storage::StoredIntegration>, $crate::storage::StorageError>
            {
                use $crate::storage::integrations::{BY_PATH, COLUMNS};
                let sql = format!("SELECT {COLUMNS} FROM integrations {BY_PATH}");
                Ok(sqlx::query_as(&sql)
                    .bind(&path_digest[..])
                    .fetch_optional(&self.$pool)
                    .await?)
            }

            async fn integrations(
                &self,
                site_id: $crate::ids::SiteId,
            ) -> Result<Vec<$crate::storage::StoredIntegration>, $crate::storage::StorageError>
            {
                use $crate::storage::integrations::{COLUMNS, OF_SITE};
                let sql = format!("SELECT {COLUMNS} FROM integrations {OF_SITE}");
                Ok(sqlx::query_as(&sql)
                    .bind(site_id)
                    .fetch_all(&self.$pool)
                    .await?)
            }

            async fn integration_counts(
                &self,
                id: $crate::ids::IntegrationId,
                since_ms: i64,
            ) -> Result<$crate::storage::IntegrationCounts, $crate::storage::StorageError> {
                let (events_today, pending, failed): (i64, i64, i64) =
                    sqlx::query_as($crate::storage::integrations::COUNTS)
                        .bind(id)
                        .bind(since_ms)
                        .fetch_one(&self.$pool)
                        .await?;
                Ok($crate::storage::IntegrationCounts {
                    events_today,
                    pending,
                    failed,
                })
            }

            async fn set_integration_paused(
                &self,
                entry: $crate::audit::AuditEntry,
                id: $crate::ids::IntegrationId,
                paused: bool,
            ) -> Result<bool, $crate::storage::StorageError> {
                use $crate::storage::access::Access as _;
                let mut tx = self.$pool.begin().await?;
                let changed: Option<(i64,)> =
                    sqlx::query_as($crate::storage::integrations::SET_PAUSED)
                        .bind(paused)
                        .bind(id)
                        .bind(entry.site_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                if changed.is_some() {
                    <$db>::insert_audit(&mut tx, &entry).await?;
                }
                tx.commit().await?;
                Ok(changed.is_some())
            }

            async fn remove_integration(
                &self,
                entry: $crate::audit::AuditEntry,
                id: $crate::ids::IntegrationId,
                now_ms: i64,
            ) -> Result<bool, $crate::storage::StorageError> {
                use $crate::storage::access::Access as _;
                use $crate::storage::integrations::{DROP_CALLS, DROP_CONVERSATIONS, REMOVE};
                let mut tx = self.$pool.begin().await?;
                let removed: Option<(i64,)> = sqlx::query_as(REMOVE)
                    .bind(now_ms)
                    .bind(id)
                    .bind(entry.site_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if removed.is_some() {
                    sqlx::query(DROP_CALLS).bind(id).execute(&mut *tx).await?;
                    sqlx::query(DROP_CONVERSATIONS)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    <$db>::insert_audit(&mut tx, &entry).await?;
                }
                tx.commit().await?;
                Ok(removed.is_some())
            }

            async fn set_integration_credentials(
                &self,
                entry: $crate::audit::AuditEntry,
                id: $crate::ids::IntegrationId,
                sealed: &str,
            ) -> Result<bool, $crate::storage::StorageError> {
                use $crate::storage::access::Access as _;
                let mut tx = self.$pool.begin().await?;
                let changed: Option<(i64,)> =
                    sqlx::query_as($crate::storage::integrations::SET_SEALED)
                        .bind(sealed)
                        .bind(id)
                        .bind(entry.site_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                if changed.is_some() {
                    <$db>::insert_audit(&mut tx, &entry).await?;
                }
                tx.commit().await?;
                Ok(changed.is_some())
            }

            async fn note_integration(
                &self,
                id: $crate::ids::IntegrationId,
                error: Option<&str>,
                now_ms: i64,
            ) -> Result<(), $crate::storage::StorageError> {
                use $crate::storage::integrations::{NOTE_ERROR, NOTE_EVENT};
                let query = match error {
                    Some(error) => sqlx::query(NOTE_ERROR).bind(error).bind(now_ms),
                    None => sqlx::query(NOTE_EVENT).bind(now_ms),
                };
                query.bind(id).execute(&self.$pool).await?;
                Ok(())
            }

            async fn note_refusal(
                &self,
                id: $crate::ids::IntegrationId,
                error: &str,
                now_ms: i64,
            ) -> Result<(), $crate::storage::StorageError> {
                sqlx::query($crate::storage::integrations::NOTE_REFUSAL)
                    .bind(error)
                    .bind(now_ms)
                    .bind(id)
                    .execute(&self.$pool)
                    .await?;
                Ok(())
            }

            async fn event_seen(
                &self,
                id: $crate::ids::IntegrationId,
                key: &str,
            ) -> Result<Option<(String, i64)>, $crate::storage::StorageError> {
                Ok(sqlx::query_as($crate::storage::integrations::EVENT_SEEN)
                    .bind(id)
                    .bind(key)
                    .fetch_optional(&self.$pool)
                    .await?)
            }

            async fn note_event(
                &self,
                event: $crate::storage::NewEvent,
            ) -> Result<bool, $crate::storage::StorageError> {
                use $crate::storage::integrations::{INSERT_EVENT, NOTE_EVENT};
                let mut tx = self.$pool.begin().await?;
                let inserted: Option<(i64,)> = sqlx::query_as(INSERT_EVENT)
                    .bind(event.integration_id)
                    .bind(event.site_id)
                    .bind(&event.key)
                    .bind(event.interaction.as_deref())
                    .bind(event.at_ms)
                    .bind(event.state.as_str())
                    .bind(event.detail.as_deref())
                    .bind(event.call.as_deref())
                    .bind(event.call.as_ref().map(|_| event.at_ms))
                    .fetch_optional(&mut *tx)
                    .await?;
                sqlx::query(NOTE_EVENT)
                    .bind(event.at_ms)
                    .bind(event.integration_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(inserted.is_some())
            }

            async fn conversation(
                &self,
                id: $crate::ids::IntegrationId,
                conversation: &str,
            ) -> Result<$crate::storage::ConversationState, $crate::storage::StorageError> {
                let row: Option<(Option<String>, bool, i64)> =
                    sqlx::query_as($crate::storage::integrations::CONVERSATION)
                        .bind(id)
                        .bind(conversation)
                        .fetch_optional(&self.$pool)
                        .await?;
                Ok(row
                    .map(
                        |(last_agent, resolved, reopened)| $crate::storage::ConversationState {
                            last_agent,
                            resolved,
                            reopened,
                        },
                    )
                    .unwrap_or_default())
            }

            async fn note_conversation_agent(
                &self,
                id: $crate::ids::IntegrationId,
                conversation: &str,
                agent: &str,
            ) -> Result<(), $crate::storage::StorageError> {
                sqlx::query($crate::storage::integrations::NOTE_AGENT)
                    .bind(id)
                    .bind(conversation)
                    .bind(agent)
                    .execute(&self.$pool)
                    .await?;
                Ok(())
            }

            async fn note_conversation_status(
                &self,
                id: $crate::ids::IntegrationId,
                conversation: &str,
                resolved: bool,
            ) -> Result<$crate::storage::ConversationState, $crate::storage::StorageError> {
                let (last_agent, resolved, reopened): (Option<String>, bool, i64) =
                    sqlx::query_as($crate::storage::integrations::NOTE_STATUS)
                        .bind(id)
                        .bind(conversation)
                        .bind(resolved)
                        .fetch_one(&self.$pool)
                        .await?;
                Ok($crate::storage::ConversationState {
                    last_agent,
                    resolved,
                    reopened,
                })
            }

            async fn due_calls(
                &self,
                now_ms: i64,
                limit: i64,
            ) -> Result<Vec<$crate::storage::DueCall>, $crate::storage::StorageError> {
                Ok(sqlx::query_as($crate::storage::integrations::DUE)
                    .bind(now_ms)
                    .bind(limit)
                    .fetch_all(&self.$pool)
                    .await?)
            }

            async fn claim_call(
                &self,
                call: &$crate::storage::DueCall,
                until_ms: i64,
            ) -> Result<bool, $crate::storage::StorageError> {
                let claimed: Option<(i64,)> = sqlx::query_as($crate::storage::integrations::CLAIM)
                    .bind(until_ms)
                    .bind(call.id)
                    .bind(call.next_attempt_at_ms)
                    .fetch_optional(&self.$pool)
                    .await?;
                Ok(claimed.is_some())
            }

            async fn finish_call(
                &self,
                id: i64,
                claimed_until: i64,
                outcome: $crate::storage::CallOutcome,
            ) -> Result<(), $crate::storage::StorageError> {
                let (state, next, sent, status, detail) =
                    $crate::storage::integrations::outcome_columns(&outcome);
                sqlx::query($crate::storage::integrations::FINISH)
                    .bind(state)
                    .bind(next)
                    .bind(sent)
                    .bind(status)
                    .bind(detail)
                    .bind(id)
                    .bind(claimed_until)
                    .execute(&self.$pool)
                    .await?;
                Ok(())
            }

            async fn integration_events(
                &self,
                site_id: $crate::ids::SiteId,
                state: Option<&str>,
                limit: i64,
            ) -> Result<Vec<$crate::storage::EventRecord>, $crate::storage::StorageError> {
                Ok(sqlx::query_as($crate::storage::integrations::EVENTS)
                    .bind(site_id)
                    .bind(state.unwrap_or(""))
                    .bind(limit)
                    .fetch_all(&self.$pool)
                    .await?)
            }

            async fn retry_call(
                &self,
                site_id: $crate::ids::SiteId,
                id: i64,
                now_ms: i64,
            ) -> Result<bool, $crate::storage::StorageError> {
                let retried: Option<(i64,)> = sqlx::query_as($crate::storage::integrations::RETRY)
                    .bind(now_ms)
                    .bind(id)
                    .bind(site_id)
                    .fetch_optional(&self.$pool)
                    .await?;
                Ok(retried.is_some())
            }
        }
    };
}
pub(super) use integration_store;
