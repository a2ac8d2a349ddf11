//! The signed-in pages, one file each: Overview, Agents (and an agent's page), Channels,
//! Comments, Service; the Integrations, People and audit pages (linked from the header, for the
//! roles that reach them); an agent's own page. Each handler takes the signed-in site and its filters (`SignedIn`), calls
//! the domain services and hands the template what to show; `frame.rs` draws what is around it.

pub mod agent;
pub mod agents;
pub mod audit;
pub mod channels;
pub mod comments;
pub mod followup;
pub mod followups;
pub mod integrations;
pub mod me;
pub mod overview;
pub mod people;
pub mod service;
pub mod survey;

use koe_shared::metrics::Estimate;

use super::chart::{TrendChart, TrendPoint};
use crate::report::{Report, ReportRow};
use crate::texts::dashboard::Texts;

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
                day: row.bucket_start.parse().ok(),
                value: e.value,
                low: e.low,
                high: e.high,
                n: e.n,
                low_n: row.low_n,
            })
        })
        .collect()
}

/// The trend charts of a bucketed report: CSAT and NPS, and CES when `with_ces`.
pub fn trend_charts(t: &'static Texts, trend: &Report, with_ces: bool) -> Vec<TrendChart<'static>> {
    let mut charts = vec![
        TrendChart::new(
            t.csat_trend,
            &points(trend, |r| r.csat),
            0.0,
            100.0,
            t.low_n,
        ),
        TrendChart::new(
            t.nps_trend,
            &points(trend, |r| r.nps),
            -100.0,
            100.0,
            t.low_n,
        ),
    ];
    if with_ces {
        charts.push(TrendChart::new(
            t.pages.ces_trend,
            &points(trend, |r| r.ces),
            1.0,
            7.0,
            t.low_n,
        ));
    }
    charts
}
