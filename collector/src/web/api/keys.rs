//! `/api/v1/sites/{site}/keys` (admin): create an API key (shown once), list a site's keys
//! (never the keys themselves), revoke one — its next call is refused and its dashboard
//! sessions end at once.

use actix_web::{HttpResponse, web};
use serde::Serialize;

use super::caller::Caller;
use super::paths::{SiteItemPath, SitePath};
use crate::ids::KeyId;
use crate::sites::registration::{create_api_key, revoke_api_key};
use crate::storage::{ApiKeyRecord, Role, Storage};
use crate::web::error::ManageError;
use crate::web::state::AppState;

/// The key to create.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct NewKey {
    /// `read` (reports) or `admin` (also settings, keys, links, webhooks, erasure).
    #[schema(value_type = Role)]
    role: String,
}

/// A key just created: the key itself is shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedKey {
    #[schema(value_type = i64)]
    pub id: KeyId,
    pub api_key: String,
    pub role: Role,
}

/// A site's keys.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeyList {
    pub keys: Vec<ListedKey>,
}

/// A key as listed: what it is and when it was used, never the key.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ListedKey {
    #[schema(value_type = i64)]
    pub id: KeyId,
    pub role: Role,
    pub prefix: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    /// The address of the person the key belongs to; absent: the site's.
    pub owner: Option<String>,
}

impl From<&ApiKeyRecord> for ListedKey {
    fn from(key: &ApiKeyRecord) -> Self {
        Self {
            id: key.id,
            role: key.role,
            prefix: key.prefix.clone(),
            created_at: key.created_at.to_string(),
            last_used_at: key.last_used_at.map(|t| t.to_string()),
            revoked_at: key.revoked_at.map(|t| t.to_string()),
            owner: key.owner.clone(),
        }
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/sites/{site}/keys",
    tag = "site",
    summary = "Create an API key",
    params(SitePath),
    request_body = NewKey,
    responses((status = 201, description = "Created; `api_key` is shown only now.", body = CreatedKey)),
    security(("api_key" = ["admin"])),
)]
#[tracing::instrument(name = "api::create_key", skip_all)]
pub async fn create_key<S: Storage>(
    caller: Caller,
    body: web::Json<NewKey>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let site = &caller.site;
    let role = Role::parse(&body.role).ok_or_else(|| {
        ManageError::BadParameter(format!(
            "role must be read, write or admin, got {:?}",
            body.role
        ))
    })?;
    let (record, key) = create_api_key(&state.storage, site, role, caller.actor()).await?;
    Ok(HttpResponse::Created().json(CreatedKey {
        id: record.id,
        api_key: key,
        role,
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/sites/{site}/keys",
    tag = "site",
    summary = "List the site's API keys",
    description = "What each key is and when it was last used; never the keys themselves.",
    params(SitePath),
    responses((status = 200, description = "The keys.", body = KeyList)),
    security(("api_key" = ["admin"])),
)]
#[tracing::instrument(name = "api::list_keys", skip_all)]
pub async fn list_keys<S: Storage>(
    caller: Caller,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let site = &caller.site;
    let keys = state.storage.api_keys(site.id).await?;
    let listed: Vec<ListedKey> = keys.iter().map(ListedKey::from).collect();
    Ok(HttpResponse::Ok().json(KeyList { keys: listed }))
}

#[utoipa::path(
    delete,
    path = "/api/v1/sites/{site}/keys/{id}",
    tag = "site",
    summary = "Revoke an API key",
    description = "Its next call is refused and its dashboard sessions end at once.",
    params(SiteItemPath),
    responses((status = 204, description = "Revoked.")),
    security(("api_key" = ["admin"])),
)]
#[tracing::instrument(name = "api::revoke_key", skip_all)]
pub async fn revoke_key<S: Storage>(
    caller: Caller,
    path: web::Path<SiteItemPath>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let key_id = path.id;
    let site = &caller.site;
    match revoke_api_key(&state.storage, site, KeyId::new(key_id), caller.actor()).await? {
        true => Ok(HttpResponse::NoContent().finish()),
        false => Err(ManageError::NotFound),
    }
}
