//! Who may use the API: an API key found by what its holder presented, its use noted (at most
//! once a minute). The API's key middleware calls these; people's accounts and sessions are
//! `people/`.

use jiff::SignedDuration;

use crate::clock;
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
