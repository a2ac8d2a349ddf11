//! Managing a site's integrations — added, listed, paused and resumed, given new credentials,
//! removed, their dead letters retried — each change audited; one set of functions for the
//! admin API, the dashboard and `koe integration`.

use serde::Serialize;

use super::generic::MappingError;
use super::seal::SealKey;
use super::{Credentials, IntegrationConfig, IntegrationKind};
use crate::alerts::Reach;
use crate::audit::{Actor, AuditAction, AuditEntry};
use crate::clock;
use crate::ids::IntegrationId;
use crate::sites::Site;
use crate::storage::{IntegrationCounts, IntegrationStore, NewIntegration, StorageError};

/// Longest a platform address may be.
pub const MAX_URL_CHARS: usize = 500;
/// Longest a credential may be.
pub const MAX_SECRET_CHARS: usize = 1_000;

/// The configured key (`secrets_key`), else the one the server keeps in the database.
pub async fn seal_key<S: crate::storage::CustomerStore>(
    configured: Option<&str>,
    storage: &S,
) -> Result<SealKey, StorageError> {
    match configured {
        Some(secret) => Ok(SealKey::from_secret(secret)),
        None => Ok(SealKey::from_bytes(
            storage.server_key(SealKey::STORED_NAME).await?,
        )),
    }
}

