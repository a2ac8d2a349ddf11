//! The dashboard's answers to a manager's questions, as view models for
//! `templates/dashboard/insights.html`: did each metric change against the previous period
//! (in words, not only arrows), which agents stand out once luck is taken out, and why
//! customers are unhappy.

use koe_shared::compare::{Change, Verdict};
use koe_shared::metrics::Estimate;

use crate::report::Report;
use crate::report::reasons::ReasonCount;
use crate::report::standings::{Flag, Standing};
use crate::texts::dashboard::Texts;

/// One metric now, before and the change, formatted.
#[derive(Debug)]
pub struct MetricChange<'a> {
    pub name: &'static str,
    pub now: String,
    pub before: String,
    pub change: String,
    /// `up`, `down` or `no-clear-change`: the class that colours it.
    pub class: &'static str,
    pub verdict: &'a str,
}

#[derive(Debug)]
pub struct StandingRow<'a> {
    pub rank: usize,
    pub agent: &'a str,
    pub team: &'a str,
    pub n: u64,
    pub raw: String,
    pub adjusted: String,
    pub flag: Option<&'a str>,
}

#[derive(Debug)]
pub struct ReasonRow<'a> {
    pub reason: &'a str,
    pub unhappy: u64,
}

fn estimate(e: Option<Estimate>, decimals: usize) -> String {
    e.map_or_else(
        || "–".into(),
        |e| format!("{:.d$} (n = {})", e.value, e.n, d = decimals),
    )
}

/// The overview: each metric of the whole range against the previous period.
pub fn changes<'a>(t: &'a Texts, overview: &Report) -> Vec<MetricChange<'a>> {
    let Some(row) = overview.rows.first() else {
        return Vec::new();
    };
    let change = row.change.clone().unwrap_or_default();
    let metrics: [(&'static str, Option<Estimate>, Option<Change>, usize); 4] = [
        ("CSAT %", row.csat, change.csat, 1),
        ("NPS", row.nps, change.nps, 0),
        ("CES", row.ces, change.ces, 2),
        ("FCR %", row.fcr, change.fcr, 1),
    ];
    let words = &t.insights.verdicts;
    metrics
        .into_iter()
        .map(|(name, now, change, d)| {
            let (class, verdict) = match change.map(|c| c.verdict) {
                Some(Verdict::Up) => ("up", words[0]),
                Some(Verdict::Down) => ("down", words[1]),
                Some(Verdict::NoClearChange) | None => ("no-clear-change", words[2]),
            };
            MetricChange {
                name,
                now: estimate(now, d),
                before: estimate(change.map(|c| c.before), d),
                change: change.map_or_else(
                    || "–".into(),
                    |c| format!("{:+.d$} ({:.d$}–{:.d$})", c.difference, c.low, c.high),
                ),
                class,
                verdict,
            }
        })
        .collect()
}

pub fn standings<'a>(t: &'a Texts, standings: &'a [Standing]) -> Vec<StandingRow<'a>> {
    standings
        .iter()
        .map(|s| StandingRow {
            rank: s.rank,
            agent: &s.agent,
            team: s.team.as_deref().unwrap_or(t.none),
            n: s.csat.n,
            raw: format!("{:.1} ({:.1}–{:.1})", s.csat.value, s.csat.low, s.csat.high),
            adjusted: format!("{:.1}", s.shrunk),
            flag: s.flag.map(|f| match f {
                Flag::Below => t.insights.below,
                Flag::Above => t.insights.above,
            }),
        })
        .collect()
}

pub fn reasons(counts: &[ReasonCount]) -> Vec<ReasonRow<'_>> {
    counts
        .iter()
        .map(|c| ReasonRow {
            reason: &c.reason,
            unhappy: c.unhappy,
        })
        .collect()
}
