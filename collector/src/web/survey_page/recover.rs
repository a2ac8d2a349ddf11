//! `/recover/{token}`: asking a customer again after their follow-up closed as resolved. GET
//! and HEAD only show the page (a link scanner opening it records nothing; `?csat=N` — a face
//! in a message — preselects the score); the customer's POST keeps the answer on the follow-up,
//! once, beside the original answer (`followups::recovery`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use koe_shared::CsatScore;
use serde::Deserialize;

use super::{html, texts, view, words};
use crate::clock;
use crate::followups::recovery::{self, Reask};
use crate::storage::Storage;
use crate::texts::survey::SurveyTexts;
use crate::web::state::AppState;

#[derive(Debug, Deserialize)]
pub struct RecoverQuery {
    lang: Option<String>,
    csat: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct RecoverForm {
    csat: Option<String>,
    resolved: Option<String>,
}

/// The site's words for the question in `lang`; Koe's when the site cannot be read.
async fn site_words<S: Storage>(
    req: &HttpRequest,
    state: &AppState<S>,
    site_id: crate::ids::SiteId,
    lang: Option<&str>,
    t: &SurveyTexts,
) -> view::Words {
    match state.sites.find_by_id(&state.storage, site_id).await {
        Ok(Some(site)) => words(req, lang.or(Some(t.lang)), &site),
        _ => view::Words::koe(t.lang),
    }
}

fn action(token: &str, t: &SurveyTexts) -> String {
    format!("/recover/{token}?lang={}", t.lang)
}

fn csat_of(raw: Option<&str>) -> Option<CsatScore> {
    raw?.trim()
        .parse::<u8>()
        .ok()
        .and_then(|v| CsatScore::try_from(v).ok())
}

/// The page a re-ask link opens.
pub async fn show<S: Storage>(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<RecoverQuery>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    let now = clock::now_ms();
    let found = recovery::look(&state.storage, &path, now).await;
    let lang = |locale: Option<&str>| query.lang.as_deref().or(locale).map(str::to_owned);
    match found {
        Ok(Reask::Open { locale, site_id }) => {
            let lang = lang(locale.as_deref());
            let t = texts(&req, lang.as_deref());
            let words = site_words(&req, &state, site_id, lang.as_deref(), t).await;
            let csat = csat_of(query.csat.as_deref()).map(u8::from);
            html(
                StatusCode::OK,
                view::recover(t, &words, &action(&path, t), None, csat, None),
            )
        }
        other => answered(&req, query.lang.as_deref(), other),
    }
}

/// The customer's answer.
pub async fn answer<S: Storage>(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<RecoverQuery>,
    form: web::Form<RecoverForm>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    let t = texts(&req, query.lang.as_deref());
    let resolved = match form.resolved.as_deref() {
        Some("yes") => Some(true),
        Some("no") => Some(false),
        _ => None,
    };
    let now = clock::now_ms();
    let Some(csat) = csat_of(form.csat.as_deref()) else {
        // Asked to choose again only on a link that still takes an answer.
        return match recovery::look(&state.storage, &path, now).await {
            Ok(Reask::Open { site_id, .. }) => {
                let words = site_words(&req, &state, site_id, query.lang.as_deref(), t).await;
                let page =
                    view::recover(t, &words, &action(&path, t), resolved, None, Some(t.choose));
                html(StatusCode::UNPROCESSABLE_ENTITY, page)
            }
            other => answered(&req, query.lang.as_deref(), other),
        };
    };
    match recovery::answer(&state.storage, &path, csat, resolved, now).await {
        Ok(true) => html(StatusCode::OK, view::notice(t, t.recover_thanks)),
        Ok(false) => {
            let state = recovery::look(&state.storage, &path, now).await;
            answered(&req, query.lang.as_deref(), state)
        }
        Err(error) => {
            tracing::error!(error = %error, "recover page: storage failed");
            html(
                StatusCode::SERVICE_UNAVAILABLE,
                view::problem(t, t.unavailable),
            )
        }
    }
}

/// A link that cannot take an answer (any more): answered, expired, unknown, or storage down.
fn answered(
    req: &HttpRequest,
    lang: Option<&str>,
    state: Result<Reask, crate::storage::StorageError>,
) -> HttpResponse {
    let t = texts(req, lang);
    match state {
        Ok(Reask::Answered) => html(StatusCode::OK, view::notice(t, t.recover_answered)),
        Ok(Reask::Expired) => html(StatusCode::GONE, view::problem(t, t.expired)),
        Ok(Reask::Unknown) | Ok(Reask::Open { .. }) => {
            html(StatusCode::NOT_FOUND, view::problem(t, t.invalid))
        }
        Err(error) => {
            tracing::error!(error = %error, "recover page: storage failed");
            html(
                StatusCode::SERVICE_UNAVAILABLE,
                view::problem(t, t.unavailable),
            )
        }
    }
}
