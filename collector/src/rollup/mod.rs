//! Rollups: per (site, local day, agent, team, channel) histograms that reports read
//! instead of raw responses. Every write moves them in the same transaction.

use std::collections::BTreeMap;

use koe_shared::Channel;
use koe_shared::metrics::ScoreCounts;

use crate::response::ResponseState;

/// The Monday starting the week of a local day (`YYYY-MM-DD`); the day itself if it does not parse.
pub fn week_of(day: &str) -> String {
    day.parse::<jiff::civil::Date>()
        .map(|d| crate::report::Bucket::Week.start(d, d).to_string())
        .unwrap_or_else(|_| day.to_owned())
}

/// Counter columns of the `rollups` table, in the order of [`RollupCounters`].
pub const COUNTER_COLUMNS: [&str; COUNTERS] = [
    "csat_1",
    "csat_2",
    "csat_3",
    "csat_4",
    "csat_5",
    "nps_0",
    "nps_1",
    "nps_2",
    "nps_3",
    "nps_4",
    "nps_5",
    "nps_6",
    "nps_7",
    "nps_8",
    "nps_9",
    "nps_10",
    "ces_1",
    "ces_2",
    "ces_3",
    "ces_4",
    "ces_5",
    "ces_6",
    "ces_7",
    "resolved_yes",
    "resolved_no",
    "responses",
    "impressions",
];
const COUNTERS: usize = 27;
const CSAT: usize = 0;
const NPS: usize = 5;
const CES: usize = 16;
const RESOLVED_YES: usize = 23;
const RESOLVED_NO: usize = 24;
const RESPONSES: usize = 25;
const IMPRESSIONS: usize = 26;

/// The group a rollup row counts; `""` stands for "not given".
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RollupKey {
    pub day: String,
    pub agent: String,
    pub team: String,
    pub channel: String,
}

impl RollupKey {
    pub fn new(day: &str, agent: Option<&str>, team: Option<&str>, channel: Option<&str>) -> Self {
        Self {
            day: day.to_owned(),
            agent: agent.unwrap_or_default().to_owned(),
            team: team.unwrap_or_default().to_owned(),
            channel: channel.unwrap_or_default().to_owned(),
        }
    }

    pub fn of_response(response: &ResponseState) -> Self {
        let a = &response.attribution;
        Self::new(
            &response.day,
            a.agent.as_ref().map(|x| x.as_str()),
            a.team.as_ref().map(|x| x.as_str()),
            a.channel.map(|c| c.as_str()),
        )
    }
}

/// The tables that sum `rollups` over fewer dimensions, for reads that need fewer: kept in the
/// same transaction, checked by `koe verify` like `rollups` itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Summary {
    /// `rollups_daily`: per day, agent and channel (no team).
    Daily,
    /// `rollups_weekly`: per week (the Monday that starts it), agent and channel.
    Weekly,
    /// `rollups_daily_agent`: per day and agent; channel `''` for every channel but the help
    /// center, which keeps its rows (its "resolved?" answers are self-resolution).
    DailyByAgent,
    /// `rollups_weekly_agent`: the same per week.
    WeeklyByAgent,
}

impl Summary {
    pub const ALL: [Self; 4] = [
        Self::Daily,
        Self::Weekly,
        Self::DailyByAgent,
        Self::WeeklyByAgent,
    ];

    pub fn table(self) -> &'static str {
        match self {
            Self::Daily => "rollups_daily",
            Self::Weekly => "rollups_weekly",
            Self::DailyByAgent => "rollups_daily_agent",
            Self::WeeklyByAgent => "rollups_weekly_agent",
        }
    }

    /// Rows per week (keyed by its Monday) rather than per day.
    pub fn is_weekly(self) -> bool {
        matches!(self, Self::Weekly | Self::WeeklyByAgent)
    }

    /// The column holding the row's day (`day`, or `week` for its Monday).
    pub fn day_column(self) -> &'static str {
        if self.is_weekly() { "week" } else { "day" }
    }

    /// Rows per agent with no channel split (the help center's rows kept apart).
    pub fn is_by_agent(self) -> bool {
        matches!(self, Self::DailyByAgent | Self::WeeklyByAgent)
    }

    /// The row of this table a `rollups` row adds to (`day` is the week's Monday for weekly).
    pub fn key_of(self, key: &RollupKey) -> RollupKey {
        let by_agent = self.is_by_agent();
        RollupKey {
            day: match self.is_weekly() {
                true => week_of(&key.day),
                false => key.day.clone(),
            },
            agent: key.agent.clone(),
            team: String::new(),
            channel: match by_agent && key.channel != Channel::HelpCenter.as_str() {
                true => String::new(),
                false => key.channel.clone(),
            },
        }
    }
}

