//! The managers' dashboard (`/dashboard`): sign in with an API key, then five server-rendered
//! pages per site — Overview, Agents (with a page per agent), Channels, Comments, Service —
//! whose filters live in the URL, and CSV downloads. No JavaScript; a CSP that forbids inline
//! script and style; a session cookie that is HttpOnly, SameSite=Strict and Secure over TLS;
//! POSTs only from the dashboard's own origin.

mod chart;
mod downloads;
mod filters;
mod frame;
mod insights;
mod pages;
mod refused;
mod sign_in;
mod sparkline;
mod view;

use std::sync::Arc;

use actix_web::http::{StatusCode, header};
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use self::filters::{Filters, PageQuery, Problem};
use self::pages::{agent, agents, channels, comments, integrations, overview, service};
use crate::access;
use crate::clock;
use crate::sites::Site;
use crate::storage::{Storage, StorageError};
use crate::templates::render;
use crate::texts::dashboard::{self as texts, Texts};
use crate::web::session::{COOKIE, Session};
use crate::web::state::AppState;

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

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
        .route("/static/dashboard.css", web::get().to(stylesheet))
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
            "/sites/{site}/scores.csv",
            web::get().to(downloads::scores::<S>),
        )
        .route(
            "/sites/{site}/responses.csv",
            web::get().to(downloads::responses::<S>),
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

/// The request's session: its cookie intact, and the stored session live — not signed out,
/// its key not revoked, not expired.
async fn session<S: Storage>(
    state: &AppState<S>,
    req: &HttpRequest,
) -> Result<Option<Session>, StorageError> {
    let Some(sealed) = req
        .cookie(COOKIE)
        .and_then(|cookie| state.session_key.open(cookie.value(), now_secs()))
    else {
        return Ok(None);
    };
    let live =
        access::session_is_live(&state.storage, sealed.id, sealed.key_id, sealed.site_id).await?;
    Ok(live.then_some(sealed))
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

async fn site_of_session<S: Storage>(
    state: &AppState<S>,
    session: &Session,
) -> Result<Option<Arc<Site>>, StorageError> {
    state
        .sites
        .find_by_id(&state.storage, session.site_id)
        .await
}

#[derive(Debug, Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

#[tracing::instrument(name = "dashboard::index", skip_all)]
async fn index<S: Storage>(
    req: HttpRequest,
    query: web::Query<LangQuery>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    let t = texts(&req, query.lang.as_deref());
    let session = match session(&state, &req).await {
        Ok(session) => session,
        Err(error) => return failed(error),
    };
    if let Some(session) = session {
        match site_of_session(&state, &session).await {
            Ok(Some(site)) => {
                return redirect(&format!("/dashboard/sites/{}?lang={}", site.key, t.lang));
            }
            Ok(None) => {}
            Err(error) => return failed(error),
        }
    }
    html(StatusCode::OK, view::sign_in(t, false))
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
        .body(include_str!("dashboard.css"))
}

/// A page saying what was wrong with a request that has no page of its own to say it in (a
/// CSV download's); the text is escaped like any other. Pages say it inside their frame
/// (`refused.rs`).
fn bad_request(t: &Texts, message: &str) -> HttpResponse {
    html(StatusCode::BAD_REQUEST, view::problem(t, message))
}

/// The start of every signed-in page, as an extractor: the site the session may see (a page of
/// another site is not found; without a session the browser goes to sign in), the texts to
/// answer in, and the filters the URL asks for (or, inside the page's frame, what is wrong
/// with them: `refused.rs`).
#[derive(Debug)]
pub struct SignedIn<S> {
    pub site: Arc<Site>,
    pub t: &'static Texts,
    pub filters: Filters,
    /// The URL's parameters as given (a page's own, beyond the shared filters).
    pub query: PageQuery,
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
            let Some(session) = session(&state, &req)
                .await
                .map_err(|e| instead(failed(e)))?
            else {
                return Err(instead(redirect("/dashboard")).into());
            };
            let site = match site_of_session(&state, &session).await {
                Ok(Some(site)) if site.key.as_str() == key => site,
                Ok(_) => return Err(instead(HttpResponse::NotFound().body("not found")).into()),
                Err(error) => return Err(instead(failed(error)).into()),
            };
            // From here on the manager is signed in: what is wrong with the URL is said inside
            // the page's frame, with the filters that are fine kept and a way back.
            let (tab, agent_page) = refused::place_of(&req);
            let refuse = |query: &PageQuery, problem: Problem| {
                instead(refused::page(
                    t,
                    &site,
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
            let filters = match Filters::parse(site.today(), &query, t.lang) {
                Ok(filters) => filters,
                Err(error) => return Err(refuse(&query, Problem::from(&error)).into()),
            };
            Ok(Self {
                site,
                t,
                filters,
                query,
                storage: std::marker::PhantomData,
            })
        })
    }
}
