//! Changing a site after it was created: its name, origins, strict mode, low-n threshold, how
//! long it keeps raw responses, its survey-fatigue rules and its time zone, recorded in the audit trail. Past rollups are
//! bucketed in the time zone, so changing it needs them rebuilt from raw responses: asked for
//! explicitly (`rebuild_rollups`), and impossible once retention purged some. A site is rebuilt
//! once at a time, and its API keys may ask for a rebuild once every
//! [`REBUILD_INTERVAL_MINUTES`] minutes (`storage/rezone.rs`).

use serde::Serialize;

use super::fatigue::MAX_COOLDOWN_DAYS;
use super::{Origin, Site, SiteTimeZone};
use crate::audit::{Actor, AuditAction, AuditEntry};
use crate::clock;
use crate::storage::{REBUILD_INTERVAL_MINUTES, RemovalStore, SiteStore, StorageError};

/// What to change (`None` / empty: leave as it is).
#[derive(Debug, Clone, Default)]
pub struct SiteChanges {
    pub name: Option<String>,
    pub add_origins: Vec<Origin>,
    pub remove_origins: Vec<Origin>,
    pub strict: Option<bool>,
    pub low_n_threshold: Option<u32>,
    /// Days raw responses are kept; `Some(0)` keeps everything again.
    pub retention_days: Option<u32>,
    /// Share of interactions surveyed, 0–100.
    pub sample_percent: Option<u32>,
    /// Days a surveyed customer is not asked again, 0–365.
    pub cooldown_days: Option<u32>,
    pub timezone: Option<SiteTimeZone>,
    /// Allows a time-zone change: every raw response and impression re-dated in the new zone,
    /// its counts moving with it (in one transaction on PostgreSQL, a chunk at a time on SQLite:
    /// `storage/rezone.rs`).
    pub rebuild_rollups: bool,
}

/// The shortest retention: a rating link works up to 90 days, and an answer confirmed through
/// it may be changed until then; purged earlier, it would be counted afresh. (A longer edit
/// window lengthens the retention the purge applies: `retention::first_kept_day`.)
pub const MIN_RETENTION_DAYS: u32 = 91;
/// Longest site name, in characters as sent.
pub const MAX_NAME_CHARS: usize = 100;
/// Most origins one site allows.
pub const MAX_ORIGINS: usize = 50;
/// The longest (a hundred years: "keep everything" is `0`).
pub const MAX_RETENTION_DAYS: u32 = 36_500;

/// Why a site cannot be changed as asked.
#[derive(Debug, thiserror::Error)]
pub enum SiteChangeError {
    #[error(
        "the time zone cannot be changed as is: every past day is counted in {0}, and reports \
         would mix two calendars; ask for the rollups to be rebuilt from raw responses in the new \
         zone (`--rebuild-rollups`, or \"rebuild_rollups\": true)"
    )]
    TimeZone(String),
    #[error(
        "the time zone cannot be changed: raw responses answered before {0} were purged by the \
         retention, so those days cannot be counted again in another zone; register a new site \
         for the new zone"
    )]
    TimeZonePurged(jiff::civil::Date),
    #[error(
        "the rollups of this site are being rebuilt for a time-zone change already; a site is \
         rebuilt once at a time: ask again when it has finished"
    )]
    RebuildRunning,
    #[error(
        "the rollups of this site were rebuilt less than {REBUILD_INTERVAL_MINUTES} minutes ago, \
         and its API keys may rebuild them once every {REBUILD_INTERVAL_MINUTES} minutes: ask \
         again in {0} s"
    )]
    RebuildTooSoon(u64),
    #[error("a site needs at least one origin")]
    NoOrigin,
    #[error("the name must not be empty")]
    EmptyName,
    #[error("the name must not contain control characters")]
    ControlInName,
    #[error("the name must be at most {MAX_NAME_CHARS} characters")]
    LongName,
    #[error("a site allows at most {MAX_ORIGINS} origins")]
    TooManyOrigins,
    #[error(
        "retention_days must be from {MIN_RETENTION_DAYS} to {MAX_RETENTION_DAYS}, or 0 to keep \
         everything; got {0} (rating links work up to 90 days: answers that may still be changed \
         are never purged)"
    )]
    Retention(u32),
    #[error("sample_percent must be from 0 to 100, got {0}")]
    SamplePercent(u32),
    #[error("cooldown_days must be from 0 to {MAX_COOLDOWN_DAYS}, got {0}")]
    CooldownDays(u32),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A site as listed and shown: everything but its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SiteView {
    pub site_key: String,
    pub name: String,
    pub origins: Vec<String>,
    pub timezone: String,
    pub strict: bool,
    pub low_n_threshold: u32,
    /// Days raw responses are kept (`null`: everything is kept).
    pub retention_days: Option<u32>,
    /// Share of interactions surveyed.
    pub sample_percent: u8,
    /// Days a surveyed customer is not asked again (0: no cooldown).
    pub cooldown_days: u32,
    pub created_at: String,
}

