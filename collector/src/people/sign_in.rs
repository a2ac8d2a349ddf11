//! Signing in — with a password, slowed after failures (`throttle.rs`), or with a passkey
//! (`passkeys.rs`, which starts its session here) — and the sessions a person holds: checked
//! on every page, listed, ended one by one or all at once. Argon2 runs on the blocking pool.

use jiff::{SignedDuration, Timestamp};

use super::password::{self, Password};
use super::{Email, throttle};
use crate::audit::{Actor, AuditAction, AuditEntry};
use crate::clock;
use crate::ids::UserId;
use crate::storage::{AccessStore, PeopleStore, SessionStore, StorageError, UserRecord};

/// How long a sign-in lasts.
pub const SESSION_LIFE: SignedDuration = SignedDuration::from_hours(12);
/// How often a session's last use is written.
const SEEN_RESOLUTION_MS: i64 = 60_000;

/// Whether `typed` is `user`'s password, as one attempt: claimed first, so that attempts at
/// one account never run side by side and one that must wait is not even checked
/// (`Err(until)`); a wrong one counted, and the account's wait set from its failures.
pub(super) async fn attempt<S: PeopleStore + SessionStore>(
    storage: &S,
    user: &UserRecord,
    typed: &str,
) -> Result<Result<bool, Timestamp>, StorageError> {
    let now = clock::now();
    let lease = now
        .checked_add(throttle::ATTEMPT_LEASE)
        .unwrap_or(Timestamp::MAX);
    let claimed = storage
        .claim_sign_in_attempt(user.id, now.as_millisecond(), lease.as_millisecond())
        .await?;
    let Some(failures) = claimed else {
        let until = user.locked_until_ms.and_then(clock::from_ms);
        return Ok(Err(until.filter(|u| *u > now).unwrap_or(lease)));
    };
    if matches_off_the_workers(Password::typed(typed), user.password_hash.clone()).await {
        storage.note_right_password(user.id).await?;
        return Ok(Ok(true));
    }
    let wait = throttle::wait_after(failures + 1);
    let until = now.checked_add(wait).unwrap_or(Timestamp::MAX);
    storage
        .note_failed_sign_in(user.id, now.as_millisecond(), until.as_millisecond())
        .await?;
    Ok(Ok(false))
}

/// Checks a password against a hash on the blocking pool: argon2 takes tens of milliseconds of
/// CPU by design, which must not hold up the async workers that answer other requests.
async fn matches_off_the_workers(password: Password, hash: String) -> bool {
    tokio::task::spawn_blocking(move || password.matches(&hash))
        .await
        .unwrap_or(false)
}

/// Hashes a new password on the blocking pool (see [`matches_off_the_workers`]).
pub(super) async fn hash_off_the_workers(password: Password) -> Result<String, StorageError> {
    tokio::task::spawn_blocking(move || password.hash())
        .await
        .map_err(|e| StorageError::Corrupt(format!("hashing a password failed: {e}")))
}

/// A sign-in refused.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// No such account, or not its password: the same answer for both.
    #[error("the email address or the password is not right")]
    Refused,
    #[error("too many failed sign-ins for this account: wait until {0}")]
    Slowed(Timestamp),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A session started.
#[derive(Debug, Clone)]
pub struct Started {
    pub user: UserRecord,
    pub session_id: i64,
    pub expires_at: Timestamp,
}

