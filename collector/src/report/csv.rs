//! A report as CSV: the group columns, the bucket, then value, interval and n per metric
//! (see [`crate::csv`] for quoting and formula defusing).

use koe_shared::metrics::Estimate;

use super::Report;
use crate::csv::{cell, table};

/// A number cell; numbers are never defused (a negative NPS stays a number).
fn number(value: f64) -> String {
    format!("{value:.2}")
}

const METRICS: [&str; 6] = [
    "csat",
    "nps",
    "ces",
    "fcr",
    "response_rate",
    "self_resolution",
];

/// The metrics a compared report gives a change for, in its columns' order.
const COMPARED: [&str; 5] = ["csat", "nps", "ces", "fcr", "response_rate"];

pub fn report(report: &Report) -> String {
    let mut header: Vec<String> = report
        .group_by
        .iter()
        .map(|g| g.as_str().to_owned())
        .collect();
    header.extend(["bucket_start", "responses", "impressions"].map(str::to_owned));
    for metric in METRICS {
        header.extend(["", "_low", "_high", "_n"].map(|suffix| format!("{metric}{suffix}")));
    }
    header.push("low_n".into());
    let compared = report.compared_with.is_some();
    if compared {
        for metric in COMPARED {
            header.extend(
                [
                    "_before",
                    "_before_n",
                    "_change",
                    "_change_low",
                    "_change_high",
                    "_verdict",
                ]
                .map(|suffix| format!("{metric}{suffix}")),
            );
        }
    }
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let rows = report.rows.iter().map(|row| {
        let mut cells: Vec<String> = Vec::new();
        for &group in &report.group_by {
            cells.push(cell(row.group_value(group).unwrap_or_default()));
        }
        cells.extend([
            cell(&row.bucket_start),
            row.responses.to_string(),
            row.impressions.to_string(),
        ]);
        let estimates = [
            row.csat,
            row.nps,
            row.ces,
            row.fcr,
            row.response_rate,
            row.self_resolution,
        ];
        for estimate in estimates {
            match estimate {
                Some(Estimate {
                    value,
                    low,
                    high,
                    n,
                }) => cells.extend([number(value), number(low), number(high), n.to_string()]),
                None => cells.extend([String::new(), String::new(), String::new(), "0".into()]),
            }
        }
        cells.push(row.low_n.to_string());
        if compared {
            let change = row.change.clone().unwrap_or_default();
            for metric in [
                change.csat,
                change.nps,
                change.ces,
                change.fcr,
                change.response_rate,
            ] {
                match metric {
                    Some(c) => cells.extend([
                        number(c.before.value),
                        c.before.n.to_string(),
                        number(c.difference),
                        number(c.low),
                        number(c.high),
                        c.verdict.as_str().to_owned(),
                    ]),
                    None => cells.extend(["", "0", "", "", "", ""].map(str::to_owned)),
                }
            }
        }
        cells
    });
    table(&header, rows)
}
