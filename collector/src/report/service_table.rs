//! The terminal tables of `koe report --service` and `koe report --drivers`, in the house format
//! of the score table (`table.rs`): a line naming the site and the range, then rows lined up by
//! terminal columns ([`aligned`]), so a topic named 配送 (two characters, four columns) keeps the
//! columns after it in line; each metric with its 95 % interval in parentheses, `–` where there
//! is none. A missing contact rate points at a footnote saying why (the API's
//! `contact_rate_missing`); first response times read as durations (`12 min`).

use koe_shared::compare::{Change, Verdict};
use koe_shared::metrics::Estimate;

use super::drivers::Drivers;
use super::service::{Percentile, ServiceReport, ServiceRow};
use super::table::aligned;
use crate::facts::Credit;
use crate::facts::settings::duration;

/// A metric with its interval, `62.5 (40.9–80.9)`, or `–`.
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

/// Seconds as a duration, rounded to the second first: `45 s`, `12 min`, `1.5 h`.
fn seconds(secs: f64) -> String {
    duration(secs.round() as i64)
}

/// A first-response percentile with its interval, `12 min (10 min–15 min)`; in the histogram's
/// open last bucket, `≥ 14 d`; or `–`.
fn percentile(p: Option<Percentile>) -> String {
    match p {
        Some(p) if p.at_least => format!("≥ {}", seconds(p.seconds)),
        Some(p) => format!(
            "{} ({}–{})",
            seconds(p.seconds),
            seconds(p.low),
            seconds(p.high)
        ),
        None => "–".into(),
    }
}

/// Interactions counted: whole, or to a tenth when agents share the credit.
fn interactions(count: f64) -> String {
    if (count - count.round()).abs() < 1e-9 {
        format!("{:.0}", count.round())
    } else {
        format!("{count:.1}")
    }
}

/// A row's value for a group column (`agent`, `channel`, `team`, `topic`), `(none)` when it has
/// none.
fn group_value<'r>(row: &'r ServiceRow, group: &str) -> &'r str {
    let value = match group {
        "agent" => row.agent.as_deref(),
        "channel" => row.channel.as_deref(),
        "team" => row.team.as_deref(),
        "topic" => row.topic.as_deref(),
        _ => None,
    };
    value.filter(|v| !v.is_empty()).unwrap_or("(none)")
}

