//! Who may use the managers' side: an API key found by what its holder presented, its use
//! noted (at most once a minute), and dashboard sessions — started for a key, checked live,
//! ended. The API's key middleware and the dashboard call these; the cookie and the HTTP
//! answers stay in `web/`.

use jiff::{SignedDuration, Timestamp};

use crate::clock;
use crate::ids::{KeyId, SiteId};
use crate::secrets;
use crate::storage::{AccessStore, ApiKeyRecord, StorageError};

/// How often a key's last use is written: the listing shows it to the minute, and an API call
/// then costs no write.
pub const KEY_USE_RESOLUTION: SignedDuration = SignedDuration::from_secs(60);

/// The live key whose digest is that of `presented` (surrounding spaces ignored).
pub async fn key_presented<S: AccessStore>(
    storage: &S,
    presented: &str,
) -> Result<Option<ApiKeyRecord>, StorageError> {
    storage
        .api_key_by_digest(&secrets::digest(presented.trim()))
        .await
}

/// Notes that a key was used, writing it at most once a minute per key. A failure to note it
/// is logged and never fails the caller's request.
#[tracing::instrument(name = "access::note_use", level = "debug", skip_all)]
pub async fn note_use<S: AccessStore>(storage: &S, key: &ApiKeyRecord) {
    let now = clock::now();
    if key
        .last_used_at
        .is_some_and(|last| now.duration_since(last) < KEY_USE_RESOLUTION)
    {
        return;
    }
    if let Err(error) = storage.touch_api_key(key.id, now).await {
        tracing::warn!(error = %error, key = %key.id, "could not note an API key's use");
    }
}

/// Starts a dashboard session for `key`, ending at `expires_at`; gives its id.
#[tracing::instrument(name = "access::start_session", skip_all)]
pub async fn start_session<S: AccessStore>(
    storage: &S,
    key: &ApiKeyRecord,
    expires_at: Timestamp,
) -> Result<i64, StorageError> {
    storage
        .create_session(key.id, clock::now(), expires_at)
        .await
}

/// Whether session `id` is still live — not signed out, its key not revoked, not expired —
/// and is the one of `key` on `site` that its holder claims.
pub async fn session_is_live<S: AccessStore>(
    storage: &S,
    id: i64,
    key: KeyId,
    site: SiteId,
) -> Result<bool, StorageError> {
    Ok(storage
        .session(id)
        .await?
        .is_some_and(|s| s.is_live(clock::now()) && s.key_id == key && s.site_id == site))
}

/// Ends session `id` (sign-out): a copy of its cookie stops working.
#[tracing::instrument(name = "access::end_session", skip_all)]
pub async fn end_session<S: AccessStore>(storage: &S, id: i64) -> Result<(), StorageError> {
    storage.end_session(id, clock::now()).await
}
