//! The Follow-ups queue (`/sites/{site}/followups`; everyone who reads reports, a team lead
//! their teams'): the overdue first, mine or everyone's, to do / closed / all, the last 30
//! days' numbers above (the Overview shows the same [`Cards`] for its own range and filters).
//! One follow-up's page and its forms are `followup.rs`.

use actix_web::{HttpResponse, web};
use askama::Template;
use koe_shared::TeamId;
use serde::Deserialize;

use super::super::frame::{TabLink, tab_links};
use super::super::viewer::Header;
use super::super::{SignedIn, failed, html_ok};
use crate::followups::load;
use crate::followups::numbers::FollowupNumbers;
use crate::followups::view::FollowupView;
use crate::report::{Bucket, ReportQuery};
use crate::sites::Site;
use crate::storage::{FollowupFilter, Storage};
use crate::texts::dashboard::Texts;
use crate::web::state::AppState;

/// The queue's own parameters.
#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    /// `active` (default), `closed` or `all`.
    status: Option<String>,
    /// `mine` or `all` (default: mine when the person owns any, else everyone's).
    whose: Option<String>,
    /// `1`: only the overdue.
    overdue: Option<String>,
}

/// One row of the queue.
#[derive(Debug)]
struct Row {
    id: i64,
    href: String,
    due: String,
    overdue: bool,
    status: &'static str,
    owner: String,
    agent: String,
    channel: String,
    answer: String,
    comment: String,
}

/// Follow-up numbers, formatted for the cards.
#[derive(Debug)]
pub struct Cards {
    /// Which follow-ups they count: the last 30 days', or the Overview's range.
    pub label: &'static str,
    pub opened: u64,
    pub active: u64,
    pub overdue: u64,
    pub within_sla: Option<String>,
    pub first_contact: Option<String>,
    pub recovery: Option<String>,
    pub causes: Vec<(String, u64)>,
}

impl Cards {
    pub fn of(t: &Texts, label: &'static str, n: &FollowupNumbers) -> Self {
        let percent = |e: &koe_shared::metrics::Estimate| {
            format!("{:.0} % ({:.0}–{:.0} %, n {})", e.value, e.low, e.high, e.n)
        };
        Self {
            label,
            opened: n.opened,
            active: n.active,
            overdue: n.overdue,
            within_sla: n.contacted_within_sla.as_ref().map(percent),
            first_contact: n.median_first_contact_secs.as_ref().map(|e| {
                let h = |secs: f64| format!("{:.1}", secs / 3600.0);
                format!(
                    "{} {} ({}–{}, n {})",
                    h(e.value),
                    t.followups.hours,
                    h(e.low),
                    h(e.high),
                    e.n
                )
            }),
            recovery: n.recovery_rate.as_ref().map(percent),
            causes: n
                .causes
                .iter()
                .map(|c| (t.followups.cause_label(&c.cause).to_owned(), c.count))
                .collect(),
        }
    }
}

/// The last 30 days' follow-up numbers of the person's scope.
pub async fn last_30_days<S: Storage>(
    state: &AppState<S>,
    site: &Site,
    team: Option<TeamId>,
) -> Result<FollowupNumbers, crate::storage::StorageError> {
    let to = site.today();
    let query = ReportQuery {
        from: to.saturating_sub(jiff::Span::new().days(29)),
        to,
        bucket: Bucket::All,
        group_by: Vec::new(),
        agent: None,
        channel: None,
        team,
        compare: None,
    };
    Ok(load::report(&state.storage, site, &query).await?.total)
}

#[derive(Debug, Template)]
#[template(path = "dashboard/followups.html")]
struct QueuePage<'a> {
    t: &'a Texts,
    site_name: &'a str,
    header: &'a Header,
    other_lang_href: String,
    tabs: Vec<TabLink<'a>>,
    action: String,
    lang: &'a str,
    team: Option<String>,
    status: String,
    mine: bool,
    overdue: bool,
    rows: Vec<Row>,
    fcards: Cards,
}

