//! The terminal table of `koe report`: each metric with its interval, low-n rows marked.

use koe_shared::compare::Change;
use koe_shared::metrics::Estimate;

use super::Report;

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
        cells.push(estimate(row.response_rate, 1));
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
    let columns = rows[0].len();
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = format!(
        "{} · {} to {} · by {} · {} rows (low n: fewer than {} responses; intervals are 95 %)\n",
        report.site,
        report.from,
        report.to,
        report.bucket.as_str(),
        report.rows.len(),
        report.low_n_threshold
    );
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

/// Agent standings: rank, agent, team, n, raw CSAT with its interval, shrunk CSAT, flag.
pub fn standings(agents: &[super::standings::Standing]) -> String {
    let mut out = format!(
        "{:>4}  {:<16} {:<12} {:>5}  {:<22} {:>7}  flag\n",
        "rank", "agent", "team", "n", "CSAT % (95 %)", "shrunk"
    );
    for a in agents {
        let flag = match a.flag {
            Some(super::standings::Flag::Below) => "below the rest of the team",
            Some(super::standings::Flag::Above) => "above the rest of the team",
            None => "",
        };
        out.push_str(&format!(
            "{:>4}  {:<16} {:<12} {:>5}  {:<22} {:>7.1}  {flag}\n",
            a.rank,
            a.agent,
            a.team.as_deref().unwrap_or("(none)"),
            a.csat.n,
            estimate(Some(a.csat), 1),
            a.shrunk
        ));
    }
    out
}
