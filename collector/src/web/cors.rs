//! CORS for the public endpoints: the pages of a site's registered origins may call them.
//!
//! actix-cors judges a simple request's `Origin` (the widget sends `text/plain`, so there is no
//! preflight) before the handler runs, against the sites the directory holds. A site created
//! since the directory last loaded — by `koe site add`, or through another collector of a fleet
//! — is loaded by the handler itself; [`allow_origin_loaded_late`] then allows its origin on the
//! way out, or the page could not read the answer the collector has already acted on.

use actix_cors::Cors;
use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

use crate::sites::directory::SiteDirectory;

/// The CORS policy of the public endpoints.
pub fn public(sites: SiteDirectory) -> Cors {
    Cors::default()
        .allowed_origin_fn(move |origin, _| sites.knows_origin(origin.as_bytes()))
        .allowed_methods(["GET", "POST"])
        .allowed_headers([header::CONTENT_TYPE])
        .max_age(86_400)
}

/// Middleware inside [`public`]: allows the request's origin after the handler when the site it
/// belongs to was loaded by the handler.
pub async fn allow_origin_loaded_late(
    sites: SiteDirectory,
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let origin = req.headers().get(header::ORIGIN).cloned();
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    if let Some(origin) = origin
        && !headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        && sites.knows_origin(origin.as_bytes())
    {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    Ok(response)
}
