//! The dashboard's session cookie: set when a session starts (a password, a passkey, a
//! one-time link), HttpOnly, SameSite=Strict, Secure over https, for `/dashboard` only; and
//! taken away when one ends.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpRequest, HttpResponse};

use super::redirect;
use crate::people::sign_in::{SESSION_LIFE, Started};
use crate::web::session::{COOKIE, Session};
use crate::web::state::AppState;

/// The cookie of a session just started.
pub(super) fn session_cookie<S>(
    state: &AppState<S>,
    req: &HttpRequest,
    started: &Started,
) -> Cookie<'static> {
    let session = Session {
        id: started.session_id,
        user_id: started.user.id,
        expires_at: started.expires_at.as_second(),
    };
    Cookie::build(COOKIE, state.session_key.seal(&session))
        .path("/dashboard")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure_cookies(state, req))
        .max_age(CookieDuration::seconds(SESSION_LIFE.as_secs()))
        .finish()
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

/// Back to the sign-in page, the cookie gone.
pub(super) fn signed_out() -> HttpResponse {
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
