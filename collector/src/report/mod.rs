//! Reports: scores by agent, channel, team and time, computed from rollups only — the cost
//! depends on the number of rollup rows in the range, never on the number of responses.

pub mod bucket;
pub mod csv;
pub mod query;
pub mod table;

use std::collections::BTreeMap;

use koe_shared::metrics::{self, Estimate, ScoreCounts};
use serde::Serialize;

pub use bucket::Bucket;
pub use query::{GroupBy, ReportQuery};

use crate::rollup::{RollupCounters, RollupKey};

/// One row of a report: a group in a time bucket.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    pub response_rate: Option<Estimate>,
    pub self_resolution: Option<Estimate>,
    pub low_n: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub site: String,
    pub from: String,
    pub to: String,
    pub bucket: &'static str,
    pub group_by: Vec<&'static str>,
    pub low_n_threshold: u64,
    pub rows: Vec<ReportRow>,
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
    fn add(&mut self, key: &RollupKey, counters: &RollupCounters) {
        let mut scores = counters.scores();
        if key.channel == "help_center" {
            self.self_resolved.0 += scores.resolved_yes;
            self.self_resolved.1 += scores.resolved_no;
            scores.resolved_yes = 0;
            scores.resolved_no = 0;
        }
        self.scores.merge(&scores);
        self.responses += u64::try_from(counters.responses()).unwrap_or(0);
        self.impressions += u64::try_from(counters.impressions()).unwrap_or(0);
    }
}

type GroupKey = (Option<String>, Option<String>, Option<String>, String);

/// Builds the report from rollup rows already limited to the query's date range.
pub fn build(
    site: &str,
    query: &ReportQuery,
    low_n_threshold: u64,
    rollups: impl IntoIterator<Item = (RollupKey, RollupCounters)>,
) -> Report {
    let mut groups: BTreeMap<GroupKey, Tally> = BTreeMap::new();
    for (key, counters) in rollups {
        if !query.matches(&key) {
            continue;
        }
        let Ok(day) = key.day.parse() else { continue };
        let bucket_start = query.bucket.start(day, query.from).to_string();
        let pick = |wanted: GroupBy, value: &str| {
            query.group_by.contains(&wanted).then(|| value.to_owned())
        };
        let group = (
            pick(GroupBy::Agent, &key.agent),
            pick(GroupBy::Channel, &key.channel),
            pick(GroupBy::Team, &key.team),
            bucket_start,
        );
        groups.entry(group).or_default().add(&key, &counters);
    }
    let rows = groups
        .into_iter()
        .map(|((agent, channel, team, bucket_start), t)| ReportRow {
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
            // Both sides come from the same filtered rollup rows.
            response_rate: metrics::proportion_percent(
                t.responses.min(t.impressions),
                t.impressions,
            ),
            self_resolution: metrics::proportion_percent(
                t.self_resolved.0,
                t.self_resolved.0 + t.self_resolved.1,
            ),
            low_n: t.responses < low_n_threshold,
        })
        .collect();
    Report {
        site: site.to_owned(),
        from: query.from.to_string(),
        to: query.to.to_string(),
        bucket: query.bucket.as_str(),
        group_by: query.group_by.iter().map(|g| g.as_str()).collect(),
        low_n_threshold,
        rows,
    }
}
