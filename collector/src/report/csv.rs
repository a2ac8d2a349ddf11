//! A report as CSV: the group columns, the bucket, then value, interval and n per metric; the
//! standings as CSV: one row per agent (see [`crate::csv`] for quoting and formula defusing).

use koe_shared::metrics::{Estimate, SHOWN_DECIMALS};

use super::Report;
use super::standings::{Flag, Standings};
use crate::csv::{cell, table};

/// A number cell, to the decimals JSON gives; numbers are never defused (a negative NPS stays
/// a number).
fn number(value: f64) -> String {
    format!("{value:.d$}", d = SHOWN_DECIMALS as usize)
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
    header.extend(["low_n", "response_rate_capped"].map(str::to_owned));
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
        cells.push(row.response_rate_capped.to_string());
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

/// The standings as CSV: rank, agent, team, the raw CSAT with its interval and n, the shrunk
/// CSAT, the rest of the team's CSAT and n, the difference with its interval, and the flag.
pub fn standings(standings: &Standings) -> String {
    let header = [
        "rank",
        "agent",
        "team",
        "csat",
        "csat_low",
        "csat_high",
        "csat_n",
        "shrunk",
        "rest_csat",
        "rest_n",
        "difference",
        "difference_low",
        "difference_high",
        "flag",
        "handled",
        "resolution_rate",
        "resolution_rate_low",
        "resolution_rate_high",
        "frt_median_secs",
    ];
    let rows = standings.agents.iter().map(|a| {
        let mut cells = vec![
            a.rank.to_string(),
            cell(&a.agent),
            cell(a.team.as_deref().unwrap_or_default()),
            number(a.csat.value),
            number(a.csat.low),
            number(a.csat.high),
            a.csat.n.to_string(),
            number(a.shrunk),
        ];
        match a.against_team {
            Some(t) => cells.extend([
                number(t.rest.value),
                t.rest.n.to_string(),
                number(t.difference),
                number(t.low),
                number(t.high),
            ]),
            None => cells.extend(["", "0", "", "", ""].map(str::to_owned)),
        }
        cells.push(
            match a.flag {
                Some(Flag::Below) => "below",
                Some(Flag::Above) => "above",
                None => "",
            }
            .to_owned(),
        );
        match a.service {
            Some(service) => {
                cells.push(number(service.handled));
                match service.resolution_rate {
                    Some(r) => cells.extend([number(r.value), number(r.low), number(r.high)]),
                    None => cells.extend(["", "", ""].map(str::to_owned)),
                }
                cells.push(
                    service
                        .frt_median
                        .map(|p| number(p.seconds))
                        .unwrap_or_default(),
                );
            }
            None => cells.extend(["0", "", "", "", ""].map(str::to_owned)),
        }
        cells
    });
    table(&header, rows)
}

/// The service KPIs as CSV: the group columns, the bucket, interactions and contacts, then
/// value, interval and n per KPI (FRT percentiles in seconds), and why a contact rate is
/// missing.
pub fn service(report: &super::service::ServiceReport) -> String {
    const KPIS: [&str; 9] = [
        "handled_per_day",
        "resolution_rate",
        "fcr",
        "reopen_rate",
        "frt_median_secs",
        "frt_p90_secs",
        "frt_within_target",
        "contact_rate",
        "self_resolution",
    ];
    let mut header: Vec<String> = report.group_by.clone();
    header.extend(["bucket_start", "interactions", "contacts"].map(str::to_owned));
    for kpi in KPIS {
        header.extend(["", "_low", "_high", "_n"].map(|suffix| format!("{kpi}{suffix}")));
    }
    header.extend(["bot_only", "contact_rate_missing", "low_n"].map(str::to_owned));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let rows = report.rows.iter().map(|row| {
        let mut cells: Vec<String> = report
            .group_by
            .iter()
            .map(|g| {
                let value = match g.as_str() {
                    "agent" => &row.agent,
                    "channel" => &row.channel,
                    "team" => &row.team,
                    _ => &row.topic,
                };
                cell(value.as_deref().unwrap_or_default())
            })
            .collect();
        cells.extend([
            cell(&row.bucket_start),
            number(row.interactions),
            number(row.contacts),
        ]);
        let percentile = |p: &Option<super::service::Percentile>| {
            p.map(|p| Estimate {
                value: p.seconds,
                low: p.low,
                high: p.high,
                n: p.n,
            })
        };
        for estimate in [
            row.handled_per_day,
            row.resolution_rate,
            row.fcr,
            row.reopen_rate,
            percentile(&row.frt_median),
            percentile(&row.frt_p90),
            row.frt_within_target,
            row.contact_rate,
            row.self_resolution,
        ] {
            match estimate {
                Some(e) => cells.extend([
                    number(e.value),
                    number(e.low),
                    number(e.high),
                    e.n.to_string(),
                ]),
                None => cells.extend([String::new(), String::new(), String::new(), "0".into()]),
            }
        }
        cells.push(row.bot_only.map(|e| number(e.value)).unwrap_or_default());
        cells.push(cell(
            row.contact_rate_missing.as_deref().unwrap_or_default(),
        ));
        cells.push(row.low_n.to_string());
        cells
    });
    table(&header, rows)
}

/// The answers to the site's own question as CSV: per row (the group columns, the bucket, the
/// question, `n`, a scale's mean and interval) one line per answer, with its count and share.
pub fn question(report: &super::question::QuestionReport) -> String {
    let mut header: Vec<&str> = report.group_by.iter().map(|g| g.as_str()).collect();
    header.extend([
        "bucket_start",
        "question",
        "n",
        "mean",
        "mean_low",
        "mean_high",
        "answer",
        "label",
        "count",
        "share",
        "share_low",
        "share_high",
    ]);
    let id = report.question.as_ref().map_or("", |q| q.id.as_str());
    let estimate = |e: Option<&Estimate>| match e {
        Some(e) => [number(e.value), number(e.low), number(e.high)],
        None => [String::new(), String::new(), String::new()],
    };
    let rows = report.rows.iter().flat_map(|row| {
        let groups: Vec<String> = report
            .group_by
            .iter()
            .map(|g| {
                let value = match g {
                    super::GroupBy::Agent => &row.agent,
                    super::GroupBy::Team => &row.team,
                    super::GroupBy::Channel => &row.channel,
                };
                cell(value.as_deref().unwrap_or_default())
            })
            .collect();
        row.answers.iter().map(move |answer| {
            let mut cells = groups.clone();
            cells.extend([cell(&row.bucket), cell(id), row.n.to_string()]);
            cells.extend(estimate(row.mean.as_ref()));
            cells.extend([
                cell(&answer.answer),
                cell(&answer.label),
                answer.count.to_string(),
            ]);
            cells.extend(estimate(answer.share.as_ref()));
            cells
        })
    });
    table(&header, rows)
}

#[cfg(test)]
mod tests {
    use koe_shared::metrics::proportion_percent;

    use super::*;
    use crate::report::standings::Standing;

    #[test]
    fn standings_are_one_csv_row_per_agent_with_names_defused() {
        let ranked = Standings {
            site: "site_shop".into(),
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            agents: vec![Standing {
                rank: 1,
                agent: "=cmd".into(),
                team: Some("tokyo".into()),
                csat: proportion_percent(2, 3).unwrap(),
                shrunk: 70.0,
                against_team: None,
                flag: None,
                service: None,
            }],
        };
        let csv = standings(&ranked);
        let mut lines = csv.lines();
        assert_eq!(
            lines.next(),
            Some(
                "\u{feff}rank,agent,team,csat,csat_low,csat_high,csat_n,shrunk,rest_csat,rest_n,\
                 difference,difference_low,difference_high,flag,handled,resolution_rate,\
                 resolution_rate_low,resolution_rate_high,frt_median_secs"
            )
        );
        let row = lines.next().unwrap();
        assert!(row.starts_with("1,'=cmd,tokyo,66.67,"), "{csv}");
        assert!(row.ends_with(",3,70.00,,0,,,,,0,,,,"), "{csv}");
    }
}
