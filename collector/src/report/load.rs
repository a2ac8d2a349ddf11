//! Loading a report: the one entry point the API, the dashboard and `koe report` share. A
//! compared report reads the earlier period's rollups too.

use super::compare::ComparedWith;
use super::standings::{self, Standing};
use super::{Report, ReportQuery, build};
use crate::sites::Site;
use crate::storage::{ReportStore, StorageError};

/// The site's report for a parsed query, built from its rollups (see `Storage::report_rollups`):
/// its cost follows the rollup rows in the range, never the number of responses.
#[tracing::instrument(name = "report::load", skip_all, fields(site = %site.key))]
pub async fn load<S: ReportStore>(
    storage: &S,
    site: &Site,
    query: &ReportQuery,
) -> Result<Report, StorageError> {
    let rollups = storage.report_rollups(site.id, query).await?;
    let earlier = match query.compare {
        None => None,
        Some(compare) => {
            let (from, to) = compare
                .earlier(query.from, query.to)
                .map_err(|e| StorageError::Corrupt(e.to_string()))?;
            let earlier = ReportQuery {
                from,
                to,
                compare: None,
                ..query.clone()
            };
            let with = ComparedWith {
                compare,
                from: from.to_string(),
                to: to.to_string(),
            };
            Some((with, storage.report_rollups(site.id, &earlier).await?))
        }
    };
    Ok(build(
        site.key.as_str(),
        query,
        u64::from(site.low_n_threshold),
        rollups,
        earlier,
    ))
}

/// The agents' standings in a site's range (the query's dates and filters; its groups, bucket
/// and comparison do not apply), one row per agent (`standings::by_agent`), ranked by
/// `standings::rank`. A team filter keeps the agents listed under that team, each with all
/// their answers (storage reads every team's rows to choose it).
#[tracing::instrument(name = "report::load_standings", skip_all, fields(site = %site.key))]
pub async fn load_standings<S: ReportStore>(
    storage: &S,
    site: &Site,
    query: &ReportQuery,
) -> Result<Vec<Standing>, StorageError> {
    let mut agents = standings::by_agent(&storage.agent_csat(site.id, query).await?);
    if let Some(team) = &query.team {
        agents.retain(|agent| agent.team.as_deref() == Some(team.as_str()));
    }
    Ok(standings::rank(&agents))
}
