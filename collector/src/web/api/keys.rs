//! `/api/v1/sites/{site}/keys` (admin): create an API key (shown once), list a site's keys
//! (never the keys themselves), revoke one — its next call is refused and its dashboard
//! sessions end at once.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::auth::authorize;
use crate::audit::Actor;
use crate::sites::registration::{create_api_key, revoke_api_key};
use crate::storage::{ApiKeyRecord, Role, Storage};
use crate::web::error::ManageError;
use crate::web::state::AppState;

#[derive(Debug, serde::Deserialize)]
pub struct NewKey {
    role: String,
}

/// A key as listed: what it is and when it was used, never the key.
#[derive(Debug, serde::Serialize)]
pub struct ListedKey {
    pub id: i64,
    pub role: Role,
    pub prefix: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl From<&ApiKeyRecord> for ListedKey {
    fn from(key: &ApiKeyRecord) -> Self {
        let time = |ms: i64| {
            jiff::Timestamp::from_millisecond(ms)
                .map(|t| t.to_string())
                .unwrap_or_default()
        };
        Self {
            id: key.id,
            role: key.role,
            prefix: key.prefix.clone(),
            created_at: time(key.created_at_ms),
            last_used_at: key.last_used_at_ms.map(time),
            revoked_at: key.revoked_at_ms.map(time),
        }
    }
}

pub async fn create_key<S: Storage>(
    req: HttpRequest,
    site: web::Path<String>,
    body: web::Json<NewKey>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let (site, caller) = authorize(&state, &req, &site, Role::Admin).await?;
    let role = Role::parse(&body.role).ok_or_else(|| {
        ManageError::BadParameter(format!("role must be read or admin, got {:?}", body.role))
    })?;
    let (record, key) = create_api_key(&state.storage, &site, role, Actor::Key(caller.id)).await?;
    Ok(HttpResponse::Created()
        .json(json!({ "id": record.id, "api_key": key, "role": role.as_str() })))
}

pub async fn list_keys<S: Storage>(
    req: HttpRequest,
    site: web::Path<String>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let (site, _) = authorize(&state, &req, &site, Role::Admin).await?;
    let keys = state.storage.api_keys(site.id).await?;
    let listed: Vec<ListedKey> = keys.iter().map(ListedKey::from).collect();
    Ok(HttpResponse::Ok().json(json!({ "keys": listed })))
}

pub async fn revoke_key<S: Storage>(
    req: HttpRequest,
    path: web::Path<(String, i64)>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let (site, key_id) = path.into_inner();
    let (site, caller) = authorize(&state, &req, &site, Role::Admin).await?;
    match revoke_api_key(&state.storage, &site, key_id, Actor::Key(caller.id)).await? {
        true => Ok(HttpResponse::NoContent().finish()),
        false => Err(ManageError::NotFound),
    }
}
