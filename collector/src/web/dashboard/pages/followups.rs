//! The Follow-ups pages (everyone who reads reports; a team lead sees their teams'): the queue
//! (`/sites/{site}/followups`, the overdue first, mine or everyone's, to do / closed / all, the
//! last 30 days' numbers above), and one follow-up (`…/followups/{id}`) with its answer, the
//! interaction's facts, the helpdesk's link, the notes and the forms that work it — assign,
//! note, contacted, close with an outcome and a root cause. Plain forms and links: keyboard
//! operable, no script. Every change goes through `followups::work`, audited with the person.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use koe_shared::TeamId;
use serde::Deserialize;

use super::super::frame::{TabLink, tab_links};
use super::super::viewer::Header;
use super::super::{SignedIn, failed, html, html_ok, redirect, same_origin};
use crate::followups::load;
use crate::followups::numbers::FollowupNumbers;
use crate::followups::view::FollowupView;
use crate::followups::work::{self, FollowupError, Work};
use crate::followups::{FollowupStatus, rfc3339};
use crate::people::Need;
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

/// The last 30 days' numbers, formatted.
#[derive(Debug)]
pub struct Cards {
    pub opened: u64,
    pub active: u64,
    pub overdue: u64,
    pub within_sla: Option<String>,
    pub first_contact: Option<String>,
    pub recovery: Option<String>,
    pub causes: Vec<(String, u64)>,
}

