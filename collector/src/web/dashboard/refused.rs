//! A signed-in page whose request cannot be shown — a range backwards or too long for its
//! bucket, a channel or an agent that cannot be one, a score out of range — answered 400 inside
//! the page's own frame (`templates/dashboard/refused.html`): the tabs, the filters form with
//! the URL's values kept and the bad ones marked (`aria-invalid`, the message beside them), and
//! a link to the same page with its default filters. Never a dead end.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use koe_shared::AgentId;

use super::filters::{PageQuery, Problem};
use super::frame::{Frame, Tab};
use super::html;
use super::viewer::Header;
use crate::sites::Site;
use crate::templates::render;
use crate::texts::dashboard::Texts;

/// One of the page's own parameters as the URL gave it: a field of the form when it is what
/// is wrong, a hidden one (kept as it was) otherwise.
#[derive(Debug)]
struct OwnField<'a> {
    name: &'static str,
    label: String,
    value: &'a str,
    invalid: bool,
}

#[derive(Debug, Template)]
#[template(path = "dashboard/refused.html")]
struct RefusedPage<'a> {
    t: &'a Texts,
    frame: Frame<'a>,
    own: Vec<OwnField<'a>>,
}

/// The parameters of a page beyond the shared filters that its form carries.
fn own_parameters(tab: Tab) -> &'static [&'static str] {
    match tab {
        Tab::Comments => &[
            "min_csat",
            "max_csat",
            "min_nps",
            "max_nps",
            "reason",
            "has_comment",
            "flagged",
        ],
        Tab::Channels => &["sort"],
        Tab::Service => &["topic"],
        Tab::Overview | Tab::Agents => &[],
    }
}

fn value_of<'q>(query: &'q PageQuery, name: &str) -> Option<&'q str> {
    let value = match name {
        "min_csat" => &query.min_csat,
        "max_csat" => &query.max_csat,
        "min_nps" => &query.min_nps,
        "max_nps" => &query.max_nps,
        "reason" => &query.reason,
        "has_comment" => &query.has_comment,
        "flagged" => &query.flagged,
        "sort" => &query.sort,
        "topic" => &query.topic,
        _ => return None,
    };
    value.as_deref()
}

/// The words a page's form labels one of its own parameters with.
fn label(t: &Texts, name: &str) -> String {
    let p = &t.pages;
    match name {
        "min_csat" => format!("{} {}", p.csat_range, p.min),
        "max_csat" => format!("{} {}", p.csat_range, p.max),
        "min_nps" => format!("{} {}", p.nps_range, p.min),
        "max_nps" => format!("{} {}", p.nps_range, p.max),
        "reason" => t.insights.reason.to_owned(),
        "has_comment" => p.has_comment.to_owned(),
        "flagged" => p.flagged_filter.to_owned(),
        "topic" => t.service.topic.to_owned(),
        other => other.to_owned(),
    }
}

/// The page a request is for, from its path: its tab, and the agent of an agent's page (none
/// when the name cannot be one: the Agents tab is the way back then). A CSV download belongs
/// to the Overview, where its links are.
pub fn place_of(req: &HttpRequest) -> (Tab, Option<String>) {
    let named = req.match_info().get("agent");
    let agent = named
        .filter(|name| AgentId::try_from(*name).is_ok())
        .map(str::to_owned);
    let path = req.path();
    let tab = if named.is_some() || path.ends_with("/agents") {
        Tab::Agents
    } else if path.ends_with("/channels") {
        Tab::Channels
    } else if path.ends_with("/comments") {
        Tab::Comments
    } else if path.ends_with("/service") {
        Tab::Service
    } else {
        Tab::Overview
    };
    (tab, agent)
}

/// The page of `tab` (or the agent's page, `agent_page`) saying what is wrong with its request,
/// inside its frame: 400.
pub fn page(
    t: &Texts,
    site: &Site,
    header: &Header,
    query: &PageQuery,
    tab: Tab,
    agent_page: Option<&str>,
    problem: Problem,
) -> HttpResponse {
    let own: Vec<OwnField<'_>> = own_parameters(tab)
        .iter()
        .filter_map(|&name| {
            value_of(query, name).map(|value| OwnField {
                name,
                label: label(t, name),
                value,
                invalid: problem.fields.contains(&name),
            })
        })
        .collect();
    let params: Vec<(&str, &str)> = own.iter().map(|f| (f.name, f.value)).collect();
    let frame = Frame::refused(t, (site, header), query, tab, agent_page, &params, problem);
    html(
        StatusCode::BAD_REQUEST,
        render(&RefusedPage { t, frame, own }),
    )
}
