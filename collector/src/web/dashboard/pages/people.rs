//! The People page (`/sites/{site}/people`, owners only): the site's people and their roles,
//! the invitations not yet used, and the forms that invite, change a role, take one away and
//! withdraw an invitation — each a POST from the dashboard's own origin, audited with the
//! person who made it. Each handler checks the owner's role again itself (the extractor checks
//! it first), so no routing mistake can open the page to a narrower role. An invitation's link is shown once, in the answer to the POST that
//! made it (never in a URL).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::super::frame::{TabLink, tab_links};
use super::super::viewer::Header;
use super::super::{SignedIn, failed, html, redirect, same_origin};
use crate::clock;
use crate::people::{Grant, Need, SiteRole, accounts, members, notices};
use crate::storage::Storage;
use crate::templates::render;
use crate::texts::dashboard::Texts;
use crate::web::state::AppState;

#[derive(Debug)]
struct MemberItem {
    user_id: i64,
    email: String,
    name: String,
    role: &'static str,
    teams: String,
    agent: String,
    last_sign_in: String,
}

#[derive(Debug)]
struct PendingItem {
    id: i64,
    email: String,
    role: String,
    expires: String,
}

#[derive(Debug, Template)]
#[template(path = "dashboard/people.html")]
struct PeoplePage<'a> {
    t: &'a Texts,
    site_name: &'a str,
    header: &'a Header,
    other_lang_href: String,
    tabs: Vec<TabLink<'a>>,
    base: String,
    members: Vec<MemberItem>,
    pending: Vec<PendingItem>,
    invited: Option<String>,
    /// Whether the invitation was mailed too, in words.
    mailed: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct RoleForm {
    email: Option<String>,
    role: String,
    #[serde(default)]
    teams: String,
    #[serde(default)]
    agent: String,
}

impl RoleForm {
    fn grant(&self) -> Result<Grant, String> {
        let role = SiteRole::parse(&self.role)
            .ok_or_else(|| crate::people::GrantError::Role.to_string())?;
        Grant::new(role, Some(&self.agent), std::slice::from_ref(&self.teams))
            .map_err(|e| e.to_string())
    }
}

/// What the page says after a post: the invitation's link and whether it was mailed, or why
/// the post was refused.
#[derive(Default)]
struct Outcome {
    invited: Option<String>,
    mailed: Option<String>,
    error: Option<String>,
}

impl Outcome {
    fn refused(message: String) -> Self {
        Self {
            error: Some(message),
            ..Self::default()
        }
    }
}

