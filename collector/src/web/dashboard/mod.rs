//! The managers' dashboard (`/dashboard`): people sign in with their address and password, then
//! five server-rendered report pages per site — Overview, Agents (with a page per agent),
//! Channels, Comments, Service — whose filters live in the URL, and CSV downloads; an agent's
//! own page; People, the audit trail and Integrations for the roles that reach them; the
//! account page (sessions); the one-time links' page. What each role reaches is `viewer.rs`. No JavaScript; a CSP that forbids inline
//! script and style; a session cookie that is HttpOnly, SameSite=Strict and Secure over TLS;
//! POSTs only from the dashboard's own origin.

mod account;
mod chart;
mod cookie;
mod downloads;
mod filters;
mod forgot;
mod frame;
mod insights;
mod pages;
mod passkeys;
mod question_view;
mod refused;
mod sign_in;
mod sparkline;
mod view;
mod viewer;
mod welcome;

use std::sync::Arc;

use actix_web::http::{StatusCode, header};
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use self::filters::{Filters, PageQuery, Problem};
use self::pages::{
    agent, agents, audit, channels, comments, followup, followups, integrations, me, overview,
    people, service, survey,
};
use self::viewer::{Header, Viewer};
use crate::clock;
use crate::sites::Site;
use crate::storage::{Storage, StorageError};
use crate::templates::render;
use crate::texts::dashboard::{self as texts, Texts};
use crate::web::state::AppState;

/// No inline script or style anywhere; the one script is `passkeys.js`, which talks only to
/// the dashboard itself.
const CSP: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The `/dashboard` scope with its security headers.
pub fn scope<S: Storage>() -> actix_web::Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::scope("/dashboard")
        .wrap(from_fn(crate::web::body_limit::bounded_body))
        .wrap(from_fn(crate::web::rate_limit::per_ip))
        .wrap(
            DefaultHeaders::new()
                .add((header::CONTENT_SECURITY_POLICY, CSP))
                .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .add((header::X_FRAME_OPTIONS, "DENY"))
                // Not `no-referrer`: with it browsers send `Origin: null` on our own form posts.
                .add((header::REFERRER_POLICY, "same-origin"))
                .add((header::CACHE_CONTROL, "no-store")),
        )
        .route("", web::get().to(index::<S>))
        .route("/sign-in", web::post().to(sign_in::sign_in::<S>))
        .route("/sign-out", web::post().to(sign_in::sign_out::<S>))
        .route("/welcome/{token}", web::get().to(welcome::page::<S>))
        .route("/welcome/{token}", web::post().to(welcome::submit::<S>))
        .route("/forgot", web::get().to(forgot::page::<S>))
        .route("/forgot", web::post().to(forgot::submit::<S>))
        .route("/account", web::get().to(account::page::<S>))
        .route(
            "/account/sessions/{id}/end",
            web::post().to(account::end_one::<S>),
        )
        .route(
            "/account/sign-out-everywhere",
            web::post().to(account::end_all::<S>),
        )
        .route("/static/dashboard.css", web::get().to(stylesheet))
        .route("/static/passkeys.js", web::get().to(passkeys::script))
        .route(
            "/static/survey-preview.js",
            web::get().to(survey_preview_script),
        )
        .route(
            "/account/passkeys/options",
            web::post().to(passkeys::add_options::<S>),
        )
        .route("/account/passkeys", web::post().to(passkeys::add::<S>))
        .route(
            "/account/passkeys/{id}/remove",
            web::post().to(passkeys::remove::<S>),
        )
        .route(
            "/passkey/options",
            web::post().to(passkeys::sign_in_options::<S>),
        )
        .route("/passkey/sign-in", web::post().to(passkeys::sign_in::<S>))
        .route("/sites/{site}", web::get().to(overview::page::<S>))
        .route("/sites/{site}/agents", web::get().to(agents::page::<S>))
        .route(
            "/sites/{site}/agents/{agent}",
            web::get().to(agent::page::<S>),
        )
        .route("/sites/{site}/channels", web::get().to(channels::page::<S>))
        .route("/sites/{site}/comments", web::get().to(comments::page::<S>))
        .route("/sites/{site}/service", web::get().to(service::page::<S>))
        .route(
            "/sites/{site}/integrations",
            web::get().to(integrations::page::<S>),
        )
        .route(
            "/sites/{site}/followups",
            web::get().to(followups::page::<S>),
        )
        .route(
            "/sites/{site}/followups/{id}",
            web::get().to(followup::detail::<S>),
        )
        .route(
            "/sites/{site}/followups/{id}/{action}",
            web::post().to(followup::change::<S>),
        )
        .route("/sites/{site}/survey", web::get().to(survey::page::<S>))
        .route("/sites/{site}/survey", web::post().to(survey::save::<S>))
        .route(
            "/sites/{site}/survey/preview/widget",
            web::get().to(survey::preview_widget::<S>),
        )
        .route(
            "/sites/{site}/survey/preview/page",
            web::get().to(survey::preview_page::<S>),
        )
        .route(
            "/sites/{site}/survey/preview/api/v1/survey",
            web::get().to(survey::preview_survey::<S>),
        )
        .route(
            "/sites/{site}/survey/preview/api/v1/{write}",
            web::post().to(survey::preview_answer::<S>),
        )
        .route("/sites/{site}/me", web::get().to(me::page::<S>))
        .route("/sites/{site}/audit", web::get().to(audit::page::<S>))
        .route("/sites/{site}/people", web::get().to(people::page::<S>))
        .route(
            "/sites/{site}/people/invite",
            web::post().to(people::invite::<S>),
        )
        .route(
            "/sites/{site}/people/{user}/role",
            web::post().to(people::change::<S>),
        )
        .route(
            "/sites/{site}/people/{user}/remove",
            web::post().to(people::remove::<S>),
        )
        .route(
            "/sites/{site}/people/invitations/{id}/withdraw",
            web::post().to(people::withdraw::<S>),
        )
        .route(
            "/sites/{site}/scores.csv",
            web::get().to(downloads::scores::<S>),
        )
        .route(
            "/sites/{site}/responses.csv",
            web::get().to(downloads::responses::<S>),
        )
        .route(
            "/sites/{site}/question.csv",
            web::get().to(downloads::question::<S>),
        )
}

