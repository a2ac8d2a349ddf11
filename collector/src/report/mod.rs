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

/// A row's group: agent, channel, team (`None`: not grouped by it).
type Group = (Option<String>, Option<String>, Option<String>);

/// One group and bucket's counts, with the bucket's position within its group (0 for the
/// group's first bucket): how rows of two periods are matched.
struct Tallied {
    group: Group,
    bucket_start: String,
    position: usize,
    tally: Tally,
}

/// Rollups summed per group and bucket, in group then bucket order. The rollups (a few hundred
/// bytes each, thousands per report) are not moved to be sorted: their indices are, and each
/// is then read once.
fn tallies(mut rollups: Vec<GroupedRollup>) -> Vec<Tallied> {
    fn key(r: &GroupedRollup) -> (&Option<String>, &Option<String>, &Option<String>, &str) {
        (&r.agent, &r.channel, &r.team, &r.bucket_start)
    }
    let mut order: Vec<usize> = (0..rollups.len()).collect();
    order.sort_unstable_by(|&a, &b| key(&rollups[a]).cmp(&key(&rollups[b])));
    let mut tallied: Vec<Tallied> = Vec::with_capacity(rollups.len());
    for i in order {
        let rollup = &mut rollups[i];
        let same_group = tallied.last().filter(|last| {
            last.group.0 == rollup.agent
                && last.group.1 == rollup.channel
                && last.group.2 == rollup.team
        });
        let position = match same_group {
            Some(last) if last.bucket_start == rollup.bucket_start => None,
            Some(last) => Some(last.position + 1),
            None => Some(0),
        };
        if let Some(position) = position {
            tallied.push(Tallied {
                group: (
                    rollup.agent.take(),
                    rollup.channel.take(),
                    rollup.team.take(),
                ),
                bucket_start: std::mem::take(&mut rollup.bucket_start),
                position,
                tally: Tally::default(),
            });
        }
        if let Some(last) = tallied.last_mut() {
            last.tally.add(&rollup.counters, rollup.self_resolved);
        }
    }
    tallied
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
        Some((with, rollups)) => (Some(with), Some(tallies(rollups))),
        None => (None, None),
    };
    let rows = tallies(rollups)
        .into_iter()
        .map(|now| {
            let change = earlier.as_ref().map(|earlier| {
                earlier
                    .binary_search_by(|e| (&e.group, e.position).cmp(&(&now.group, now.position)))
                    .map(|i| compare::row_change(&now.tally, &earlier[i].tally))
                    .unwrap_or_default()
            });
            let Tallied {
                group: (agent, channel, team),
                bucket_start,
                tally: t,
                ..
            } = now;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rollup(agent: &str, bucket: &str, csat_5: i64) -> GroupedRollup {
        let mut counters = RollupCounters::default();
        counters.csat[4] = csat_5;
        counters.responses = csat_5;
        GroupedRollup {
            bucket_start: bucket.to_owned(),
            agent: Some(agent.to_owned()),
            channel: None,
            team: None,
            counters,
            self_resolved: [0; 2],
        }
    }

    #[test]
    fn rows_of_one_group_and_bucket_are_added_up_and_ordered_by_group_then_bucket() {
        // As storage may give them: a summary's whole weeks first, then the end days' rows,
        // one of which falls in a bucket a week already has.
        let tallied = tallies(vec![
            rollup("ren", "2026-11-09", 1),
            rollup("aiko", "2026-11-16", 2),
            rollup("aiko", "2026-11-09", 3),
            rollup("ren", "2026-11-02", 4),
            rollup("aiko", "2026-11-09", 5),
        ]);
        let seen: Vec<(&str, &str, usize, u64)> = tallied
            .iter()
            .map(|t| {
                (
                    t.group.0.as_deref().unwrap(),
                    t.bucket_start.as_str(),
                    t.position,
                    t.tally.responses,
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("aiko", "2026-11-09", 0, 8),
                ("aiko", "2026-11-16", 1, 2),
                ("ren", "2026-11-02", 0, 4),
                ("ren", "2026-11-09", 1, 1),
            ]
        );
        assert_eq!(tallied[0].tally.scores.csat[4], 8);
    }
}
