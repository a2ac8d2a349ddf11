//! Loading a report: the one entry point the API, the dashboard and `koe report` share. A
//! compared report reads the earlier period's rollups too.

use std::collections::BTreeMap;

use koe_shared::metrics::ScoreCounts;

use super::compare::ComparedWith;
use super::drivers::{self, Drivers};
use super::service::{self, ServiceInputs, ServiceQuery, ServiceReport};
use super::standings::{self, Standing};
use super::{Bucket, Report, ReportQuery, build};
use crate::sites::Site;
use crate::storage::{FactsStore, ReportStore, ServiceFilter, StorageError};

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
pub async fn load_standings<S: ReportStore + FactsStore>(
    storage: &S,
    site: &Site,
    query: &ReportQuery,
) -> Result<Vec<Standing>, StorageError> {
    let mut agents = standings::by_agent(&storage.agent_csat(site.id, query).await?);
    if let Some(team) = &query.team {
        agents.retain(|agent| agent.team.as_deref() == Some(team.as_str()));
    }
    let mut ranked = standings::rank(&agents);
    // Each agent's service figures: every interaction credited to them in the range (their
    // team's and others'), as their CSAT counts every answer of theirs.
    let service = ServiceQuery {
        from: query.from,
        to: query.to,
        bucket: Bucket::All,
        group_by: vec!["agent"],
        filter: ServiceFilter {
            agent: None,
            team: None,
            channel: query.channel.map(|c| c.as_str().to_owned()),
            topic: None,
        },
    };
    let settings = storage.service_settings(site.id).await?;
    let rows = storage
        .service_rows(
            site.id,
            (service.from, service.to),
            service.bucket,
            &service.group_by,
            &service.filter,
        )
        .await?;
    let report = service::build(
        site.key.as_str(),
        &service,
        &settings,
        0,
        rows,
        &ServiceInputs::default(),
    );
    for standing in &mut ranked {
        standing.service = report
            .rows
            .iter()
            .find(|row| row.agent.as_deref() == Some(standing.agent.as_str()))
            .map(|row| standings::AgentService {
                handled: row.interactions,
                resolution_rate: row.resolution_rate,
                frt_median: row.frt_median,
            });
    }
    Ok(ranked)
}

/// The site's service KPIs for a parsed query, from its service rollups, its active users and
/// (self-resolution) its survey rollups: the cost follows rollup rows, never interactions.
#[tracing::instrument(name = "report::load_service", skip_all, fields(site = %site.key))]
pub async fn load_service<S: ReportStore + FactsStore>(
    storage: &S,
    site: &Site,
    query: &ServiceQuery,
) -> Result<ServiceReport, StorageError> {
    let settings = storage.service_settings(site.id).await?;
    let rows = storage
        .service_rows(
            site.id,
            (query.from, query.to),
            query.bucket,
            &query.group_by,
            &query.filter,
        )
        .await?;
    let volumes = storage
        .volumes(site.id, query.from, query.to)
        .await?
        .into_iter()
        .collect();
    let survey = ReportQuery {
        from: query.from,
        to: query.to,
        bucket: query.bucket,
        group_by: Vec::new(),
        agent: None,
        channel: None,
        team: parse_id(&query.filter.team)?,
        compare: None,
    };
    let self_resolution = storage
        .report_rollups(site.id, &survey)
        .await?
        .into_iter()
        .fold(BTreeMap::new(), |mut buckets, rollup| {
            let [yes, no] = rollup.self_resolved.map(|n| u64::try_from(n).unwrap_or(0));
            let entry: &mut (u64, u64) = buckets.entry(rollup.bucket_start).or_default();
            entry.0 += yes;
            entry.1 += yes + no;
            buckets
        });
    let inputs = ServiceInputs {
        volumes,
        self_resolution,
    };
    Ok(service::build(
        site.key.as_str(),
        query,
        &settings,
        u64::from(site.low_n_threshold),
        rows,
        &inputs,
    ))
}

/// Satisfaction against the facts over a query's range, filtered by its team and channel.
#[tracing::instrument(name = "report::load_drivers", skip_all, fields(site = %site.key))]
pub async fn load_drivers<S: ReportStore + FactsStore>(
    storage: &S,
    site: &Site,
    query: &ServiceQuery,
) -> Result<Drivers, StorageError> {
    let settings = storage.service_settings(site.id).await?;
    let rows = storage
        .driver_rows(site.id, (query.from, query.to), &query.filter)
        .await?;
    let whole = ReportQuery {
        from: query.from,
        to: query.to,
        bucket: Bucket::All,
        group_by: Vec::new(),
        agent: None,
        channel: query
            .filter
            .channel
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|e: koe_shared::ParseError| StorageError::Corrupt(e.to_string()))?,
        team: parse_id(&query.filter.team)?,
        compare: None,
    };
    let mut overall = ScoreCounts::default();
    for rollup in storage.report_rollups(site.id, &whole).await? {
        overall.merge(&rollup.counters.scores());
    }
    Ok(drivers::build(
        site.key.as_str(),
        (query.from, query.to),
        &settings,
        &overall,
        rows,
    ))
}

fn parse_id(raw: &Option<String>) -> Result<Option<koe_shared::TeamId>, StorageError> {
    raw.clone()
        .map(koe_shared::TeamId::try_from)
        .transpose()
        .map_err(|e| StorageError::Corrupt(e.to_string()))
}

/// Where `agent` stands against their team over `query`'s range, and nothing about anyone
/// else: `Some(flag)` when the interval of the difference lies wholly above or below 0,
/// `Some(None)` when it does not, `None` when the agent has too few answers in the range to
/// stand anywhere. For an agent's own page, which never names another agent.
#[tracing::instrument(name = "report::position_of", skip_all, fields(site = %site.key))]
pub async fn position_of<S: ReportStore + FactsStore>(
    storage: &S,
    site: &Site,
    query: &ReportQuery,
    agent: &koe_shared::AgentId,
) -> Result<Option<Option<standings::Flag>>, StorageError> {
    let whole = ReportQuery {
        agent: None,
        team: None,
        ..query.clone()
    };
    let agents = standings::by_agent(&storage.agent_csat(site.id, &whole).await?);
    let ranked = standings::rank(&agents);
    Ok(ranked
        .into_iter()
        .find(|s| s.agent == agent.as_str())
        .filter(|s| s.against_team.is_some())
        .map(|s| s.flag))
}
