//! The terminal tables of `koe report`: each metric with its interval, low-n rows marked, and
//! the agent standings; both under a line naming the site and the range.

use koe_shared::compare::Change;
use koe_shared::metrics::Estimate;

use super::Report;
use super::standings::{Flag, Standings};

/// What a `*` beside a response rate means.
const CAPPED: &str = "* capped: more responses than impressions (answers from rating links and \
                      imports come without one), so the rate is 100 % of the impressions and \
                      means \"at least\"";

fn estimate(e: Option<Estimate>, decimals: usize) -> String {
    match e {
        Some(e) => format!(
            "{:.d$} ({:.d$}–{:.d$})",
            e.value,
            e.low,
            e.high,
            d = decimals
        ),
        None => "–".into(),
    }
}

/// A change as `+3.1 (−1.2–7.4) up`, or `–`.
fn change_cell(change: Option<Change>, decimals: usize) -> String {
    match change {
        Some(c) => format!(
            "{:+.d$} ({:.d$}–{:.d$}) {}",
            c.difference,
            c.low,
            c.high,
            c.verdict.as_str(),
            d = decimals
        ),
        None => "–".into(),
    }
}

pub fn render(report: &Report) -> String {
    let mut header: Vec<String> = report
        .group_by
        .iter()
        .map(|g| g.as_str().to_owned())
        .collect();
    header.extend(
        [
            "bucket",
            "n",
            "CSAT %",
            "NPS",
            "CES",
            "FCR %",
            "resp. rate %",
            "",
        ]
        .map(str::to_owned),
    );
    if report.compared_with.is_some() {
        header.extend(["CSAT % change", "NPS change"].map(str::to_owned));
    }
    let mut rows = vec![header];
    for row in &report.rows {
        let mut cells: Vec<String> = Vec::new();
        for &group in &report.group_by {
            let value = row
                .group_value(group)
                .filter(|v| !v.is_empty())
                .unwrap_or("(none)");
            cells.push(value.to_owned());
        }
        cells.push(row.bucket_start.clone());
        cells.push(row.responses.to_string());
        cells.push(estimate(row.csat, 1));
        cells.push(estimate(row.nps, 0));
        cells.push(estimate(row.ces, 2));
        cells.push(estimate(row.fcr, 1));
        let mut rate = estimate(row.response_rate, 1);
        if row.response_rate_capped {
            rate.push('*');
        }
        cells.push(rate);
        cells.push(if row.low_n {
            "low n".into()
        } else {
            String::new()
        });
        if report.compared_with.is_some() {
            let change = row.change.clone().unwrap_or_default();
            cells.push(change_cell(change.csat, 1));
            cells.push(change_cell(change.nps, 0));
        }
        rows.push(cells);
    }
    let mut out = format!(
        "{} · {} to {} · by {} · {} rows (low n: fewer than {} responses; intervals are 95 %)\n",
        report.site,
        report.from,
        report.to,
        report.bucket.as_str(),
        report.rows.len(),
        report.low_n_threshold
    );
    out.push_str(&aligned(rows));
    if report.rows.iter().any(|r| r.response_rate_capped) {
        out.push_str(CAPPED);
        out.push('\n');
    }
    out
}

/// Rows of cells as lines, each column as wide as its widest cell.
fn aligned(rows: Vec<Vec<String>>) -> String {
    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell}{}", " ".repeat(width - cell.chars().count())))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// Agent standings under a line naming the site and the range: rank, agent, team, n, raw CSAT
/// with its interval, shrunk CSAT, the difference from the rest of the team with its interval,
/// flag.
pub fn standings(standings: &Standings) -> String {
    let header = [
        "rank",
        "agent",
        "team",
        "n",
        "CSAT % (95 %)",
        "shrunk",
        "vs rest of team (95 %)",
        "flag",
    ];
    let mut rows = vec![Vec::from(header.map(str::to_owned))];
    for a in &standings.agents {
        let flag = match a.flag {
            Some(Flag::Below) => "below the rest of the team",
            Some(Flag::Above) => "above the rest of the team",
            None => "",
        };
        let against = match a.against_team {
            Some(t) => format!("{:+.1} ({:.1}–{:.1})", t.difference, t.low, t.high),
            None => "–".into(),
        };
        rows.push(vec![
            a.rank.to_string(),
            a.agent.clone(),
            a.team.as_deref().unwrap_or("(none)").to_owned(),
            a.csat.n.to_string(),
            estimate(Some(a.csat), 1),
            format!("{:.1}", a.shrunk),
            against,
            flag.to_owned(),
        ]);
    }
    let agents = match standings.agents.len() {
        1 => "1 agent".to_owned(),
        n => format!("{n} agents"),
    };
    let mut out = format!(
        "{} · {} to {} · {agents} ranked by CSAT shrunk toward their team's (intervals are \
         95 %; flagged when the interval of the difference from the rest of the team leaves \
         out 0)\n",
        standings.site, standings.from, standings.to
    );
    out.push_str(&aligned(rows));
    out
}

#[cfg(test)]
mod tests {
    use koe_shared::metrics::proportion_percent;

    use super::*;
    use crate::report::standings::{AgainstTeam, Standing};

    #[test]
    fn standings_are_headed_by_the_site_and_range_and_show_the_difference() {
        let ranked = Standings {
            site: "site_shop".into(),
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            agents: vec![Standing {
                rank: 1,
                agent: "ken".into(),
                team: None,
                csat: proportion_percent(20, 100).unwrap(),
                shrunk: 21.04,
                against_team: Some(AgainstTeam {
                    rest: proportion_percent(85, 100).unwrap(),
                    difference: -65.0,
                    low: -73.76,
                    high: -52.854,
                }),
                flag: Some(Flag::Below),
            }],
        };
        let table = standings(&ranked);
        let mut lines = table.lines();
        let head = lines.next().unwrap();
        assert!(
            head.starts_with("site_shop · 2026-11-01 to 2026-11-30 · 1 agent ranked"),
            "{table}"
        );
        assert!(
            lines.next().unwrap().starts_with("rank  agent  team"),
            "{table}"
        );
        let ken = lines.next().unwrap();
        assert!(ken.contains("(none)"), "{table}");
        assert!(ken.contains("-65.0 (-73.8–-52.9)"), "{table}");
        assert!(ken.ends_with("below the rest of the team"), "{table}");
    }
}
