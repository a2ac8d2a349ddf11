//! How well a team recovers unhappy customers, counted from the follow-ups an answer of the
//! range opened (withdrawn ones aside) — each with its n and a 95 % interval like every other
//! metric (docs/metrics.md, "Follow-ups"):
//! - **contacted within SLA %**: of the follow-ups whose due time has passed or that were
//!   contacted, the share first contacted by the due time (Wilson interval);
//! - **median time to first contact**: over the contacted ones, wall-clock seconds from the
//!   answer to the first contact, with the distribution-free interval of the median (order
//!   statistics);
//! - **recovery rate**: of the customers asked again, the share who now answer CSAT 4 or 5
//!   (one who has not answered counts as not recovered, so the rate never flatters);
//! - **root causes**: each cause's share of the closed follow-ups.

use std::collections::BTreeMap;

use koe_shared::metrics::{Estimate, proportion_percent};
use serde::Serialize;

use crate::csv::{cell, table};
use crate::report::{Bucket, GroupBy, ReportQuery};
use crate::storage::FollowupFact;

/// The numbers of one group of follow-ups.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FollowupNumbers {
    /// Follow-ups opened (withdrawn ones aside).
    pub opened: u64,
    /// Still open or being worked.
    pub active: u64,
    /// Open past their due time, nobody having contacted the customer.
    pub overdue: u64,
    pub contacted_within_sla: Option<Estimate>,
    pub median_first_contact_secs: Option<Estimate>,
    /// Customers asked again after a resolved closing.
    pub reasked: u64,
    /// Of them, those who answered.
    pub reask_answered: u64,
    pub recovery_rate: Option<Estimate>,
    /// Closed follow-ups.
    pub closed: u64,
    /// Each root cause: how many closed follow-ups name it, and its share of the closed.
    pub causes: Vec<CauseCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CauseCount {
    pub cause: String,
    pub count: u64,
    pub share: Option<Estimate>,
}

/// One row of a follow-up report: its bucket (first day), its group and its numbers.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FollowupRow {
    pub period: Option<String>,
    pub agent: Option<String>,
    pub team: Option<String>,
    pub channel: Option<String>,
    #[serde(flatten)]
    pub numbers: FollowupNumbers,
}

/// Counts one group of follow-ups at `now_ms`.
pub fn count(facts: &[&FollowupFact], now_ms: i64) -> FollowupNumbers {
    let mut n = FollowupNumbers {
        opened: facts.len() as u64,
        ..FollowupNumbers::default()
    };
    let (mut due, mut in_time, mut recovered) = (0u64, 0u64, 0u64);
    let mut waits: Vec<i64> = Vec::new();
    let mut causes: BTreeMap<&str, u64> = BTreeMap::new();
    for f in facts {
        let active = matches!(f.status.as_str(), "open" | "contacted");
        n.active += u64::from(active);
        n.overdue += u64::from(f.status == "open" && f.due_at_ms <= now_ms);
        match f.contacted_at_ms {
            Some(at) => {
                due += 1;
                in_time += u64::from(at <= f.due_at_ms);
                waits.push((at - f.opened_at_ms).max(0) / 1000);
            }
            None if f.due_at_ms <= now_ms => due += 1,
            None => {}
        }
        if !active {
            n.closed += 1;
            if let Some(cause) = &f.cause {
                *causes.entry(cause).or_default() += 1;
            }
        }
        if f.reasked {
            n.reasked += 1;
            if let Some(csat) = f.recovery_csat {
                n.reask_answered += 1;
                recovered += u64::from(csat >= 4);
            }
        }
    }
    n.contacted_within_sla = proportion_percent(in_time, due);
    n.median_first_contact_secs = median(&mut waits);
    n.recovery_rate = proportion_percent(recovered, n.reasked);
    n.causes = causes
        .into_iter()
        .map(|(cause, count)| CauseCount {
            cause: cause.to_owned(),
            count,
            share: proportion_percent(count, n.closed),
        })
        .collect();
    n
}

/// The median with its distribution-free 95 % interval: the order statistics whose ranks are
/// n/2 ∓ 1.96·√n/2 (the binomial's normal approximation), clamped to the sample.
pub fn median(values: &mut [i64]) -> Option<Estimate> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    let value = if n % 2 == 1 {
        values[n / 2] as f64
    } else {
        (values[n / 2 - 1] + values[n / 2]) as f64 / 2.0
    };
    let half = 0.98 * (n as f64).sqrt();
    let centre = n as f64 / 2.0;
    let low_rank = ((centre - half).floor().max(1.0) as usize).min(n);
    let high_rank = ((centre + 1.0 + half).ceil() as usize).clamp(1, n);
    Some(Estimate {
        value,
        low: (values[low_rank - 1] as f64).min(value),
        high: (values[high_rank - 1] as f64).max(value),
        n: n as u64,
    })
}

