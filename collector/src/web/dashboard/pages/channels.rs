//! Channels: each channel's metrics against the earlier period, lowest CSAT first (which
//! channel is worst?), why unhappy customers were unhappy on each, and the agent × channel
//! table, sortable by any metric.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::super::filters::Filters;
use super::super::frame::{Frame, Tab};
use super::super::insights::{self, Cell, GroupRow, ReasonRow, cell};
use super::super::viewer::Header;
use super::super::{Answer, SignedIn, failed, html_ok};
use crate::report::reasons::{self, ReasonsError};
use crate::report::{self, Bucket, GroupBy, Report, ReportQuery, ReportRow};
use crate::sites::Site;
use crate::storage::Storage;
use crate::texts::dashboard::Texts;
use crate::web::state::AppState;

/// The agent × channel table's sortable columns, by their `sort` key, in the table's order.
const SORTABLE: [&str; 6] = ["n", "csat", "nps", "ces", "fcr", "rate"];

/// A sortable column's heading; `current` when the table is sorted by it.
#[derive(Debug)]
struct Heading<'a> {
    href: String,
    label: &'a str,
    current: bool,
}

#[derive(Debug)]
struct PairRow<'a> {
    low_n: bool,
    agent: &'a str,
    channel: &'a str,
    responses: u64,
    /// CSAT, NPS, CES, FCR and response rate, in the columns' order; `None` shows a dash.
    cells: [Option<Cell>; 5],
}

#[derive(Debug, Template)]
#[template(path = "dashboard/channels.html")]
struct ChannelsPage<'a> {
    t: &'a Texts,
    frame: Frame<'a>,
    channels: Vec<GroupRow<'a>>,
    /// `None` when the team filter rules reasons out.
    reasons: Option<Vec<ReasonRow<'a>>>,
    /// Whether the reasons table has a channel column.
    by_group: bool,
    headings: Vec<Heading<'a>>,
    /// Kept by the filters form.
    sort: &'a str,
    pairs: Vec<PairRow<'a>>,
}

#[tracing::instrument(name = "dashboard::channels::page", skip_all)]
pub async fn page<S: Storage>(page: SignedIn<S>, state: web::Data<AppState<S>>) -> HttpResponse {
    let SignedIn {
        site, t, filters, ..
    } = &page;
    let sort = page
        .query
        .sort
        .as_deref()
        .filter(|s| SORTABLE.contains(s))
        .unwrap_or("n");
    render(&state, t, site, &page.header, filters, sort)
        .await
        .unwrap_or_else(|r| r)
}

fn sort_value(row: &ReportRow, sort: &str) -> f64 {
    let value = |e: Option<koe_shared::metrics::Estimate>| e.map_or(f64::NEG_INFINITY, |e| e.value);
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

fn pairs<'a>(t: &'a Texts, report: &'a Report, sort: &str) -> Vec<PairRow<'a>> {
    let mut sorted: Vec<&ReportRow> = report.rows.iter().collect();
    sorted.sort_by(|a, b| sort_value(b, sort).total_cmp(&sort_value(a, sort)));
    sorted
        .into_iter()
        .map(|row| PairRow {
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
        .collect()
}

async fn render<S: Storage>(
    state: &AppState<S>,
    t: &'static Texts,
    site: &Site,
    header: &Header,
    filters: &Filters,
    sort: &str,
) -> Answer {
    let by_channel = ReportQuery {
        bucket: Bucket::All,
        group_by: vec![GroupBy::Channel],
        ..filters.compared()
    };
    let by_pair = ReportQuery {
        bucket: Bucket::All,
        group_by: vec![GroupBy::Agent, GroupBy::Channel],
        ..filters.report.clone()
    };
    let reasons_query = ReportQuery {
        group_by: vec![GroupBy::Channel],
        ..filters.report.clone()
    };
    let (by_channel, by_pair) = futures_util::try_join!(
        report::load(&state.storage, site, &by_channel),
        report::load(&state.storage, site, &by_pair),
    )
    .map_err(failed)?;
    let reasons = match reasons::load(&state.storage, site, &reasons_query, t.lang).await {
        Ok(counts) => Some(counts),
        Err(ReasonsError::ByTeam) => None,
        Err(ReasonsError::Storage(error)) => return Err(failed(error)),
    };
    let labels = [
        t.responses,
        "CSAT %",
        "NPS",
        "CES",
        "FCR %",
        t.response_rate,
    ];
    let base = format!("/dashboard/sites/{}/channels", site.key);
    let headings = SORTABLE
        .into_iter()
        .zip(labels)
        .map(|(key, label)| Heading {
            href: format!(
                "{base}?{}#by-agent-channel",
                filters.query(&[("sort", key)], &[])
            ),
            label,
            current: key == sort,
        })
        .collect();
    let page = ChannelsPage {
        t,
        frame: Frame::new(
            t,
            site,
            header,
            filters,
            Tab::Channels,
            t.pages.tabs[2].into(),
            &[("sort", sort)],
        ),
        channels: insights::group_rows(t, &by_channel, |r| r.channel.as_deref()),
        reasons: reasons.as_deref().map(insights::reasons),
        by_group: true,
        headings,
        sort,
        pairs: pairs(t, &by_pair, sort),
    };
    Ok(html_ok(&page))
}
