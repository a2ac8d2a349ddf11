//! `POST /api/v1/sites/{site}/keys` (admin): create an API key, shown once.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::auth::authorize;
use crate::sites::registration::create_api_key;
use crate::storage::{Role, Storage};
use crate::web::error::ManageError;
use crate::web::state::AppState;

#[derive(Debug, serde::Deserialize)]
pub struct NewKey {
    role: String,
}

pub async fn create_key<S: Storage>(
    req: HttpRequest,
    site: web::Path<String>,
    body: web::Json<NewKey>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let (site, _) = authorize(&state, &req, &site, Role::Admin).await?;
    let role = Role::parse(&body.role).ok_or_else(|| {
        ManageError::BadParameter(format!("role must be read or admin, got {:?}", body.role))
    })?;
    let (_, key) = create_api_key(&state.storage, &site, role).await?;
    Ok(HttpResponse::Created().json(json!({ "api_key": key, "role": role.as_str() })))
}
