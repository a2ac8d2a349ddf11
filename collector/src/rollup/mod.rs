//! Rollups: per (site, local day, agent, team, channel) histograms that reports read
//! instead of raw responses, and the summary tables that sum them over fewer dimensions; and
//! the tallies beside them — unhappy customers' reasons, the answers to a site's own question.
//! Every write moves them in the same transaction.

mod counters;
mod key;
mod question;
mod reasons;
mod recompute;
mod summary;
mod tally;

pub use counters::{COUNTER_COLUMNS, COUNTERS, RollupCounters};
pub use key::{RollupKey, week_of};
pub use question::{QuestionDrift, QuestionKey, question_deltas, question_drift, question_key};
pub use reasons::{ReasonDrift, ReasonKey, is_unhappy, reason_deltas, reason_drift, reason_keys};
pub use recompute::{Recomputation, RollupDelta, RollupDrift, response_deltas};
pub use summary::Summary;