/// The counters of one rollup row (or a change to them: values may be negative).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RollupCounters(pub [i64; COUNTERS]);

impl Default for RollupCounters {
    fn default() -> Self {
        Self([0; COUNTERS])
    }
}

impl RollupCounters {
    /// What one response adds to its rollup row: nothing while it is flagged.
    pub fn of_response(response: &ResponseState) -> Self {
        let mut c = Self::default();
        if response.source.flagged {
            return c;
        }
        let answers = &response.answers;
        if let Some(s) = answers.csat {
            c.0[CSAT + s.index()] = 1;
        }
        if let Some(s) = answers.nps {
            c.0[NPS + s.index()] = 1;
        }
        if let Some(s) = answers.ces {
            c.0[CES + s.index()] = 1;
        }
        match answers.resolved {
            Some(koe_shared::Resolved::Yes) => c.0[RESOLVED_YES] = 1,
            Some(koe_shared::Resolved::No) => c.0[RESOLVED_NO] = 1,
            None => {}
        }
        c.0[RESPONSES] = 1;
        c
    }

    /// What one first impression adds.
    pub fn impression() -> Self {
        let mut c = Self::default();
        c.0[IMPRESSIONS] = 1;
        c
    }

    pub fn add(&mut self, other: &Self) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0) {
            *mine += theirs;
        }
    }

    pub fn minus(mut self, other: &Self) -> Self {
        for (mine, theirs) in self.0.iter_mut().zip(other.0) {
            *mine -= theirs;
        }
        self
    }

    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|v| *v == 0)
    }

    pub fn responses(&self) -> i64 {
        self.0[RESPONSES]
    }

    pub fn impressions(&self) -> i64 {
        self.0[IMPRESSIONS]
    }

    /// The score histograms, for the metric math in `koe_shared::metrics`.
    pub fn scores(&self) -> ScoreCounts {
        let count = |i: usize| u64::try_from(self.0[i]).unwrap_or(0);
        ScoreCounts {
            csat: std::array::from_fn(|i| count(CSAT + i)),
            nps: std::array::from_fn(|i| count(NPS + i)),
            ces: std::array::from_fn(|i| count(CES + i)),
            resolved_yes: count(RESOLVED_YES),
            resolved_no: count(RESOLVED_NO),
        }
    }
}

/// A change to apply to one rollup row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollupDelta {
    pub key: RollupKey,
    pub counters: RollupCounters,
}

/// The rollup changes that turn `before` (if any) into `after`, ordered by key so concurrent
/// writers lock rows in one order, with no-op rows left out.
pub fn response_deltas(before: Option<&ResponseState>, after: &ResponseState) -> Vec<RollupDelta> {
    let mut by_key: BTreeMap<RollupKey, RollupCounters> = BTreeMap::new();
    by_key
        .entry(RollupKey::of_response(after))
        .or_default()
        .add(&RollupCounters::of_response(after));
    if let Some(before) = before {
        let entry = by_key.entry(RollupKey::of_response(before)).or_default();
        *entry = entry.minus(&RollupCounters::of_response(before));
    }
    by_key
        .into_iter()
        .filter(|(_, c)| !c.is_zero())
        .map(|(key, counters)| RollupDelta { key, counters })
        .collect()
}

/// Rollups recomputed from raw data: what the table should hold.
#[derive(Debug, Default)]
pub struct Recomputation {
    rows: BTreeMap<RollupKey, RollupCounters>,
}

impl Recomputation {
    pub fn count_response(&mut self, response: &ResponseState) {
        self.rows
            .entry(RollupKey::of_response(response))
            .or_default()
            .add(&RollupCounters::of_response(response));
    }

    pub fn count_impression(&mut self, key: RollupKey) {
        self.rows
            .entry(key)
            .or_default()
            .add(&RollupCounters::impression());
    }

    /// What a summary table should hold, derived from these rows.
    pub fn summary(&self, summary: Summary) -> Self {
        let mut summed = Self::default();
        for (key, counters) in &self.rows {
            summed
                .rows
                .entry(summary.key_of(key))
                .or_default()
                .add(counters);
        }
        summed
    }

