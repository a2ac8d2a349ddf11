//! Passkeys (WebAuthn, through kanidm's `webauthn-rs`): a signed-in person adds one from their
//! account page, then signs in with it instead of a password. The relying party is the host
//! people reach the dashboard at (`public_url`, else the request's), which must be a domain
//! name — a browser refuses passkeys on an address like `127.0.0.1`, and so does this module.
//! Each ceremony's state waits in the database between its two calls, for two minutes, and is
//! taken once; a passkey's counter is kept after each sign-in.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::SignedDuration;
use webauthn_rs::prelude::{
    CreationChallengeResponse, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse, Url, Uuid,
    Webauthn, WebauthnBuilder,
};

use super::Email;
use super::sign_in::{Started, start_session};
use crate::audit::{Actor, AuditAction, AuditEntry};
use crate::clock;
use crate::secrets;
use crate::storage::{
    AccessStore, NewPasskey, PasskeyRecord, PasskeyStore, PeopleStore, SessionStore, StorageError,
    UserRecord,
};

/// How long a ceremony waits for its second call.
pub const CEREMONY_LIFE: SignedDuration = SignedDuration::from_mins(2);
/// The most passkeys one person keeps.
pub const PASSKEYS_MAX: usize = 10;
/// The longest passkey name kept.
pub const NAME_MAX: usize = 60;

#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    #[error("passkeys need the dashboard to be reached at a domain name (e.g. localhost), not {0}")]
    NotADomain(String),
    #[error("the browser's answer was not accepted: {0}")]
    Refused(String),
    #[error("this request took too long or was used already: start again")]
    Expired,
    #[error("no passkey is registered for this address")]
    NoPasskey,
    #[error("a person keeps at most {PASSKEYS_MAX} passkeys")]
    TooMany,
    #[error("this passkey is registered already")]
    Known,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// The relying party for the dashboard at `origin` (`http://localhost:8080`).
pub fn relying_party(origin: &str) -> Result<Webauthn, PasskeyError> {
    let url = Url::parse(origin).map_err(|_| PasskeyError::NotADomain(origin.to_owned()))?;
    let host = url
        .domain()
        .ok_or_else(|| PasskeyError::NotADomain(origin.to_owned()))?
        .to_owned();
    WebauthnBuilder::new(&host, &url)
        .and_then(|builder| builder.rp_name("Koe").build())
        .map_err(|e| PasskeyError::Refused(e.to_string()))
}

/// The user handle a person's passkeys carry: stable, and no personal data.
fn handle(user: &UserRecord) -> Uuid {
    Uuid::from_u128(u128::try_from(user.id.get()).unwrap_or_default())
}

fn credentials(stored: &[PasskeyRecord]) -> Vec<(i64, Passkey)> {
    stored
        .iter()
        .filter_map(|p| Some((p.id, serde_json::from_str(&p.credential).ok()?)))
        .collect()
}

async fn keep<S: PasskeyStore, T: serde::Serialize>(
    storage: &S,
    user: &UserRecord,
    kind: &str,
    state: &T,
) -> Result<String, PasskeyError> {
    let id = secrets::new_invitation_token();
    let state = serde_json::to_string(state).map_err(|e| PasskeyError::Refused(e.to_string()))?;
    let until = clock::now_ms() + CEREMONY_LIFE.as_millis() as i64;
    storage
        .put_ceremony(&id, user.id, kind, &state, until)
        .await?;
    Ok(id)
}

async fn take<S: PasskeyStore, T: serde::de::DeserializeOwned>(
    storage: &S,
    id: &str,
    kind: &str,
) -> Result<(crate::ids::UserId, T), PasskeyError> {
    let (user, taken_kind, state) = storage
        .take_ceremony(id, clock::now_ms())
        .await?
        .ok_or(PasskeyError::Expired)?;
    if taken_kind != kind {
        return Err(PasskeyError::Expired);
    }
    let state = serde_json::from_str(&state).map_err(|_| PasskeyError::Expired)?;
    Ok((user, state))
}

/// The first call of adding a passkey: the options the browser creates it with, and the
/// ceremony's id for the second call.
pub async fn start_adding<S: PasskeyStore>(
    storage: &S,
    rp: &Webauthn,
    user: &UserRecord,
) -> Result<(String, CreationChallengeResponse), PasskeyError> {
    let known = storage.passkeys_of(user.id).await?;
    if known.len() >= PASSKEYS_MAX {
        return Err(PasskeyError::TooMany);
    }
    let exclude = credentials(&known)
        .iter()
        .map(|(_, p)| p.cred_id().clone())
        .collect();
    let (options, state) = rp
        .start_passkey_registration(handle(user), &user.email, &user.name, Some(exclude))
        .map_err(|e| PasskeyError::Refused(e.to_string()))?;
    let id = keep(storage, user, "register", &state).await?;
    Ok((id, options))
}

