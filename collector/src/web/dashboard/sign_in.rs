//! Signing in with an address and a password (a session stored on the server, its cookie
//! set by `cookie.rs`) and signing out (the stored session ends, so
//! a copy of the cookie stops working). Both refuse posts from another origin. A refused
//! sign-in answers 401 and counts among the address's refusals (`web/rate_limit.rs`); an
//! account with too many failures waits (`people::throttle`) and is told so (429).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::{failed, html, redirect, same_origin, texts, view, viewer};
use crate::people::sign_in::{self as accounts, SignInError};
use crate::storage::Storage;
use crate::web::state::AppState;

#[derive(Deserialize)]
pub(super) struct SignInForm {
    email: String,
    password: String,
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
        return html(
            StatusCode::FORBIDDEN,
            view::sign_in(t, Some(t.people.refused), offers(&state, &req)),
        );
    }
    let client = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    match accounts::sign_in(&state.storage, &form.email, &form.password, client).await {
        Ok(started) => {
            let mut response = redirect(&format!("/dashboard?lang={}", t.lang));
            let _ = response.add_cookie(&super::cookie::session_cookie(&state, &req, &started));
            response
        }
        Err(SignInError::Refused) => html(
            StatusCode::UNAUTHORIZED,
            view::sign_in(t, Some(t.people.refused), offers(&state, &req)),
        ),
        Err(SignInError::Slowed(until)) => {
            let wait = until.as_second() - crate::clock::now().as_second();
            let mut page = html(
                StatusCode::TOO_MANY_REQUESTS,
                view::sign_in(t, Some(t.people.slowed), offers(&state, &req)),
            );
            if let Ok(value) = header::HeaderValue::from_str(&wait.max(1).to_string()) {
                page.headers_mut().insert(header::RETRY_AFTER, value);
            }
            page
        }
        Err(SignInError::Storage(error)) => failed(error),
    }
}

/// What the sign-in page offers beside a password, here.
pub(super) fn offers<S>(state: &AppState<S>, req: &HttpRequest) -> view::Offers {
    view::Offers {
        reset: state.mailer.is_some(),
        passkeys: super::passkeys::relying_party(state, req).is_ok(),
    }
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
    match viewer::signed_in(&state, &req).await {
        Ok(Some((session, user))) => {
            if let Err(error) = accounts::end_session(&state.storage, user.id, session.id).await {
                return failed(error);
            }
        }
        Ok(None) => {}
        Err(error) => return failed(error),
    }
    super::cookie::signed_out()
}
