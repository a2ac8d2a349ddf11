//! One follow-up's page (`/sites/{site}/followups/{id}`): its answer, the interaction's facts,
//! the helpdesk's link, the notes, and the forms that work it — assign, note, contacted, close
//! with an outcome and a root cause (`POST …/{id}/{action}`). Plain forms: keyboard operable, no
//! script. Every change goes through `followups::work`, audited with the person; a team lead
//! reaches only their teams' follow-ups.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use koe_shared::TeamId;
use serde::Deserialize;

use super::super::frame::{TabLink, tab_links};
use super::super::viewer::Header;
use super::super::{SignedIn, failed, html, redirect, same_origin};
use super::followups::{answer_text, local};
use crate::followups::load;
use crate::followups::view::FollowupView;
use crate::followups::work::{self, FollowupError, Work};
use crate::followups::{FollowupStatus, rfc3339};
use crate::people::Need;
use crate::storage::Storage;
use crate::texts::dashboard::Texts;
use crate::web::state::AppState;

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