/// A time as the site's local `YYYY-MM-DD HH:MM`.
pub(super) fn local(site: &Site, rfc3339: &str) -> String {
    rfc3339
        .parse::<jiff::Timestamp>()
        .map(|t| {
            t.to_zoned(site.timezone.zone().clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

pub(super) fn answer_text(view: &FollowupView, t: &Texts) -> String {
    let a = &view.answer;
    let mut parts = Vec::new();
    if let Some(v) = a.csat {
        parts.push(format!("CSAT {v}/5"));
    }
    if let Some(v) = a.nps {
        parts.push(format!("NPS {v}/10"));
    }
    if let Some(v) = a.ces {
        parts.push(format!("CES {v}/7"));
    }
    match a.resolved {
        Some(true) => parts.push(t.followups.resolved_yes.to_owned()),
        Some(false) => parts.push(t.followups.resolved_no.to_owned()),
        None => {}
    }
    parts.join(" · ")
}

#[tracing::instrument(name = "dashboard::followups::page", skip_all)]
pub async fn page<S: Storage>(
    page: SignedIn<S>,
    query: web::Query<QueueQuery>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    let SignedIn { site, t, .. } = &page;
    let report = &page.filters.report;
    let status = query.status.clone().unwrap_or_else(|| "active".into());
    let statuses = match crate::followups::statuses(Some(&status)) {
        Ok(statuses) if ["active", "closed", "all"].contains(&status.as_str()) => statuses,
        _ => return HttpResponse::BadRequest().body("status is active, closed or all"),
    };
    let now_ms = crate::clock::now_ms();
    let overdue = query.overdue.as_deref() == Some("1");
    let me = page.viewer.user.id;
    let mut filter = FollowupFilter {
        statuses,
        owner: Some(me),
        team: report.team.as_ref().map(|t| t.as_str().to_owned()),
        agent: report.agent.as_ref().map(|a| a.as_str().to_owned()),
        channel: report.channel.map(|c| c.as_str().to_owned()),
        overdue_at_ms: overdue.then_some(now_ms),
        now_ms,
        limit: 200,
    };
    let mine = match query.whose.as_deref() {
        Some("all") => false,
        Some(_) => true,
        // Mine when I own any to do; else everyone's.
        None => match load::queue(&state.storage, site, &filter).await {
            Ok(rows) => !rows.is_empty(),
            Err(error) => return failed(error),
        },
    };
    if !mine {
        filter.owner = None;
    }
    let (views, numbers) = match tokio::try_join!(
        load::queue(&state.storage, site, &filter),
        last_30_days(&state, site, report.team.clone())
    ) {
        Ok(found) => found,
        Err(error) => return failed(error),
    };
    let base = format!("/dashboard/sites/{}", site.key);
    let rows = views
        .iter()
        .map(|v| Row {
            id: v.id,
            href: format!("{base}/followups/{}?lang={}", v.id, t.lang),
            due: local(site, &v.due_at),
            overdue: v.overdue,
            status: t.followups.status_label(&v.status),
            owner: v.owner.clone().unwrap_or_else(|| t.followups.nobody.into()),
            agent: v.agent.clone().unwrap_or_else(|| t.none.into()),
            channel: v.channel.clone().unwrap_or_else(|| t.none.into()),
            answer: answer_text(v, t),
            comment: v.answer.comment.clone().unwrap_or_default(),
        })
        .collect();
    let team = report.team.as_ref().map(|t| t.as_str().to_owned());
    html_ok(&QueuePage {
        t,
        site_name: &site.name,
        header: &page.header,
        other_lang_href: format!("{base}/followups?lang={}", t.other_lang_code),
        tabs: tab_links(t, &base, &format!("lang={}", t.lang), None),
        action: format!("{base}/followups"),
        lang: t.lang,
        team,
        status,
        mine,
        overdue,
        rows,
        fcards: Cards::of(t, t.followups.last_30_days, &numbers),
    })
}
