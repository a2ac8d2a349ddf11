//! Liveness and readiness, for load balancers and orchestrators. Readiness asks the database
//! at most once a second (`READINESS_TTL`): on SQLite a probe flushes the writer's pending
//! batch and takes the write lock, so a probe per request would let `/readyz` traffic split
//! group commits. With `admin_bind` set these routes and `/metrics` leave the public listener.

use actix_web::{HttpResponse, http::StatusCode, web};
use serde_json::json;

use crate::storage::Storage;
use crate::web::codes::ManageCode;
use crate::web::error::json_error;
use crate::web::state::AppState;

/// The process is up and serving HTTP.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// The process can reach its database.
#[tracing::instrument(name = "readyz", level = "debug", skip_all)]
pub async fn readyz<S: Storage>(state: web::Data<AppState<S>>) -> HttpResponse {
    let ready = state
        .readiness
        .check(|| async {
            match state.storage.ping().await {
                Ok(()) => true,
                Err(error) => {
                    tracing::warn!(error = %error, "not ready: the database does not answer");
                    false
                }
            }
        })
        .await;
    match ready {
        true => HttpResponse::Ok().json(json!({ "status": "ready" })),
        false => json_error(
            HttpResponse::build(StatusCode::SERVICE_UNAVAILABLE),
            ManageCode::Unavailable.as_str(),
            "the database does not answer",
        ),
    }
}
