//! HTTP routes. Public (widget, email page): `/api/v1/responses`, `/api/v1/impressions`.
//! Widget files: `/koe.js`, `/widget/{hashed}`. Operations: `/healthz`, `/readyz`.

mod admission;
pub mod body;
mod health;
mod impressions;
mod responses;
pub mod widget_assets;

pub use health::{healthz, readyz};
pub use impressions::record_impression;
pub use responses::submit_response;

use actix_web::{HttpRequest, HttpResponse, http::StatusCode};

use crate::error::json_error;

/// Unknown paths answer in the API's error format too.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    json_error(
        HttpResponse::build(StatusCode::NOT_FOUND),
        "not_found",
        &format!("no route for {} {}", req.method(), req.path()),
    )
}
