//! The managers' dashboard (`/dashboard`): sign in with an API key, then one server-rendered
//! page per site with trend charts, the agent × channel table, the latest low ratings and
//! CSV downloads. No JavaScript; a CSP that forbids inline script; a session cookie that is
//! HttpOnly, SameSite=Strict and Secure over TLS; POSTs only from the dashboard's own origin.

mod chart;
mod insights;
mod sign_in;
mod view;

use std::sync::Arc;

use actix_web::http::{StatusCode, header};
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt as _;
use serde::Deserialize;

use crate::clock;
use crate::report::compare::Compare;
use crate::report::{self, Bucket, GroupBy, ReportQuery, query::RawReportQuery};
use crate::responses::list::{self, ResponseQuery};
use crate::sites::Site;
use crate::storage::{ResponseFilter, Storage, StorageError};
use crate::texts::dashboard::{self as texts, Texts};
use crate::web::csv_reply::{csv_response, csv_stream};
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
        .route("/sites/{site}", web::get().to(site_page::<S>))
        .route("/sites/{site}/scores.csv", web::get().to(scores_csv::<S>))
        .route(
            "/sites/{site}/responses.csv",
            web::get().to(responses_csv_download::<S>),
        )
}

fn texts(req: &HttpRequest, lang: Option<&str>) -> &'static Texts {
    texts::of(crate::web::locale_of(req, lang))
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
    let stored = state.storage.session(sealed.id).await?;
    Ok(stored
        .filter(|s| s.is_live(clock::now_ms()))
        .filter(|s| s.key_id == sealed.key_id && s.site_id == sealed.site_id)
        .map(|_| sealed))
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
    crate::web::own_origins(state.public_url.as_deref(), req)
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

/// Latest low ratings shown on a site's page.
const LOW_RATINGS: u32 = 10;

#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    from: Option<String>,
    to: Option<String>,
    bucket: Option<String>,
    lang: Option<String>,
    sort: Option<String>,
}

/// The report a page asks for: its range and bucket from the query string, grouped by `groups`.
fn page_query(site: &Site, query: &PageQuery, groups: &[GroupBy]) -> Result<ReportQuery, String> {
    let raw = RawReportQuery {
        from: query.from.clone(),
        to: query.to.clone(),
        bucket: query.bucket.clone(),
        ..RawReportQuery::default()
    };
    let mut parsed = ReportQuery::parse(&raw, site.today())?;
    parsed.group_by = groups.to_vec();
    Ok(parsed)
}

/// A page saying what was wrong with the request (the text is escaped like any other).
fn bad_request(t: &Texts, message: &str) -> HttpResponse {
    html(StatusCode::BAD_REQUEST, view::problem(t, message))
}

/// The site a signed-in page is about, and the texts to answer in: a page of another site
/// than the session's is not found; without a session the browser goes to sign in.
async fn signed_in_site<S: Storage>(
    state: &AppState<S>,
    req: &HttpRequest,
    key: &str,
    lang: Option<&str>,
) -> Result<(Arc<Site>, &'static Texts), HttpResponse> {
    let Some(session) = session(state, req).await.map_err(failed)? else {
        return Err(redirect("/dashboard"));
    };
    match site_of_session(state, &session).await {
        Ok(Some(site)) if site.key.as_str() == key => Ok((site, texts(req, lang))),
        Ok(_) => Err(HttpResponse::NotFound().body("not found")),
        Err(error) => Err(failed(error)),
    }
}

async fn site_page<S: Storage>(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    let (site, t) = match signed_in_site(&state, &req, &path, query.lang.as_deref()).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let trend_query = match page_query(&site, &query, &[]) {
        Ok(query) => query,
        Err(message) => return bad_request(t, &message),
    };
    let trend = match report::load(&state.storage, &site, &trend_query).await {
        Ok(report) => report,
        Err(error) => return failed(error),
    };
    let by_agent = ReportQuery {
        bucket: Bucket::All,
        group_by: vec![GroupBy::Agent, GroupBy::Channel],
        ..trend_query.clone()
    };
    let table = match report::load(&state.storage, &site, &by_agent).await {
        Ok(report) => report,
        Err(error) => return failed(error),
    };
    let low = ResponseQuery {
        filter: ResponseFilter {
            from_day: Some(trend_query.from.to_string()),
            to_day: Some(trend_query.to.to_string()),
            max_csat: Some(2),
            // Answers flagged as a link scanner's are kept for review, never shown as
            // customers' low ratings.
            flagged: Some(false),
            ..ResponseFilter::default()
        },
        limit: LOW_RATINGS,
    };
    let low_ratings = match list::page(&state.storage, &site, &low).await {
        Ok(page) => page.responses,
        Err(error) => return failed(error),
    };
    let overview = ReportQuery {
        bucket: Bucket::All,
        group_by: Vec::new(),
        compare: Some(Compare::Previous),
        ..trend_query.clone()
    };
    let overview = match report::load(&state.storage, &site, &overview).await {
        Ok(report) => report,
        Err(error) => return failed(error),
    };
    let standings = match report::standings::load(&state.storage, &site, &trend_query).await {
        Ok(standings) => standings,
        Err(error) => return failed(error),
    };
    let reasons = match report::reasons::load(&state.storage, &site, &trend_query).await {
        Ok(reasons) => reasons,
        Err(report::reasons::ReasonsError::Storage(error)) => return failed(error),
        Err(report::reasons::ReasonsError::ByTeam) => Vec::new(),
    };
    let query_string = format!(
        "from={}&to={}&bucket={}&lang={}",
        trend.from,
        trend.to,
        trend.bucket.as_str(),
        t.lang
    );
    let page = view::SitePage {
        site: &site,
        trend: &trend,
        table: &table,
        low_ratings: &low_ratings,
        overview: &overview,
        standings: &standings,
        reasons: &reasons,
        query: query_string,
        sort: query.sort.as_deref().unwrap_or("n"),
    };
    html(StatusCode::OK, view::site_page(t, &page))
}

async fn scores_csv<S: Storage>(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    let (site, t) = match signed_in_site(&state, &req, &path, query.lang.as_deref()).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let report_query = match page_query(&site, &query, &[GroupBy::Agent, GroupBy::Channel]) {
        Ok(query) => query,
        Err(message) => return bad_request(t, &message),
    };
    match report::load(&state.storage, &site, &report_query).await {
        Ok(report) => csv_response(
            report::csv::report(&report),
            &format!("koe-scores-{}.csv", report.to),
        ),
        Err(error) => failed(error),
    }
}

async fn responses_csv_download<S: Storage>(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    let (site, t) = match signed_in_site(&state, &req, &path, query.lang.as_deref()).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let raw = list::RawResponseQuery {
        from: query.from.clone(),
        to: query.to.clone(),
        limit: Some(list::MAX_LIMIT.to_string()),
        ..list::RawResponseQuery::default()
    };
    let listed = match ResponseQuery::parse(&raw) {
        Ok(listed) => listed,
        Err(message) => return bad_request(t, &message),
    };
    // Every matching response, streamed page by page: an export is never cut at a page size.
    let head = futures_util::stream::once(async { Ok(list::csv_head()) });
    let rows = list::every_page(state.storage.clone(), site, listed)
        .map(|page| page.map(|rows| list::csv_lines(&rows)));
    csv_stream(head.chain(rows), "koe-responses.csv")
}