fn texts(req: &HttpRequest, lang: Option<&str>) -> &'static Texts {
    texts::of(crate::web::request::locale_of(req, lang))
}

/// What a page handler answers: the page, or the response that replaces it (a failure, a
/// redirect to sign in, a refusal of its filters).
type Answer = Result<HttpResponse, HttpResponse>;

/// A rendered template as a 200 page.
fn html_ok(page: &impl askama::Template) -> HttpResponse {
    html(StatusCode::OK, render(page))
}

fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .body(body)
}

fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}

fn now_secs() -> i64 {
    clock::now_ms() / 1000
}

/// A POST from another origin is refused (with SameSite=Strict, the second lock on CSRF).
fn same_origin<S>(state: &AppState<S>, req: &HttpRequest) -> bool {
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return true;
    };
    crate::web::request::own_origins(state.public_url.as_deref(), req)
        .iter()
        .any(|own| own.as_str() == origin)
}

fn failed(error: StorageError) -> HttpResponse {
    tracing::error!(error = %error, "dashboard request failed");
    let status = if error.is_unavailable() {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    HttpResponse::build(status).body("the dashboard cannot reach its data right now")
}

#[derive(Debug, Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// Signed out: the sign-in page. Signed in: the person's one site, or the list of their sites.
#[tracing::instrument(name = "dashboard::index", skip_all)]
async fn index<S: Storage>(
    req: HttpRequest,
    query: web::Query<LangQuery>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    let t = texts(&req, query.lang.as_deref());
    let (_, user) = match viewer::signed_in(&state, &req).await {
        Ok(Some(signed_in)) => signed_in,
        Ok(None) => {
            return html(
                StatusCode::OK,
                view::sign_in(t, None, sign_in::offers(&state, &req)),
            );
        }
        Err(error) => return failed(error),
    };
    let mut sites = Vec::new();
    match crate::people::members::grants_of(&state.storage, user.id).await {
        Ok(grants) => {
            for (site_id, grant) in grants {
                match state.sites.find_by_id(&state.storage, site_id).await {
                    Ok(Some(site)) => sites.push((site, grant.role())),
                    Ok(None) => {}
                    Err(error) => return failed(error),
                }
            }
        }
        Err(error) => return failed(error),
    }
    if let [(site, role)] = sites.as_slice() {
        return redirect(&format!(
            "{}?lang={}",
            viewer::start_page(site, *role),
            t.lang
        ));
    }
    html(StatusCode::OK, view::sites(t, &user.email, &sites))
}

/// The Survey page's preview frame's one script (`survey_preview.js`).
async fn survey_preview_script() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/javascript; charset=utf-8"))
        .body(include_str!("survey_preview.js"))
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
        .body(include_str!("dashboard.css"))
}

/// A page the person's role does not reach (or a report outside their teams): 403, saying so.
fn forbidden(t: &Texts) -> HttpResponse {
    html(StatusCode::FORBIDDEN, view::problem(t, t.pages.forbidden))
}

