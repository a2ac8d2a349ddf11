//! One agent's page: the agent's metrics against the earlier period, the trend, the split by
//! channel, why the agent's unhappy customers were unhappy, and the latest comments.

use actix_web::{HttpResponse, web};
use askama::Template;
use koe_shared::AgentId;

use super::super::chart::TrendChart;
use super::super::filters::{Filters, Problem};
use super::super::frame::{Frame, Tab};
use super::super::insights::{self, Card, GroupRow, ReasonRow};
use super::super::refused;
use super::super::viewer::Header;
use super::super::{Answer, SignedIn, failed, html_ok};
use super::comments::{CommentItem, comment_items};
use super::trend_charts;
use crate::report::reasons::{self, ReasonsError};
use crate::report::{self, Bucket, GroupBy, ReportQuery};
use crate::responses::list::{self, ResponseQuery};
use crate::sites::Site;
use crate::storage::{ResponseFilter, Storage};
use crate::texts::dashboard::Texts;
use crate::web::state::AppState;

/// Comments shown on an agent's page (the comment feed has the rest).
const LATEST: u32 = 10;

#[derive(Debug, Template)]
#[template(path = "dashboard/agent.html")]
struct AgentPage<'a> {
    t: &'a Texts,
    frame: Frame<'a>,
    agents_href: String,
    cards: Vec<Card<'a>>,
    charts: Vec<TrendChart<'a>>,
    channels: Vec<GroupRow<'a>>,
    /// `None` when the team filter rules reasons out.
    reasons: Option<Vec<ReasonRow<'a>>>,
    /// Whether the reasons table has a channel column.
    by_group: bool,
    items: Vec<CommentItem<'a>>,
    comments_href: String,
}

#[tracing::instrument(name = "dashboard::agent::page", skip_all)]
pub async fn page<S: Storage>(
    mut page: SignedIn<S>,
    path: web::Path<(String, String)>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    // The path names the agent: the page's data is narrowed to them, while its tabs and links
    // keep the URL's other filters only (the Overview is not quietly narrowed to this agent).
    page.filters.report.agent = None;
    let SignedIn {
        site, t, filters, ..
    } = &page;
    // An agent that cannot be one names nobody: the page says why instead of showing nothing,
    // in the frame of the Agents tab (whose default page is the way back).
    let agent = match AgentId::try_from(path.into_inner().1) {
        Ok(agent) => agent,
        Err(error) => {
            let problem = Problem::new(error.to_string(), Vec::new());
            return refused::page(
                t,
                site,
                &page.header,
                &page.query,
                Tab::Agents,
                None,
                problem,
            );
        }
    };
    let mut of_agent = filters.clone();
    of_agent.report.agent = Some(agent);
    render(&state, t, site, &page.header, &of_agent, filters)
        .await
        .unwrap_or_else(|r| r)
}

/// `filters`: the URL's, narrowed to the agent; `links`: the URL's, for tabs and links.
async fn render<S: Storage>(
    state: &AppState<S>,
    t: &'static Texts,
    site: &Site,
    header: &Header,
    filters: &Filters,
    links: &Filters,
) -> Answer {
    let agent = filters.report.agent.as_ref().map_or("", AgentId::as_str);
    let whole = ReportQuery {
        bucket: Bucket::All,
        group_by: Vec::new(),
        ..filters.compared()
    };
    let trend = ReportQuery {
        group_by: Vec::new(),
        ..filters.report.clone()
    };
    let by_channel = ReportQuery {
        bucket: Bucket::All,
        group_by: vec![GroupBy::Channel],
        ..filters.compared()
    };
    let latest = ResponseQuery {
        filter: ResponseFilter {
            from_day: Some(filters.report.from),
            to_day: Some(filters.report.to),
            agent: filters.report.agent.clone(),
            channel: filters.report.channel,
            team: filters.report.team.clone(),
            has_comment: Some(true),
            ..ResponseFilter::default()
        },
        limit: LATEST,
    };
    let (whole, trend, by_channel, latest) = futures_util::try_join!(
        report::load(&state.storage, site, &whole),
        report::load(&state.storage, site, &trend),
        report::load(&state.storage, site, &by_channel),
        list::page(&state.storage, site, &latest),
    )
    .map_err(failed)?;
    let reasons = match reasons::load(&state.storage, site, &filters.report, t.lang).await {
        Ok(counts) => Some(counts),
        Err(ReasonsError::ByTeam) => None,
        Err(ReasonsError::Storage(error)) => return Err(failed(error)),
    };
    let agents_href = format!(
        "/dashboard/sites/{}/agents?{}",
        site.key,
        links.query(&[], &[])
    );
    let mut frame = Frame::new(t, site, header, links, Tab::Agents, agent.to_owned(), &[]);
    // The Agents tab is where this page belongs, not this page itself.
    frame.current = "true";
    frame.clear_href = super::agents::agent_href(site, links, agent)
        .split_once('?')
        .map(|(path, _)| format!("{path}?lang={}", t.lang))
        .unwrap_or_default();
    let page = AgentPage {
        t,
        frame,
        agents_href,
        cards: insights::cards(t, &whole),
        charts: trend_charts(t, &trend, false),
        channels: insights::group_rows(t, &by_channel, |r| r.channel.as_deref()),
        reasons: reasons.as_deref().map(insights::reasons),
        by_group: false,
        items: comment_items(t, &latest.responses),
        comments_href: format!(
            "/dashboard/sites/{}/comments?{}",
            site.key,
            filters.query(&[("has_comment", "true")], &[])
        ),
    };
    Ok(html_ok(&page))
}