/// The report: the range's follow-ups counted per bucket and group, as a score report is.
pub fn report(facts: &[FollowupFact], query: &ReportQuery, now_ms: i64) -> Vec<FollowupRow> {
    type Key = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let mut groups: BTreeMap<Key, Vec<&FollowupFact>> = BTreeMap::new();
    let by = |g: GroupBy| query.group_by.contains(&g);
    for f in facts {
        let kept = |want: Option<&str>, got: &Option<String>| {
            want.is_none_or(|w| got.as_deref() == Some(w))
        };
        if !kept(query.agent.as_ref().map(|a| a.as_str()), &f.agent)
            || !kept(query.team.as_ref().map(|t| t.as_str()), &f.team)
            || !kept(query.channel.map(|c| c.as_str()), &f.channel)
        {
            continue;
        }
        let period = match query.bucket {
            Bucket::All => None,
            bucket => f
                .day
                .parse()
                .ok()
                .map(|day| bucket.start(day, query.from).to_string()),
        };
        let key = (
            period,
            by(GroupBy::Agent).then(|| f.agent.clone()).flatten(),
            by(GroupBy::Team).then(|| f.team.clone()).flatten(),
            by(GroupBy::Channel).then(|| f.channel.clone()).flatten(),
        );
        groups.entry(key).or_default().push(f);
    }
    groups
        .into_iter()
        .map(|((period, agent, team, channel), facts)| FollowupRow {
            period,
            agent,
            team,
            channel,
            numbers: count(&facts, now_ms),
        })
        .collect()
}

/// The report as CSV: period and groups, then the counts, then value, interval and n of each
/// rate, then one column per root cause (its count).
pub fn csv(rows: &[FollowupRow], causes: &[String]) -> String {
    let mut header: Vec<String> = ["period", "agent", "team", "channel", "opened", "active"]
        .map(str::to_owned)
        .to_vec();
    header.extend(["overdue", "closed", "reasked", "reask_answered"].map(str::to_owned));
    for metric in [
        "contacted_within_sla",
        "median_first_contact_secs",
        "recovery_rate",
    ] {
        header.extend(["", "_low", "_high", "_n"].map(|suffix| format!("{metric}{suffix}")));
    }
    header.extend(causes.iter().map(|c| format!("cause_{c}")));
    let text = |v: &Option<String>| v.as_deref().map(cell).unwrap_or_default();
    let lines = rows.iter().map(|row| {
        let n = &row.numbers;
        let mut line = vec![
            text(&row.period),
            text(&row.agent),
            text(&row.team),
            text(&row.channel),
        ];
        line.extend(
            [
                n.opened,
                n.active,
                n.overdue,
                n.closed,
                n.reasked,
                n.reask_answered,
            ]
            .map(|v| v.to_string()),
        );
        for estimate in [
            n.contacted_within_sla,
            n.median_first_contact_secs,
            n.recovery_rate,
        ] {
            match estimate {
                Some(e) => line.extend([
                    format!("{:.1}", e.value),
                    format!("{:.1}", e.low),
                    format!("{:.1}", e.high),
                    e.n.to_string(),
                ]),
                None => line.extend([String::new(), String::new(), String::new(), "0".into()]),
            }
        }
        line.extend(causes.iter().map(|c| {
            n.causes
                .iter()
                .find(|cc| &cc.cause == c)
                .map_or(0, |cc| cc.count)
                .to_string()
        }));
        line
    });
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    table(&header, lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(status: &str, contacted: Option<i64>, due: i64) -> FollowupFact {
        FollowupFact {
            day: "2026-12-01".into(),
            agent: Some("aiko".into()),
            team: None,
            channel: None,
            status: status.into(),
            due_at_ms: due,
            opened_at_ms: 0,
            contacted_at_ms: contacted,
            cause: (!matches!(status, "open" | "contacted")).then(|| "product".into()),
            reasked: false,
            recovery_csat: None,
            recovery_resolved: None,
        }
    }

    #[test]
    fn within_sla_counts_only_follow_ups_whose_time_came() {
        let facts = [
            fact("contacted", Some(1_000), 10_000), // in time
            fact("resolved", Some(20_000), 10_000), // late
            fact("open", None, 5_000),              // overdue: counts as missed
            fact("open", None, 1_000_000),          // not yet due: not counted
        ];
        let refs: Vec<&FollowupFact> = facts.iter().collect();
        let n = count(&refs, 50_000);
        let sla = n.contacted_within_sla.unwrap();
        assert_eq!((sla.n, sla.value.round()), (3, 33.0));
        assert_eq!((n.opened, n.active, n.overdue, n.closed), (4, 3, 1, 1));
        assert_eq!(n.median_first_contact_secs.unwrap().value, 10.5);
        assert_eq!(n.causes[0].count, 1);
    }

    #[test]
    fn the_recovery_rate_counts_silence_as_not_recovered() {
        let mut facts = vec![fact("resolved", Some(1), 2); 4];
        for (f, csat) in facts.iter_mut().zip([Some(5), Some(4), Some(2), None]) {
            f.reasked = true;
            f.recovery_csat = csat;
        }
        let refs: Vec<&FollowupFact> = facts.iter().collect();
        let n = count(&refs, 0);
        assert_eq!((n.reasked, n.reask_answered), (4, 3));
        assert_eq!(n.recovery_rate.unwrap().value, 50.0);
    }

    #[test]
    fn the_median_interval_holds_the_median_and_stays_in_the_sample() {
        let mut one = vec![7];
        let m = median(&mut one).unwrap();
        assert_eq!((m.value, m.low, m.high), (7.0, 7.0, 7.0));
        let mut many: Vec<i64> = (1..=100).collect();
        let m = median(&mut many).unwrap();
        assert_eq!(m.value, 50.5);
        assert!(
            m.low >= 39.0 && m.low <= 41.0 && m.high >= 60.0 && m.high <= 62.0,
            "{m:?}"
        );
    }
}
