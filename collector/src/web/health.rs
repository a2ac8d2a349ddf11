//! Liveness and readiness, for load balancers and orchestrators.

use actix_web::{HttpResponse, http::StatusCode, web};
use serde_json::json;

use crate::storage::Storage;
use crate::web::error::json_error;
use crate::web::state::AppState;

/// The process is up and serving HTTP.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// The process can reach its database.
pub async fn readyz<S: Storage>(state: web::Data<AppState<S>>) -> HttpResponse {
    match state.storage.ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({ "status": "ready" })),
        Err(error) => {
            tracing::warn!(error = %error, "not ready: the database does not answer");
            json_error(
                HttpResponse::build(StatusCode::SERVICE_UNAVAILABLE),
                "unavailable",
                "the database does not answer",
            )
        }
    }
}