impl Cards {
    pub fn of(t: &Texts, n: &FollowupNumbers) -> Self {
        let percent = |e: &koe_shared::metrics::Estimate| {
            format!("{:.0} % ({:.0}–{:.0} %, n {})", e.value, e.low, e.high, e.n)
        };
        Self {
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

/// The last 30 days' follow-up numbers of the person's scope (the Overview's card too).
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
fn local(site: &Site, rfc3339: &str) -> String {
    rfc3339
        .parse::<jiff::Timestamp>()
        .map(|t| {
            t.to_zoned(site.timezone.zone().clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

fn answer_text(view: &FollowupView, t: &Texts) -> String {
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
    let statuses = match crate::web::api::followups::statuses(Some(&status)) {
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
        fcards: Cards::of(t, &numbers),
    })
}

#[derive(Debug, Template)]
#[template(path = "dashboard/followup.html")]
struct DetailPage<'a> {
    t: &'a Texts,
    site_name: &'a str,
    header: &'a Header,
    other_lang_href: String,
    tabs: Vec<TabLink<'a>>,
    back: String,
    /// Where the forms post, with the page's language.
    post: String,
    f: FollowupView,
    status: &'static str,
    active: bool,
    withdrawn: bool,
    answer: String,
    opened: String,
    due: String,
    contacted: Option<String>,
    closed: Option<String>,
    cause: Option<String>,
    first_response: Option<String>,
    notes: Vec<(String, String, String)>,
    people: Vec<(String, bool)>,
    causes: Vec<(String, String)>,
    outcomes: Vec<(&'static str, &'static str)>,
    recovery: Option<String>,
    reask_url: Option<String>,
    error: Option<String>,
}

/// The follow-up `id` if the person's scope reaches it: a team lead only their teams'.
async fn reachable<S: Storage>(
    state: &AppState<S>,
    page: &SignedIn<S>,
    id: i64,
) -> Result<Option<FollowupView>, HttpResponse> {
    let view = load::one(&state.storage, &page.site, id)
        .await
        .map_err(failed)?;
    let Some(view) = view else {
        return Ok(None);
    };
    let team = view.team.clone().and_then(|t| TeamId::try_from(t).ok());
    let (mut narrowed, mut agent) = (team.clone(), None);
    let inside = page
        .viewer
        .scope()
        .narrow(&mut narrowed, &mut agent)
        .is_ok();
    Ok((inside && narrowed == team && agent.is_none()).then_some(view))
}

async fn detail_page<S: Storage>(
    state: &AppState<S>,
    page: &SignedIn<S>,
    view: FollowupView,
    reask_url: Option<String>,
    error: Option<String>,
) -> HttpResponse {
    let SignedIn { site, t, .. } = page;
    let (members, settings) = match tokio::try_join!(
        state.storage.members_of(site.id),
        state.storage.followup_settings(site.id)
    ) {
        Ok(found) => found,
        Err(error) => return failed(error),
    };
    let owner = view.owner.clone().unwrap_or_default();
    let base = format!("/dashboard/sites/{}", site.key);
    let f = &t.followups;
    let notes = view
        .notes
        .iter()
        .flatten()
        .map(|n| {
            let author = n
                .author
                .strip_prefix("user:")
                .unwrap_or(&n.author)
                .to_owned();
            (
                local(site, &rfc3339(n.created_at_ms)),
                author,
                n.body.clone(),
            )
        })
        .collect();
    let recovery = view.recovery.as_ref().map(|r| match r.csat {
        Some(csat) => {
            let resolved = match r.resolved {
                Some(true) => format!(" · {}", f.resolved_yes),
                Some(false) => format!(" · {}", f.resolved_no),
                None => String::new(),
            };
            format!("{}: CSAT {csat}/5{resolved}", f.recovery_answer)
        }
        None => f.recovery_waiting.to_owned(),
    });
    let status = FollowupStatus::parse(&view.status).unwrap_or(FollowupStatus::Open);
    let page_html = DetailPage {
        t,
        site_name: &site.name,
        header: &page.header,
        other_lang_href: format!("{base}/followups/{}?lang={}", view.id, t.other_lang_code),
        tabs: tab_links(t, &base, &format!("lang={}", t.lang), None),
        back: format!("{base}/followups?lang={}", t.lang),
        post: format!("{base}/followups/{}", view.id),
        status: f.status_label(&view.status),
        active: status.is_active(),
        withdrawn: status == FollowupStatus::Withdrawn,
        answer: answer_text(&view, t),
        opened: local(site, &view.opened_at),
        due: local(site, &view.due_at),
        contacted: view.contacted_at.as_deref().map(|at| local(site, at)),
        closed: view.closed_at.as_deref().map(|at| local(site, at)),
        cause: view.cause.as_deref().map(|c| f.cause_label(c).to_owned()),
        first_response: view
            .facts
            .as_ref()
            .and_then(|x| x.first_response_at.as_deref())
            .map(|at| local(site, at)),
        notes,
        people: members
            .iter()
            .map(|m| (m.email.clone(), m.email == owner))
            .collect(),
        causes: settings
            .causes
            .iter()
            .map(|c| (c.clone(), f.cause_label(c).to_owned()))
            .collect(),
        outcomes: [
            FollowupStatus::Resolved,
            FollowupStatus::NotResolved,
            FollowupStatus::NoReply,
        ]
        .map(|s| (s.as_str(), f.status_label(s.as_str())))
        .to_vec(),
        recovery,
        reask_url,
        error,
        f: view,
    };
    let status = if page_html.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    match page_html.render() {
        Ok(body) => html(status, body),
        Err(error) => {
            tracing::error!(error = %error, "the follow-up page did not render");
            HttpResponse::InternalServerError().finish()
        }
    }
}

#[tracing::instrument(name = "dashboard::followups::detail", skip_all)]
pub async fn detail<S: Storage>(
    page: SignedIn<S>,
    path: web::Path<(String, i64)>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    match reachable(&state, &page, path.1).await {
        Ok(Some(view)) => detail_page(&state, &page, view, None, None).await,
        Ok(None) => HttpResponse::NotFound().body("not found"),
        Err(answer) => answer,
    }
}

/// What the forms send.
#[derive(Debug, Deserialize)]
pub struct WorkForm {
    owner: Option<String>,
    body: Option<String>,
    status: Option<String>,
    cause: Option<String>,
}

/// `POST …/followups/{id}/{action}`: `assign`, `note`, `contacted` or `close`.
#[tracing::instrument(name = "dashboard::followups::work", skip_all)]
pub async fn change<S: Storage>(
    req: HttpRequest,
    page: SignedIn<S>,
    path: web::Path<(String, i64, String)>,
    form: web::Form<WorkForm>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    if !same_origin(&state, &req) || !page.viewer.may(Need::Reports) {
        return HttpResponse::Forbidden().finish();
    }
    let id = path.1;
    match reachable(&state, &page, id).await {
        Ok(Some(_)) => {}
        Ok(None) => return HttpResponse::NotFound().body("not found"),
        Err(answer) => return answer,
    }
    let form = form.into_inner();
    let item = match path.2.as_str() {
        "assign" => Work::Assign(form.owner.unwrap_or_default()),
        "note" => Work::Note(form.body.unwrap_or_default()),
        "contacted" => Work::Contacted,
        "close" => Work::Close {
            status: form.status.unwrap_or_default(),
            cause: form.cause.unwrap_or_default(),
        },
        _ => return HttpResponse::NotFound().body("not found"),
    };
    let base = crate::web::request::public_base(state.public_url.as_deref(), &req);
    let actor = page.viewer.actor();
    let done = work::work(&state.storage, &page.site, id, item, actor, &base).await;
    let again = |reask, error| async {
        match reachable(&state, &page, id).await {
            Ok(Some(view)) => detail_page(&state, &page, view, reask, error).await,
            Ok(None) => HttpResponse::NotFound().body("not found"),
            Err(answer) => answer,
        }
    };
    match done {
        // The re-ask link is shown once, on the page the closing answers with.
        Ok(worked) if worked.reask.is_some() => again(worked.reask.map(|l| l.url), None).await,
        Ok(_) => redirect(&format!(
            "/dashboard/sites/{}/followups/{id}?lang={}",
            page.site.key, page.t.lang
        )),
        Err(FollowupError::Storage(error)) => failed(error),
        Err(refusal) => again(None, Some(refusal.to_string())).await,
    }
}
