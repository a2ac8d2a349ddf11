//! Reports: scores by agent, channel, team and time, computed from rollups only — the cost
//! depends on the number of rollup rows in the range, never on the number of responses.

pub mod bucket;
pub mod compare;
pub mod csv;
pub mod drivers;
mod load;
pub mod params;
pub mod query;
pub mod question;
pub mod question_table;
pub mod reasons;
pub mod service;
pub mod service_table;
pub mod standings;
pub mod table;

use std::collections::BTreeMap;

use koe_shared::metrics::{self, Estimate, ScoreCounts};
use serde::Serialize;

pub use bucket::Bucket;
pub use load::{load, load_drivers, load_service, load_standings, position_of};
pub use query::{GroupBy, ReportQuery};

use crate::rollup::RollupCounters;

/// One row of a report: a group in a time bucket.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReportRow {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    pub bucket_start: String,
    pub responses: u64,
    pub impressions: u64,
    pub csat: Option<Estimate>,
    pub nps: Option<Estimate>,
    pub ces: Option<Estimate>,
    pub fcr: Option<Estimate>,
    /// Responses ÷ impressions; with more responses than impressions, 100 % of the
    /// impressions (see `response_rate_capped`).
    pub response_rate: Option<Estimate>,
    /// More responses than impressions (answers from rating links or imports come with no
    /// impression): the rate is capped at 100 % and means "at least this", not a measurement.
    pub response_rate_capped: bool,
    pub self_resolution: Option<Estimate>,
    pub low_n: bool,
    /// Each metric against the earlier period's matching row, when the query compares.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<compare::RowChange>,
}