/// The service KPIs under a line naming the site, the range, the bucket, the FRT target and the
/// crediting rule: the groups, bucket, interactions, handled per day, resolution %, FCR %, FRT
/// median and 90th percentile, share within the target, contact rate (per 100 active users),
/// self-resolution %, and `low n`; footnotes say why a contact rate is missing.
pub fn service(report: &ServiceReport) -> String {
    let mut header: Vec<String> = report.group_by.clone();
    header.extend(
        [
            "bucket",
            "interactions",
            "handled/day",
            "resolution %",
            "FCR %",
            "FRT median",
            "FRT p90",
            "within target %",
            "contact rate",
            "self-resolution %",
            "",
        ]
        .map(str::to_owned),
    );
    let mut rows = vec![header];
    // Why contact rates are missing, each once, in the order first met: `[1]`, `[2]`, …
    let mut notes: Vec<&str> = Vec::new();
    for row in &report.rows {
        let mut cells: Vec<String> = report
            .group_by
            .iter()
            .map(|group| group_value(row, group).to_owned())
            .collect();
        cells.push(row.bucket_start.clone());
        cells.push(interactions(row.interactions));
        cells.push(estimate(row.handled_per_day, 1));
        cells.push(estimate(row.resolution_rate, 1));
        cells.push(estimate(row.fcr, 1));
        cells.push(percentile(row.frt_median));
        cells.push(percentile(row.frt_p90));
        cells.push(estimate(row.frt_within_target, 1));
        cells.push(
            match (row.contact_rate, row.contact_rate_missing.as_deref()) {
                (Some(rate), _) => estimate(Some(rate), 2),
                (None, Some(why)) => {
                    let note = match notes.iter().position(|n| *n == why) {
                        Some(i) => i + 1,
                        None => {
                            notes.push(why);
                            notes.len()
                        }
                    };
                    format!("– [{note}]")
                }
                (None, None) => "–".into(),
            },
        );
        cells.push(estimate(row.self_resolution, 1));
        cells.push(match row.low_n {
            true => "low n".into(),
            false => String::new(),
        });
        rows.push(cells);
    }
    let mut out = format!(
        "{} · {} to {} · by {} · {} rows (low n: fewer than {} interactions; intervals are 95 %; \
         FRT target {}; credit: {})\n",
        report.site,
        report.from,
        report.to,
        report.bucket.as_str(),
        report.rows.len(),
        report.low_n_threshold,
        duration(report.frt_target_secs),
        match report.credit {
            Credit::Last => "the last agent listed",
            Credit::First => "the first agent listed",
            Credit::Share => "each agent by share",
        },
    );
    // Shown whole, as in the score table: an agent's, team's or topic's id is what `--agent`,
    // `--team` and `--topic` take.
    out.push_str(&aligned(&rows, &[]));
    for (i, why) in notes.iter().enumerate() {
        out.push_str(&format!("[{}] no contact rate: {why}\n", i + 1));
    }
    if report.rows.is_empty() {
        out.push_str(
            "No interaction facts in this range: a site's backend sends them (PUT \
             /api/v1/sites/{site}/interactions/{interaction}), or `koe import --format \
             interactions` brings a history in.\n",
        );
    }
    out
}

/// How a table names a cut of the drivers.
fn cut_label(cut: &str) -> &str {
    match cut {
        "frt" => "first response",
        "handled_by" => "handled by",
        other => other,
    }
}

/// A band against the rest, `-12.5 (-20.1–-4.9) lower`, or `–`.
fn against_rest(change: Option<Change>) -> String {
    match change {
        Some(c) => format!(
            "{:+.1} ({:.1}–{:.1}) {}",
            c.difference,
            c.low,
            c.high,
            match c.verdict {
                Verdict::Up => "higher",
                Verdict::Down => "lower",
                Verdict::NoClearChange => "no clear difference",
            }
        ),
        None => "–".into(),
    }
}

