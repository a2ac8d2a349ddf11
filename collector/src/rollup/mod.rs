//! Rollups: per (site, local day, agent, team, channel) histograms that reports read
//! instead of raw responses, and the summary tables that sum them over fewer dimensions.
//! Every write moves them in the same transaction.

mod counters;
mod key;
mod reasons;
mod recompute;
mod summary;

pub use counters::{COUNTER_COLUMNS, COUNTERS, RollupCounters};
pub use key::{RollupKey, week_of};
pub use reasons::{ReasonDrift, ReasonKey, is_unhappy, reason_deltas, reason_drift, reason_keys};
pub use recompute::{Recomputation, RollupDelta, RollupDrift, response_deltas};
pub use summary::Summary;
