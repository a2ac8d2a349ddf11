//! Reading a public endpoint's body: media type, size cap, UTF-8, then JSON into a wire type
//! with the failing field named.

use std::time::Duration;

use actix_web::{HttpRequest, http::header, web};
use futures_util::StreamExt as _;
use serde::de::DeserializeOwned;

use crate::web::error::IngestError;

/// Largest body the public endpoints read.
pub const BODY_LIMIT: usize = 8 * 1024;

/// Reads and parses a JSON body sent as `application/json` or `text/plain` (what browsers
/// send without a CORS preflight, e.g. from `navigator.sendBeacon`), all of which must
/// arrive within `deadline`.
pub async fn read_json<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
    deadline: Duration,
) -> Result<T, IngestError> {
    check_media_type(req)?;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > BODY_LIMIT) {
        return Err(IngestError::PayloadTooLarge(BODY_LIMIT));
    }
    let capacity = declared.unwrap_or(512).min(BODY_LIMIT);
    let body = actix_web::rt::time::timeout(deadline, read_capped(payload, capacity))
        .await
        .map_err(|_| IngestError::BodyTimeout(deadline.as_secs()))??;
    let text = std::str::from_utf8(&body).map_err(|_| IngestError::InvalidUtf8)?;
    parse_json(text)
}

/// The body, refused as soon as it grows past [`BODY_LIMIT`].
async fn read_capped(
    mut payload: web::Payload,
    capacity: usize,
) -> Result<web::BytesMut, IngestError> {
    let mut body = web::BytesMut::with_capacity(capacity);
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| IngestError::BodyIncomplete)?;
        if body.len() + chunk.len() > BODY_LIMIT {
            return Err(IngestError::PayloadTooLarge(BODY_LIMIT));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// JSON or `text/plain` (what `navigator.sendBeacon` sends), in UTF-8: a body declared in
/// another charset would be read wrongly, so it is refused rather than guessed at.
fn check_media_type(req: &HttpRequest) -> Result<(), IngestError> {
    let value = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase)
        .ok_or(IngestError::UnsupportedMediaType)?;
    let mut parts = value.split(';').map(str::trim);
    let essence = parts.next().unwrap_or_default();
    let utf8 = parts
        .filter_map(|p| p.strip_prefix("charset="))
        .all(|charset| matches!(charset.trim_matches('"'), "utf-8" | "utf8"));
    match essence {
        "application/json" | "text/plain" if utf8 => Ok(()),
        _ => Err(IngestError::UnsupportedMediaType),
    }
}

/// Parses JSON, naming the field at fault: `nps: nps must be a whole number from 0 to 10, got 11`.
pub fn parse_json<T: DeserializeOwned>(text: &str) -> Result<T, IngestError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(classify)?;
    deserializer
        .end()
        .map_err(|e| IngestError::InvalidJson(e.to_string()))?;
    Ok(value)
}

fn classify(error: serde_path_to_error::Error<serde_json::Error>) -> IngestError {
    let path = error.path().to_string();
    let inner = error.into_inner();
    if !matches!(inner.classify(), serde_json::error::Category::Data) {
        return IngestError::InvalidJson(inner.to_string());
    }
    let reason = inner.to_string();
    let message = if path == "." {
        reason.clone()
    } else {
        format!("{path}: {reason}")
    };
    if reason.starts_with("unknown field") {
        IngestError::UnknownField(message)
    } else if reason.starts_with("missing field") {
        IngestError::MissingField(message)
    } else {
        IngestError::InvalidField(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use koe_shared::Submission;

    fn code(json: &str) -> &'static str {
        parse_json::<Submission>(json)
            .err()
            .map_or("ok", |e| e.code().as_str())
    }

    #[test]
    fn errors_are_classified_and_name_the_field() {
        assert_eq!(code(r#"{"site":"s","interaction":"i","csat":3}"#), "ok");
        assert_eq!(
            code(r#"{"site":"s","interaction":"i","csat":3"#),
            "invalid_json"
        );
        assert_eq!(
            code(r#"{"site":"s","interaction":"i"} trailing"#),
            "invalid_json"
        );
        assert_eq!(
            code(r#"{"site":"s","interaction":"i","x":1}"#),
            "unknown_field"
        );
        assert_eq!(code(r#"{"interaction":"i"}"#), "missing_field");
        assert_eq!(
            code(r#"{"site":"s","interaction":"i","csat":"3"}"#),
            "invalid_field"
        );
        let error =
            parse_json::<Submission>(r#"{"site":"s","interaction":"i","nps":11}"#).unwrap_err();
        assert_eq!(
            error.to_string(),
            "nps: nps must be a whole number from 0 to 10, got 11 at line 1 column 39"
        );
        let error =
            parse_json::<Submission>(r#"{"site":"s","interaction":"i","reasons":["ok","BAD"]}"#)
                .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("reasons[1]: reasons entries must be slugs"),
            "{error}"
        );
    }
}
