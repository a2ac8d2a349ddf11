//! Storage: one trait, a SQLite and a PostgreSQL implementation chosen from the URL at start.
//!
//! Both keep the same tables (one migrations folder each), except that PostgreSQL keeps raw
//! responses in monthly partitions with their uniqueness in `response_keys`
//! (`postgres/partitions.rs`). Each backend's folder owns what only it does — connecting, its
//! writer (group commit), its half of the write path ([`write_path::WriteTx`]: locking, rollup
//! changes), its SQL [`sql::Dialect`] (parameters; creating, moving and removing responses),
//! its report dialect. What is the same on both is written once: the SQL text both run
//! ([`sql`]), the statements that run it ([`queries`]), the write path over `WriteTx` and the
//! in-memory batch plan ([`write_plan`]). Every write updates the rollups in the transaction
//! that changes the raw data.

mod admin;
mod bind;
mod customers;
mod error;
mod json_rows;
mod options;
mod postgres;
mod queries;
mod records;
mod removal;
mod report_read;
mod response_page;
mod rezone;
mod rows;
mod sql;
mod sqlite;
mod standings_read;
mod webhooks;
mod write_path;
mod write_plan;

use std::future::Future;

use koe_shared::{InteractionId, SiteKey};

pub use error::{OpenError, SaveError, StorageError};
pub use options::{Backend, StorageOptions};
pub use postgres::PgStorage;
pub use records::{
    ApiKeyRecord, ImpressionOutcome, ImpressionWrite, KeyDrift, KeyProblem, NewApiKey, PurgeCutoff,
    ResponseFilter, Role, Saved, SessionRecord, StoredResponse,
};
pub use rezone::Rezoned;
pub use sqlite::SqliteStorage;
pub use webhooks::{AttemptOutcome, DueDelivery};

use crate::alerts::webhooks::{DeliveryRecord, NewWebhook, WebhookRecord};
use crate::audit::{AuditEntry, AuditEvent};
use crate::report::reasons::ReasonCount;
use crate::report::{AgentCounts, GroupedRollup, ReportQuery};
use crate::responses::AnswerWrite;
use crate::rollup::{
    ReasonDrift, ReasonKey, Recomputation, RollupCounters, RollupDrift, RollupKey, Summary,
    reason_drift,
};
use crate::sites::fatigue::CustomerCheck;
use crate::sites::{NewSite, Site, SiteTimeZone};

/// Most rows one purge transaction deletes: a long purge never holds the write lock long.
pub const PURGE_CHUNK: i64 = 5_000;

