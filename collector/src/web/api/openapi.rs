//! `GET /api/v1/openapi.json`: the API described as OpenAPI 3.1, generated from the handlers'
//! `#[utoipa::path]` attributes and the wire types' schemas, so it changes with the code.
//!
//! Each operation names its own successes; the errors every operation of its kind can answer
//! with (`{ "error": code, "message": … }`, one shared response per status) are added here,
//! by whether it needs an API key — the Bearer scheme, with the role it needs as the
//! requirement's value (OpenAPI 3.1 allows role names there).

use std::sync::OnceLock;

use actix_web::HttpResponse;
use actix_web::http::header;
use koe_shared::ApiError;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, HeaderBuilder, OpenApi as Document, Ref, RefOr, ResponseBuilder,
};
use utoipa::{Modify, OpenApi, PartialSchema as _};

use crate::web::codes::{IngestCode, ManageCode};

/// The name of the security scheme in the document.
pub const BEARER: &str = "api_key";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Koe collector API",
        description = "Survey answers in (`/responses`, `/impressions`, public, called by the \
            widget), scores and raw answers out (`/sites/{site}/…`, with a site's API key). \
            Every refusal is `{\"error\": code, \"message\": sentence}`; programs branch on \
            `error`, people read `message`.",
        license(name = "MIT OR Apache-2.0")
    ),
    paths(
        super::responses::submit_response,
        super::impressions::record_impression,
        super::survey::survey,
        super::sites::show_site,
        super::sites::update_site_settings,
        super::scores::scores,
        super::standings::standings,
        super::reasons::reasons,
        super::question::question,
        super::response_list::list_responses,
        super::erasure::erase_interaction,
        super::keys::create_key,
        super::keys::list_keys,
        super::keys::revoke_key,
        super::links::create_links,
        super::webhooks::create_webhook,
        super::webhooks::list_webhooks,
        super::webhooks::list_deliveries,
        super::webhooks::delete_webhook,
        super::webhooks::rotate_webhook_secret,
        super::interactions::put_facts,
        super::interactions::put_facts_batch,
        super::interactions::show_facts,
        super::service::service,
        super::service::drivers,
        super::service::show_settings,
        super::service::set_settings,
        super::service::put_volume,
        super::integrations::create_integration,
        super::integrations::list_integrations,
        super::integrations::pause_integration,
        super::integrations::delete_integration,
        super::integrations::set_integration_credentials,
        super::integrations::list_integration_events,
        super::integrations::retry_integration_event,
        super::integrations::push_line_card,
        super::followups::list_followups,
        super::followups::show_followup,
        super::followups::change_followup,
        super::followups::add_followup_note,
        super::followups::show_followup_settings,
        super::followups::set_followup_settings,
        super::followups::followup_report,
        super::survey::show_survey,
        super::survey::publish_survey,
        super::survey::survey_versions,
    ),
    modifiers(&Errors),
    tags(
        (name = "ingest", description = "What the widget and the hosted page send (no key)."),
        (name = "reports", description = "Scores, standings, reasons, the site's own question and raw answers (read key)."),
        (name = "site", description = "A site's settings, keys, links and webhooks (admin key)."),
        (name = "service", description = "Interaction facts and active users from the site's backend (write key)."),
        (name = "survey", description = "The site's own survey: its wording per language, reasons, own question and look, published as versions (read key; admin key to publish)."),
        (name = "followups", description = "Unhappy customers' follow-ups: listed (read key), worked (write key), their settings (admin key)."),
    )
)]
struct ApiDoc;

/// The document, built once.
pub fn document() -> &'static Document {
    static DOCUMENT: OnceLock<Document> = OnceLock::new();
    DOCUMENT.get_or_init(ApiDoc::openapi)
}

/// The handler.
pub async fn openapi_json() -> HttpResponse {
    static JSON: OnceLock<String> = OnceLock::new();
    let body = JSON.get_or_init(|| document().to_pretty_json().unwrap_or_default());
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(body.as_str())
}

/// One error response: its status, its name in `components.responses`, and the codes it
/// carries.
struct ErrorResponse {
    status: u16,
    name: &'static str,
    codes: Vec<&'static str>,
    description: &'static str,
    header: Option<(&'static str, &'static str)>,
}

fn error(
    status: u16,
    name: &'static str,
    codes: Vec<&'static str>,
    description: &'static str,
) -> ErrorResponse {
    ErrorResponse {
        status,
        name,
        codes,
        description,
        header: None,
    }
}

