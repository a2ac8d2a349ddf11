//! The authenticated API's extractors (`web::Json`, `web::Query`, `web::Path`) refuse in the
//! API's own format — `{ "error": code, "message": … }` — instead of actix's plain-text
//! defaults. The JSON limit, 16 KiB, leaves room above the longest valid request (four
//! 128-character ids, each character escaped as a surrogate pair, is ~6 KiB).

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{HttpRequest, web};

use crate::web::error::ManageError;

/// Largest JSON body of the authenticated API.
pub const JSON_LIMIT: usize = 16 * 1024;
/// Largest body of the interaction-facts routes: a batch of 1 000 interactions, each with a
/// handful of agents.
pub const FACTS_BATCH_LIMIT: usize = 2 * 1024 * 1024;

pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT)
        .error_handler(|error, _req: &HttpRequest| json_refusal(error).into())
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error, _req: &HttpRequest| {
        let QueryPayloadError::Deserialize(why) = error else {
            return ManageError::BadParameter("the query string could not be read".into()).into();
        };
        ManageError::BadParameter(format!("the query string is not valid: {why}")).into()
    })
}

/// A path segment that cannot be what the route takes (an id that is not a number) names
/// nothing that exists.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|_error: PathError, _req: &HttpRequest| ManageError::NotFound.into())
}

fn json_refusal(error: JsonPayloadError) -> ManageError {
    match error {
        JsonPayloadError::ContentType => ManageError::UnsupportedMediaType,
        JsonPayloadError::OverflowKnownLength { limit, .. }
        | JsonPayloadError::Overflow { limit } => ManageError::PayloadTooLarge(limit),
        JsonPayloadError::Deserialize(why) => {
            ManageError::BadParameter(format!("the body is not valid: {why}"))
        }
        _ => ManageError::BadParameter("the body could not be read".into()),
    }
}
