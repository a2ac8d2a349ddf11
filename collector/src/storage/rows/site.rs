//! A site's row, and the site it is.

use koe_shared::SiteKey;

use super::{corrupt, corrupt_value, timestamp};
use crate::ids::SiteId;
use crate::sites::fatigue::Fatigue;
use crate::sites::survey::PublishedSurvey;
use crate::sites::{Origin, PreviousSecret, Site, SiteTimeZone};
use crate::storage::StorageError;

#[derive(Debug, sqlx::FromRow)]
pub(in crate::storage) struct SiteRow {
    pub id: i64,
    pub site_key: String,
    pub name: String,
    pub origins: String,
    pub timezone: String,
    pub strict: bool,
    pub secret_digest: Vec<u8>,
    pub previous_secret_digest: Option<Vec<u8>>,
    pub previous_secret_until_ms: Option<i64>,
    pub low_n_threshold: i64,
    pub created_at_ms: i64,
    pub retention_days: Option<i64>,
    pub purged_before: Option<String>,
    pub sample_percent: i64,
    pub cooldown_days: i64,
    pub survey_version: i64,
    pub survey: Option<String>,
}

impl TryFrom<SiteRow> for Site {
    type Error = StorageError;

    fn try_from(row: SiteRow) -> Result<Self, Self::Error> {
        Ok(Site {
            id: SiteId::new(row.id),
            key: SiteKey::try_from(row.site_key).map_err(corrupt)?,
            name: row.name,
            origins: row
                .origins
                .split_whitespace()
                .map(|o| Origin::parse(o).map_err(|e| StorageError::Corrupt(e.to_string())))
                .collect::<Result<_, _>>()?,
            timezone: SiteTimeZone::parse(&row.timezone)
                .map_err(|e| StorageError::Corrupt(e.to_string()))?,
            strict: row.strict,
            secret_digest: digest(row.secret_digest)?,
            previous_secret: match (row.previous_secret_digest, row.previous_secret_until_ms) {
                (Some(previous), Some(until_ms)) => Some(PreviousSecret {
                    digest: digest(previous)?,
                    until: timestamp(until_ms)?,
                }),
                _ => None,
            },
            low_n_threshold: u32::try_from(row.low_n_threshold).unwrap_or(30),
            created_at: timestamp(row.created_at_ms)?,
            retention_days: row.retention_days.and_then(|d| u32::try_from(d).ok()),
            fatigue: Fatigue {
                sample_percent: u8::try_from(row.sample_percent)
                    .ok()
                    .filter(|p| *p <= 100)
                    .ok_or_else(|| corrupt_value("sample_percent", row.sample_percent))?,
                cooldown_days: u32::try_from(row.cooldown_days)
                    .map_err(|_| corrupt_value("cooldown_days", row.cooldown_days))?,
            },
            purged_before: row
                .purged_before
                .map(|d| {
                    d.parse()
                        .map_err(|e: jiff::Error| StorageError::Corrupt(e.to_string()))
                })
                .transpose()?,
            survey: std::sync::Arc::new(published_survey(
                row.id,
                row.survey_version,
                row.survey.as_deref(),
            )?),
        })
    }
}

/// A site's stored survey. One that no longer passes the checks (edited by hand, or a later
/// Koe stricter than the one that stored it) is logged and Koe's own is shown at its version
/// meanwhile: a site whose survey cannot be read keeps collecting answers.
fn published_survey(
    site: i64,
    version: i64,
    definition: Option<&str>,
) -> Result<PublishedSurvey, StorageError> {
    let version = u32::try_from(version).map_err(|_| corrupt_value("survey_version", version))?;
    Ok(
        PublishedSurvey::from_stored(version, definition).unwrap_or_else(|why| {
            tracing::error!(site, version, %why, "the site's survey cannot be read: Koe's own is shown until one is published");
            PublishedSurvey {
                version,
                ..PublishedSurvey::default()
            }
        }),
    )
}

/// A stored SHA-256 digest.
fn digest(bytes: Vec<u8>) -> Result<[u8; 32], StorageError> {
    bytes
        .try_into()
        .map_err(|_| StorageError::Corrupt("a site's secret digest is not 32 bytes".into()))
}

/// Origins as stored: space-separated.
pub(in crate::storage) fn join_origins(origins: &[Origin]) -> String {
    origins
        .iter()
        .map(Origin::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}
