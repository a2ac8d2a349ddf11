//! `koe verify`: every site's rollups, summaries, reason rows and rows of answers to its own
//! question recomputed from its raw responses and impressions and compared with what is
//! stored, beside the backend's own check of its response keys. Days past a site's retention are not compared: their raw responses
//! are gone by design.

use koe_shared::SiteKey;

use crate::rollup::{QuestionDrift, ReasonDrift, Recomputation, RollupDrift, Summary};
use crate::sites::Site;
use crate::storage::{KeyDrift, Lifecycle, SiteStore, StorageError, VerifyStore};

/// What `koe verify` found: every list empty when the stored counts agree with the raw data.
#[derive(Debug, Default)]
pub struct Findings {
    pub rollups: Vec<(SiteKey, RollupDrift)>,
    pub reasons: Vec<(SiteKey, ReasonDrift)>,
    pub questions: Vec<(SiteKey, QuestionDrift)>,
    pub keys: Vec<KeyDrift>,
}

impl Findings {
    pub fn is_clean(&self) -> bool {
        self.rollups.is_empty()
            && self.reasons.is_empty()
            && self.questions.is_empty()
            && self.keys.is_empty()
    }
}

/// Checks every site's stored counts against its raw data, and the backend's response keys.
#[tracing::instrument(name = "verify", skip_all)]
pub async fn verify<S: SiteStore + VerifyStore + Lifecycle>(
    storage: &S,
) -> Result<Findings, StorageError> {
    Ok(Findings {
        rollups: rollup_drift(storage).await?,
        reasons: reason_drift(storage).await?,
        questions: question_drift(storage).await?,
        keys: storage.key_drift().await?,
    })
}

/// Recomputes every site's reason rows from raw responses and lists those that differ from
/// the stored ones.
pub async fn reason_drift<S: SiteStore + VerifyStore>(
    storage: &S,
) -> Result<Vec<(SiteKey, ReasonDrift)>, StorageError> {
    let mut drift = Vec::new();
    for site in storage.sites().await? {
        let responses = storage.responses(site.id).await?;
        let stored = storage.reason_rollups(site.id).await?;
        let found = crate::rollup::reason_drift(responses.iter().map(|r| &r.state), stored);
        drift.extend(kept_days(&site, found, |d| d.key.day));
    }
    Ok(drift)
}

/// Recomputes every site's rows of answers to its own question from raw responses and lists
/// those that differ from the stored ones.
pub async fn question_drift<S: SiteStore + VerifyStore>(
    storage: &S,
) -> Result<Vec<(SiteKey, QuestionDrift)>, StorageError> {
    let mut drift = Vec::new();
    for site in storage.sites().await? {
        let responses = storage.responses(site.id).await?;
        let stored = storage.question_rollups(site.id).await?;
        let found = crate::rollup::question_drift(responses.iter().map(|r| &r.state), stored);
        drift.extend(kept_days(&site, found, |d| d.key.day));
    }
    Ok(drift)
}

/// Recomputes every site's rollups from raw responses and impressions and lists the rows that
/// differ from the stored ones.
pub async fn rollup_drift<S: SiteStore + VerifyStore>(
    storage: &S,
) -> Result<Vec<(SiteKey, RollupDrift)>, StorageError> {
    let mut drift = Vec::new();
    for site in storage.sites().await? {
        let mut expected = Recomputation::default();
        for response in storage.responses(site.id).await? {
            expected.count_response(&response.state);
        }
        for key in storage.impressions(site.id).await? {
            expected.count_impression(key);
        }
        let mut found = expected.drift("rollups", storage.rollups(site.id).await?);
        for summary in Summary::ALL {
            found.extend(expected.summary(summary).drift(
                summary.table(),
                storage.summary_rollups(site.id, summary).await?,
            ));
        }
        drift.extend(kept_days(&site, found, |d| d.key.day));
    }
    Ok(drift)
}

/// The findings on days the site still keeps raw responses of, with its key: past its
/// retention the raw responses are gone, so only the days it keeps (the weeks that start on
/// them) can be recomputed.
fn kept_days<T>(
    site: &Site,
    found: Vec<T>,
    day: impl Fn(&T) -> jiff::civil::Date,
) -> impl Iterator<Item = (SiteKey, T)> {
    let kept = site.first_whole_day();
    let key = site.key.clone();
    found
        .into_iter()
        .filter(move |d| kept.is_none_or(|kept| day(d) >= kept))
        .map(move |d| (key.clone(), d))
}
