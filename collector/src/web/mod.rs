//! Everything HTTP: the route table ([`routes`]), the JSON API ([`api`]), the managers'
//! dashboard, the hosted survey page, the demo shop, the widget's files, health and metrics.
//! Handlers parse a request, call the domain (`report`, `responses`, `links`, `sites`) and
//! map its errors ([`error`]); they hold no business rules of their own.

pub mod api;
pub mod assets;
pub mod body_limit;
pub mod client_address;
pub mod codes;
pub mod csv_reply;
pub mod dashboard;
pub mod demo;
pub mod error;
pub mod health;
pub mod metrics;
pub mod rate_limit;
pub mod session;
pub mod shared_limits;
pub mod state;
pub mod survey_page;

use actix_cors::Cors;
use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, http::header, web};

use crate::storage::Storage;
use rate_limit::IpLimiter;
use state::AppState;

/// Every route of the collector, with the state its handlers share.
pub fn routes<S: Storage>(
    config: &mut web::ServiceConfig,
    state: web::Data<AppState<S>>,
    ip_limiter: Option<web::Data<IpLimiter>>,
) {
    let sites = state.sites.clone();
    let cors = Cors::default()
        .allowed_origin_fn(move |origin, _| sites.knows_origin(origin.as_bytes()))
        .allowed_methods(["POST"])
        .allowed_headers([header::CONTENT_TYPE])
        .max_age(86_400);
    let limits = web::Data::new(body_limit::BodyLimits {
        deadline: state.body_timeout,
        limit: body_limit::FORM_LIMIT,
    });
    let public = web::scope("/api/v1")
        .wrap(from_fn(rate_limit::per_ip))
        .wrap(cors)
        .route("/responses", web::post().to(api::submit_response::<S>))
        .route("/impressions", web::post().to(api::record_impression::<S>));
    let manage = web::scope("/api/v1/sites/{site}")
        .wrap(from_fn(body_limit::bounded_body))
        .app_data(web::JsonConfig::default().limit(1024))
        .route("", web::get().to(api::show_site::<S>))
        .route("", web::patch().to(api::update_site_settings::<S>))
        .route("/scores", web::get().to(api::scores::<S>))
        .route("/standings", web::get().to(api::standings::<S>))
        .route("/reasons", web::get().to(api::reasons::<S>))
        .route("/responses", web::get().to(api::list_responses::<S>))
        .route(
            "/responses/{interaction}",
            web::delete().to(api::erase_interaction::<S>),
        )
        .route("/keys", web::post().to(api::create_key::<S>))
        .route("/keys", web::get().to(api::list_keys::<S>))
        .route("/keys/{id}", web::delete().to(api::revoke_key::<S>))
        .route("/links", web::post().to(api::create_links::<S>))
        .route("/webhooks", web::post().to(api::create_webhook::<S>))
        .route("/webhooks", web::get().to(api::list_webhooks::<S>))
        .route(
            "/webhooks/deliveries",
            web::get().to(api::list_deliveries::<S>),
        )
        .route("/webhooks/{id}", web::delete().to(api::delete_webhook::<S>));
    if let Some(limiter) = ip_limiter {
        config.app_data(limiter);
    }
    config
        .app_data(state)
        .app_data(limits)
        .service(dashboard::scope::<S>())
        .service(manage)
        .service(public)
        .service(
            web::resource("/koe.js")
                .route(web::get().to(assets::loader))
                .route(web::head().to(assets::loader)),
        )
        .service(
            web::resource("/widget/{name}")
                .route(web::get().to(assets::hashed))
                .route(web::head().to(assets::hashed)),
        )
        .route("/s/survey.js", web::get().to(survey_page::script))
        .service(
            web::resource("/s/{token}")
                .wrap(from_fn(body_limit::bounded_body))
                .wrap(from_fn(rate_limit::per_ip))
                .route(web::get().to(survey_page::show::<S>))
                .route(web::head().to(survey_page::show::<S>))
                .route(web::post().to(survey_page::confirm::<S>)),
        )
        .route("/demo", web::get().to(demo::page::<S>))
        .route("/demo.js", web::get().to(demo::script))
        .default_service(web::to(not_found));
}

/// The operations routes: liveness, readiness and the counters. On the public listener unless
/// `admin_bind` gives them their own.
pub fn operations<S: Storage>(config: &mut web::ServiceConfig, state: web::Data<AppState<S>>) {
    config
        .app_data(state)
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz::<S>))
        .route("/metrics", web::get().to(metrics::endpoint));
}

/// The language to answer in: `?lang=` if Koe speaks it, else the browser's first choice.
pub fn locale_of(req: &actix_web::HttpRequest, lang: Option<&str>) -> koe_shared::Locale {
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    koe_shared::Locale::negotiate(lang, accept)
}

/// The collector's own origins: `public_url`'s when set (behind a TLS-terminating proxy the
/// request itself may look like plain http), and the one the request came to.
pub fn own_origins(
    public_url: Option<&str>,
    req: &actix_web::HttpRequest,
) -> Vec<crate::sites::Origin> {
    let info = req.connection_info();
    let this = format!("{}://{}", info.scheme(), info.host());
    public_url
        .into_iter()
        .chain([this.as_str()])
        .filter_map(|url| {
            let origin = url::Url::parse(url).ok()?.origin().ascii_serialization();
            crate::sites::Origin::parse(&origin).ok()
        })
        .collect()
}

/// Unknown paths answer in the API's error format too.
async fn not_found(req: actix_web::HttpRequest) -> HttpResponse {
    error::json_error(
        HttpResponse::build(actix_web::http::StatusCode::NOT_FOUND),
        "not_found",
        &format!("no route for {} {}", req.method(), req.path()),
    )
}