/// A page saying what was wrong with a request that has no page of its own to say it in (a
/// CSV download's); the text is escaped like any other. Pages say it inside their frame
/// (`refused.rs`).
fn bad_request(t: &Texts, message: &str) -> HttpResponse {
    html(StatusCode::BAD_REQUEST, view::problem(t, message))
}

/// The start of every signed-in page, as an extractor: the person signed in and their role on
/// the site in the path (a site they hold no role on is not found; without a session the
/// browser goes to sign in), whether that role reaches the page (403 otherwise:
/// `viewer::need_of`), the texts to answer in, and the filters the URL asks for, narrowed to
/// what the person may see (a team lead's teams, an agent's own answers; a filter outside them
/// is refused) — or, inside the page's frame, what is wrong with them: `refused.rs`.
#[derive(Debug)]
pub struct SignedIn<S> {
    pub site: Arc<Site>,
    pub t: &'static Texts,
    pub filters: Filters,
    /// The URL's parameters as given (a page's own, beyond the shared filters).
    pub query: PageQuery,
    /// Who is looking, with their role on the site.
    pub viewer: Viewer,
    /// The header's links for that role.
    pub header: Header,
    storage: std::marker::PhantomData<S>,
}

impl<S: Storage> actix_web::FromRequest for SignedIn<S> {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let instead = |response: HttpResponse| {
                actix_web::error::InternalError::from_response("", response)
            };
            let state = req
                .app_data::<web::Data<AppState<S>>>()
                .expect("the dashboard runs inside the app that holds its state")
                .clone();
            let key = req.match_info().get("site").unwrap_or_default();
            let lang = web::Query::<LangQuery>::from_query(req.query_string())
                .ok()
                .and_then(|q| q.into_inner().lang);
            let t = texts(&req, lang.as_deref());
            let Some((session, user)) = viewer::signed_in(&state, &req)
                .await
                .map_err(|e| instead(failed(e)))?
            else {
                return Err(instead(redirect("/dashboard")).into());
            };
            let not_found = || instead(HttpResponse::NotFound().body("not found"));
            let site = match koe_shared::SiteKey::try_from(key.to_owned()) {
                Ok(site_key) => state.sites.find(&state.storage, &site_key).await,
                Err(_) => Ok(None),
            };
            let site = match site {
                Ok(Some(site)) => site,
                Ok(None) => return Err(not_found().into()),
                Err(error) => return Err(instead(failed(error)).into()),
            };
            let viewer = match Viewer::of(&state, session, user, &site).await {
                Ok(Some(viewer)) => viewer,
                Ok(None) => return Err(not_found().into()),
                Err(error) => return Err(instead(failed(error)).into()),
            };
            // The route's pattern, never the raw path: the router decodes `%70eople` to
            // `people` before matching, so a need read from the raw path could be a narrower
            // page's. A request with no matched route needs the most.
            let need = req
                .match_pattern()
                .map_or(crate::people::Need::People, |p| viewer::need_of(&p));
            if !viewer.may(need) {
                return Err(instead(forbidden(t)).into());
            }
            let header = viewer.header(t, &site);
            // From here on the manager is signed in: what is wrong with the URL is said inside
            // the page's frame, with the filters that are fine kept and a way back.
            let (tab, agent_page) = refused::place_of(&req);
            let refuse = |query: &PageQuery, problem: Problem| {
                instead(refused::page(
                    t,
                    &site,
                    &header,
                    query,
                    tab,
                    agent_page.as_deref(),
                    problem,
                ))
            };
            let query = match web::Query::<PageQuery>::from_query(req.query_string()) {
                Ok(query) => query.into_inner(),
                Err(e) => {
                    let problem = Problem::new(
                        format!("the page's address cannot be read: {e}"),
                        Vec::new(),
                    );
                    return Err(refuse(&PageQuery::default(), problem).into());
                }
            };
            let mut filters = match Filters::parse(site.today(), &query, t.lang) {
                Ok(filters) => filters,
                Err(error) => return Err(refuse(&query, Problem::from(&error)).into()),
            };
            // Every report a page loads starts from these filters: narrowed here, once.
            let report = &mut filters.report;
            if let Err(outside) = viewer.scope().narrow(&mut report.team, &mut report.agent) {
                tracing::info!(reason = %outside, "a report outside the person's scope refused");
                return Err(instead(forbidden(t)).into());
            }
            Ok(Self {
                site,
                t,
                filters,
                query,
                viewer,
                header,
                storage: std::marker::PhantomData,
            })
        })
    }
}
