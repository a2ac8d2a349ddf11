//! The widget's files, embedded at build time: `/koe.js` (short cache: it names the current
//! hashed files) and `/widget/{hashed name}` (cached for a year). Each is stored raw, brotli
//! and gzip; the client's `Accept-Encoding` picks one.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};

use crate::web::codes::ManageCode;
use crate::web::error::json_error;

/// One built file and its precompressed copies.
#[derive(Debug)]
pub struct WidgetFile {
    pub name: &'static str,
    pub raw: &'static [u8],
    pub br: &'static [u8],
    pub gz: &'static [u8],
}

/// Every file of the built widget (empty when the widget was not built before the collector).
pub static FILES: &[WidgetFile] = include!(concat!(env!("OUT_DIR"), "/widget_files.rs"));

pub fn find(name: &str) -> Option<&'static WidgetFile> {
    FILES.iter().find(|f| f.name == name)
}

pub async fn loader(req: HttpRequest) -> HttpResponse {
    serve(&req, "koe.js", find(LOADER), "public, max-age=300")
}

/// Only content-hashed files: the loader changes with every build, so it is never immutable.
pub async fn hashed(req: HttpRequest, name: web::Path<String>) -> HttpResponse {
    let file = find(&name).filter(|f| f.name != LOADER);
    serve(&req, &name, file, "public, max-age=31536000, immutable")
}

const LOADER: &str = "koe.js";

fn serve(
    req: &HttpRequest,
    name: &str,
    file: Option<&'static WidgetFile>,
    cache: &'static str,
) -> HttpResponse {
    let Some(file) = file else {
        let message = if FILES.is_empty() {
            "the widget was not built into this collector: run `cargo xtask widget`, then build it again".to_owned()
        } else {
            format!("no widget file {name:?}")
        };
        return json_error(
            HttpResponse::build(StatusCode::NOT_FOUND),
            ManageCode::NotFound.as_str(),
            &message,
        );
    };
    let content_type = if name.ends_with(".wasm") {
        "application/wasm"
    } else {
        "text/javascript; charset=utf-8"
    };
    let (body, encoding) = match preferred_encoding(req) {
        Some("br") => (file.br, Some("br")),
        Some("gzip") => (file.gz, Some("gzip")),
        _ => (file.raw, None),
    };
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::VARY, "Accept-Encoding"))
        // The glue is imported as a module and the wasm fetched from the host page's origin.
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if let Some(encoding) = encoding {
        response.insert_header((header::CONTENT_ENCODING, HeaderValue::from_static(encoding)));
    }
    response.body(body)
}

/// `br` when accepted, else `gzip`, else none (a `q=0` refuses).
fn preferred_encoding(req: &HttpRequest) -> Option<&'static str> {
    let accepted = req.headers().get(header::ACCEPT_ENCODING)?.to_str().ok()?;
    let accepts = |wanted: &str| {
        accepted.split(',').any(|part| {
            let mut pieces = part.split(';').map(str::trim);
            pieces.next() == Some(wanted) && !pieces.any(|p| p.replace(' ', "") == "q=0")
        })
    };
    ["br", "gzip"].into_iter().find(|e| accepts(e))
}