/// Signs a person in with their address and password: a session for [`SESSION_LIFE`], the
/// sign-in audited on each of their sites. An unknown address costs the same hashing as a wrong
/// password and gets the same answer.
#[tracing::instrument(name = "people::sign_in", skip_all)]
pub async fn sign_in<S: PeopleStore + SessionStore>(
    storage: &S,
    email: &str,
    typed: &str,
    client: &str,
) -> Result<Started, SignInError> {
    let password = Password::typed(typed);
    let user = match Email::parse(email) {
        Ok(email) => storage.user_by_email(email.as_str()).await?,
        Err(_) => None,
    };
    let Some(user) = user else {
        let _ = matches_off_the_workers(password, password::dummy_hash().to_owned()).await;
        return Err(SignInError::Refused);
    };
    match attempt(storage, &user, typed).await? {
        Ok(true) => {}
        Ok(false) => return Err(SignInError::Refused),
        Err(until) => return Err(SignInError::Slowed(until)),
    }
    Ok(start_session(storage, user, client, "password").await?)
}

/// Starts a session for `user`, who proved who they are (`how`: a password, a passkey): for
/// [`SESSION_LIFE`], the sign-in audited on each of their sites.
pub async fn start_session<S: PeopleStore + SessionStore>(
    storage: &S,
    user: UserRecord,
    client: &str,
    how: &str,
) -> Result<Started, StorageError> {
    let now = clock::now();
    let expires_at = now.checked_add(SESSION_LIFE).unwrap_or(Timestamp::MAX);
    let actor =
        Actor::Person(Email::parse(&user.email).map_err(|e| StorageError::Corrupt(e.to_string()))?);
    let audit = storage
        .memberships_of(user.id)
        .await?
        .into_iter()
        .map(|m| AuditEntry {
            site_id: m.site_id,
            actor: actor.clone(),
            action: AuditAction::SignedIn,
            detail: format!("{how}, {}", client_of(client)),
            at: now,
        })
        .collect();
    let session_id = storage
        .sign_in(
            user.id,
            now.as_millisecond(),
            expires_at.as_millisecond(),
            &client_of(client),
            audit,
        )
        .await?;
    Ok(Started {
        user,
        session_id,
        expires_at,
    })
}

/// A browser's `User-Agent` as a session list shows it: at most 120 characters.
fn client_of(raw: &str) -> String {
    raw.chars().filter(|c| !c.is_control()).take(120).collect()
}

/// The account behind session `id` of `user`, if the session is live (not signed out, not
/// ended by a reset or "sign out everywhere", not expired); its last use noted once a minute.
pub async fn session_user<S: PeopleStore + SessionStore>(
    storage: &S,
    id: i64,
    user: UserId,
) -> Result<Option<UserRecord>, StorageError> {
    let now = clock::now_ms();
    let Some(session) = storage
        .user_session(id)
        .await?
        .filter(|s| s.user_id == user && s.is_live(now))
    else {
        return Ok(None);
    };
    if now - session.last_seen_at_ms >= SEEN_RESOLUTION_MS
        && let Err(error) = storage.touch_user_session(id, now).await
    {
        tracing::warn!(error = %error, "could not note a session's use");
    }
    storage.user_by_id(user).await
}

/// Ends one of a person's sessions (sign-out, or one they end from their list).
pub async fn end_session<S: PeopleStore + SessionStore>(
    storage: &S,
    user: UserId,
    id: i64,
) -> Result<bool, StorageError> {
    storage.end_user_session(user, id, clock::now_ms()).await
}

/// Ends every session of a person ("sign out everywhere", or an owner's `koe user sign-out`),
/// audited on each of their sites; how many were live.
#[tracing::instrument(name = "people::end_every_session", skip_all)]
pub async fn end_every_session<S: PeopleStore + SessionStore + AccessStore>(
    storage: &S,
    user: &UserRecord,
    actor: &Actor,
) -> Result<u64, StorageError> {
    let now = clock::now();
    let ended = storage
        .end_user_sessions(user.id, now.as_millisecond())
        .await?;
    for membership in storage.memberships_of(user.id).await? {
        storage
            .record_audit(AuditEntry {
                site_id: membership.site_id,
                actor: actor.clone(),
                action: AuditAction::SessionsEnded,
                detail: format!("{} ({ended} sessions)", user.email),
                at: now,
            })
            .await?;
    }
    Ok(ended)
}
