//! "Forgot your password?" (`/dashboard/forgot`), offered only when Koe can mail: an address,
//! and a reset link mailed to it when an account has it and none was mailed in the last five
//! minutes. The answer is the same either way, so the page tells no one which addresses have
//! accounts, and it cannot flood a mailbox.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::view::ForgotPage;
use super::{LangQuery, failed, html, html_ok, same_origin, texts};
use crate::people::{accounts, notices};
use crate::storage::Storage;
use crate::web::state::AppState;

#[derive(Deserialize)]
pub(super) struct ForgotForm {
    email: String,
    lang: Option<String>,
}

#[tracing::instrument(name = "dashboard::forgot", skip_all)]
pub(super) async fn page<S: Storage>(
    req: HttpRequest,
    query: web::Query<LangQuery>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    if state.mailer.is_none() {
        return HttpResponse::NotFound().body("not found");
    }
    let t = texts(&req, query.lang.as_deref());
    html_ok(&ForgotPage { t, sent: false })
}

#[tracing::instrument(name = "dashboard::forgot_submit", skip_all)]
pub(super) async fn submit<S: Storage>(
    req: HttpRequest,
    form: web::Form<ForgotForm>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    let Some(mailer) = &state.mailer else {
        return HttpResponse::NotFound().body("not found");
    };
    if !same_origin(&state, &req) {
        return HttpResponse::Forbidden().finish();
    }
    let t = texts(&req, form.lang.as_deref());
    match accounts::request_reset(&state.storage, &form.email).await {
        Ok(Some((email, link))) => {
            let base = crate::web::request::public_base(state.public_url.as_deref(), &req);
            // A failure is logged by the mailer; the page says the same as ever.
            let _ = notices::mail_reset(mailer, t.people, email.as_str(), &link, &link.url(&base))
                .await;
        }
        Ok(None) => {}
        Err(error) => return failed(error),
    }
    html(
        StatusCode::OK,
        crate::templates::render(&ForgotPage { t, sent: true }),
    )
}
