//! Publishing a site's own survey: the definition checked whole (every problem named, nothing
//! stored unless there are none), reasons it no longer offers kept as retired, and stored as
//! the next version in one transaction with its audit entry — or refused when someone
//! published meanwhile. The API, the dashboard's Survey page and `koe survey set` call it.

use koe_shared::survey::{Problem, SurveyDefinition};

use crate::audit::{Actor, AuditAction, AuditEntry};
use crate::clock;
use crate::sites::Site;
use crate::sites::survey::PublishedSurvey;
use crate::storage::{SiteStore, StorageError, SurveyVersionRecord};

/// Most versions listed.
pub const VERSIONS_LISTED: u32 = 50;

#[derive(Debug, thiserror::Error)]
pub enum SurveyError {
    /// The definition has problems; each names its field and why.
    #[error("the survey has {} problem(s): {}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Problem>),
    /// The caller edited version `expected`, and the site is at `current` now.
    #[error(
        "the survey was changed meanwhile: you edited version {expected}, version {current} is published now; reload it and make your change again"
    )]
    Conflict { expected: u32, current: u32 },
    #[error("the site is gone")]
    SiteGone,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Publishes `definition` as the site's next survey version. `expected`: the version the caller
/// edited (the dashboard's form, an `If-Match`); `None` publishes over whatever is current.
#[tracing::instrument(name = "sites::publish_survey", skip_all, fields(site = %site.id))]
pub async fn publish<S: SiteStore>(
    storage: &S,
    site: &Site,
    definition: &SurveyDefinition,
    expected: Option<u32>,
    actor: Actor,
) -> Result<PublishedSurvey, SurveyError> {
    let survey = definition.check().map_err(SurveyError::Invalid)?;
    // The directory may be a few seconds behind: the current version is read again.
    let current = storage
        .site_by_key(&site.key)
        .await?
        .ok_or(SurveyError::SiteGone)?
        .survey;
    let expected = expected.unwrap_or(current.version);
    if expected != current.version {
        return Err(SurveyError::Conflict {
            expected,
            current: current.version,
        });
    }
    survey
        .may_follow(&current.survey)
        .map_err(|problem| SurveyError::Invalid(vec![problem]))?;
    let survey = survey.succeeding(&current.survey);
    let entry = AuditEntry {
        site_id: site.id,
        actor,
        action: AuditAction::SurveyPublished,
        detail: format!(
            "survey version {} ({} languages, {} reasons{})",
            expected + 1,
            survey.languages.len(),
            survey.reasons.len(),
            if survey.question.is_some() {
                ", its own question"
            } else {
                ""
            }
        ),
        at: clock::now(),
    };
    let stored = PublishedSurvey::stored(&survey);
    match storage.publish_survey(entry, expected, stored).await? {
        Some(version) => Ok(PublishedSurvey { version, survey }),
        None => {
            let now = storage
                .site_by_key(&site.key)
                .await?
                .ok_or(SurveyError::SiteGone)?;
            Err(SurveyError::Conflict {
                expected,
                current: now.survey.version,
            })
        }
    }
}

/// The site's published versions, newest first.
pub async fn versions<S: SiteStore>(
    storage: &S,
    site: &Site,
) -> Result<Vec<SurveyVersionRecord>, StorageError> {
    storage.survey_versions(site.id, VERSIONS_LISTED).await
}
