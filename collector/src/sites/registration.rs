//! Creating sites and API keys: the secret is generated here, handed back once, and only its
//! digest reaches storage. Used by the CLI (and by tests, exactly as the CLI does), and on
//! start for the demo shop's site.

use koe_shared::SiteKey;

use crate::audit::{Actor, AuditAction, AuditEntry};
use crate::clock;
use crate::ids::KeyId;
use crate::secrets;
use crate::sites::settings::{MAX_NAME_CHARS, MAX_ORIGINS};
use crate::sites::{NewSite, Origin, Site, SiteTimeZone};
use crate::storage::{
    AccessStore, ApiKeyRecord, NewApiKey, Role, SiteStore, StorageError, UserRecord,
};

/// What a site owner fills in.
#[derive(Debug, Clone)]
pub struct SiteRequest {
    pub name: String,
    pub origins: Vec<Origin>,
    pub timezone: SiteTimeZone,
    pub strict: bool,
    /// Report rows under this many responses are marked "low n".
    pub low_n_threshold: u32,
}

/// A new site and its signing secret, which exists nowhere else after this.
#[derive(Debug)]
pub struct RegisteredSite {
    pub site: Site,
    pub signing_secret: String,
}

/// Why a site cannot be registered as asked (nothing is stored).
#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    #[error("the name must be 1 to {MAX_NAME_CHARS} characters")]
    Name,
    #[error("the name must not contain control characters")]
    ControlInName,
    #[error("a site allows 1 to {MAX_ORIGINS} origins")]
    Origins,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Registers a site, under the same bounds its settings keep (`sites::settings`): a name of
/// 1–100 characters, 1–50 origins; refused (nothing stored) otherwise.
#[tracing::instrument(name = "sites::register_site", skip_all)]
pub async fn register_site<S: SiteStore>(
    storage: &S,
    request: SiteRequest,
) -> Result<RegisteredSite, RegistrationError> {
    if request.name.trim().is_empty() || request.name.chars().count() > MAX_NAME_CHARS {
        return Err(RegistrationError::Name);
    }
    if request.name.chars().any(char::is_control) {
        return Err(RegistrationError::ControlInName);
    }
    if request.origins.is_empty() || request.origins.len() > MAX_ORIGINS {
        return Err(RegistrationError::Origins);
    }
    let signing_secret = secrets::new_signing_secret();
    let key = SiteKey::try_from(secrets::new_site_key())
        .map_err(|e| StorageError::Corrupt(e.to_string()))?;
    let site = storage
        .create_site(NewSite {
            key,
            name: request.name,
            origins: request.origins,
            timezone: request.timezone,
            strict: request.strict,
            low_n_threshold: request.low_n_threshold,
            secret_digest: secrets::digest(&signing_secret),
            created_at: clock::now(),
        })
        .await?;
    Ok(RegisteredSite {
        site,
        signing_secret,
    })
}

/// Creates an API key for a site; the key is returned once and stored only as a digest.
#[tracing::instrument(name = "sites::create_api_key", skip_all)]
pub async fn create_api_key<S: AccessStore>(
    storage: &S,
    site: &Site,
    role: Role,
    actor: Actor,
) -> Result<(ApiKeyRecord, String), StorageError> {
    create_owned_api_key(storage, site, role, actor, None).await
}

/// Creates an API key of `site` that belongs to a person (`owner`, listed with the key), or to
/// the site when `None`; gives its record and the key, shown once.
#[tracing::instrument(name = "sites::create_owned_api_key", skip_all)]
pub async fn create_owned_api_key<S: AccessStore>(
    storage: &S,
    site: &Site,
    role: Role,
    actor: Actor,
    owner: Option<&UserRecord>,
) -> Result<(ApiKeyRecord, String), StorageError> {
    let key = secrets::new_api_key(role.as_str());
    let record = storage
        .create_api_key(NewApiKey {
            site_id: site.id,
            role,
            digest: secrets::digest(&key),
            prefix: secrets::key_prefix(&key),
            created_at: clock::now(),
            actor,
            owner: owner.map(|u| u.id),
            owner_email: owner.map(|u| u.email.clone()),
        })
        .await?;
    Ok((record, key))
}

/// Revokes a site's key: its next API call is refused.
/// `false` when the site has no such live key.
#[tracing::instrument(name = "sites::revoke_api_key", skip_all)]
pub async fn revoke_api_key<S: AccessStore>(
    storage: &S,
    site: &Site,
    key_id: KeyId,
    actor: Actor,
) -> Result<bool, StorageError> {
    let entry = AuditEntry {
        site_id: site.id,
        actor,
        action: AuditAction::KeyRevoked,
        detail: format!("key {key_id}"),
        at: clock::now(),
    };
    storage.revoke_api_key(entry, key_id).await
}

/// Why a secret is not rotated.
#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    #[error(
        "the secret before the last rotation still verifies until {0}: rotating again would stop \
         it at once (links signed with it would turn invalid); wait, or force it"
    )]
    GraceRunning(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Gives a site a new signing secret, returned once (only its digest is stored). Tokens and
/// rating links signed with the previous one keep verifying for `grace`, then fail as signed
/// with a retired secret. Only one previous secret is kept: while one is still in its grace
/// period, a rotation is refused unless `force` (which retires it at once).
#[tracing::instrument(name = "sites::rotate_secret", skip_all)]
pub async fn rotate_secret<S: SiteStore>(
    storage: &S,
    site: &Site,
    grace: std::time::Duration,
    force: bool,
    actor: Actor,
) -> Result<String, RotateError> {
    let now = clock::now();
    if let Some(previous) = &site.previous_secret
        && previous.until > now
        && !force
    {
        return Err(RotateError::GraceRunning(previous.until.to_string()));
    }
    let secret = secrets::new_signing_secret();
    let until = jiff::SignedDuration::try_from(grace)
        .ok()
        .and_then(|grace| now.checked_add(grace).ok())
        .unwrap_or(jiff::Timestamp::MAX);
    let entry = AuditEntry {
        site_id: site.id,
        actor,
        action: AuditAction::SecretRotated,
        detail: format!("the previous secret verifies until {until}"),
        at: now,
    };
    storage
        .rotate_secret(entry, secrets::digest(&secret), until)
        .await?;
    Ok(secret)
}

/// The demo site's public key: fixed, so the page and the database agree across restarts.
pub const DEMO_SITE_KEY: &str = "site_demo";

/// Finds or creates the demo site, reachable from the collector's own origin on `port`.
#[tracing::instrument(name = "sites::ensure_demo_site", skip_all)]
pub async fn ensure_demo_site<S: SiteStore>(storage: &S, port: u16) -> Result<Site, StorageError> {
    let key = SiteKey::try_from(DEMO_SITE_KEY).map_err(|e| StorageError::Corrupt(e.to_string()))?;
    if let Some(site) = storage.site_by_key(&key).await? {
        return Ok(site);
    }
    let origins = [
        format!("http://localhost:{port}"),
        format!("http://127.0.0.1:{port}"),
    ]
    .iter()
    .map(|o| Origin::parse(o).map_err(|e| StorageError::Corrupt(e.to_string())))
    .collect::<Result<Vec<_>, _>>()?;
    storage
        .create_site(NewSite {
            key,
            name: "Demo".into(),
            origins,
            timezone: SiteTimeZone::parse("Asia/Tokyo")
                .map_err(|e| StorageError::Corrupt(e.to_string()))?,
            strict: true,
            low_n_threshold: 30,
            secret_digest: secrets::digest(&secrets::new_signing_secret()),
            created_at: clock::now(),
        })
        .await
}
