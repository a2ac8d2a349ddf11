//! Agents: the standings (CSAT shrunk toward the team's, so luck at small n does not rank
//! anyone first), each agent's change against the earlier period, and a link to each
//! agent's page.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::super::filters::Filters;
use super::super::frame::{Frame, Tab};
use super::super::insights::{self, StandingRow};
use super::super::viewer::Header;
use super::super::{Answer, SignedIn, failed, html_ok};
use crate::report::{self, Bucket, GroupBy, ReportQuery};
use crate::sites::Site;
use crate::storage::Storage;
use crate::texts::dashboard::Texts;
use crate::web::state::AppState;

#[derive(Debug, Template)]
#[template(path = "dashboard/agents.html")]
struct AgentsPage<'a> {
    t: &'a Texts,
    frame: Frame<'a>,
    /// The URL asked for an agent, which this page does not filter by.
    agent_ignored: bool,
    standings: Vec<StandingRow<'a>>,
}

#[tracing::instrument(name = "dashboard::agents::page", skip_all)]
pub async fn page<S: Storage>(page: SignedIn<S>, state: web::Data<AppState<S>>) -> HttpResponse {
    let SignedIn {
        site, t, filters, ..
    } = &page;
    render(&state, t, site, &page.header, filters)
        .await
        .unwrap_or_else(|r| r)
}

/// The link to an agent's page, keeping the filters (but the agent, which the path names).
pub fn agent_href(site: &Site, filters: &Filters, agent: &str) -> String {
    let segment: String = url::form_urlencoded::byte_serialize(agent.as_bytes()).collect();
    format!(
        "/dashboard/sites/{}/agents/{}?{}",
        site.key,
        segment.replace('+', "%20"),
        filters.query(&[], &["agent"])
    )
}

async fn render<S: Storage>(
    state: &AppState<S>,
    t: &'static Texts,
    site: &Site,
    header: &Header,
    filters: &Filters,
) -> Answer {
    // Every agent is ranked: the agent filter, if the URL has one, does not narrow the table.
    let every_agent = ReportQuery {
        agent: None,
        ..filters.report.clone()
    };
    let by_agent = ReportQuery {
        bucket: Bucket::All,
        group_by: vec![GroupBy::Agent],
        compare: Some(filters.compare),
        ..every_agent.clone()
    };
    let (standings, compared) = futures_util::try_join!(
        report::load_standings(&state.storage, site, &every_agent),
        report::load(&state.storage, site, &by_agent),
    )
    .map_err(failed)?;
    let page = AgentsPage {
        t,
        frame: Frame::new(
            t,
            site,
            header,
            filters,
            Tab::Agents,
            t.pages.tabs[1].into(),
            &[],
        ),
        agent_ignored: filters.report.agent.is_some(),
        standings: insights::standings(t, &standings, &compared, |agent| {
            agent_href(site, filters, agent)
        }),
    };
    Ok(html_ok(&page))
}
