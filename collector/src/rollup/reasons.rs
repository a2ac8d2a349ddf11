//! Reason rollups: per (local day, agent, channel, reason) how many counted responses gave
//! the reason while unhappy — a CSAT of 1–2 or an NPS of 0–6. What a manager reads to learn
//! why customers are unhappy, kept like `rollups`: every write moves them in its transaction.

use std::collections::BTreeMap;

use jiff::civil::Date;
use koe_shared::{AgentId, Channel};

use super::tally::{TallyDrift, tally_deltas, tally_drift};
use crate::responses::ResponseState;

/// The row a reason count lives in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReasonKey {
    pub day: Date,
    pub agent: Option<AgentId>,
    pub channel: Option<Channel>,
    /// The reason's slug.
    pub reason: String,
}

/// Whether a response counts as unhappy: low CSAT or a detractor, and not flagged.
pub fn is_unhappy(response: &ResponseState) -> bool {
    let a = &response.answers;
    !response.source.flagged
        && (a.csat.is_some_and(|s| s.get() <= 2) || a.nps.is_some_and(|s| s.get() <= 6))
}

/// The reason rows one response counts in (none unless it is unhappy).
pub fn reason_keys(response: &ResponseState) -> Vec<ReasonKey> {
    if !is_unhappy(response) {
        return Vec::new();
    }
    let a = &response.attribution;
    response
        .answers
        .reasons
        .iter()
        .map(|reason| ReasonKey {
            day: response.day,
            agent: a.agent.clone(),
            channel: a.channel,
            reason: reason.as_str().to_owned(),
        })
        .collect()
}

/// The reason-count changes that turn `before` (if any) into `after`, no-ops left out.
pub fn reason_deltas(
    before: Option<&ResponseState>,
    after: &ResponseState,
) -> BTreeMap<ReasonKey, i64> {
    tally_deltas(
        before.map(reason_keys).unwrap_or_default(),
        reason_keys(after),
    )
}

/// A reason row whose stored count differs from the raw responses' (`koe verify`).
pub type ReasonDrift = TallyDrift<ReasonKey>;

/// What `reason_rollups` should hold for these responses, against what it holds.
pub fn reason_drift<'a>(
    responses: impl IntoIterator<Item = &'a ResponseState>,
    stored: Vec<(ReasonKey, i64)>,
) -> Vec<ReasonDrift> {
    tally_drift(responses.into_iter().flat_map(reason_keys), stored)
}
