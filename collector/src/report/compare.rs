//! Comparing a report with an earlier period: the period of equal length just before
//! (`compare=previous`) or the same dates a year earlier (`compare=previous_year`). Each row
//! is matched with the earlier row of the same group and the same bucket position (the first
//! week with the first week, …), and every metric gets its change with a 95 % interval and a
//! verdict (`koe_shared::compare`).

use jiff::civil::Date;
use koe_shared::compare::{self, Change};
use serde::Serialize;

use super::Tally;

/// Which earlier period a report is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Compare {
    /// The period of equal length that ends the day before this one starts.
    Previous,
    /// The same dates a year earlier.
    PreviousYear,
}

impl Compare {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "previous" => Some(Self::Previous),
            "previous_year" => Some(Self::PreviousYear),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Previous => "previous",
            Self::PreviousYear => "previous_year",
        }
    }

    /// The earlier range for `from..=to`.
    pub fn earlier(self, from: Date, to: Date) -> Result<(Date, Date), jiff::Error> {
        let shift = match self {
            Self::Previous => jiff::Span::new().days(i64::from((to - from).get_days()) + 1),
            Self::PreviousYear => jiff::Span::new().years(1),
        };
        Ok((from.checked_sub(shift)?, to.checked_sub(shift)?))
    }
}

/// The earlier period a report was compared with.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ComparedWith {
    pub compare: Compare,
    pub from: String,
    pub to: String,
}

/// Each metric of a row against the matching earlier row (`None`: nothing to compare).
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RowChange {
    pub csat: Option<Change>,
    pub nps: Option<Change>,
    pub ces: Option<Change>,
    pub fcr: Option<Change>,
    pub response_rate: Option<Change>,
}

/// The changes from `before` to `now`.
pub(super) fn row_change(now: &Tally, before: &Tally) -> RowChange {
    let satisfied = |t: &Tally| t.scores.csat[3] + t.scores.csat[4];
    let answered = |t: &Tally| t.scores.csat.iter().sum::<u64>();
    let resolved = |t: &Tally| {
        (
            t.scores.resolved_yes,
            t.scores.resolved_yes + t.scores.resolved_no,
        )
    };
    let (yes_now, fcr_now) = resolved(now);
    let (yes_before, fcr_before) = resolved(before);
    RowChange {
        csat: compare::proportion_change(
            satisfied(now),
            answered(now),
            satisfied(before),
            answered(before),
        ),
        nps: compare::nps_change(&now.scores.nps, &before.scores.nps),
        ces: compare::ces_change(&now.scores.ces, &before.scores.ces),
        fcr: compare::proportion_change(yes_now, fcr_now, yes_before, fcr_before),
        response_rate: compare::proportion_change(
            now.responses.min(now.impressions),
            now.impressions,
            before.responses.min(before.impressions),
            before.impressions,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn the_earlier_period_has_the_same_length() {
        let (from, to) = Compare::Previous
            .earlier(date("2026-11-23"), date("2026-11-29"))
            .unwrap();
        assert_eq!((from, to), (date("2026-11-16"), date("2026-11-22")));
        let (from, to) = Compare::PreviousYear
            .earlier(date("2026-11-01"), date("2026-11-30"))
            .unwrap();
        assert_eq!((from, to), (date("2025-11-01"), date("2025-11-30")));
    }
}