/// Why an integration cannot be changed as asked.
#[derive(Debug, thiserror::Error)]
pub enum IntegrationError {
    #[error(
        "the address must be an absolute http or https URL of at most {MAX_URL_CHARS} characters, got {0:?}"
    )]
    Url(String),
    #[error("{0}")]
    PrivateAddress(String),
    #[error(
        "the address must be https:// (the calls carry credentials); set webhook_allow_http to \
         allow plain http"
    )]
    PlainHttp,
    #[error(transparent)]
    Mapping(#[from] MappingError),
    #[error("`{0}` is required and at most {MAX_SECRET_CHARS} characters")]
    Credential(&'static str),
    #[error("this is a {0} integration: the credentials given are a {1} integration's")]
    WrongKind(String, &'static str),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// An integration just added: where its platform must send events — shown once, never listed
/// again — and the secret Koe made for it, where it made one.
#[derive(Clone, Serialize, utoipa::ToSchema)]
pub struct Added {
    #[schema(value_type = i64)]
    pub id: IntegrationId,
    pub kind: &'static str,
    /// Paste it into the platform (Chatwoot's webhook, LINE's webhook URL, the helpdesk's hook).
    pub webhook_url: String,
    /// A generic hook's secret (its signature key or Basic auth password).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl std::fmt::Debug for Added {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Added")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// An integration as listed: its settings (nothing secret), its state and how busy it was.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Listed {
    #[schema(value_type = i64)]
    pub id: IntegrationId,
    pub kind: String,
    #[schema(value_type = Object)]
    pub settings: serde_json::Value,
    pub paused: bool,
    /// Whether each event must carry the platform's signature: always for LINE and a generic
    /// hook; for Chatwoot only once its webhook secret is given (before, the address alone
    /// proves the sender). `null`: the credentials cannot be opened (`secrets_key` changed).
    pub signature_checked: Option<bool>,
    pub created_at_ms: i64,
    pub last_event_at_ms: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at_ms: Option<i64>,
    #[serde(flatten)]
    pub counts: IntegrationCounts,
}

/// Checks a platform's address against the rules webhooks follow.
fn checked_url(raw: &str, reach: Reach) -> Result<String, IntegrationError> {
    let parsed = url::Url::parse(raw)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .filter(|_| raw.chars().count() <= MAX_URL_CHARS)
        .ok_or_else(|| IntegrationError::Url(raw.chars().take(80).collect()))?;
    if !reach.private_networks
        && let Some(refused) = crate::alerts::address::refused_literal(&parsed)
    {
        return Err(IntegrationError::PrivateAddress(refused));
    }
    if !reach.allows_scheme(parsed.scheme()) {
        return Err(IntegrationError::PlainHttp);
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

fn credential(name: &'static str, value: &str) -> Result<(), IntegrationError> {
    match value.is_empty() || value.chars().count() > MAX_SECRET_CHARS {
        true => Err(IntegrationError::Credential(name)),
        false => Ok(()),
    }
}

/// Checks what is asked, fills in what Koe makes (a generic hook's secret), and gives the
/// settings and credentials to store.
fn checked(
    mut config: IntegrationConfig,
    credentials: Option<Credentials>,
    reach: Reach,
) -> Result<(IntegrationConfig, Credentials, Option<String>), IntegrationError> {
    let kind = config.kind().as_str();
    let mut made = None;
    let credentials = match (&mut config, credentials) {
        (
            IntegrationConfig::Chatwoot(c),
            Some(Credentials::Chatwoot {
                api_token,
                webhook_secret,
            }),
        ) => {
            c.url = checked_url(&c.url, reach)?;
            credential("api_token", &api_token)?;
            if let Some(secret) = &webhook_secret {
                credential("webhook_secret", secret)?;
            }
            Credentials::Chatwoot {
                api_token,
                webhook_secret,
            }
        }
        (
            IntegrationConfig::Line(c),
            Some(Credentials::Line {
                channel_secret,
                access_token,
            }),
        ) => {
            c.api_base = checked_url(&c.api_base, reach)?;
            credential("channel_secret", &channel_secret)?;
            credential("access_token", &access_token)?;
            Credentials::Line {
                channel_secret,
                access_token,
            }
        }
        (IntegrationConfig::Generic(c), given) => {
            c.mapping.check()?;
            let secret = match given {
                Some(Credentials::Generic { secret }) => {
                    credential("secret", &secret)?;
                    secret
                }
                None => made.insert(crate::secrets::new_hook_secret()).clone(),
                Some(_) => return Err(IntegrationError::WrongKind(kind.into(), "another kind")),
            };
            Credentials::Generic { secret }
        }
        (_, _) => return Err(IntegrationError::WrongKind(kind.into(), "another kind")),
    };
    Ok((config, credentials, made))
}

/// Connects an integration to `site`; `base` is the collector's public address (the webhook
/// URL's start).
#[allow(clippy::too_many_arguments)]
pub async fn add<S: IntegrationStore>(
    storage: &S,
    seal: &SealKey,
    site: &Site,
    config: IntegrationConfig,
    credentials: Option<Credentials>,
    reach: Reach,
    base: &str,
    actor: Actor,
) -> Result<Added, IntegrationError> {
    let (config, credentials, secret) = checked(config, credentials, reach)?;
    let kind = config.kind();
    let path = crate::secrets::new_integration_path();
    let sealed = seal.seal(&serde_json::to_string(&credentials).unwrap_or_default());
    let entry = AuditEntry {
        site_id: site.id,
        actor,
        action: AuditAction::IntegrationAdded,
        detail: format!("{} integration", kind.as_str()),
        at: clock::now(),
    };
    let id = storage
        .add_integration(
            entry,
            NewIntegration {
                site_id: site.id,
                kind: kind.as_str(),
                path_digest: crate::secrets::digest(&path),
                config: serde_json::to_string(&config).unwrap_or_default(),
                sealed,
                base_url: base.trim_end_matches('/').to_owned(),
                created_at_ms: clock::now_ms(),
            },
        )
        .await?;
    Ok(Added {
        id,
        kind: kind.as_str(),
        webhook_url: format!(
            "{}/integrations/{}/{path}",
            base.trim_end_matches('/'),
            kind.as_str()
        ),
        secret,
    })
}

/// Whether events to an integration must be signed, read from its sealed credentials.
fn signature_checked(seal: &SealKey, sealed: &str) -> Option<bool> {
    let plain = seal.open(sealed).ok()?;
    Some(match serde_json::from_str::<Credentials>(&plain).ok()? {
        Credentials::Chatwoot { webhook_secret, .. } => webhook_secret.is_some(),
        Credentials::Line { .. } | Credentials::Generic { .. } => true,
    })
}

/// A site's integrations, with what happened since the start of the site's day.
pub async fn list<S: IntegrationStore>(
    storage: &S,
    seal: &SealKey,
    site: &Site,
) -> Result<Vec<Listed>, StorageError> {
    let now = clock::now_ms();
    let since = site
        .timezone
        .local_date(now)
        .to_zoned(site.timezone.zone().clone())
        .map_or(now - 86_400_000, |z| z.timestamp().as_millisecond());
    let mut listed = Vec::new();
    for stored in storage.integrations(site.id).await? {
        let counts = storage.integration_counts(stored.id, since).await?;
        listed.push(Listed {
            id: stored.id,
            settings: serde_json::from_str(&stored.config).unwrap_or_default(),
            signature_checked: signature_checked(seal, &stored.sealed),
            kind: stored.kind,
            paused: stored.paused,
            created_at_ms: stored.created_at_ms,
            last_event_at_ms: stored.last_event_at_ms,
            last_error: stored.last_error,
            last_error_at_ms: stored.last_error_at_ms,
            counts,
        });
    }
    Ok(listed)
}

fn entry(site: &Site, actor: Actor, action: AuditAction, id: IntegrationId) -> AuditEntry {
    AuditEntry {
        site_id: site.id,
        actor,
        action,
        detail: format!("integration {id}"),
        at: clock::now(),
    }
}

/// Pauses (events refused, calls held) or resumes integration `id`; `false` when there is none.
pub async fn set_paused<S: IntegrationStore>(
    storage: &S,
    site: &Site,
    id: IntegrationId,
    paused: bool,
    actor: Actor,
) -> Result<bool, StorageError> {
    let action = match paused {
        true => AuditAction::IntegrationPaused,
        false => AuditAction::IntegrationResumed,
    };
    storage
        .set_integration_paused(entry(site, actor, action, id), id, paused)
        .await
}

/// Removes integration `id` (its address answers 404 from now on); `false` when there is none.
pub async fn remove<S: IntegrationStore>(
    storage: &S,
    site: &Site,
    id: IntegrationId,
    actor: Actor,
) -> Result<bool, StorageError> {
    let entry = entry(site, actor, AuditAction::IntegrationRemoved, id);
    storage.remove_integration(entry, id, clock::now_ms()).await
}

/// Gives integration `id` new credentials of its own kind (a new token; a Chatwoot webhook's
/// signing secret once Chatwoot shows it); `false` when there is none.
pub async fn set_credentials<S: IntegrationStore>(
    storage: &S,
    seal: &SealKey,
    site: &Site,
    id: IntegrationId,
    credentials: Credentials,
    actor: Actor,
) -> Result<bool, IntegrationError> {
    let Some(stored) = storage
        .integrations(site.id)
        .await?
        .into_iter()
        .find(|i| i.id == id)
    else {
        return Ok(false);
    };
    let given = match &credentials {
        Credentials::Chatwoot { .. } => IntegrationKind::Chatwoot,
        Credentials::Line { .. } => IntegrationKind::Line,
        Credentials::Generic { .. } => IntegrationKind::Generic,
    };
    if stored.kind != given.as_str() {
        return Err(IntegrationError::WrongKind(stored.kind, given.as_str()));
    }
    for (name, value) in match &credentials {
        Credentials::Chatwoot {
            api_token,
            webhook_secret,
        } => {
            vec![
                ("api_token", api_token.as_str()),
                ("webhook_secret", webhook_secret.as_deref().unwrap_or("-")),
            ]
        }
        Credentials::Line {
            channel_secret,
            access_token,
        } => {
            vec![
                ("channel_secret", channel_secret.as_str()),
                ("access_token", access_token.as_str()),
            ]
        }
        Credentials::Generic { secret } => vec![("secret", secret.as_str())],
    } {
        credential(name, value)?;
    }
    let sealed = seal.seal(&serde_json::to_string(&credentials).unwrap_or_default());
    let entry = entry(site, actor, AuditAction::IntegrationCredentialsChanged, id);
    Ok(storage
        .set_integration_credentials(entry, id, &sealed)
        .await?)
}

/// Makes a given-up call due again; `false` when there is no such dead letter.
pub async fn retry<S: IntegrationStore>(
    storage: &S,
    site: &Site,
    event: i64,
) -> Result<bool, StorageError> {
    storage.retry_call(site.id, event, clock::now_ms()).await
}