/// Satisfaction against the service facts under a line naming the site, the range and its
/// overall CSAT and NPS: each band's cut, band, CSAT % with its interval, n, CSAT against the
/// rest of the range's answers (difference and verdict) and NPS; then "What goes with unhappy
/// customers": the bands whose CSAT is below the rest's, those whose interval leaves 0 out
/// (called out) first.
pub fn drivers(drivers: &Drivers) -> String {
    let mut out = format!(
        "{} · {} to {} · satisfaction against the service facts · CSAT {} (n {}), NPS {} \
         (intervals are 95 %; each band against the rest of the range's answers)\n",
        drivers.site,
        drivers.from,
        drivers.to,
        estimate(drivers.csat, 1),
        drivers.csat.map_or(0, |c| c.n),
        estimate(drivers.nps, 0),
    );
    if drivers.bands.is_empty() {
        out.push_str(
            "No answers in this range have interaction facts: the drivers appear once answers \
             and facts of the same interactions are both in.\n",
        );
        return out;
    }
    let header = [
        "cut",
        "band",
        "CSAT % (95 %)",
        "n",
        "vs rest (points)",
        "NPS (95 %)",
    ];
    let mut rows = vec![Vec::from(header.map(str::to_owned))];
    for band in &drivers.bands {
        rows.push(vec![
            cut_label(&band.cut).to_owned(),
            band.band.clone(),
            estimate(band.csat, 1),
            band.csat.map_or(0, |c| c.n).to_string(),
            against_rest(band.csat_vs_rest),
            estimate(band.nps, 0),
        ]);
    }
    out.push_str(&aligned(&rows, &[]));
    out.push_str(
        "\nWhat goes with unhappy customers (CSAT below the rest's; called out where the \
         interval of the difference leaves out 0):\n",
    );
    if drivers.unhappy.is_empty() {
        out.push_str("  nothing: no band's CSAT is below the rest's\n");
        return out;
    }
    let unhappy: Vec<Vec<String>> = drivers
        .unhappy
        .iter()
        .map(|u| {
            vec![
                cut_label(&u.cut).to_owned(),
                u.band.clone(),
                format!("{:+.1} ({:.1}–{:.1}) points", u.difference, u.low, u.high),
                format!("n {}", u.n),
                match u.called_out {
                    true => "called out".to_owned(),
                    false => "may be chance".to_owned(),
                },
            ]
        })
        .collect();
    for line in aligned(&unhappy, &[]).lines() {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use koe_shared::metrics::proportion_percent;

    use super::*;
    use crate::report::Bucket;
    use crate::report::drivers::{DriverBand, UnhappyBand};
    use crate::report::table::width;

    fn row(topic: &str) -> ServiceRow {
        ServiceRow {
            agent: None,
            channel: None,
            team: None,
            topic: Some(topic.to_owned()),
            bucket_start: "2026-11-01".into(),
            interactions: 4.0,
            handled_per_day: None,
            resolution_rate: proportion_percent(3, 4),
            fcr: None,
            reopen_rate: None,
            frt_median: Some(Percentile {
                seconds: 720.4,
                low: 600.0,
                high: 900.0,
                at_least: false,
                n: 4,
            }),
            frt_p90: Some(Percentile {
                seconds: 1_209_600.0,
                low: 1_209_600.0,
                high: 1_209_600.0,
                at_least: true,
                n: 4,
            }),
            frt_within_target: None,
            bot_only: None,
            contacts: 5.0,
            contact_rate: None,
            contact_rate_missing: Some("active users were not sent for 30 of the 30 days".into()),
            self_resolution: None,
            low_n: true,
        }
    }

    fn report(rows: Vec<ServiceRow>) -> ServiceReport {
        ServiceReport {
            site: "site_shop".into(),
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            bucket: Bucket::All,
            group_by: vec!["topic".into()],
            low_n_threshold: 30,
            frt_target_secs: 3600,
            credit: Credit::Last,
            rows,
        }
    }

    /// The terminal column where `title` starts in the header row, and where each data row's
    /// cell starting with `cell` starts.
    fn columns(table: &str, title: &str, cell: &str) -> (usize, Vec<usize>) {
        let mut lines = table.lines().skip(1);
        let header = lines.next().unwrap();
        let start = width(&header[..header.find(title).unwrap()]);
        let cells = lines
            .filter(|line| line.contains(cell))
            .map(|line| width(&line[..line.find(cell).unwrap()]))
            .collect();
        (start, cells)
    }

    #[test]
    fn service_rows_line_up_by_terminal_columns_after_a_cjk_topic() {
        let table = service(&report(vec![
            row("配送"),
            row("billing"),
            row("ﾍﾝﾋﾟﾝ"),
            row("配送 / 返品"),
        ]));
        for (title, cell) in [("bucket", "2026-11-01"), ("resolution %", "75.0 (")] {
            let (start, cells) = columns(&table, title, cell);
            assert_eq!(cells, vec![start; 4], "{title} in:\n{table}");
        }
        assert!(
            table.starts_with("site_shop · 2026-11-01 to 2026-11-30 · by all · 4 rows"),
            "{table}"
        );
    }

    #[test]
    fn frt_reads_as_durations_and_a_missing_contact_rate_points_at_its_footnote() {
        let mut other = row("billing");
        other.contact_rate_missing =
            Some("active users are counted per site, not per agent".into());
        let table = service(&report(vec![row("配送"), other, row("返品")]));
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[2].contains("12 min (10 min–15 min)"), "{table}");
        assert!(lines[2].contains("≥ 14 d"), "{table}");
        assert!(
            lines[2].contains("– [1]") && lines[4].contains("– [1]"),
            "{table}"
        );
        assert!(lines[3].contains("– [2]"), "{table}");
        assert!(lines[2].ends_with("low n"), "{table}");
        assert_eq!(
            &lines[5..],
            [
                "[1] no contact rate: active users were not sent for 30 of the 30 days",
                "[2] no contact rate: active users are counted per site, not per agent",
            ],
            "{table}"
        );
        let empty = service(&report(Vec::new()));
        assert!(
            empty.contains("No interaction facts in this range"),
            "{empty}"
        );
    }

    fn change(difference: f64, low: f64, high: f64, verdict: Verdict) -> Change {
        Change {
            before: proportion_percent(80, 100).unwrap(),
            difference,
            low,
            high,
            verdict,
        }
    }

    #[test]
    fn drivers_show_each_band_against_the_rest_and_call_out_the_unhappy_first() {
        let row_of = |cut: &str, band: &str, sat: u64, c: Option<Change>| DriverBand {
            cut: cut.into(),
            band: band.into(),
            csat: proportion_percent(sat, 40),
            nps: None,
            csat_vs_rest: c,
            nps_vs_rest: None,
        };
        let found = Drivers {
            site: "site_shop".into(),
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            csat: proportion_percent(120, 160),
            nps: None,
            bands: vec![
                row_of(
                    "frt",
                    "< 1 h",
                    36,
                    Some(change(15.0, 5.0, 25.0, Verdict::Up)),
                ),
                row_of(
                    "frt",
                    "≥ 1 d",
                    12,
                    Some(change(-45.0, -60.0, -30.0, Verdict::Down)),
                ),
                row_of(
                    "topic",
                    "配送",
                    28,
                    Some(change(-5.0, -15.0, 5.0, Verdict::NoClearChange)),
                ),
            ],
            unhappy: vec![
                UnhappyBand {
                    cut: "frt".into(),
                    band: "≥ 1 d".into(),
                    difference: -45.0,
                    low: -60.0,
                    high: -30.0,
                    n: 40,
                    called_out: true,
                },
                UnhappyBand {
                    cut: "topic".into(),
                    band: "配送".into(),
                    difference: -5.0,
                    low: -15.0,
                    high: 5.0,
                    n: 40,
                    called_out: false,
                },
            ],
        };
        let table = drivers(&found);
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[0].contains("CSAT 75.0 ("), "{table}");
        assert!(lines[1].starts_with("cut "), "{table}");
        assert!(
            lines[2].starts_with("first response  < 1 h")
                && lines[2].contains("+15.0 (5.0–25.0) higher")
                && lines[2].ends_with('–'),
            "{table}"
        );
        assert!(lines[3].contains("-45.0 (-60.0–-30.0) lower"), "{table}");
        assert!(lines[4].contains("no clear difference"), "{table}");
        let start = width(&lines[1][..lines[1].find("CSAT %").unwrap()]);
        for (line, cell) in lines[2..5].iter().zip(["90.0 (", "30.0 (", "70.0 ("]) {
            let at = width(&line[..line.find(cell).unwrap()]);
            assert_eq!(at, start, "{cell} under its heading, after 配送:\n{table}");
        }
        let unhappy = table
            .split("What goes with unhappy customers")
            .nth(1)
            .unwrap();
        let listed: Vec<&str> = unhappy.lines().skip(1).collect();
        assert!(
            listed[0].starts_with("  first response  ≥ 1 d") && listed[0].ends_with("called out"),
            "{table}"
        );
        assert!(listed[1].ends_with("may be chance"), "{table}");

        let none = Drivers {
            bands: Vec::new(),
            unhappy: Vec::new(),
            ..found
        };
        let empty = drivers(&none);
        assert!(
            empty.contains("No answers in this range have interaction facts"),
            "{empty}"
        );
    }
}
