//! The dashboard's pages, rendered on the server from `templates/dashboard/`. This file
//! gathers and formats what a page shows; the templates escape every value, so a customer's
//! comment or a site's name is always text. Nothing here runs script.

use askama::Template;
use koe_shared::metrics::Estimate;

use super::chart::{TrendChart, TrendPoint};
use super::insights;
use crate::report::reasons::ReasonCount;
use crate::report::standings::Standing;
use crate::report::{Report, ReportRow};
use crate::responses::list::ListedResponse;
use crate::sites::Site;
use crate::templates::render;
use crate::texts::dashboard::Texts;

#[derive(Debug, Template)]
#[template(path = "dashboard/sign_in.html")]
struct SignInPage<'a> {
    t: &'a Texts,
    error: bool,
}

pub fn sign_in(t: &Texts, error: bool) -> String {
    render(&SignInPage { t, error })
}

#[derive(Debug, Template)]
#[template(path = "dashboard/problem.html")]
struct ProblemPage<'a> {
    t: &'a Texts,
    message: &'a str,
}

/// A request the dashboard cannot answer, and why.
pub fn problem(t: &Texts, message: &str) -> String {
    render(&ProblemPage { t, message })
}

/// What the site page shows, gathered by the handler.
#[derive(Debug)]
pub struct SitePage<'a> {
    pub site: &'a Site,
    pub trend: &'a Report,
    pub table: &'a Report,
    pub low_ratings: &'a [ListedResponse],
    /// The whole range against the previous period (one row).
    pub overview: &'a Report,
    pub standings: &'a [Standing],
    pub reasons: &'a [ReasonCount],
    /// The query string the page was asked with (for CSV links and language switch).
    pub query: String,
    pub sort: &'a str,
}

#[derive(Debug, Template)]
#[template(path = "dashboard/site.html")]
struct SiteView<'a> {
    t: &'a Texts,
    site_key: &'a str,
    site_name: &'a str,
    query: &'a str,
    from: &'a str,
    to: &'a str,
    buckets: Vec<BucketOption<'a>>,
    /// CSAT, then NPS.
    charts: [TrendChart<'a>; 2],
    headings: Vec<Heading<'a>>,
    rows: Vec<TableRow<'a>>,
    low_ratings: Vec<LowRating<'a>>,
    changes: Vec<insights::MetricChange<'a>>,
    standings: Vec<insights::StandingRow<'a>>,
    reasons: Vec<insights::ReasonRow<'a>>,
}

#[derive(Debug)]
struct BucketOption<'a> {
    value: &'static str,
    label: &'a str,
    selected: bool,
}

/// A sortable column's heading; `current` when the table is sorted by it.
#[derive(Debug)]
struct Heading<'a> {
    key: &'static str,
    label: &'a str,
    current: bool,
}

/// A value with its 95 % interval, formatted for a table cell.
#[derive(Debug)]
struct Cell {
    value: String,
    low: String,
    high: String,
}

#[derive(Debug)]
struct TableRow<'a> {
    low_n: bool,
    agent: &'a str,
    channel: &'a str,
    responses: u64,
    /// CSAT, NPS, CES, FCR and response rate, in the columns' order; `None` shows a dash.
    cells: [Option<Cell>; 5],
}

#[derive(Debug)]
struct LowRating<'a> {
    csat: Option<u8>,
    agent: &'a str,
    channel: &'a str,
    day: &'a str,
    comment: Option<&'a str>,
}

/// The sortable columns, by their `sort` key, in the table's order.
const SORTABLE: [&str; 6] = ["n", "csat", "nps", "ces", "fcr", "rate"];

fn cell(e: Option<Estimate>, decimals: usize) -> Option<Cell> {
    e.map(|e| Cell {
        value: format!("{:.decimals$}", e.value),
        low: format!("{:.decimals$}", e.low),
        high: format!("{:.decimals$}", e.high),
    })
}

fn points(report: &Report, metric: fn(&ReportRow) -> Option<Estimate>) -> Vec<TrendPoint> {
    report
        .rows
        .iter()
        .filter_map(|row| {
            metric(row).map(|e| TrendPoint {
                label: row
                    .bucket_start
                    .get(5..)
                    .unwrap_or(&row.bucket_start)
                    .to_owned(),
                value: e.value,
                low: e.low,
                high: e.high,
                n: e.n,
                low_n: row.low_n,
            })
        })
        .collect()
}

fn sort_value(row: &ReportRow, sort: &str) -> f64 {
    let value = |e: Option<Estimate>| e.map_or(f64::NEG_INFINITY, |e| e.value);
    match sort {
        "csat" => value(row.csat),
        "nps" => value(row.nps),
        "ces" => value(row.ces),
        "fcr" => value(row.fcr),
        "rate" => value(row.response_rate),
        _ => row.responses as f64,
    }
}

/// A group's name, or the "none" text when the row has none.
fn name<'a>(value: &'a Option<String>, t: &'a Texts) -> &'a str {
    value.as_deref().filter(|v| !v.is_empty()).unwrap_or(t.none)
}

pub fn site_page(t: &Texts, p: &SitePage<'_>) -> String {
    let buckets = ["day", "week", "month", "all"]
        .into_iter()
        .zip(t.buckets)
        .map(|(value, label)| BucketOption {
            value,
            label,
            selected: value == p.trend.bucket.as_str(),
        })
        .collect();
    let csat_points = points(p.trend, |r| r.csat);
    let nps_points = points(p.trend, |r| r.nps);
    let charts = [
        TrendChart::new(t.csat_trend, &csat_points, 0.0, 100.0, t.low_n),
        TrendChart::new(t.nps_trend, &nps_points, -100.0, 100.0, t.low_n),
    ];
    let labels = [
        t.responses,
        "CSAT %",
        "NPS",
        "CES",
        "FCR %",
        t.response_rate,
    ];
    let headings = SORTABLE
        .into_iter()
        .zip(labels)
        .map(|(key, label)| Heading {
            key,
            label,
            current: key == p.sort,
        })
        .collect();
    let mut sorted: Vec<&ReportRow> = p.table.rows.iter().collect();
    sorted.sort_by(|a, b| sort_value(b, p.sort).total_cmp(&sort_value(a, p.sort)));
    let rows = sorted
        .into_iter()
        .map(|row| TableRow {
            low_n: row.low_n,
            agent: name(&row.agent, t),
            channel: name(&row.channel, t),
            responses: row.responses,
            cells: [
                cell(row.csat, 1),
                cell(row.nps, 0),
                cell(row.ces, 2),
                cell(row.fcr, 1),
                cell(row.response_rate, 1),
            ],
        })
        .collect();
    let low_ratings = p
        .low_ratings
        .iter()
        .map(|r| LowRating {
            csat: r.csat,
            agent: r.agent.as_deref().unwrap_or(t.none),
            channel: r.channel.unwrap_or(t.none),
            day: &r.day,
            comment: r.comment.as_deref(),
        })
        .collect();
    render(&SiteView {
        t,
        site_key: p.site.key.as_str(),
        site_name: &p.site.name,
        query: &p.query,
        from: &p.trend.from,
        to: &p.trend.to,
        buckets,
        charts,
        headings,
        rows,
        low_ratings,
        changes: insights::changes(t, p.overview),
        standings: insights::standings(t, p.standings),
        reasons: insights::reasons(p.reasons),
    })
}