    /// Rows where the stored rollups differ from the recomputation.
    pub fn drift(
        &self,
        table: &'static str,
        stored: impl IntoIterator<Item = (RollupKey, RollupCounters)>,
    ) -> Vec<RollupDrift> {
        let mut stored: BTreeMap<RollupKey, RollupCounters> = stored.into_iter().collect();
        let mut drift = Vec::new();
        for (key, expected) in &self.rows {
            let actual = stored.remove(key).unwrap_or_default();
            if actual != *expected {
                drift.push(RollupDrift {
                    table,
                    key: key.clone(),
                    expected: *expected,
                    actual,
                });
            }
        }
        for (key, actual) in stored {
            if !actual.is_zero() {
                drift.push(RollupDrift {
                    table,
                    key,
                    expected: RollupCounters::default(),
                    actual,
                });
            }
        }
        drift
    }
}

/// One rollup row that does not match the raw data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollupDrift {
    /// `rollups` or a [`Summary`] table (`key.day` is the week's Monday in `rollups_weekly`).
    pub table: &'static str,
    pub key: RollupKey,
    pub expected: RollupCounters,
    pub actual: RollupCounters,
}

impl RollupDrift {
    /// `column: expected → actual` for each differing counter.
    pub fn differences(&self) -> Vec<String> {
        COUNTER_COLUMNS
            .iter()
            .enumerate()
            .filter(|(i, _)| self.expected.0[*i] != self.actual.0[*i])
            .map(|(i, name)| {
                format!(
                    "{name}: expected {}, found {}",
                    self.expected.0[i], self.actual.0[i]
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::{Answers, Attribution};
    use koe_shared::{AgentId, CsatScore, NpsScore};

    fn response(agent: &str, csat: u8, nps: Option<u8>) -> ResponseState {
        ResponseState {
            attribution: Attribution {
                agent: Some(AgentId::try_from(agent).unwrap()),
                ..Attribution::default()
            },
            answers: Answers {
                csat: Some(CsatScore::try_from(csat).unwrap()),
                nps: nps.map(|v| NpsScore::try_from(v).unwrap()),
                ..Answers::default()
            },
            source: crate::response::Source::WIDGET,
            day: "2026-11-26".into(),
            created_at_ms: 0,
            updated_at_ms: 0,
        }
    }

    #[test]
    fn a_new_response_adds_one_to_its_row() {
        let deltas = response_deltas(None, &response("a", 4, None));
        assert_eq!(deltas.len(), 1);
        assert_eq!(deltas[0].counters.0[CSAT + 3], 1);
        assert_eq!(deltas[0].counters.responses(), 1);
    }

    #[test]
    fn an_edit_moves_counts_from_the_old_value_to_the_new() {
        let deltas = response_deltas(Some(&response("a", 4, None)), &response("a", 2, Some(10)));
        assert_eq!(deltas.len(), 1);
        let c = deltas[0].counters;
        assert_eq!(
            (c.0[CSAT + 3], c.0[CSAT + 1], c.0[NPS + 10], c.responses()),
            (-1, 1, 1, 0)
        );
        assert!(response_deltas(Some(&response("a", 4, None)), &response("a", 4, None)).is_empty());
    }

    #[test]
    fn a_reattribution_moves_the_response_between_rows() {
        let deltas = response_deltas(Some(&response("a", 4, None)), &response("b", 4, None));
        assert_eq!(deltas.len(), 2);
        assert_eq!(
            (deltas[0].key.agent.as_str(), deltas[0].counters.responses()),
            ("a", -1)
        );
        assert_eq!(
            (deltas[1].key.agent.as_str(), deltas[1].counters.responses()),
            ("b", 1)
        );
    }

    #[test]
    fn drift_reports_missing_extra_and_different_rows() {
        let mut expected = Recomputation::default();
        expected.count_response(&response("a", 5, None));
        let key = RollupKey::of_response(&response("a", 5, None));
        let right = RollupCounters::of_response(&response("a", 5, None));
        assert!(expected.drift("rollups", [(key.clone(), right)]).is_empty());
        let wrong = RollupCounters::of_response(&response("a", 1, None));
        let drift = expected.drift("rollups", [(key.clone(), wrong)]);
        assert_eq!(drift.len(), 1);
        assert_eq!(drift[0].differences().len(), 2);
        assert_eq!(expected.drift("rollups", []).len(), 1);
        let other = RollupKey::new("2026-01-01", None, None, None);
        assert_eq!(
            expected
                .drift("rollups", [(key, right), (other, right)])
                .len(),
            1
        );
    }
}
