//! Rollup changes and recomputation: what a write moves (`response_deltas`), and what the
//! tables should hold according to the raw data (`Recomputation`, used by `koe verify`).

use std::collections::BTreeMap;

use super::counters::{COUNTER_COLUMNS, RollupCounters};
use super::key::RollupKey;
use super::summary::Summary;
use crate::responses::ResponseState;

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

    /// The rows as changes to tables that hold none of the site's rows yet (a rebuild).
    pub fn into_deltas(self) -> Vec<RollupDelta> {
        self.rows
            .into_iter()
            .filter(|(_, c)| !c.is_zero())
            .map(|(key, counters)| RollupDelta { key, counters })
            .collect()
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
        let (expected, actual) = (self.expected.values(), self.actual.values());
        COUNTER_COLUMNS
            .iter()
            .zip(expected.iter().zip(&actual))
            .filter(|(_, (e, a))| e != a)
            .map(|(name, (e, a))| format!("{name}: expected {e}, found {a}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::responses::{Answers, Attribution};
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
            source: crate::responses::Source::WIDGET,
            day: "2026-11-26".parse().unwrap(),
            created_at_ms: 0,
            updated_at_ms: 0,
        }
    }

    #[test]
    fn a_new_response_adds_one_to_its_row() {
        let deltas = response_deltas(None, &response("a", 4, None));
        assert_eq!(deltas.len(), 1);
        assert_eq!(deltas[0].counters.csat[3], 1);
        assert_eq!(deltas[0].counters.responses, 1);
    }

    #[test]
    fn an_edit_moves_counts_from_the_old_value_to_the_new() {
        let deltas = response_deltas(Some(&response("a", 4, None)), &response("a", 2, Some(10)));
        assert_eq!(deltas.len(), 1);
        let c = deltas[0].counters;
        assert_eq!(
            (c.csat[3], c.csat[1], c.nps[10], c.responses),
            (-1, 1, 1, 0)
        );
        assert!(response_deltas(Some(&response("a", 4, None)), &response("a", 4, None)).is_empty());
    }

    #[test]
    fn a_reattribution_moves_the_response_between_rows() {
        let deltas = response_deltas(Some(&response("a", 4, None)), &response("b", 4, None));
        assert_eq!(deltas.len(), 2);
        assert_eq!(
            (deltas[0].key.agent_column(), deltas[0].counters.responses),
            ("a", -1)
        );
        assert_eq!(
            (deltas[1].key.agent_column(), deltas[1].counters.responses),
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
        let other = RollupKey {
            day: "2026-01-01".parse().unwrap(),
            agent: None,
            team: None,
            channel: None,
        };
        assert_eq!(
            expected
                .drift("rollups", [(key, right), (other, right)])
                .len(),
            1
        );
    }
}
