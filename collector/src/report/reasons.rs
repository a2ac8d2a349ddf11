//! Why customers are unhappy: how many unhappy responses (CSAT 1–2, or NPS 0–6) gave each
//! reason in a range, by agent and channel — read from `reason_rollups`, so its cost follows
//! the reason rows in the range, not the number of responses. Counted by the reason's id, so a
//! new label keeps one series; labelled from the site's survey, a retired reason under its last
//! label.

use koe_shared::survey::LanguageTag;

use super::{GroupBy, ReportQuery};
use crate::sites::Site;
use crate::storage::{ReasonCount, ReportStore, StorageError};

/// Why a reasons query cannot be answered.
#[derive(Debug, thiserror::Error)]
pub enum ReasonsError {
    #[error("reasons are counted by agent and channel, not by team")]
    ByTeam,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// The reasons of a site's unhappy customers in the query's range and filters, most given
/// first within each group, labelled in `lang` (a tag; else the survey's first language).
#[tracing::instrument(name = "reasons::load", skip_all)]
pub async fn load<S: ReportStore>(
    storage: &S,
    site: &Site,
    query: &ReportQuery,
    lang: &str,
) -> Result<Vec<ReasonCount>, ReasonsError> {
    if query.group_by.contains(&GroupBy::Team) || query.team.is_some() {
        return Err(ReasonsError::ByTeam);
    }
    let mut counts = storage.reason_counts(site.id, query).await?;
    let survey = &site.survey.survey;
    let lang = LanguageTag::try_from(lang).unwrap_or_else(|_| survey.languages[0].clone());
    for count in &mut counts {
        count.label = survey.reason_label(count.reason.as_str(), &lang);
    }
    counts.sort_by(|a, b| {
        (&a.agent, &a.channel)
            .cmp(&(&b.agent, &b.channel))
            .then(b.unhappy.cmp(&a.unhappy))
            .then(a.reason.cmp(&b.reason))
    });
    Ok(counts)
}