/// Everything the collector keeps. Implementations are cheap to clone (a pool handle).
pub trait Storage: Clone + Send + Sync + 'static {
    /// Checks the database answers and can take writes (for `/readyz`); writes nothing.
    fn ping(&self) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Finishes the writes already queued, then closes every connection (on shutdown).
    fn close(&self) -> impl Future<Output = ()> + Send;

    fn create_site(&self, site: NewSite)
    -> impl Future<Output = Result<Site, StorageError>> + Send;

    fn sites(&self) -> impl Future<Output = Result<Vec<Site>, StorageError>> + Send;

    fn site_by_key(
        &self,
        key: &SiteKey,
    ) -> impl Future<Output = Result<Option<Site>, StorageError>> + Send;

    /// Stores a new API key (its digest) and records its creation in the audit trail.
    fn create_api_key(
        &self,
        key: NewApiKey,
    ) -> impl Future<Output = Result<ApiKeyRecord, StorageError>> + Send;

    /// A key that has not been revoked, by the digest of the key.
    fn api_key_by_digest(
        &self,
        digest: &[u8; 32],
    ) -> impl Future<Output = Result<Option<ApiKeyRecord>, StorageError>> + Send;

    /// A site's keys, revoked ones included.
    fn api_keys(
        &self,
        site_id: i64,
    ) -> impl Future<Output = Result<Vec<ApiKeyRecord>, StorageError>> + Send;

    fn api_key_by_id(
        &self,
        id: i64,
    ) -> impl Future<Output = Result<Option<ApiKeyRecord>, StorageError>> + Send;

    /// Revokes a key of `entry.site_id` and records it, in one transaction; `false` when that
    /// site has no such live key.
    fn revoke_api_key(
        &self,
        entry: AuditEntry,
        key_id: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Notes that a key was used.
    fn touch_api_key(
        &self,
        id: i64,
        now_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Makes `digest` the site's signing secret, keeps the previous one verifying until
    /// `until_ms`, and records it, in one transaction.
    fn rotate_secret(
        &self,
        entry: AuditEntry,
        digest: [u8; 32],
        until_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Stores a site's editable settings and records the change, in one transaction.
    fn update_site(
        &self,
        entry: AuditEntry,
        site: Site,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// A site's audit trail, oldest first.
    fn audit_events(
        &self,
        site_id: i64,
    ) -> impl Future<Output = Result<Vec<AuditEvent>, StorageError>> + Send;

    /// Starts a dashboard session for a key; gives its id.
    fn create_session(
        &self,
        key_id: i64,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> impl Future<Output = Result<i64, StorageError>> + Send;

    fn session(
        &self,
        id: i64,
    ) -> impl Future<Output = Result<Option<SessionRecord>, StorageError>> + Send;

    /// Ends a dashboard session (sign-out).
    fn end_session(
        &self,
        id: i64,
        now_ms: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Merges a submission into its interaction's response and moves the rollups, in one
    /// transaction. Returns once that transaction has committed.
    fn save_answers(
        &self,
        write: AnswerWrite,
    ) -> impl Future<Output = Result<Saved, SaveError>> + Send;

    /// Records that a survey is shown — counted the first time for an interaction — unless its
    /// customer was surveyed within the site's cooldown (then nothing is written).
    fn record_impression(
        &self,
        write: ImpressionWrite,
    ) -> impl Future<Output = Result<ImpressionOutcome, StorageError>> + Send;

    /// Whether [`Self::record_impression`] would show the survey now — not within its
    /// customer's cooldown — writing nothing (`koe('prepare')` asks ahead of the show).
    fn would_show(
        &self,
        site_id: i64,
        interaction: &InteractionId,
        customer: Option<CustomerCheck>,
        now_ms: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Asks whether a customer may be surveyed now (a rating link is about to be sent): `false`
    /// when surveyed within `check.cooldown_ms`; otherwise notes them surveyed at `now_ms`.
    fn survey_customer(
        &self,
        site_id: i64,
        check: CustomerCheck,
        now_ms: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Forgets a site's customers last surveyed before `before_ms` (past its cooldown they
    /// decide nothing); how many.
    fn forget_customers(
        &self,
        site_id: i64,
        before_ms: i64,
    ) -> impl Future<Output = Result<u64, StorageError>> + Send;

    /// The server's own 32-byte key `name`, made (randomly) and stored the first time it is
    /// asked for, so every collector and CLI on this database uses the same.
    fn server_key(
        &self,
        name: &'static str,
    ) -> impl Future<Output = Result<[u8; 32], StorageError>> + Send;

    /// All responses of a site, oldest first.
    fn responses(
        &self,
        site_id: i64,
    ) -> impl Future<Output = Result<Vec<StoredResponse>, StorageError>> + Send;

    /// The rollup keys of a site's impressions.
    fn impressions(
        &self,
        site_id: i64,
    ) -> impl Future<Output = Result<Vec<RollupKey>, StorageError>> + Send;

    /// What reports read: a site's rollups in the query's range and filters, bucketed and
    /// summed by its groups in the database, so about one row per group and bucket travels
    /// (a summary read at its own grain may give a group two rows; `report::build` adds up
    /// rows of one group).
    fn report_rollups(
        &self,
        site_id: i64,
        query: &ReportQuery,
    ) -> impl Future<Output = Result<Vec<GroupedRollup>, StorageError>> + Send;

    /// Purges, in one transaction, one chunk (at most [`PURGE_CHUNK`]) of the raw responses of
    /// `entry.site_id` answered before `before` and created before `bound_ms`, leaving every
    /// rollup as it is; moves the site's purged-before day forward and, if anything went,
    /// records `entry` with its detail prefixed by how many. How many went.
    fn purge_responses(
        &self,
        entry: AuditEntry,
        before: jiff::civil::Date,
        bound_ms: i64,
    ) -> impl Future<Output = Result<u64, StorageError>> + Send;

    /// Drops, as a whole, each monthly partition of raw responses (PostgreSQL) whose rows are
    /// all past their sites' cut-offs: every site with rows in it has one in `cutoffs`, after
    /// the month's end in every time zone. Their keys go with them, each site's purged-before
    /// day moves and its purge is audited; rollups stay. SQLite keeps one table and drops
    /// nothing. How many rows went.
    fn drop_purged_partitions(
        &self,
        cutoffs: &[PurgeCutoff],
    ) -> impl Future<Output = Result<u64, StorageError>> + Send;

    /// Erases an interaction's responses and takes its counts out of every rollup, with the
    /// audit entry (of `entry.site_id`), in one transaction; how many rows went.
    fn erase_interaction(
        &self,
        entry: AuditEntry,
        interaction: &InteractionId,
    ) -> impl Future<Output = Result<u64, StorageError>> + Send;

    /// Stores imported answers in one transaction (new interactions only; one the site has is
    /// left as it is), counted in the rollups; how many were stored.
    fn import_responses(
        &self,
        site_id: i64,
        rows: Vec<(InteractionId, crate::responses::ResponseState)>,
    ) -> impl Future<Output = Result<u64, StorageError>> + Send;

    /// Records an audit entry on its own (a change made in several transactions, e.g. an import).
    fn record_audit(
        &self,
        entry: AuditEntry,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Stores a webhook and records `entry` (its detail gets the id), in one transaction.
    fn add_webhook(
        &self,
        entry: AuditEntry,
        webhook: NewWebhook,
    ) -> impl Future<Output = Result<WebhookRecord, StorageError>> + Send;

    /// A site's webhooks, oldest first.
    fn webhooks(
        &self,
        site_id: i64,
    ) -> impl Future<Output = Result<Vec<WebhookRecord>, StorageError>> + Send;

    /// Removes webhook `id` of `entry.site_id`, recording `entry`; `false` when there is none.
    fn remove_webhook(
        &self,
        entry: AuditEntry,
        id: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Alerts due at `now_ms` (at most `limit`), oldest due first, of webhooks not removed.
    fn due_deliveries(
        &self,
        now_ms: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<DueDelivery>, StorageError>> + Send;

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
        site_id: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<DeliveryRecord>, StorageError>> + Send;

    /// Moves a site to another time zone (`entry.site_id`): re-dates its raw responses and
    /// impressions, rebuilds its rollups, summaries and reason rows from them, stores the zone
    /// and records `entry`, in one transaction that concurrent writes wait for.
    fn rezone_site(
        &self,
        entry: AuditEntry,
        zone: SiteTimeZone,
    ) -> impl Future<Output = Result<Rezoned, StorageError>> + Send;

    /// Each (agent, team)'s CSAT answers (satisfied, answered) in the query's range and
    /// filters, from `rollups` (`report::standings`).
    fn agent_csat(
        &self,
        site_id: i64,
        query: &ReportQuery,
    ) -> impl Future<Output = Result<Vec<AgentCounts>, StorageError>> + Send;

    /// A page of a site's responses, newest first.
    fn response_page(
        &self,
        site_id: i64,
        filter: &ResponseFilter,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<StoredResponse>, StorageError>> + Send;

    /// A site's rows of a summary table (no team; `key.day` the week's Monday in the weekly
    /// ones).
    fn summary_rollups(
        &self,
        site_id: i64,
        summary: Summary,
    ) -> impl Future<Output = Result<Vec<(RollupKey, RollupCounters)>, StorageError>> + Send;

    /// A site's rollup rows.
    fn rollups(
        &self,
        site_id: i64,
    ) -> impl Future<Output = Result<Vec<(RollupKey, RollupCounters)>, StorageError>> + Send;

    /// A site's reason rows (`koe verify`).
    fn reason_rollups(
        &self,
        site_id: i64,
    ) -> impl Future<Output = Result<Vec<(ReasonKey, i64)>, StorageError>> + Send;

    /// Unhappy responses per reason in a report's range and filters, grouped by its agent
    /// and channel groups (a team cannot be asked for: reasons are not kept per team).
    fn reason_counts(
        &self,
        site_id: i64,
        query: &ReportQuery,
    ) -> impl Future<Output = Result<Vec<ReasonCount>, StorageError>> + Send;

    /// Counted responses and their keys that disagree (`koe verify`): on PostgreSQL, where
    /// `response_keys` keeps one counted response per interaction across monthly partitions.
    /// SQLite's one table keeps that itself, and has none.
    fn key_drift(&self) -> impl Future<Output = Result<Vec<KeyDrift>, StorageError>> + Send;

    /// Recomputes every site's reason rows from raw responses and lists those that differ
    /// from the stored ones (`koe verify`).
    fn reason_drift(
        &self,
    ) -> impl Future<Output = Result<Vec<(SiteKey, ReasonDrift)>, StorageError>> + Send {
        async move {
            let mut drift = Vec::new();
            for site in self.sites().await? {
                let responses = self.responses(site.id).await?;
                let stored = self.reason_rollups(site.id).await?;
                let found = reason_drift(responses.iter().map(|r| &r.state), stored);
                let kept = site.first_whole_day();
                drift.extend(
                    found
                        .into_iter()
                        .filter(|d| kept.is_none_or(|kept| d.key.day >= kept))
                        .map(|d| (site.key.clone(), d)),
                );
            }
            Ok(drift)
        }
    }

    /// Recomputes every site's rollups from raw responses and impressions and lists the rows
    /// that differ from the stored ones (`koe verify`).
    fn rollup_drift(
        &self,
    ) -> impl Future<Output = Result<Vec<(SiteKey, RollupDrift)>, StorageError>> + Send {
        async move {
            let mut drift = Vec::new();
            for site in self.sites().await? {
                let mut expected = Recomputation::default();
                for response in self.responses(site.id).await? {
                    expected.count_response(&response.state);
                }
                for key in self.impressions(site.id).await? {
                    expected.count_impression(key);
                }
                let mut found = expected.drift("rollups", self.rollups(site.id).await?);
                for summary in Summary::ALL {
                    found.extend(expected.summary(summary).drift(
                        summary.table(),
                        self.summary_rollups(site.id, summary).await?,
                    ));
                }
                // Past a site's retention the raw responses are gone: only the days it keeps (the
                // weeks that start on them) can be recomputed.
                let kept = site.first_whole_day();
                drift.extend(
                    found
                        .into_iter()
                        .filter(|d| kept.is_none_or(|kept| d.key.day >= kept))
                        .map(|d| (site.key.clone(), d)),
                );
            }
            Ok(drift)
        }
    }
}
