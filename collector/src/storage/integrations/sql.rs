//! The statements of integrations, their events and their outbox, as SQL both backends run
//! (`$n` placeholders), and how a call's outcome is stored.

use crate::storage::records::CallOutcome;

pub(in crate::storage) const INSERT: &str = "INSERT INTO integrations (site_id, kind, path_digest, config, sealed, \
     base_url, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
pub(in crate::storage) const COLUMNS: &str = "id, site_id, kind, config, sealed, base_url, paused, \
     created_at_ms, last_event_at_ms, last_error, last_error_at_ms";
pub(in crate::storage) const BY_PATH: &str = "WHERE path_digest = $1 AND removed_at_ms IS NULL";
pub(in crate::storage) const OF_SITE: &str =
    "WHERE site_id = $1 AND removed_at_ms IS NULL ORDER BY id";
pub(in crate::storage) const SET_PAUSED: &str = "UPDATE integrations SET paused = $1 WHERE id = $2 AND site_id = $3 \
     AND removed_at_ms IS NULL RETURNING id";
pub(in crate::storage) const REMOVE: &str = "UPDATE integrations SET removed_at_ms = $1 WHERE id = $2 AND site_id = $3 \
     AND removed_at_ms IS NULL RETURNING id";
/// What a removed integration noted about its conversations goes with it.
pub(in crate::storage) const DROP_CONVERSATIONS: &str =
    "DELETE FROM integration_conversations WHERE integration_id = $1";
/// A removed integration's waiting calls are never made.
pub(in crate::storage) const DROP_CALLS: &str = "UPDATE integration_events SET state = 'dropped', call = NULL, \
     detail = 'dropped: the integration was removed' WHERE integration_id = $1 AND state = 'pending'";
pub(in crate::storage) const SET_SEALED: &str = "UPDATE integrations SET sealed = $1 WHERE id = $2 AND site_id = $3 \
     AND removed_at_ms IS NULL RETURNING id";
/// An empty error clears the last one (a call went through).
pub(in crate::storage) const NOTE_ERROR: &str = "UPDATE integrations SET \
     last_error = NULLIF($1, ''), last_error_at_ms = CASE WHEN $1 = '' THEN NULL ELSE CAST($2 AS BIGINT) END \
     WHERE id = $3";
/// A refused request's note: at most once a minute per integration.
pub(in crate::storage) const NOTE_REFUSAL: &str = "UPDATE integrations SET last_error = $1, \
     last_error_at_ms = $2 WHERE id = $3 AND (last_error_at_ms IS NULL OR \
     last_error_at_ms < $2 - 60000)";
pub(in crate::storage) const NOTE_EVENT: &str =
    "UPDATE integrations SET last_event_at_ms = $1 WHERE id = $2";
pub(in crate::storage) const COUNTS: &str = "SELECT \
     COALESCE(SUM(CASE WHEN received_at_ms >= $2 THEN 1 ELSE 0 END), 0), \
     COALESCE(SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), 0), \
     COALESCE(SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END), 0) \
     FROM integration_events WHERE integration_id = $1";
/// Nothing when the key was noted before: the caller then does nothing again.
pub(in crate::storage) const INSERT_EVENT: &str = "INSERT INTO integration_events (integration_id, site_id, event_key, \
     interaction, received_at_ms, state, detail, call, next_attempt_at_ms) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
     ON CONFLICT (integration_id, event_key) DO NOTHING RETURNING id";
pub(in crate::storage) const EVENT_SEEN: &str = "SELECT state, received_at_ms FROM integration_events WHERE integration_id = $1 AND \
     event_key = $2";
pub(in crate::storage) const CONVERSATION: &str = "SELECT last_agent, resolved, reopened FROM integration_conversations \
     WHERE integration_id = $1 AND conversation = $2";
pub(in crate::storage) const NOTE_AGENT: &str = "INSERT INTO integration_conversations (integration_id, conversation, \
     last_agent) VALUES ($1, $2, $3) ON CONFLICT (integration_id, conversation) \
     DO UPDATE SET last_agent = excluded.last_agent";
