//! `/s/{token}`: the page a rating link opens. GET and HEAD only show it — link scanners open
//! every link and must never cast a vote. The customer's POST confirms the answer and goes
//! through the same per-interaction merge as the widget, attributed by the signed token.

pub mod recover;
mod view;

use std::sync::Arc;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use koe_shared::token::{self, AttributionClaims, TokenError};
use koe_shared::{AttributionToken, Comment, CsatScore, NpsScore, OfferedQuestion};
use serde::Deserialize;

use crate::clock;
use crate::responses::scanner;
use crate::responses::submit::{Submitted, submit};
use crate::responses::{Answers, Attribution, MergeConflict};
use crate::sites::{Site, SiteTokenError};
use crate::storage::{SaveError, Storage};
use crate::texts::survey::{self as survey_texts, SurveyTexts};
use crate::web::metrics::{self, LinkRefusal};
use crate::web::state::AppState;

const CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

#[derive(Debug, Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

/// The confirmation form (and the plain follow-up form).
#[derive(Debug, Deserialize)]
pub struct SurveyForm {
    csat: Option<String>,
    nps: Option<String>,
    comment: Option<String>,
    served_at: Option<String>,
}

fn texts(req: &HttpRequest, lang: Option<&str>) -> &'static SurveyTexts {
    survey_texts::of(crate::web::request::locale_of(req, lang))
}

/// The site's survey for the page, in the language asked for (`?lang=`), else the browser's,
/// else the survey's first.
fn resolved(
    req: &HttpRequest,
    lang: Option<&str>,
    site: &Site,
) -> koe_shared::survey::ResolvedSurvey {
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let page = koe_shared::survey::PageLook::default();
    site.survey
        .resolve(lang.into_iter().chain(accept), &site.name, &page)
}

/// The site's words for the page's questions ([`resolved`]).
fn words(req: &HttpRequest, lang: Option<&str>, site: &Site) -> view::Words {
    view::Words::of(&resolved(req, lang, site))
}

fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header(("x-robots-tag", "noindex"))
        .body(body)
}

/// Why a link cannot be used; each is a friendly page with a 4xx (or 503) status.
enum LinkProblem {
    Invalid,
    Expired,
    Unavailable(SaveError),
}

impl LinkProblem {
    fn page(self, t: &SurveyTexts) -> HttpResponse {
        match self {
            Self::Invalid => {
                metrics::link_refused(LinkRefusal::Invalid);
                html(StatusCode::BAD_REQUEST, view::problem(t, t.invalid))
            }
            Self::Expired => {
                metrics::link_refused(LinkRefusal::Expired);
                html(StatusCode::GONE, view::problem(t, t.expired))
            }
            Self::Unavailable(error) => {
                tracing::error!(error = %error, "survey page: storage failed");
                html(
                    StatusCode::SERVICE_UNAVAILABLE,
                    view::problem(t, t.unavailable),
                )
            }
        }
    }
}

/// The site and claims of a link, checked against that site's secret.
async fn open_link<S: Storage>(
    state: &AppState<S>,
    raw: &str,
) -> Result<(Arc<Site>, AttributionToken, AttributionClaims), LinkProblem> {
    let token = AttributionToken::try_from(raw.to_owned()).map_err(|_| LinkProblem::Invalid)?;
    let site_key = token::unverified_site(&token).ok_or(LinkProblem::Invalid)?;
    let site = state
        .sites
        .find(&state.storage, &site_key)
        .await
        .map_err(|e| LinkProblem::Unavailable(e.into()))?
        .ok_or(LinkProblem::Invalid)?;
    let claims = site
        .verify_token(&token, clock::now_ms())
        .map_err(|e| match e {
            // A link signed with a retired secret no longer works, like an expired one.
            SiteTokenError::Token(TokenError::Expired) | SiteTokenError::SecretRetired => {
                LinkProblem::Expired
            }
            SiteTokenError::Token(_) => LinkProblem::Invalid,
        })?;
    // A widget token naming its customer is not a link: links never carry the customer (it
    // would sit in URLs, mail logs and browser history).
    if claims.site != site.key || claims.customer.is_some() {
        return Err(LinkProblem::Invalid);
    }
    Ok((site, token, claims))
}

fn action(token: &str, t: &SurveyTexts) -> String {
    format!("/s/{token}?lang={}", t.lang)
}

/// GET and HEAD: show the question with the offered score preselected. Records nothing.
#[tracing::instrument(name = "survey_page::show", skip_all)]
pub async fn show<S: Storage>(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<LangQuery>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    let t = texts(&req, query.lang.as_deref());
    match open_link(&state, &path).await {
        Ok((site, token, claims)) => {
            let (question, offered) = match claims.offer {
                Some(offer) => (offer.question(), Some(offer.score())),
                None => (OfferedQuestion::Csat, None),
            };
            html(
                StatusCode::OK,
                view::confirm(
                    t,
                    &words(&req, query.lang.as_deref(), &site),
                    &action(token.as_str(), t),
                    question,
                    offered,
                    &served_at(&state, &claims, clock::now_ms()),
                    None,
                ),
            )
        }
        Err(problem) => problem.page(t),
    }
}

/// What a serve time is stamped for: this link's interaction, so a stamp travels with no other.
fn served_purpose(claims: &AttributionClaims) -> String {
    format!("served_at:{}:{}", claims.site, claims.interaction)
}

