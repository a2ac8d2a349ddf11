//! What report reads take and give beyond the rollup types: the response list's filter (with
//! whether it shows flagged answers) and a reason's count.

use jiff::civil::Date;
use koe_shared::{AgentId, Channel, Reason, TeamId};
use serde::Serialize;

/// Which responses a page lists (all optional; days in the site's time zone).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseFilter {
    pub from_day: Option<Date>,
    pub to_day: Option<Date>,
    pub agent: Option<AgentId>,
    pub channel: Option<Channel>,
    pub team: Option<TeamId>,
    pub min_csat: Option<u8>,
    pub max_csat: Option<u8>,
    pub min_nps: Option<u8>,
    pub max_nps: Option<u8>,
    /// Keyset cursor: only responses strictly older than it.
    pub before: Option<ResponseCursor>,
    /// Flagged answers (a suspected link scanner's) are left out unless asked for.
    pub flagged: FlaggedFilter,
    /// Only responses that gave this reason.
    pub reason: Option<Reason>,
    /// Only responses with (`true`) or without (`false`) a comment.
    pub has_comment: Option<bool>,
}

/// Whether a list shows answers flagged as a suspected link scanner's (kept, never counted). A
/// link a mail gateway confirms again and again leaves such answers, comments and all: shown
/// by default they would bury the customers' own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FlaggedFilter {
    /// Counted responses only.
    #[default]
    Hidden,
    /// Counted and flagged ones.
    Included,
    /// Flagged ones only.
    Only,
}

/// Where a page of the response list starts: after the response created at `created_at_ms`
/// with id `id` (newest first, ids breaking ties).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseCursor {
    pub created_at_ms: i64,
    pub id: i64,
}

/// One reason's count for a group (`None`: not grouped by it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReasonCount {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub agent: Option<AgentId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub channel: Option<Channel>,
    #[schema(value_type = String)]
    pub reason: Reason,
    /// Its label in the report's language, from the site's survey (a reason a later version
    /// dropped keeps its last label; one the survey never had, its id).
    pub label: String,
    /// Unhappy responses that gave the reason.
    pub unhappy: u64,
}
