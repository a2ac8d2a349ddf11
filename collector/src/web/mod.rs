//! Everything HTTP: the route table ([`routes`]), the JSON API ([`api`]), the managers'
//! dashboard, the hosted survey page, the demo shop, the widget's files, health and metrics.
//! Handlers parse a request, call the domain (`report`, `responses`, `links`, `sites`) and
//! map its errors ([`error`]); they hold no business rules of their own.

pub mod api;
pub mod assets;
pub mod body_limit;
pub mod client_address;
pub mod codes;
pub mod cors;
pub mod csv_reply;
pub mod dashboard;
pub mod demo;
pub mod error;
pub mod health;
pub mod integrations;
pub mod metrics;
pub mod rate_limit;
pub mod readiness;
pub mod refusal_log;
pub mod request;
pub mod session;
pub mod shared_limits;
pub mod state;
pub mod survey_page;

use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, http::header, web};

use crate::storage::{Role, Storage};
use rate_limit::IpLimiter;
use state::AppState;

/// Every route of the collector, with the state its handlers share.
pub fn routes<S: Storage>(
    config: &mut web::ServiceConfig,
    state: web::Data<AppState<S>>,
    ip_limiter: Option<web::Data<IpLimiter>>,
) {
    let sites = state.sites.clone();
    let limits = web::Data::new(body_limit::BodyLimits {
        deadline: state.body_timeout,
        limit: body_limit::FORM_LIMIT,
    });
    let public = web::scope("/api/v1")
        .wrap(from_fn(move |req, next| {
            cors::allow_origin_loaded_late(sites.clone(), req, next)
        }))
        .wrap(from_fn(rate_limit::per_ip))
        .wrap(cors::public(state.sites.clone()))
        .service(
            api_resource("/responses", "POST").route(web::post().to(api::submit_response::<S>)),
        )
        .service(
            api_resource("/impressions", "POST").route(web::post().to(api::record_impression::<S>)),
        )
        .service(api_resource("/survey", "GET").route(web::get().to(api::survey::<S>)))
        .service(api_resource("/openapi.json", "GET").route(web::get().to(api::openapi_json)));
    // Interaction facts have a scope of their own: a batch carries up to 1 000 of them, far
    // past the other routes' body cap.
    let facts_limits = web::Data::new(body_limit::BodyLimits {
        deadline: state.body_timeout,
        limit: api::extractors::FACTS_BATCH_LIMIT,
    });
    let facts = web::scope("/api/v1/sites/{site}/interactions")
        .wrap(from_fn(api::auth::require_key::<S>))
        .wrap(from_fn(rate_limit::per_ip_managed))
        .wrap(from_fn(body_limit::bounded_body))
        .app_data(facts_limits)
        .app_data(api::extractors::json_config().limit(api::extractors::FACTS_BATCH_LIMIT))
        .app_data(api::extractors::query_config())
        .app_data(api::extractors::path_config())
        .service(
            manage_resource("", "POST", Role::Write)
                .route(web::post().to(api::put_facts_batch::<S>)),
        )
        .service(
            api_resource("/{interaction}", "GET, PUT")
                .route(
                    web::get()
                        .to(api::show_facts::<S>)
                        .wrap(from_fn(|req, next| {
                            api::auth::require_role(Role::Read, req, next)
                        })),
                )
                .route(
                    web::put()
                        .to(api::put_facts::<S>)
                        .wrap(from_fn(|req, next| {
                            api::auth::require_role(Role::Write, req, next)
                        })),
                ),
        );
    let manage =
        web::scope("/api/v1/sites/{site}")
            .wrap(from_fn(api::auth::require_key::<S>))
            .wrap(from_fn(rate_limit::per_ip_managed))
            .wrap(from_fn(body_limit::bounded_body))
            .app_data(api::extractors::json_config())
            .app_data(api::extractors::query_config())
            .app_data(api::extractors::path_config())
            .service(
                manage_resource("", "GET, PATCH", Role::Admin)
                    .route(web::get().to(api::show_site::<S>))
                    .route(web::patch().to(api::update_site_settings::<S>)),
            )
            .service(
                manage_resource("/scores", "GET", Role::Read)
                    .route(web::get().to(api::scores::<S>)),
            )
            .service(
                manage_resource("/service", "GET", Role::Read)
                    .route(web::get().to(api::service::<S>)),
            )
            .service(
                manage_resource("/service/drivers", "GET", Role::Read)
                    .route(web::get().to(api::drivers::<S>)),
            )
            .service(
                api_resource("/service/settings", "GET, PUT")
                    .route(web::get().to(api::show_service_settings::<S>).wrap(from_fn(
                        |req, next| api::auth::require_role(Role::Read, req, next),
                    )))
                    .route(web::put().to(api::set_service_settings::<S>).wrap(from_fn(
                        |req, next| api::auth::require_role(Role::Admin, req, next),
                    ))),
            )
            .service(
                api_resource("/survey", "GET, PUT")
                    .route(
                        web::get()
                            .to(api::show_survey::<S>)
                            .wrap(from_fn(|req, next| {
                                api::auth::require_role(Role::Read, req, next)
                            })),
                    )
                    .route(
                        web::put()
                            .to(api::publish_survey::<S>)
                            .wrap(from_fn(|req, next| {
                                api::auth::require_role(Role::Admin, req, next)
                            })),
                    ),
            )
            .service(
                manage_resource("/survey/versions", "GET", Role::Read)
                    .route(web::get().to(api::survey_versions::<S>)),
            )
            .service(
                manage_resource("/followups", "GET", Role::Read)
                    .route(web::get().to(api::list_followups::<S>)),
            )
            .service(
                api_resource("/followups/settings", "GET, PUT")
                    .route(
                        web::get()
                            .to(api::show_followup_settings::<S>)
                            .wrap(from_fn(|req, next| {
                                api::auth::require_role(Role::Read, req, next)
                            })),
                    )
                    .route(web::put().to(api::set_followup_settings::<S>).wrap(from_fn(
                        |req, next| api::auth::require_role(Role::Admin, req, next),
                    ))),
            )
            .service(
                manage_resource("/followups/report", "GET", Role::Read)
                    .route(web::get().to(api::followup_report::<S>)),
            )
            .service(
                api_resource("/followups/{id}", "GET, PATCH")
                    .route(
                        web::get()
                            .to(api::show_followup::<S>)
                            .wrap(from_fn(|req, next| {
                                api::auth::require_role(Role::Read, req, next)
                            })),
                    )
                    .route(web::patch().to(api::change_followup::<S>).wrap(from_fn(
                        |req, next| api::auth::require_role(Role::Write, req, next),
                    ))),
            )
            .service(
                manage_resource("/followups/{id}/notes", "POST", Role::Write)
                    .route(web::post().to(api::add_followup_note::<S>)),
            )
            .service(
                manage_resource("/volumes/{day}", "PUT", Role::Write)
                    .route(web::put().to(api::put_volume::<S>)),
            )
            .service(
                manage_resource("/standings", "GET", Role::Read)
                    .route(web::get().to(api::standings::<S>)),
            )
            .service(
                manage_resource("/reasons", "GET", Role::Read)
                    .route(web::get().to(api::reasons::<S>)),
            )
            .service(
                manage_resource("/question", "GET", Role::Read)
                    .route(web::get().to(api::question::<S>)),
            )
            .service(
                manage_resource("/responses", "GET", Role::Read)
                    .route(web::get().to(api::list_responses::<S>)),
            )
            .service(
                manage_resource("/responses/{interaction}", "DELETE", Role::Admin)
                    .route(web::delete().to(api::erase_interaction::<S>)),
            )
            .service(
                manage_resource("/keys", "GET, POST", Role::Admin)
                    .route(web::get().to(api::list_keys::<S>))
                    .route(web::post().to(api::create_key::<S>)),
            )
            .service(
                manage_resource("/keys/{id}", "DELETE", Role::Admin)
                    .route(web::delete().to(api::revoke_key::<S>)),
            )
            .service(
                manage_resource("/links", "POST", Role::Admin)
                    .route(web::post().to(api::create_links::<S>)),
            )
            .service(
                manage_resource("/webhooks", "GET, POST", Role::Admin)
                    .route(web::get().to(api::list_webhooks::<S>))
                    .route(web::post().to(api::create_webhook::<S>)),
            )
            .service(
                manage_resource("/webhooks/deliveries", "GET", Role::Admin)
                    .route(web::get().to(api::list_deliveries::<S>)),
            )
            .service(
                manage_resource("/webhooks/{id}", "DELETE", Role::Admin)
                    .route(web::delete().to(api::delete_webhook::<S>)),
            )
            .service(
                manage_resource("/webhooks/{id}/secret", "POST", Role::Admin)
                    .route(web::post().to(api::rotate_webhook_secret::<S>)),
            )
            .service(
                manage_resource("/integrations", "GET, POST", Role::Admin)
                    .route(web::get().to(api::list_integrations::<S>))
                    .route(web::post().to(api::create_integration::<S>)),
            )
            .service(
                manage_resource("/integrations/events", "GET", Role::Admin)
                    .route(web::get().to(api::list_integration_events::<S>)),
            )
            .service(
                manage_resource("/integrations/events/{id}/retry", "POST", Role::Admin)
                    .route(web::post().to(api::retry_integration_event::<S>)),
            )
            .service(
                manage_resource("/integrations/{id}", "PATCH, DELETE", Role::Admin)
                    .route(web::patch().to(api::pause_integration::<S>))
                    .route(web::delete().to(api::delete_integration::<S>)),
            )
            .service(
                manage_resource("/integrations/{id}/credentials", "PUT", Role::Admin)
                    .route(web::put().to(api::set_integration_credentials::<S>)),
            )
            .service(
                manage_resource("/integrations/{id}/push", "POST", Role::Admin)
                    .route(web::post().to(api::push_line_card::<S>)),
            );
    // Where helpdesks and LINE send their events: no key (the path's secret segment and the
    // platform's signature are the credentials), its own body cap.
    let inbound_limits = web::Data::new(body_limit::BodyLimits {
        deadline: state.body_timeout,
        limit: integrations::MAX_BODY,
    });
    let inbound = web::scope("/integrations")
        .wrap(from_fn(rate_limit::per_ip))
        .wrap(from_fn(body_limit::bounded_body))
        .app_data(inbound_limits)
        .app_data(web::PayloadConfig::new(integrations::MAX_BODY))
        .service(
            api_resource("/{kind}/{path}", "POST")
                .route(web::post().to(integrations::receive::<S>)),
        );
    if let Some(limiter) = ip_limiter {
        config.app_data(limiter);
    }
    config
        .app_data(state)
        .app_data(limits)
        .service(dashboard::scope::<S>())
        .service(facts)
        .service(inbound)
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
        .service(
            web::resource("/recover/{token}")
                .wrap(from_fn(body_limit::bounded_body))
                .wrap(from_fn(rate_limit::per_ip))
                .route(web::get().to(survey_page::recover::show::<S>))
                .route(web::head().to(survey_page::recover::show::<S>))
                .route(web::post().to(survey_page::recover::answer::<S>)),
        )
        .route("/demo", web::get().to(demo::page::<S>))
        .route("/demo.js", web::get().to(demo::script))
        .service(
            web::resource("/favicon.ico")
                .route(web::get().to(favicon))
                .route(web::head().to(favicon)),
        )
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

/// A resource of the JSON API: a method it has no route for is answered 405 with `Allow`
/// (`allow` lists the methods its routes take), in the API's error format.
fn api_resource(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(move |req: actix_web::HttpRequest| async move {
        let mut response = HttpResponse::build(actix_web::http::StatusCode::METHOD_NOT_ALLOWED);
        response.insert_header((header::ALLOW, allow));
        error::json_error(
            response,
            codes::ManageCode::MethodNotAllowed.as_str(),
            &format!("{} takes {allow}, not {}", req.path(), req.method()),
        )
    }))
}

/// A resource of the authenticated API, open to keys of `role` (checked before anything of
/// the request is read; the scope has checked the key).
fn manage_resource(
    path: &str,
    allow: &'static str,
    role: Role,
) -> actix_web::Resource<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    api_resource(path, allow).wrap(from_fn(move |req, next| {
        api::auth::require_role(role, req, next)
    }))
}

/// `/favicon.ico`, which browsers ask for beside every page (the survey page, the dashboard):
/// no icon, said without an error (204, cached for a day) rather than a 404 in the console.
async fn favicon() -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .finish()
}

/// Unknown paths answer in the API's error format too.
async fn not_found(req: actix_web::HttpRequest) -> HttpResponse {
    error::json_error(
        HttpResponse::build(actix_web::http::StatusCode::NOT_FOUND),
        codes::ManageCode::NotFound.as_str(),
        &format!("no route for {} {}", req.method(), req.path()),
    )
}