/// Codes of the public endpoints, by status (the statuses of `IngestError`).
fn ingest_errors() -> Vec<ErrorResponse> {
    use IngestCode as C;
    let codes = |list: &[IngestCode]| list.iter().map(|c| c.as_str()).collect();
    vec![
        error(
            400,
            "IngestBadBody",
            codes(&[C::BodyIncomplete, C::InvalidUtf8, C::InvalidJson]),
            "The body is not JSON in UTF-8.",
        ),
        error(
            403,
            "IngestForbidden",
            codes(&[
                C::OriginNotAllowed,
                C::TokenExpired,
                C::TokenSecretRetired,
                C::InvalidToken,
                C::TokenMismatch,
                C::TokenRequired,
                C::UnsignedAttribution,
            ]),
            "The page's origin is not the site's, or its attribution is not signed as the site requires.",
        ),
        error(
            408,
            "IngestBodyTimeout",
            codes(&[C::BodyTimeout]),
            "The whole body did not arrive in time.",
        ),
        error(
            413,
            "IngestPayloadTooLarge",
            codes(&[C::PayloadTooLarge]),
            "The body is larger than the endpoint reads.",
        ),
        error(
            415,
            "IngestUnsupportedMediaType",
            codes(&[C::UnsupportedMediaType]),
            "The body is not sent as `application/json` or `text/plain` (what `sendBeacon` sends), in UTF-8.",
        ),
        error(
            422,
            "IngestInvalid",
            codes(&[
                C::UnknownField,
                C::MissingField,
                C::InvalidField,
                C::NoAnswers,
                C::UnknownSite,
            ]),
            "A field is missing, unknown or invalid (the message names it), or the site key is unknown.",
        ),
        ErrorResponse {
            header: Some(("Retry-After", "Seconds to wait before retrying.")),
            ..error(
                429,
                "RateLimited",
                codes(&[C::RateLimited]),
                "Too many requests from this address or for this site.",
            )
        },
        ErrorResponse {
            header: Some(("Retry-After", "Seconds to wait before retrying.")),
            ..error(
                503,
                "IngestUnavailable",
                codes(&[C::Unavailable]),
                "The database cannot be reached, or the site's rollups are being rebuilt for a \
                 new time zone; nothing was stored.",
            )
        },
    ]
}

/// The codes' strings, for a list of the document.
fn manage(list: &[ManageCode]) -> Vec<&'static str> {
    list.iter().map(|c| c.as_str()).collect()
}

/// Codes of the authenticated endpoints (`ManageError`).
fn manage_errors() -> Vec<ErrorResponse> {
    use ManageCode as M;
    vec![
        error(
            400,
            "BadParameter",
            manage(&[M::InvalidParameter]),
            "A parameter or a body field is invalid; the message names it.",
        ),
        ErrorResponse {
            header: Some(("WWW-Authenticate", "`Bearer`.")),
            ..error(
                401,
                "Unauthorized",
                manage(&[M::Unauthorized]),
                "No API key, or not a valid one.",
            )
        },
        error(
            403,
            "Forbidden",
            manage(&[M::Forbidden]),
            "The key's role does not allow this (a `read` key on an admin route).",
        ),
        error(
            404,
            "NotFound",
            manage(&[M::NotFound]),
            "No such site for this key (another site's key gets this too), or no such item.",
        ),
        ErrorResponse {
            header: Some(("Retry-After", "Seconds to wait before retrying.")),
            ..error(
                429,
                "ManageRateLimited",
                manage(&[M::RateLimited]),
                "Too many requests, or too many refused ones (e.g. wrong keys), from this \
                 address (with `rate_limit_enabled`); or a site's rollups rebuilt again too \
                 soon (`PATCH /sites/{site}`).",
            )
        },
        ErrorResponse {
            header: Some(("Retry-After", "Seconds to wait before retrying.")),
            ..error(
                503,
                "Unavailable",
                manage(&[M::Unavailable]),
                "The database cannot be reached; nothing was changed.",
            )
        },
    ]
}

/// Statuses only operations with a body can answer.
fn body_errors() -> Vec<ErrorResponse> {
    use ManageCode as M;
    vec![
        error(
            408,
            "BodyTimeout",
            manage(&[M::BodyTimeout]),
            "The whole body did not arrive in time.",
        ),
        error(
            413,
            "PayloadTooLarge",
            manage(&[M::PayloadTooLarge]),
            "The body is larger than the endpoint reads.",
        ),
        error(
            415,
            "UnsupportedMediaType",
            manage(&[M::UnsupportedMediaType]),
            "The body is not sent as `application/json`.",
        ),
    ]
}

struct Errors;

impl Modify for Errors {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.security_schemes.insert(
            BEARER.to_owned(),
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A site's API key (`koe key create`), as `Authorization: Bearer KEY`. \
                         The requirement names the role a route needs: `read`, `write` (interaction facts and active users only) or `admin`.",
                    ))
                    .build(),
            ),
        );
        components
            .schemas
            .insert("ApiError".to_owned(), ApiError::schema());
        let (ingest, manage, body) = (ingest_errors(), manage_errors(), body_errors());
        for e in ingest.iter().chain(&manage).chain(&body) {
            components
                .responses
                .insert(e.name.to_owned(), RefOr::T(response(e)));
        }
        for item in doc.paths.paths.values_mut() {
            for (operation, takes_body) in [
                (&mut item.get, false),
                (&mut item.delete, false),
                (&mut item.post, true),
                (&mut item.put, true),
                (&mut item.patch, true),
            ] {
                let Some(operation) = operation.as_mut() else {
                    continue;
                };
                let errors: Vec<&ErrorResponse> = if operation.security.is_some() {
                    manage
                        .iter()
                        .chain(body.iter().filter(|_| takes_body))
                        .collect()
                } else {
                    ingest.iter().collect()
                };
                add_errors(operation, &errors);
            }
        }
    }
}

fn add_errors(operation: &mut Operation, errors: &[&ErrorResponse]) {
    for e in errors {
        operation
            .responses
            .responses
            .entry(e.status.to_string())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(e.name)));
    }
}

fn response(e: &ErrorResponse) -> utoipa::openapi::Response {
    let codes = e
        .codes
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut builder = ResponseBuilder::new()
        .description(format!("{} `error`: {codes}.", e.description))
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ApiError")))
                .build(),
        );
    if let Some((name, description)) = e.header {
        builder = builder.header(
            name,
            HeaderBuilder::new()
                .schema(String::schema())
                .description(Some(description))
                .build(),
        );
    }
    builder.build()
}
