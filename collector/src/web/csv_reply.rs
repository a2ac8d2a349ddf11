//! CSV answers, for the API and the dashboard's downloads.

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, http::header};
use futures_util::{Stream, StreamExt as _};

use crate::web::error::ManageError;

/// `?format=`: the answer's format (the `Accept` header's `text/csv` asks for CSV too).
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatParam {
    /// `json` (default) or `csv` (UTF-8 with a BOM, cells that look like formulas defused).
    #[param(inline, value_type = Option<String>, pattern = "^(json|csv)$")]
    #[allow(dead_code)]
    format: Option<String>,
}

/// CSV when `format=csv` or `Accept: text/csv`; JSON otherwise.
pub fn wants_csv(req: &HttpRequest, format: Option<&str>) -> Result<bool, ManageError> {
    match format {
        Some("csv") => Ok(true),
        Some("json") => Ok(false),
        Some(other) => Err(ManageError::BadParameter(format!(
            "format must be json or csv, got {other:?}"
        ))),
        None => Ok(req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/csv"))),
    }
}

/// A CSV file to download.
pub fn csv_response(body: String, filename: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(body)
}

/// A CSV file to download, sent as it is produced: a failure midway is logged and cuts the
/// download short (the status has gone out already), so a client sees an incomplete file,
/// never a silently short one that looks whole.
pub fn csv_stream<E: std::fmt::Display + 'static>(
    chunks: impl Stream<Item = Result<String, E>> + 'static,
    filename: &str,
) -> HttpResponse {
    let body = chunks.map(|chunk| {
        chunk.map(Bytes::from).map_err(|error| {
            tracing::error!(%error, "a CSV download failed midway");
            actix_web::error::ErrorInternalServerError("the download failed")
        })
    });
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .streaming(body)
}
