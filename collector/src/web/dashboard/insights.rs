//! The dashboard's answers to a manager's questions, as view models the page templates show:
//! did each metric change against the earlier period (in words and colour, not only arrows),
//! which agents stand out once luck is taken out, which channel is worst, why customers are
//! unhappy. Numbers leave this file formatted; the templates escape every value.

use koe_shared::compare::{Change, Verdict};
use koe_shared::metrics::Estimate;

use crate::report::standings::{Flag, Standing};
use crate::report::{Report, ReportRow};
use koe_shared::Channel;

use crate::storage::ReasonCount;
use crate::texts::dashboard::Texts;

/// A verdict's class (which colours it) and its words; without answers in both periods there
/// is nothing to compare, and the page says so rather than "no clear change".
#[derive(Debug, Clone, Copy)]
pub struct VerdictText<'a> {
    /// `up`, `down`, `no-clear-change` or `no-comparison`.
    pub class: &'static str,
    pub words: &'a str,
}

fn verdict<'a>(t: &'a Texts, change: Option<&Change>) -> VerdictText<'a> {
    let words = &t.insights.verdicts;
    match change.map(|c| c.verdict) {
        Some(Verdict::Up) => VerdictText {
            class: "up",
            words: words[0],
        },
        Some(Verdict::Down) => VerdictText {
            class: "down",
            words: words[1],
        },
        Some(Verdict::NoClearChange) => VerdictText {
            class: "no-clear-change",
            words: words[2],
        },
        None => VerdictText {
            class: "no-comparison",
            words: t.pages.no_comparison,
        },
    }
}

/// A value with its 95 % interval and n, formatted for a table cell.
#[derive(Debug)]
pub struct Cell {
    pub value: String,
    pub interval: String,
    pub n: u64,
}

pub fn cell(e: Option<Estimate>, decimals: usize) -> Option<Cell> {
    e.map(|e| Cell {
        value: format!("{:.decimals$}", e.value),
        interval: format!("{:.decimals$} – {:.decimals$}", e.low, e.high),
        n: e.n,
    })
}

fn difference(change: Option<&Change>, decimals: usize) -> String {
    change.map_or_else(
        || "–".into(),
        |c| {
            format!(
                "{:+.d$} ({:+.d$} to {:+.d$})",
                c.difference,
                c.low,
                c.high,
                d = decimals
            )
        },
    )
}

/// One metric of the whole range: now, before, the change and its verdict.
#[derive(Debug)]
pub struct Card<'a> {
    pub name: &'static str,
    /// `None`: no answers in the range.
    pub now: Option<Cell>,
    /// The earlier period's value and n, `–` when it had none.
    pub before: String,
    pub change: String,
    pub verdict: VerdictText<'a>,
}

/// The metrics of a one-row report compared with its earlier period, as cards.
pub fn cards<'a>(t: &'a Texts, overview: &Report) -> Vec<Card<'a>> {
    let Some(row) = overview.rows.first() else {
        return Vec::new();
    };
    let change = row.change.clone().unwrap_or_default();
    let metrics: [(&'static str, Option<Estimate>, Option<Change>, usize); 5] = [
        ("CSAT %", row.csat, change.csat, 1),
        ("NPS", row.nps, change.nps, 0),
        ("CES", row.ces, change.ces, 2),
        ("FCR %", row.fcr, change.fcr, 1),
        (t.response_rate, row.response_rate, change.response_rate, 1),
    ];
    metrics
        .into_iter()
        .map(|(name, now, change, d)| Card {
            name,
            now: cell(now, d),
            before: change.as_ref().map_or_else(
                || "–".into(),
                |c| format!("{:.d$} (n = {})", c.before.value, c.before.n),
            ),
            change: difference(change.as_ref(), d),
            verdict: verdict(t, change.as_ref()),
        })
        .collect()
}

#[derive(Debug)]
pub struct StandingRow<'a> {
    pub rank: usize,
    pub agent: &'a str,
    /// The agent's own page, keeping the filters.
    pub href: String,
    pub team: &'a str,
    pub n: u64,
    pub raw: Cell,
    pub adjusted: String,
    pub flag: Option<&'a str>,
    /// CSAT against the earlier period.
    pub change: String,
    pub verdict: VerdictText<'a>,
}

/// The standings, each with its CSAT change from `compared` (a by-agent report with a
/// comparison) and a link made by `href`.
pub fn standings<'a>(
    t: &'a Texts,
    standings: &'a [Standing],
    compared: &Report,
    href: impl Fn(&str) -> String,
) -> Vec<StandingRow<'a>> {
    standings
        .iter()
        .map(|s| {
            let change = compared
                .rows
                .iter()
                .find(|r| r.agent.as_deref() == Some(s.agent.as_str()))
                .and_then(|r| r.change.as_ref())
                .and_then(|c| c.csat.as_ref());
            StandingRow {
                rank: s.rank,
                agent: &s.agent,
                href: href(&s.agent),
                team: s.team.as_deref().unwrap_or(t.none),
                n: s.csat.n,
                raw: cell(Some(s.csat), 1).expect("a standing has a CSAT estimate"),
                adjusted: format!("{:.1}", s.shrunk),
                flag: s.flag.map(|f| match f {
                    Flag::Below => t.insights.below,
                    Flag::Above => t.insights.above,
                }),
                change: difference(change, 1),
                verdict: verdict(t, change),
            }
        })
        .collect()
}

/// A group's row with its metrics and the CSAT and NPS changes (the channels table, an
/// agent's channel split).
#[derive(Debug)]
pub struct GroupRow<'a> {
    pub name: &'a str,
    pub responses: u64,
    pub low_n: bool,
    pub csat: Option<Cell>,
    pub csat_verdict: VerdictText<'a>,
    pub nps: Option<Cell>,
    pub nps_verdict: VerdictText<'a>,
    pub ces: Option<Cell>,
    pub fcr: Option<Cell>,
    pub rate: Option<Cell>,
}

/// A report's rows by `name`, lowest CSAT first (rows without CSAT last).
pub fn group_rows<'a>(
    t: &'a Texts,
    report: &'a Report,
    name: impl Fn(&'a ReportRow) -> Option<&'a str>,
) -> Vec<GroupRow<'a>> {
    let mut rows: Vec<&ReportRow> = report.rows.iter().collect();
    let csat = |r: &ReportRow| r.csat.map_or(f64::INFINITY, |e| e.value);
    rows.sort_by(|a, b| csat(a).total_cmp(&csat(b)));
    rows.into_iter()
        .map(|row| {
            let change = row.change.as_ref();
            GroupRow {
                name: name(row).filter(|n| !n.is_empty()).unwrap_or(t.none),
                responses: row.responses,
                low_n: row.low_n,
                csat: cell(row.csat, 1),
                csat_verdict: verdict(t, change.and_then(|c| c.csat.as_ref())),
                nps: cell(row.nps, 0),
                nps_verdict: verdict(t, change.and_then(|c| c.nps.as_ref())),
                ces: cell(row.ces, 2),
                fcr: cell(row.fcr, 1),
                rate: cell(row.response_rate, 1),
            }
        })
        .collect()
}

#[derive(Debug)]
pub struct ReasonRow<'a> {
    /// The channel, on the channels page.
    pub group: Option<&'a str>,
    pub reason: &'a str,
    pub unhappy: u64,
}

pub fn reasons(counts: &[ReasonCount]) -> Vec<ReasonRow<'_>> {
    counts
        .iter()
        .map(|c| ReasonRow {
            group: c.channel.map(Channel::as_str),
            reason: c.label.as_str(),
            unhappy: c.unhappy,
        })
        .collect()
}
