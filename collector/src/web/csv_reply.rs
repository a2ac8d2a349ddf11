//! CSV answers, for the API and the dashboard's downloads.

use actix_web::{HttpRequest, HttpResponse, http::header};

use crate::web::error::ManageError;

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
