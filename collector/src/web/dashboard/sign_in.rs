//! Signing in with an API key (a session stored on the server, its cookie HttpOnly,
//! SameSite=Strict, Secure over https) and signing out (the stored session ends, so a copy of
//! the cookie stops working). Both refuse posts from another origin.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::{failed, html, now_secs, redirect, same_origin, texts, view};
use crate::access;
use crate::storage::Storage;
use crate::web::session::{COOKIE, LIFETIME_SECS, Session};
use crate::web::state::AppState;

#[derive(Debug, Deserialize)]
pub(super) struct SignInForm {
    api_key: String,
    lang: Option<String>,
}

#[tracing::instrument(name = "dashboard::sign_in", skip_all)]
pub(super) async fn sign_in<S: Storage>(
    req: HttpRequest,
    form: web::Form<SignInForm>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    let t = texts(&req, form.lang.as_deref());
    if !same_origin(&state, &req) {
        return html(StatusCode::FORBIDDEN, view::sign_in(t, true));
    }
    let record = match access::key_presented(&state.storage, &form.api_key).await {
        // A write key is a backend's, for sending facts: it reads nothing, here either.
        Ok(Some(record)) if record.role.allows(crate::storage::Role::Read) => record,
        Ok(_) => return html(StatusCode::UNAUTHORIZED, view::sign_in(t, true)),
        Err(error) => return failed(error),
    };
    let site = match state.sites.find_by_id(&state.storage, record.site_id).await {
        Ok(Some(site)) => site,
        Ok(None) => return html(StatusCode::UNAUTHORIZED, view::sign_in(t, true)),
        Err(error) => return failed(error),
    };
    access::note_use(&state.storage, &record).await;
    let expires_at = now_secs() + LIFETIME_SECS;
    let expires = jiff::Timestamp::from_second(expires_at).unwrap_or(jiff::Timestamp::MAX);
    let id = match access::start_session(&state.storage, &record, expires).await {
        Ok(id) => id,
        Err(error) => return failed(error),
    };
    let session = Session {
        id,
        site_id: record.site_id,
        key_id: record.id,
        role: record.role,
        expires_at,
    };
    let cookie = Cookie::build(COOKIE, state.session_key.seal(&session))
        .path("/dashboard")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure_cookies(&state, &req))
        .max_age(CookieDuration::seconds(LIFETIME_SECS))
        .finish();
    let mut response = redirect(&format!("/dashboard/sites/{}?lang={}", site.key, t.lang));
    let _ = response.add_cookie(&cookie);
    response
}

/// Whether the session cookie is `Secure`: always when Koe is published over https
/// (`public_url`), whatever scheme a TLS-terminating proxy forwards; else when this request
/// came over https.
fn secure_cookies<S>(state: &AppState<S>, req: &HttpRequest) -> bool {
    state
        .public_url
        .as_deref()
        .is_some_and(|url| url.starts_with("https://"))
        || req.connection_info().scheme() == "https"
}

/// Ends the session on the server too, so a copy of the cookie no longer works.
#[tracing::instrument(name = "dashboard::sign_out", skip_all)]
pub(super) async fn sign_out<S: Storage>(
    req: HttpRequest,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    if !same_origin(&state, &req) {
        return HttpResponse::Forbidden().finish();
    }
    if let Some(session) = req
        .cookie(COOKIE)
        .and_then(|cookie| state.session_key.open(cookie.value(), now_secs()))
        && let Err(error) = access::end_session(&state.storage, session.id).await
    {
        return failed(error);
    }
    let mut gone = Cookie::build(COOKIE, "")
        .path("/dashboard")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    gone.make_removal();
    let mut response = redirect("/dashboard");
    let _ = response.add_cookie(&gone);
    response
}
