//! An agent's own page (`/sites/{site}/me`): their scores over the range with intervals, the
//! trend, where they stand against their team in words ("above / with / below"), and their
//! latest comments — never another agent's name. The filters arrive narrowed to the agent
//! (`SignedIn`, by the person's scope); nothing here can widen them.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::super::chart::TrendChart;
use super::super::insights::{self, Card};
use super::super::viewer::Header;
use super::super::{SignedIn, failed, html_ok};
use super::comments::{CommentItem, comment_items};
use super::trend_charts;
use crate::report::{self, Bucket, ReportQuery, standings::Flag};
use crate::responses::list::{self, ResponseQuery};
use crate::storage::{ResponseFilter, Storage};
use crate::texts::dashboard::Texts;
use crate::web::state::AppState;

const LATEST: u32 = 20;

#[derive(Debug, Template)]
#[template(path = "dashboard/me.html")]
struct MePage<'a> {
    t: &'a Texts,
    site_name: &'a str,
    header: &'a Header,
    other_lang_href: String,
    agent: &'a str,
    from: String,
    to: String,
    cards: Vec<Card<'a>>,
    position: &'a str,
    charts: Vec<TrendChart<'a>>,
    items: Vec<CommentItem<'a>>,
}

#[tracing::instrument(name = "dashboard::me::page", skip_all)]
pub async fn page<S: Storage>(page: SignedIn<S>, state: web::Data<AppState<S>>) -> HttpResponse {
    let SignedIn {
        site, t, filters, ..
    } = &page;
    // Narrowed by the scope: always the person's own agent id.
    let Some(agent) = filters.report.agent.clone() else {
        return HttpResponse::Forbidden().finish();
    };
    let whole = ReportQuery {
        bucket: Bucket::All,
        group_by: Vec::new(),
        ..filters.compared()
    };
    let trend = ReportQuery {
        group_by: Vec::new(),
        ..filters.report.clone()
    };
    let latest = ResponseQuery {
        filter: ResponseFilter {
            from_day: Some(filters.report.from),
            to_day: Some(filters.report.to),
            agent: Some(agent.clone()),
            has_comment: Some(true),
            ..ResponseFilter::default()
        },
        limit: LATEST,
    };
    let loaded = futures_util::try_join!(
        report::load(&state.storage, site, &whole),
        report::load(&state.storage, site, &trend),
        list::page(&state.storage, site, &latest),
        report::position_of(&state.storage, site, &filters.report, &agent),
    );
    let (whole, trend, latest, position) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => return failed(error),
    };
    let words = t.people.positions;
    let position = match position {
        Some(Some(Flag::Above)) => words[0],
        Some(None) => words[1],
        Some(Some(Flag::Below)) => words[2],
        None => words[3],
    };
    html_ok(&MePage {
        t,
        site_name: &site.name,
        header: &page.header,
        other_lang_href: format!(
            "/dashboard/sites/{}/me?lang={}",
            site.key, t.other_lang_code
        ),
        agent: agent.as_str(),
        from: filters.report.from.to_string(),
        to: filters.report.to.to_string(),
        cards: insights::cards(t, &whole),
        position,
        charts: trend_charts(t, &trend, false),
        items: comment_items(t, &latest.responses),
    })
}