/// The time a page is served, stamped by the server: the form sends it back, and a changed or
/// made-up one (`served_at=0`) is not believed.
fn served_at<S>(state: &AppState<S>, claims: &AttributionClaims, now_ms: i64) -> String {
    state.session_key.stamp(&served_purpose(claims), now_ms)
}

fn parse_answers(form: &SurveyForm) -> Result<Answers, ()> {
    let score = |raw: &Option<String>| -> Result<Option<u8>, ()> {
        raw.as_deref()
            .filter(|v| !v.is_empty())
            .map(|v| v.parse::<u8>().map_err(drop))
            .transpose()
    };
    let comment = form.comment.as_deref().filter(|c| !c.trim().is_empty());
    Ok(Answers {
        csat: score(&form.csat)?
            .map(CsatScore::try_from)
            .transpose()
            .map_err(drop)?,
        nps: score(&form.nps)?
            .map(NpsScore::try_from)
            .transpose()
            .map_err(drop)?,
        comment: comment.map(Comment::try_from).transpose().map_err(drop)?,
        ..Answers::default()
    })
}

/// POST: the customer confirms. Flagged when it looks like a scanner (see [`crate::responses::scanner`]).
#[tracing::instrument(name = "survey_page::confirm", skip_all)]
pub async fn confirm<S: Storage>(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<LangQuery>,
    form: web::Form<SurveyForm>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    let t = texts(&req, query.lang.as_deref());
    let (site, token, claims) = match open_link(&state, &path).await {
        Ok(link) => link,
        Err(problem) => return problem.page(t),
    };
    let now = clock::now();
    let now_ms = now.as_millisecond();
    let question = claims.offer.map_or(OfferedQuestion::Csat, |o| o.question());
    let answers = match parse_answers(&form) {
        Ok(answers)
            if answers.csat.is_some() || answers.nps.is_some() || answers.comment.is_some() =>
        {
            // Given to the site's survey as the page showed it: its language and version.
            let shown = resolved(&req, query.lang.as_deref(), &site);
            Answers {
                locale: Some(shown.lang),
                survey_version: Some(shown.version),
                ..answers
            }
        }
        // Nothing (or nothing valid) chosen: ask again, recording nothing.
        _ => {
            let offered = claims.offer.map(|o| o.score());
            return html(
                StatusCode::BAD_REQUEST,
                view::confirm(
                    t,
                    &words(&req, query.lang.as_deref(), &site),
                    &action(token.as_str(), t),
                    question,
                    offered,
                    &served_at(&state, &claims, now_ms),
                    Some(t.choose),
                ),
            );
        }
    };
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    // Only a serve time this server stamped counts; without one the confirmation is as
    // quick as a scanner's (flagged).
    let served_at_ms = form.served_at.as_deref().and_then(|stamped| {
        state
            .session_key
            .check_stamp(&served_purpose(&claims), stamped)
    });
    let source = scanner::classify(user_agent, served_at_ms, now_ms);
    let confirmed_score = answers.csat.is_some() || answers.nps.is_some();
    let asked_follow_up = answers.comment.is_some()
        || (answers.csat.is_none() && answers.nps.is_some() && question == OfferedQuestion::Csat);
    let submitted = Submitted {
        interaction: claims.interaction.clone(),
        attribution: Attribution {
            agent: claims.agent.clone(),
            team: claims.team.clone(),
            channel: claims.channel,
            verified: true,
        },
        answers,
        source,
        at: now,
    };
    match submit(&state.storage, &site, submitted, state.edit_window_ms).await {
        Ok(_) => metrics::accepted(),
        Err(SaveError::Rejected(MergeConflict::EditWindowClosed)) => {
            metrics::link_refused(LinkRefusal::EditWindowClosed);
            return html(StatusCode::CONFLICT, view::problem(t, t.closed));
        }
        Err(error) => return LinkProblem::Unavailable(error).page(t),
    }
    if asked_follow_up || !confirmed_score {
        return html(StatusCode::OK, view::done(t));
    }
    let follow_up = view::FollowUp {
        site: site.key.as_str(),
        interaction: claims.interaction.as_str(),
        agent: claims.agent.as_ref().map(|a| a.as_str()),
        team: claims.team.as_ref().map(|x| x.as_str()),
        channel: claims.channel.map(|c| c.as_str()),
        token: token.as_str(),
        ask_nps: question == OfferedQuestion::Csat,
    };
    html(
        StatusCode::OK,
        view::thanks(
            t,
            &words(&req, query.lang.as_deref(), &site),
            &action(token.as_str(), t),
            Some(&follow_up),
            &served_at(&state, &claims, now_ms),
        ),
    )
}

/// The page a rating link opens, as the dashboard's Survey page previews it: `words` (a draft's),
/// a score offered, nothing it could send.
pub fn preview(t: &SurveyTexts, words: &view::Words, question: OfferedQuestion) -> String {
    view::confirm(t, words, "#", question, Some(4), "", None)
}

/// `/s/survey.js`: page mode for the widget (a file, so the page's CSP allows no inline script).
#[tracing::instrument(name = "survey_page::script", skip_all)]
pub async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/javascript; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(view::SCRIPT)
}
