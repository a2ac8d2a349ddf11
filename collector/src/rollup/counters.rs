//! The counters of one rollup row: a histogram per score, "resolved?" answers, responses and
//! impressions — named fields here, one column each in every rollup table.

use koe_shared::Resolved;
use koe_shared::metrics::ScoreCounts;

use crate::responses::ResponseState;

/// Counters per row, in the order of [`COUNTER_COLUMNS`].
pub const COUNTERS: usize = 27;

/// Counter columns of every rollup table, in the order of [`RollupCounters::values`].
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

/// The counters of one rollup row (or a change to them: values may be negative).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RollupCounters {
    /// Answers of CSAT 1–5.
    pub csat: [i64; 5],
    /// Answers of NPS 0–10.
    pub nps: [i64; 11],
    /// Answers of CES 1–7.
    pub ces: [i64; 7],
    pub resolved_yes: i64,
    pub resolved_no: i64,
    /// Responses counted (flagged ones are not).
    pub responses: i64,
    /// Surveys shown (first impressions).
    pub impressions: i64,
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
            c.csat[s.index()] = 1;
        }
        if let Some(s) = answers.nps {
            c.nps[s.index()] = 1;
        }
        if let Some(s) = answers.ces {
            c.ces[s.index()] = 1;
        }
        match answers.resolved {
            Some(Resolved::Yes) => c.resolved_yes = 1,
            Some(Resolved::No) => c.resolved_no = 1,
            None => {}
        }
        c.responses = 1;
        c
    }

    /// What one first impression adds.
    pub fn impression() -> Self {
        Self {
            impressions: 1,
            ..Self::default()
        }
    }

    /// Every counter in [`COUNTER_COLUMNS`] order, as storage writes them.
    pub fn values(&self) -> [i64; COUNTERS] {
        let mut values = [0; COUNTERS];
        let singles = [
            self.resolved_yes,
            self.resolved_no,
            self.responses,
            self.impressions,
        ];
        for (slot, value) in values.iter_mut().zip(
            self.csat
                .iter()
                .chain(&self.nps)
                .chain(&self.ces)
                .chain(&singles),
        ) {
            *slot = *value;
        }
        values
    }

    /// The counters from values in [`COUNTER_COLUMNS`] order, as storage reads them.
    pub fn from_values(values: [i64; COUNTERS]) -> Self {
        let mut c = Self::default();
        let (csat, rest) = values.split_at(5);
        let (nps, rest) = rest.split_at(11);
        let (ces, rest) = rest.split_at(7);
        c.csat.copy_from_slice(csat);
        c.nps.copy_from_slice(nps);
        c.ces.copy_from_slice(ces);
        [c.resolved_yes, c.resolved_no, c.responses, c.impressions] =
            [rest[0], rest[1], rest[2], rest[3]];
        c
    }

    pub fn add(&mut self, other: &Self) {
        let (mine, theirs) = (self.values(), other.values());
        *self = Self::from_values(std::array::from_fn(|i| mine[i] + theirs[i]));
    }

    pub fn minus(self, other: &Self) -> Self {
        let (mine, theirs) = (self.values(), other.values());
        Self::from_values(std::array::from_fn(|i| mine[i] - theirs[i]))
    }

    pub fn is_zero(&self) -> bool {
        *self == Self::default()
    }

    /// The score histograms, for the metric math in `koe_shared::metrics`.
    pub fn scores(&self) -> ScoreCounts {
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        ScoreCounts {
            csat: self.csat.map(count),
            nps: self.nps.map(count),
            ces: self.ces.map(count),
            resolved_yes: count(self.resolved_yes),
            resolved_no: count(self.resolved_no),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_follow_the_column_order_and_round_trip() {
        let mut c = RollupCounters::default();
        c.csat[0] = 1;
        c.nps[10] = 2;
        c.ces[6] = 3;
        c.resolved_no = 4;
        c.impressions = 5;
        let values = c.values();
        let at = |column: &str| values[COUNTER_COLUMNS.iter().position(|c| *c == column).unwrap()];
        assert_eq!(
            (
                at("csat_1"),
                at("nps_10"),
                at("ces_7"),
                at("resolved_no"),
                at("impressions")
            ),
            (1, 2, 3, 4, 5)
        );
        assert_eq!(RollupCounters::from_values(values), c);
    }

    #[test]
    fn adding_and_subtracting_are_per_counter() {
        let mut a = RollupCounters::impression();
        a.add(&RollupCounters::impression());
        assert_eq!(a.impressions, 2);
        assert!(a.minus(&a).is_zero());
    }
}