/// A resolution marks it resolved; an opening after one counts a reopen.
pub(in crate::storage) const NOTE_STATUS: &str = "INSERT INTO integration_conversations (integration_id, conversation, \
     resolved) VALUES ($1, $2, $3) ON CONFLICT (integration_id, conversation) DO UPDATE SET \
     reopened = integration_conversations.reopened + CASE WHEN integration_conversations.resolved \
     AND NOT excluded.resolved THEN 1 ELSE 0 END, resolved = excluded.resolved \
     RETURNING last_agent, resolved, reopened";
/// At most 4 due calls of each site (its share of the senders), oldest due first: a site whose
/// calls pile up behind a slow platform cannot fill the batch and keep other sites' calls out.
pub(in crate::storage) const DUE: &str = "SELECT id, integration_id, site_id, call, attempts, \
     received_at_ms, next_attempt_at_ms, config, sealed FROM (SELECT e.id, e.integration_id, \
     e.site_id, e.call, e.attempts, e.received_at_ms, e.next_attempt_at_ms, i.config, i.sealed, \
     ROW_NUMBER() OVER (PARTITION BY e.site_id ORDER BY e.next_attempt_at_ms, e.id) AS turn \
     FROM integration_events e JOIN integrations i ON i.id = e.integration_id AND \
     i.removed_at_ms IS NULL AND NOT i.paused WHERE e.state = 'pending' AND \
     e.next_attempt_at_ms <= $1) due WHERE turn <= 4 ORDER BY next_attempt_at_ms, id LIMIT $2";
pub(in crate::storage) const CLAIM: &str = "UPDATE integration_events SET next_attempt_at_ms = $1 WHERE id = $2 AND \
     state = 'pending' AND next_attempt_at_ms = $3 RETURNING id";
/// Only by the sender holding the claim (`$7`, the claim's end it set). A sent call is
/// forgotten (it held links); a given-up one is kept, to be retried. A call that goes through
/// keeps the event's detail (why it was recorded as it was, or the last failed attempt).
pub(in crate::storage) const FINISH: &str = "UPDATE integration_events SET state = $1, attempts = attempts + 1, \
     next_attempt_at_ms = $2, sent_at_ms = $3, last_status = $4, detail = COALESCE($5, detail), \
     call = CASE WHEN $1 = 'sent' THEN NULL ELSE call END \
     WHERE id = $6 AND state = 'pending' AND next_attempt_at_ms = $7";
pub(in crate::storage) const EVENTS: &str = "SELECT id, integration_id, event_key, interaction, state, detail, \
     attempts, received_at_ms, last_status, sent_at_ms FROM integration_events \
     WHERE site_id = $1 AND ($2 = '' OR state = $2) ORDER BY id DESC LIMIT $3";
/// A given-up call made due again (`koe integration retry`).
pub(in crate::storage) const RETRY: &str = "UPDATE integration_events SET state = 'pending', next_attempt_at_ms = $1, \
     attempts = 0 WHERE id = $2 AND site_id = $3 AND state = 'failed' AND call IS NOT NULL \
     RETURNING id";

/// The parts of a call's outcome as stored: state, next attempt, sent at, status, detail.
pub(in crate::storage) fn outcome_columns(
    outcome: &CallOutcome,
) -> (
    &'static str,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<&str>,
) {
    match outcome {
        CallOutcome::Sent { status, at_ms } => {
            ("sent", None, Some(*at_ms), Some(i64::from(*status)), None)
        }
        CallOutcome::Retry {
            status,
            error,
            next_at_ms,
        } => (
            "pending",
            Some(*next_at_ms),
            None,
            status.map(i64::from),
            Some(error.as_str()),
        ),
        CallOutcome::GaveUp { status, error } => (
            "failed",
            None,
            None,
            status.map(i64::from),
            Some(error.as_str()),
        ),
    }
}