async fn render_page<S: Storage>(
    state: &AppState<S>,
    page: &SignedIn<S>,
    status: StatusCode,
    outcome: Outcome,
) -> HttpResponse {
    let SignedIn { site, t, .. } = page;
    let (people, pending) = match futures_util::try_join!(
        members::members(&state.storage, site),
        members::pending(&state.storage, site),
    ) {
        Ok(found) => found,
        Err(error) => return failed(error),
    };
    let when = |ms: i64| {
        clock::from_ms(ms).map_or_else(String::new, |at| {
            at.to_zoned(site.timezone.zone().clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
    };
    let base = format!("/dashboard/sites/{}", site.key);
    let page = PeoplePage {
        t,
        site_name: &site.name,
        header: &page.header,
        other_lang_href: format!("{base}/people?lang={}", t.other_lang_code),
        tabs: tab_links(t, &base, &format!("lang={}", t.lang), None),
        members: people
            .into_iter()
            .map(|m| MemberItem {
                user_id: m.user_id.get(),
                role: m.grant.role().as_str(),
                teams: m.grant.teams_stored(),
                agent: m
                    .grant
                    .agent()
                    .map(|a| a.as_str().to_owned())
                    .unwrap_or_default(),
                last_sign_in: m
                    .last_sign_in
                    .map_or_else(|| t.people.never.to_owned(), |at| when(at.as_millisecond())),
                email: m.email,
                name: m.name,
            })
            .collect(),
        pending: pending
            .into_iter()
            .map(|p| PendingItem {
                id: p.id,
                role: p.role.unwrap_or_default(),
                expires: when(p.expires_at_ms),
                email: p.email,
            })
            .collect(),
        base,
        invited: outcome.invited,
        mailed: outcome.mailed,
        error: outcome.error,
    };
    html(status, render(&page))
}

#[tracing::instrument(name = "dashboard::people::page", skip_all)]
pub async fn page<S: Storage>(page: SignedIn<S>, state: web::Data<AppState<S>>) -> HttpResponse {
    if !page.viewer.may(Need::People) {
        return HttpResponse::Forbidden().finish();
    }
    render_page(&state, &page, StatusCode::OK, Outcome::default()).await
}

#[tracing::instrument(name = "dashboard::people::invite", skip_all)]
pub async fn invite<S: Storage>(
    req: HttpRequest,
    page: SignedIn<S>,
    form: web::Form<RoleForm>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    if let Some(refused) = refused_post(&state, &req, &page) {
        return refused;
    }
    let grant = match form.grant() {
        Ok(grant) => grant,
        Err(message) => {
            return render_page(
                &state,
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                Outcome::refused(message),
            )
            .await;
        }
    };
    let email = form.email.as_deref().unwrap_or_default();
    let actor = page.viewer.actor();
    match accounts::invite(&state.storage, &page.site, email, &grant, &actor).await {
        Ok(link) => {
            let base = crate::web::request::public_base(state.public_url.as_deref(), &req);
            let url = link.url(&base);
            let mailed = match &state.mailer {
                Some(mailer) => {
                    let t = page.t;
                    let role = super::super::view::role_label(t, grant.role());
                    let by = page.viewer.user.email.as_str();
                    let to = crate::people::Email::parse(email).map(|e| e.to_string());
                    let sent = match &to {
                        Ok(to) => {
                            let about = (page.site.name.as_str(), role, by);
                            notices::mail_invitation(mailer, t.people, to, about, &link, &url).await
                        }
                        Err(_) => Ok(()),
                    };
                    Some(match (sent, to) {
                        (Ok(()), Ok(to)) => format!("{} {to}.", t.people.mailed),
                        _ => t.people.not_mailed.to_owned(),
                    })
                }
                None => None,
            };
            let outcome = Outcome {
                invited: Some(url),
                mailed,
                error: None,
            };
            render_page(&state, &page, StatusCode::OK, outcome).await
        }
        Err(accounts::AccountError::Storage(error)) => failed(error),
        Err(refusal) => {
            render_page(
                &state,
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                Outcome::refused(refusal.to_string()),
            )
            .await
        }
    }
}

/// The address of the member whose id the path names, if they are one of this site's.
async fn member_email<S: Storage>(
    state: &AppState<S>,
    page: &SignedIn<S>,
    user: i64,
) -> Result<Option<String>, HttpResponse> {
    let found = state
        .storage
        .members_of(page.site.id)
        .await
        .map_err(failed)?;
    Ok(found
        .into_iter()
        .find(|m| m.user_id.get() == user)
        .map(|m| m.email))
}

#[tracing::instrument(name = "dashboard::people::change", skip_all)]
pub async fn change<S: Storage>(
    req: HttpRequest,
    page: SignedIn<S>,
    path: web::Path<(String, i64)>,
    form: web::Form<RoleForm>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    if let Some(refused) = refused_post(&state, &req, &page) {
        return refused;
    }
    let email = match member_email(&state, &page, path.1).await {
        Ok(Some(email)) => email,
        Ok(None) => return HttpResponse::NotFound().finish(),
        Err(answer) => return answer,
    };
    let grant = match form.grant() {
        Ok(grant) => grant,
        Err(message) => {
            return render_page(
                &state,
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                Outcome::refused(message),
            )
            .await;
        }
    };
    let actor = page.viewer.actor();
    let changed = members::change_role(&state.storage, &page.site, &email, &grant, &actor).await;
    member_changed(&state, &page, changed).await
}

#[tracing::instrument(name = "dashboard::people::remove", skip_all)]
pub async fn remove<S: Storage>(
    req: HttpRequest,
    page: SignedIn<S>,
    path: web::Path<(String, i64)>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    if let Some(refused) = refused_post(&state, &req, &page) {
        return refused;
    }
    let email = match member_email(&state, &page, path.1).await {
        Ok(Some(email)) => email,
        Ok(None) => return HttpResponse::NotFound().finish(),
        Err(answer) => return answer,
    };
    let actor = page.viewer.actor();
    let changed = members::remove(&state.storage, &page.site, &email, &actor).await;
    member_changed(&state, &page, changed).await
}

#[tracing::instrument(name = "dashboard::people::withdraw", skip_all)]
pub async fn withdraw<S: Storage>(
    req: HttpRequest,
    page: SignedIn<S>,
    path: web::Path<(String, i64)>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    if let Some(refused) = refused_post(&state, &req, &page) {
        return refused;
    }
    let actor = page.viewer.actor();
    match members::withdraw_invitation(&state.storage, &page.site, path.1, &actor).await {
        Ok(true) => back(&page),
        Ok(false) => HttpResponse::NotFound().finish(),
        Err(error) => failed(error),
    }
}

/// What every post of the page is refused for: another origin, or a role that is not an
/// owner's (checked here again, whatever the extractor found).
fn refused_post<S>(
    state: &AppState<S>,
    req: &HttpRequest,
    page: &SignedIn<S>,
) -> Option<HttpResponse> {
    (!same_origin(state, req) || !page.viewer.may(Need::People))
        .then(|| HttpResponse::Forbidden().finish())
}

/// A member's role changed or taken away: back to the page, or the page saying why not.
async fn member_changed<S: Storage>(
    state: &AppState<S>,
    page: &SignedIn<S>,
    changed: Result<(), members::MemberError>,
) -> HttpResponse {
    match changed {
        Ok(()) => back(page),
        Err(members::MemberError::Storage(error)) => failed(error),
        Err(refusal) => {
            let outcome = Outcome::refused(refusal.to_string());
            render_page(state, page, StatusCode::CONFLICT, outcome).await
        }
    }
}

fn back<S>(page: &SignedIn<S>) -> HttpResponse {
    redirect(&format!(
        "/dashboard/sites/{}/people?lang={}",
        page.site.key, page.t.lang
    ))
}
