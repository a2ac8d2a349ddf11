//! A one-time link's page (`/dashboard/welcome/{token}`): an invitation to a site, a password
//! reset, or the first owner's link that `koe serve` prints on an empty database. Opening it
//! changes nothing; sending its form uses it (`people::accounts::use_link`) and signs the
//! person in. A link used, expired or withdrawn says so, and nothing else about itself.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::cookie::session_cookie;
use super::view::WelcomePage;
use super::{LangQuery, failed, html, html_ok, redirect, same_origin, texts};
use crate::people::accounts::{self, AccountError, LinkForm, LinkPurpose};
use crate::storage::Storage;
use crate::templates::render;
use crate::texts::dashboard::Texts;
use crate::web::state::AppState;

#[derive(Deserialize)]
pub(super) struct WelcomeForm {
    email: Option<String>,
    name: Option<String>,
    password: String,
    lang: Option<String>,
}

fn unusable(t: &Texts, status: StatusCode) -> HttpResponse {
    let page = WelcomePage {
        t,
        heading: t.people.welcome,
        intro: None,
        error: Some(t.people.link_unusable.to_owned()),
        usable: false,
        ask_email: false,
        ask_name: false,
        existing: false,
        email: String::new(),
        name: String::new(),
    };
    html(status, render(&page))
}

/// The page as `purpose` asks it, with `error` from a refused try.
async fn form_page<S: Storage>(
    state: &AppState<S>,
    t: &'static Texts,
    purpose: &LinkPurpose,
    error: Option<String>,
    typed: (&str, &str),
) -> WelcomePage<'static> {
    let (heading, intro, ask_email, ask_name, existing, email) = match purpose {
        LinkPurpose::Invite {
            email,
            site,
            role,
            has_account,
        } => {
            let site_name = match state.sites.find_by_id(&state.storage, *site).await {
                Ok(Some(site)) => site.name.clone(),
                _ => String::new(),
            };
            let role =
                crate::people::SiteRole::parse(role).map_or("", |r| super::view::role_label(t, r));
            let mut intro = format!("{} {site_name} — {role}", t.people.join);
            if *has_account {
                intro = format!("{intro}. {}", t.people.join_existing);
            }
            (
                t.people.welcome,
                Some(intro),
                false,
                !has_account,
                *has_account,
                email.clone(),
            )
        }
        LinkPurpose::Reset { email } => (t.people.reset, None, false, false, false, email.clone()),
        LinkPurpose::FirstOwner => (
            t.people.first_owner,
            Some(t.people.first_owner_help.to_owned()),
            true,
            true,
            false,
            typed.0.to_owned(),
        ),
    };
    WelcomePage {
        t,
        heading,
        intro,
        error,
        usable: true,
        ask_email,
        ask_name,
        existing,
        email,
        name: typed.1.to_owned(),
    }
}

#[tracing::instrument(name = "dashboard::welcome", skip_all)]
pub(super) async fn page<S: Storage>(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<LangQuery>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    let t = texts(&req, query.lang.as_deref());
    match accounts::link_purpose(&state.storage, &path).await {
        Ok(purpose) => html_ok(&form_page(&state, t, &purpose, None, ("", "")).await),
        Err(AccountError::Storage(error)) => failed(error),
        Err(_) => unusable(t, StatusCode::NOT_FOUND),
    }
}

#[tracing::instrument(name = "dashboard::welcome_submit", skip_all)]
pub(super) async fn submit<S: Storage>(
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<WelcomeForm>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    let t = texts(&req, form.lang.as_deref());
    if !same_origin(&state, &req) {
        return HttpResponse::Forbidden().finish();
    }
    let purpose = match accounts::link_purpose(&state.storage, &path).await {
        Ok(purpose) => purpose,
        Err(AccountError::Storage(error)) => return failed(error),
        Err(_) => return unusable(t, StatusCode::NOT_FOUND),
    };
    let typed = LinkForm {
        email: form.email.as_deref(),
        name: form.name.as_deref().unwrap_or_default(),
        password: &form.password,
    };
    let used = accounts::use_link(&state.storage, &path, typed).await;
    let user = match used {
        Ok(user) => user,
        Err(AccountError::Storage(error)) => return failed(error),
        Err(AccountError::LinkUnusable | AccountError::AccountsExist) => {
            return unusable(t, StatusCode::GONE);
        }
        Err(refusal) => {
            let typed = (
                form.email.as_deref().unwrap_or_default(),
                form.name.as_deref().unwrap_or_default(),
            );
            let page = form_page(&state, t, &purpose, Some(refusal.to_string()), typed).await;
            return html(StatusCode::UNPROCESSABLE_ENTITY, render(&page));
        }
    };
    // Signed in at once, with the password just given (a reset ended every earlier session).
    let email = match state.storage.user_by_id(user).await {
        Ok(Some(user)) => user.email,
        Ok(None) => return redirect(&format!("/dashboard?lang={}", t.lang)),
        Err(error) => return failed(error),
    };
    let client = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    match crate::people::sign_in::sign_in(&state.storage, &email, &form.password, client).await {
        Ok(started) => {
            let mut response = redirect(&format!("/dashboard?lang={}", t.lang));
            let _ = response.add_cookie(&session_cookie(&state, &req, &started));
            response
        }
        Err(_) => redirect(&format!("/dashboard?lang={}", t.lang)),
    }
}