impl From<&Site> for SiteView {
    fn from(site: &Site) -> Self {
        Self {
            site_key: site.key.to_string(),
            name: site.name.clone(),
            origins: site.origins.iter().map(|o| o.to_string()).collect(),
            timezone: site.timezone.name().to_owned(),
            strict: site.strict,
            low_n_threshold: site.low_n_threshold,
            retention_days: site.retention_days,
            sample_percent: site.fatigue.sample_percent,
            cooldown_days: site.fatigue.cooldown_days,
            created_at: site.created_at.to_string(),
        }
    }
}

/// Applies the changes and records what changed; gives the site as it now is. A time-zone
/// change goes first: refused (a rebuild under way, or one too recent), it leaves everything
/// as it was.
#[tracing::instrument(name = "sites::update_site", skip_all)]
pub async fn update_site<S: SiteStore + RemovalStore>(
    storage: &S,
    site: &Site,
    changes: SiteChanges,
    actor: Actor,
) -> Result<Site, SiteChangeError> {
    let new_zone = changes
        .timezone
        .clone()
        .filter(|zone| zone.name() != site.timezone.name());
    if new_zone.is_some() {
        if !changes.rebuild_rollups {
            return Err(SiteChangeError::TimeZone(site.timezone.name().to_owned()));
        }
        if let Some(day) = site.purged_before {
            return Err(SiteChangeError::TimeZonePurged(day));
        }
    }
    let mut updated = site.clone();
    let mut what = Vec::new();
    if let Some(name) = changes.name {
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(SiteChangeError::LongName);
        }
        let name = name.trim().to_owned();
        if name.is_empty() {
            return Err(SiteChangeError::EmptyName);
        }
        if name.chars().any(char::is_control) {
            return Err(SiteChangeError::ControlInName);
        }
        if name != updated.name {
            what.push(format!("name {:?} → {name:?}", updated.name));
            updated.name = name;
        }
    }
    for origin in changes.add_origins {
        if !updated.origins.contains(&origin) {
            what.push(format!("origin {origin} added"));
            updated.origins.push(origin);
        }
    }
    for origin in changes.remove_origins {
        if let Some(at) = updated.origins.iter().position(|o| *o == origin) {
            what.push(format!("origin {origin} removed"));
            updated.origins.remove(at);
        }
    }
    if updated.origins.is_empty() {
        return Err(SiteChangeError::NoOrigin);
    }
    if updated.origins.len() > MAX_ORIGINS {
        return Err(SiteChangeError::TooManyOrigins);
    }
    if let Some(strict) = changes.strict.filter(|s| *s != updated.strict) {
        what.push(format!("strict {} → {strict}", updated.strict));
        updated.strict = strict;
    }
    if let Some(low_n) = changes
        .low_n_threshold
        .filter(|n| *n != updated.low_n_threshold)
    {
        what.push(format!(
            "low-n threshold {} → {low_n}",
            updated.low_n_threshold
        ));
        updated.low_n_threshold = low_n;
    }
    if let Some(days) = changes.retention_days {
        if days != 0 && !(MIN_RETENTION_DAYS..=MAX_RETENTION_DAYS).contains(&days) {
            return Err(SiteChangeError::Retention(days));
        }
        let days = Some(days).filter(|d| *d != 0);
        if days != updated.retention_days {
            let shown = |d: Option<u32>| {
                d.map_or_else(|| "keep everything".into(), |d| format!("{d} days"))
            };
            what.push(format!(
                "retention {} → {}",
                shown(updated.retention_days),
                shown(days)
            ));
            updated.retention_days = days;
        }
    }
    if let Some(percent) = changes.sample_percent {
        let percent = u8::try_from(percent)
            .ok()
            .filter(|p| *p <= 100)
            .ok_or(SiteChangeError::SamplePercent(percent))?;
        if percent != updated.fatigue.sample_percent {
            what.push(format!(
                "sample {}% → {percent}%",
                updated.fatigue.sample_percent
            ));
            updated.fatigue.sample_percent = percent;
        }
    }
    if let Some(days) = changes.cooldown_days {
        if days > MAX_COOLDOWN_DAYS {
            return Err(SiteChangeError::CooldownDays(days));
        }
        if days != updated.fatigue.cooldown_days {
            what.push(format!(
                "cooldown {} → {days} days",
                updated.fatigue.cooldown_days
            ));
            updated.fatigue.cooldown_days = days;
        }
    }
    if let Some(zone) = &new_zone {
        let entry = AuditEntry {
            site_id: site.id,
            actor: actor.clone(),
            action: AuditAction::TimezoneChanged,
            detail: format!("time zone {} → {}", site.timezone.name(), zone.name()),
            at: clock::now(),
        };
        storage
            .rezone_site(entry, zone.clone())
            .await
            .map_err(|error| match error {
                StorageError::RebuildRunning => SiteChangeError::RebuildRunning,
                StorageError::RebuildTooSoon(wait) => SiteChangeError::RebuildTooSoon(wait),
                StorageError::PurgedBefore(day) => SiteChangeError::TimeZonePurged(day),
                other => SiteChangeError::Storage(other),
            })?;
    }
    if !what.is_empty() {
        let entry = AuditEntry {
            site_id: site.id,
            actor,
            action: AuditAction::SiteUpdated,
            detail: what.join("; "),
            at: clock::now(),
        };
        storage.update_site(entry, site, updated.clone()).await?;
    }
    if let Some(zone) = new_zone {
        updated.timezone = zone;
    }
    Ok(updated)
}
