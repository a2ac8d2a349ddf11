//! Did we win them back? Closing a follow-up as resolved (where the site asks again) makes a
//! one-time link — `…/recover/koe_rec_…`, only its SHA-256 kept, working 14 days — that the
//! person closing sends the customer through their own channel. The customer answers "Is your
//! issue resolved now?" and CSAT once more; the answer is kept on the follow-up, beside the
//! original, which it never changes: the survey's scores stay what customers first said.

use koe_shared::CsatScore;

use crate::secrets;
use crate::storage::{FollowupStore, StorageError};

/// How long a re-ask link works.
pub const REASK_DAYS: i64 = 14;

/// A re-ask link just made: the URL (shown once), what is kept of it and until when.
#[derive(Debug, Clone)]
pub struct ReaskLink {
    pub url: String,
    pub digest: [u8; 32],
    pub expires_at_ms: i64,
}

impl ReaskLink {
    pub fn new(public_url: &str, now: jiff::Timestamp) -> Self {
        let token = secrets::new_reask_token();
        Self {
            url: format!("{}/recover/{token}", public_url.trim_end_matches('/')),
            digest: secrets::digest(&token),
            expires_at_ms: now.as_millisecond() + REASK_DAYS * 86_400_000,
        }
    }
}

/// Where a re-ask link stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reask {
    /// Waiting for the answer; the language the customer first answered in, if known, and
    /// the site whose survey words the question.
    Open {
        locale: Option<String>,
        site_id: crate::ids::SiteId,
    },
    Answered,
    Expired,
    Unknown,
}

/// What the link `token` leads to at `now_ms`.
pub async fn look<S: FollowupStore>(
    storage: &S,
    token: &str,
    now_ms: i64,
) -> Result<Reask, StorageError> {
    if !token.starts_with("koe_rec_") {
        return Ok(Reask::Unknown);
    }
    Ok(match storage.reask(secrets::digest(token)).await? {
        None => Reask::Unknown,
        Some(r) if r.recovered_at_ms.is_some() => Reask::Answered,
        Some(r) if r.expires_at_ms <= now_ms => Reask::Expired,
        Some(r) => Reask::Open {
            locale: r.locale,
            site_id: r.site_id,
        },
    })
}

/// Keeps the customer's recovery answer; `false` when the link was answered already, has
/// expired or is unknown (nothing changes).
pub async fn answer<S: FollowupStore>(
    storage: &S,
    token: &str,
    csat: CsatScore,
    resolved: Option<bool>,
    now_ms: i64,
) -> Result<bool, StorageError> {
    if !token.starts_with("koe_rec_") {
        return Ok(false);
    }
    storage
        .record_recovery(secrets::digest(token), u8::from(csat), resolved, now_ms)
        .await
}
