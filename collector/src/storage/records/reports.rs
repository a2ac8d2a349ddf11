//! What report reads take and give beyond the rollup types: the response list's filter and a
//! reason's count.

use serde::Serialize;

/// Which responses a page lists (all optional; days are local `YYYY-MM-DD`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseFilter {
    pub from_day: Option<String>,
    pub to_day: Option<String>,
    pub agent: Option<String>,
    pub channel: Option<String>,
    pub team: Option<String>,
    pub min_csat: Option<u8>,
    pub max_csat: Option<u8>,
    pub min_nps: Option<u8>,
    pub max_nps: Option<u8>,
    /// Keyset cursor: only responses strictly older than (created_at_ms, id).
    pub before: Option<(i64, i64)>,
    pub flagged: Option<bool>,
    /// Only responses that gave this reason (its slug).
    pub reason: Option<String>,
    /// Only responses with (`true`) or without (`false`) a comment.
    pub has_comment: Option<bool>,
}

/// One reason's count for a group (`None`: not grouped by it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReasonCount {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    pub reason: String,
    /// Unhappy responses that gave the reason.
    pub unhappy: u64,
}