impl ReportRow {
    /// The row's value for a group column.
    pub fn group_value(&self, group: GroupBy) -> Option<&str> {
        match group {
            GroupBy::Agent => self.agent.as_deref(),
            GroupBy::Channel => self.channel.as_deref(),
            GroupBy::Team => self.team.as_deref(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub site: String,
    pub from: String,
    pub to: String,
    pub bucket: Bucket,
    pub group_by: Vec<GroupBy>,
    pub low_n_threshold: u64,
    /// The earlier period the rows are compared with, when the query compares.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compared_with: Option<compare::ComparedWith>,
    pub rows: Vec<ReportRow>,
}

/// The first Monday and last Sunday of the whole weeks inside `from..=to`, if there is one.
pub fn whole_weeks(
    from: jiff::civil::Date,
    to: jiff::civil::Date,
) -> Option<(jiff::civil::Date, jiff::civil::Date)> {
    let ahead = (7 - i64::from(from.weekday().to_monday_zero_offset())) % 7;
    let first_monday = from.checked_add(jiff::Span::new().days(ahead)).ok()?;
    let back = (i64::from(to.weekday().to_monday_zero_offset()) + 1) % 7;
    let last_sunday = to.checked_sub(jiff::Span::new().days(back)).ok()?;
    (first_monday < last_sunday).then_some((first_monday, last_sunday))
}

/// Rollup counters summed by storage for one group and bucket (`None`: not grouped by it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupedRollup {
    pub bucket_start: String,
    pub agent: Option<String>,
    pub channel: Option<String>,
    pub team: Option<String>,
    /// Every counter, where "resolved?" counts answers outside the help center only.
    pub counters: RollupCounters,
    /// "Resolved?" answered yes / no on the help-center channel: self-resolution.
    pub self_resolved: [i64; 2],
}

/// An (agent, team)'s CSAT answers in a range, summed by storage for the standings (which
/// then gather each agent's rows into one: `standings::by_agent`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentCounts {
    pub agent: String,
    pub team: Option<String>,
    pub satisfied: u64,
    pub answered: u64,
    /// The last local day in the range with an answer of the agent's under this team.
    pub last_day: jiff::civil::Date,
}

/// Counts gathered for one row before the metrics are computed.
#[derive(Debug, Default)]
struct Tally {
    /// Everything but help-center answers to "resolved?" (those are self-resolution).
    scores: ScoreCounts,
    self_resolved: (u64, u64),
    responses: u64,
    impressions: u64,
}

impl Tally {
    fn add(&mut self, counters: &RollupCounters, self_resolved: [i64; 2]) {
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        self.self_resolved.0 += count(self_resolved[0]);
        self.self_resolved.1 += count(self_resolved[1]);
        self.scores.merge(&counters.scores());
        self.responses += u64::try_from(counters.responses).unwrap_or(0);
        self.impressions += u64::try_from(counters.impressions).unwrap_or(0);
    }
}

type GroupKey = (Option<String>, Option<String>, Option<String>, String);

/// Rollups summed per group and bucket.
fn tallies(rollups: Vec<GroupedRollup>) -> BTreeMap<GroupKey, Tally> {
    let mut groups: BTreeMap<GroupKey, Tally> = BTreeMap::new();
    for rollup in rollups {
        groups
            .entry((
                rollup.agent,
                rollup.channel,
                rollup.team,
                rollup.bucket_start,
            ))
            .or_default()
            .add(&rollup.counters, rollup.self_resolved);
    }
    groups
}

/// A row's group: agent, channel, team (`None`: not grouped by it).
type Group = (Option<String>, Option<String>, Option<String>);

/// Tallies keyed by group and bucket position within the group (0 for its first bucket):
/// how rows of two periods are matched.
fn by_position(tallies: BTreeMap<GroupKey, Tally>) -> Vec<((Group, usize), Tally)> {
    let mut position = 0;
    let mut last: Option<Group> = None;
    tallies
        .into_iter()
        .map(|((agent, channel, team, _bucket), tally)| {
            let group = (agent, channel, team);
            position = match last.as_ref() == Some(&group) {
                true => position + 1,
                false => 0,
            };
            last = Some(group.clone());
            ((group, position), tally)
        })
        .collect()
}

/// Builds the report from rollups that storage already filtered, bucketed and summed by
/// the query's groups (see `Storage::report_rollups`).
pub fn build(
    site: &str,
    query: &ReportQuery,
    low_n_threshold: u64,
    rollups: Vec<GroupedRollup>,
    earlier: Option<(compare::ComparedWith, Vec<GroupedRollup>)>,
) -> Report {
    let (compared_with, earlier) = match earlier {
        Some((with, rollups)) => {
            let earlier: BTreeMap<(Group, usize), Tally> =
                by_position(tallies(rollups)).into_iter().collect();
            (Some(with), Some(earlier))
        }
        None => (None, None),
    };
    let now = tallies(rollups);
    let buckets: Vec<String> = now.keys().map(|(_, _, _, b)| b.clone()).collect();
    let rows = by_position(now)
        .into_iter()
        .zip(buckets)
        .map(|(((group, position), t), bucket_start)| {
            let change = earlier.as_ref().map(|earlier| {
                earlier
                    .get(&(group.clone(), position))
                    .map(|before| compare::row_change(&t, before))
                    .unwrap_or_default()
            });
            let (agent, channel, team) = group;
            (agent, channel, team, bucket_start, t, change)
        })
        .map(|(agent, channel, team, bucket_start, t, change)| {
            // Both sides come from the same filtered rollup rows.
            let rate = metrics::response_rate(t.responses, t.impressions);
            ReportRow {
                agent,
                channel,
                team,
                bucket_start,
                responses: t.responses,
                impressions: t.impressions,
                csat: t.scores.csat_percent(),
                nps: t.scores.nps(),
                ces: t.scores.ces_mean(),
                fcr: t.scores.fcr_percent(),
                response_rate: rate.map(|r| r.estimate),
                response_rate_capped: rate.is_some_and(|r| r.capped),
                self_resolution: metrics::proportion_percent(
                    t.self_resolved.0,
                    t.self_resolved.0 + t.self_resolved.1,
                ),
                low_n: t.responses < low_n_threshold,
                change,
            }
        })
        .collect();
    Report {
        site: site.to_owned(),
        from: query.from.to_string(),
        to: query.to.to_string(),
        bucket: query.bucket,
        group_by: query.group_by.clone(),
        low_n_threshold,
        compared_with,
        rows,
    }
}