/// The second call: the browser's new credential checked against the ceremony and kept under
/// `name`; audited on each of the person's sites.
pub async fn finish_adding<S: PasskeyStore + PeopleStore + AccessStore>(
    storage: &S,
    rp: &Webauthn,
    user: &UserRecord,
    ceremony: &str,
    credential: &RegisterPublicKeyCredential,
    name: &str,
) -> Result<(), PasskeyError> {
    let (owner, state): (_, PasskeyRegistration) = take(storage, ceremony, "register").await?;
    if owner != user.id {
        return Err(PasskeyError::Expired);
    }
    let passkey = rp
        .finish_passkey_registration(credential, &state)
        .map_err(|e| PasskeyError::Refused(e.to_string()))?;
    let name: String = name
        .chars()
        .filter(|c| !c.is_control())
        .take(NAME_MAX)
        .collect();
    let name = if name.trim().is_empty() {
        "passkey".to_owned()
    } else {
        name.trim().to_owned()
    };
    let new = NewPasskey {
        user_id: user.id,
        credential_id: URL_SAFE_NO_PAD.encode(passkey.cred_id().as_slice()),
        credential: serde_json::to_string(&passkey)
            .map_err(|e| PasskeyError::Refused(e.to_string()))?,
        name: name.clone(),
        created_at_ms: clock::now_ms(),
    };
    storage.add_passkey(new).await?.ok_or(PasskeyError::Known)?;
    let actor = Email::parse(&user.email).map_or(Actor::Cli, Actor::Person);
    for membership in storage.memberships_of(user.id).await? {
        storage
            .record_audit(AuditEntry {
                site_id: membership.site_id,
                actor: actor.clone(),
                action: AuditAction::PasskeyAdded,
                detail: name.clone(),
                at: clock::now(),
            })
            .await?;
    }
    Ok(())
}

/// The first call of signing in with a passkey: the options the browser asks the account's
/// passkeys with.
pub async fn start_signing_in<S: PasskeyStore + PeopleStore>(
    storage: &S,
    rp: &Webauthn,
    email: &str,
) -> Result<(String, RequestChallengeResponse), PasskeyError> {
    let user = match Email::parse(email) {
        Ok(email) => storage.user_by_email(email.as_str()).await?,
        Err(_) => None,
    }
    .ok_or(PasskeyError::NoPasskey)?;
    let known: Vec<Passkey> = credentials(&storage.passkeys_of(user.id).await?)
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    if known.is_empty() {
        return Err(PasskeyError::NoPasskey);
    }
    let (options, state) = rp
        .start_passkey_authentication(&known)
        .map_err(|e| PasskeyError::Refused(e.to_string()))?;
    let id = keep(storage, &user, "sign_in", &state).await?;
    Ok((id, options))
}

/// The second call: the browser's assertion checked against the ceremony and the account's
/// passkey; its counter kept; a session started.
pub async fn finish_signing_in<S: PasskeyStore + PeopleStore + SessionStore>(
    storage: &S,
    rp: &Webauthn,
    ceremony: &str,
    credential: &PublicKeyCredential,
    client: &str,
) -> Result<Started, PasskeyError> {
    let (user, state): (_, PasskeyAuthentication) = take(storage, ceremony, "sign_in").await?;
    let result = rp
        .finish_passkey_authentication(credential, &state)
        .map_err(|e| PasskeyError::Refused(e.to_string()))?;
    let user = storage
        .user_by_id(user)
        .await?
        .ok_or(PasskeyError::Expired)?;
    for (id, mut passkey) in credentials(&storage.passkeys_of(user.id).await?) {
        if passkey.update_credential(&result).is_some() {
            let kept = serde_json::to_string(&passkey)
                .map_err(|e| PasskeyError::Refused(e.to_string()))?;
            storage.update_passkey(id, &kept, clock::now_ms()).await?;
        }
    }
    Ok(start_session(storage, user, client, "passkey").await?)
}

/// Removes one of a person's passkeys.
pub async fn remove<S: PasskeyStore>(
    storage: &S,
    user: &UserRecord,
    id: i64,
) -> Result<bool, StorageError> {
    storage.remove_passkey(user.id, id).await
}
