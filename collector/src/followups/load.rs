//! Reading follow-ups for people: a queue (the overdue first) and one follow-up with its notes,
//! each with the helpdesk's link where an integration knows the conversation; and the numbers
//! of a range, by bucket and group, with the whole range's total.

use serde::Serialize;

use super::numbers::{self, FollowupNumbers, FollowupRow};
use super::view::FollowupView;
use crate::clock;
use crate::integrations::IntegrationConfig;
use crate::report::{GroupBy, ReportQuery};
use crate::sites::Site;
use crate::storage::{FollowupFilter, FollowupStore, IntegrationStore, StorageError};

/// A site's follow-ups as `filter` asks.
pub async fn queue<S: FollowupStore + IntegrationStore>(
    storage: &S,
    site: &Site,
    filter: &FollowupFilter,
) -> Result<Vec<FollowupView>, StorageError> {
    let links = helpdesks(storage, site).await?;
    Ok(storage
        .followups(site.id, filter)
        .await?
        .iter()
        .map(|record| FollowupView::of(record, filter.now_ms, &links))
        .collect())
}

/// One follow-up with its notes; `None`: the site has none of that id.
pub async fn one<S: FollowupStore + IntegrationStore>(
    storage: &S,
    site: &Site,
    id: i64,
) -> Result<Option<FollowupView>, StorageError> {
    let Some(record) = storage.followup(site.id, id).await? else {
        return Ok(None);
    };
    let links = helpdesks(storage, site).await?;
    let mut view = FollowupView::of(&record, clock::now_ms(), &links);
    view.notes = Some(storage.followup_notes(site.id, id).await?);
    Ok(Some(view))
}

/// The integrations whose conversations a follow-up can link to.
async fn helpdesks<S: IntegrationStore>(
    storage: &S,
    site: &Site,
) -> Result<Vec<IntegrationConfig>, StorageError> {
    Ok(storage
        .integrations(site.id)
        .await?
        .iter()
        .filter_map(|stored| serde_json::from_str(&stored.config).ok())
        .collect())
}

/// The follow-up numbers of a range.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FollowupReport {
    pub from: String,
    pub to: String,
    pub bucket: String,
    pub group_by: Vec<GroupBy>,
    /// The site's root causes, then any a closed follow-up names that the list no longer has.
    pub causes: Vec<String>,
    /// The whole range, every group together.
    pub total: FollowupNumbers,
    pub rows: Vec<FollowupRow>,
}

/// Counts the follow-ups that answers of the query's range opened.
pub async fn report<S: FollowupStore>(
    storage: &S,
    site: &Site,
    query: &ReportQuery,
) -> Result<FollowupReport, StorageError> {
    let facts = storage
        .followup_facts(site.id, (query.from, query.to))
        .await?;
    let now_ms = clock::now_ms();
    // Settings another version wrote do not stop a report: the default causes head it then.
    let mut causes = match storage.followup_settings(site.id).await {
        Ok(settings) => settings.causes,
        Err(StorageError::Corrupt(error)) => {
            tracing::warn!(site = %site.id, %error, "follow-up settings unreadable");
            super::FollowupSettings::default().causes
        }
        Err(other) => return Err(other),
    };
    let rows = numbers::report(&facts, query, now_ms);
    let every = ReportQuery {
        group_by: Vec::new(),
        bucket: crate::report::Bucket::All,
        ..query.clone()
    };
    let total = numbers::report(&facts, &every, now_ms)
        .pop()
        .map(|row| row.numbers)
        .unwrap_or_default();
    for cause in &total.causes {
        if !causes.contains(&cause.cause) {
            causes.push(cause.cause.clone());
        }
    }
    Ok(FollowupReport {
        from: query.from.to_string(),
        to: query.to.to_string(),
        bucket: query.bucket.as_str().to_owned(),
        group_by: query.group_by.clone(),
        causes,
        total,
        rows,
    })
}
