//! HTTP routes. Public (widget, email page): `/api/v1/responses`, `/api/v1/impressions`.
//! With an API key: `/api/v1/sites/{site}/scores`, `…/responses`, `…/keys`.
//! Widget files: `/koe.js`, `/widget/{hashed}`. Operations: `/healthz`, `/readyz`.

mod admission;
pub mod api_auth;
pub mod body;
mod health;
mod impressions;
mod keys;
pub mod links;
pub mod response_list;
mod responses;
pub mod scores;
pub mod widget_assets;

pub use health::{healthz, readyz};
pub use impressions::record_impression;
pub use keys::create_key;
pub use links::create_links;
pub use response_list::list_responses;
pub use responses::submit_response;
pub use scores::scores;

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
