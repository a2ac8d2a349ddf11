//! The service KPIs (docs/metrics.md, "Service facts"): computed from the service rollups
//! storage summed per group and bucket, the site's active users per day and — for
//! self-resolution — the survey's help-article answers. Pure arithmetic: `report::load_service`
//! reads, this builds.
//!
//! Every KPI counts the interactions that opened in the bucket (the day an interaction counts
//! on: `facts::rollup::day_of`), weighted by the site's crediting rule when grouped by agent.
//! Intervals are 95 %: Wilson's for shares; for counts per day and the contact rate, the
//! square-root interval of a Poisson count ((√c ± 0.98)²); for FRT percentiles, the
//! percentiles at the ranks q ± 1.96 √(q(1 − q)/n) (order statistics).

use std::collections::BTreeMap;

use jiff::civil::Date;
use koe_shared::metrics::Estimate;
use serde::Serialize;

use super::params::{self, ParamError};
use super::query::RawReportQuery;
use super::{Bucket, ReportQuery};
use crate::facts::frt::Quantile;
use crate::facts::rollup::ServiceCounters;
use crate::facts::settings::ServiceSettings;
use crate::storage::{GroupedService, ServiceFilter};

/// Two-sided 95 % normal quantile.
const Z95: f64 = 1.959_963_984_540_054;

/// What a service report asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceQuery {
    pub from: Date,
    pub to: Date,
    pub bucket: Bucket,
    /// Among `agent`, `channel`, `team`, `topic`, in that order.
    pub group_by: Vec<&'static str>,
    pub filter: ServiceFilter,
}

impl ServiceQuery {
    /// Parses the report parameters and `topic`; `group_by` may also name `topic`. Comparing
    /// periods is the survey report's (`compare` is refused here).
    pub fn parse(
        raw: &RawReportQuery,
        topic: &Option<String>,
        today: Date,
    ) -> Result<Self, ParamError> {
        if params::given(&raw.compare).is_some() {
            return Err(ParamError::NotHere(
                "compare is not offered for service KPIs: read the trend from bucket=week",
            ));
        }
        let mut groups = Vec::new();
        let mut others = Vec::new();
        for part in raw
            .group_by
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            match part {
                "topic" => groups.push("topic"),
                "agent" | "channel" | "team" => others.push(part),
                other => return Err(ParamError::ServiceGroupBy(other.to_owned())),
            }
        }
        let survey = ReportQuery::parse(
            &RawReportQuery {
                group_by: Some(others.join(",")),
                ..raw.clone()
            },
            today,
        )?;
        let mut group_by: Vec<&'static str> = survey.group_by.iter().map(|g| g.as_str()).collect();
        group_by.extend(groups);
        group_by.dedup();
        let topic = match params::given(topic) {
            None => None,
            Some(t) => Some(koe_shared::facts::Topic::try_from(t)?.to_string()),
        };
        Ok(Self {
            from: survey.from,
            to: survey.to,
            bucket: survey.bucket,
            group_by,
            filter: ServiceFilter {
                agent: survey.agent.map(|a| a.to_string()),
                team: survey.team.map(|t| t.to_string()),
                channel: survey.channel.map(|c| c.as_str().to_owned()),
                topic,
            },
        })
    }

    pub fn groups(&self, name: &str) -> bool {
        self.group_by.contains(&name)
    }

    /// The service query matching a survey report's: its range, bucket, groups and filters (no
    /// topic), so the rows of the two pair up (`GET …/scores?metrics=…`).
    pub fn of_report(query: &ReportQuery) -> Self {
        Self {
            from: query.from,
            to: query.to,
            bucket: query.bucket,
            group_by: query.group_by.iter().map(|g| g.as_str()).collect(),
            filter: ServiceFilter {
                agent: query.agent.as_ref().map(|a| a.to_string()),
                team: query.team.as_ref().map(|t| t.to_string()),
                channel: query.channel.map(|c| c.as_str().to_owned()),
                topic: None,
            },
        }
    }
}

/// The service KPIs `GET …/scores` adds beside the survey's when `metrics` names them, and the
/// fields of a [`ServiceRow`] each brings.
pub const SCORE_METRICS: [(&str, &[&str]); 8] = [
    ("handled", &["interactions", "handled_per_day"]),
    ("resolution_rate", &["resolution_rate"]),
    ("fcr", &["fcr"]),
    ("reopen_rate", &["reopen_rate"]),
    ("frt", &["frt_median", "frt_p90", "frt_within_target"]),
    ("bot_only", &["bot_only"]),
    (
        "contact_rate",
        &["contacts", "contact_rate", "contact_rate_missing"],
    ),
    ("self_resolution", &["self_resolution"]),
];

/// The survey metrics `metrics` may also name (every report row has them).
pub const SURVEY_METRICS: [&str; 5] = ["csat", "nps", "ces", "response_rate", "resolved"];

/// The service fields `metrics` asks for (`None`: it names none), or which name is unknown.
pub fn score_fields(metrics: &str) -> Result<Option<Vec<&'static str>>, ParamError> {
    let mut fields = Vec::new();
    for name in metrics.split(',').map(str::trim).filter(|m| !m.is_empty()) {
        match SCORE_METRICS.iter().find(|(metric, _)| *metric == name) {
            Some((_, wanted)) => fields.extend_from_slice(wanted),
            None if SURVEY_METRICS.contains(&name) => {}
            None => {
                let known: Vec<&str> = SURVEY_METRICS
                    .iter()
                    .copied()
                    .chain(SCORE_METRICS.iter().map(|(m, _)| *m))
                    .collect();
                return Err(ParamError::NotHereOwned(format!(
                    "metrics takes {}, got {name:?}",
                    known.join(", ")
                )));
            }
        }
    }
    Ok((!fields.is_empty()).then_some(fields))
}

/// A first-response percentile, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Percentile {
    #[serde(serialize_with = "koe_shared::metrics::serialize_rounded")]
    pub seconds: f64,
    #[serde(serialize_with = "koe_shared::metrics::serialize_rounded")]
    pub low: f64,
    #[serde(serialize_with = "koe_shared::metrics::serialize_rounded")]
    pub high: f64,
    /// In the histogram's open last bucket: at least this (14 days).
    pub at_least: bool,
    pub n: u64,
}

/// One row of a service report: a group in a time bucket.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ServiceRow {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    pub bucket_start: String,
    /// Interactions opened in the bucket (an agent's: their credited share).
    #[serde(serialize_with = "koe_shared::metrics::serialize_rounded")]
    pub interactions: f64,
    /// Interactions per day of the bucket inside the range.
    pub handled_per_day: Option<Estimate>,
    /// Resolved ÷ opened, in percent.
    pub resolution_rate: Option<Estimate>,
    /// Resolved in one contact and never reopened ÷ resolved with contacts known, in percent.
    pub fcr: Option<Estimate>,
    /// Reopened at least once ÷ opened, in percent.
    pub reopen_rate: Option<Estimate>,
    pub frt_median: Option<Percentile>,
    pub frt_p90: Option<Percentile>,
    /// First responses faster than the site's target ÷ those with a first response, in percent.
    pub frt_within_target: Option<Estimate>,
    /// Handled by a bot alone ÷ those whose handler is known, in percent.
    pub bot_only: Option<Estimate>,
    #[serde(serialize_with = "koe_shared::metrics::serialize_rounded")]
    pub contacts: f64,
    /// Contacts per 100 active users (the site's `PUT …/volumes/{day}`).
    pub contact_rate: Option<Estimate>,
    /// Why `contact_rate` is missing, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_rate_missing: Option<String>,
    /// Help-article answers "yes" ÷ all help-article answers, in percent: on rows of the whole
    /// site or a team only (not grouped, no agent, topic or other channel filtered: articles
    /// have none of these).
    pub self_resolution: Option<Estimate>,
    pub low_n: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ServiceReport {
    pub site: String,
    pub from: String,
    pub to: String,
    pub bucket: Bucket,
    pub group_by: Vec<String>,
    pub low_n_threshold: u64,
    /// The site's first-response target, seconds.
    pub frt_target_secs: i64,
    pub credit: crate::facts::Credit,
    pub rows: Vec<ServiceRow>,
}

/// What a service report is built from, besides the rollups.
#[derive(Debug, Clone, Default)]
pub struct ServiceInputs {
    /// Active users per local day in the range, as the site sent them.
    pub volumes: BTreeMap<Date, i64>,
    /// Help-article answers (yes, all) per bucket start.
    pub self_resolution: BTreeMap<String, (u64, u64)>,
}

/// Wilson's interval for a weighted share, in percent (`n` rounded for the reported n).
pub fn share(successes: f64, n: f64) -> Option<Estimate> {
    if n <= 1e-9 {
        return None;
    }
    let p = (successes / n).clamp(0.0, 1.0);
    let z2 = Z95 * Z95;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    Some(Estimate {
        value: 100.0 * p,
        low: 100.0 * (centre - half).max(0.0).min(p),
        high: 100.0 * (centre + half).min(1.0).max(p),
        n: n.round() as u64,
    })
}

/// A count per unit (`count` ÷ `per` × `scale`) with the square-root Poisson interval.
pub fn rate(count: f64, per: f64, scale: f64) -> Option<Estimate> {
    if per <= 0.0 {
        return None;
    }
    let root = count.max(0.0).sqrt();
    let half = Z95 / 2.0;
    Some(Estimate {
        value: count / per * scale,
        low: (root - half).max(0.0).powi(2) / per * scale,
        high: (root + half).powi(2) / per * scale,
        n: count.round() as u64,
    })
}

/// The `q` percentile of the first response times with its order-statistic interval.
fn percentile(counters: &ServiceCounters, q: f64) -> Option<Percentile> {
    let n = counters.frt.total();
    let value = counters.frt.quantile(q)?;
    let spread = Z95 * (q * (1.0 - q) / n).sqrt();
    let at = |q: f64| {
        counters
            .frt
            .quantile(q)
            .map_or(value.seconds(), Quantile::seconds)
    };
    Some(Percentile {
        seconds: value.seconds(),
        low: at(q - spread).min(value.seconds()),
        high: at(q + spread).max(value.seconds()),
        at_least: value.is_at_least(),
        n: n.round() as u64,
    })
}

/// The days of a bucket inside the range.
fn bucket_days(start: Date, bucket: Bucket, from: Date, to: Date) -> Vec<Date> {
    let mut days = Vec::new();
    let mut day = start.max(from);
    while day <= to && bucket.start(day, from) == bucket.start(start.max(from), from) {
        days.push(day);
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    days
}

/// Builds the report from summed rollups (see `FactsStore::service_rows`).
pub fn build(
    site: &str,
    query: &ServiceQuery,
    settings: &ServiceSettings,
    low_n_threshold: u64,
    rows: Vec<GroupedService>,
    inputs: &ServiceInputs,
) -> ServiceReport {
    let rows = rows
        .into_iter()
        .map(|row| {
            let c = &row.counters;
            let start: Date = row.bucket_start.parse().unwrap_or(query.from);
            let days = bucket_days(start, query.bucket, query.from, query.to);
            let (contact_rate, contact_rate_missing) = contact_rate(query, c, &days, inputs);
            // Help-article answers have no agent and no topic, and are one channel's: shown
            // on ungrouped rows of the whole site or a team.
            let whole_site = query.group_by.is_empty()
                && query.filter.agent.is_none()
                && query.filter.topic.is_none()
                && query
                    .filter
                    .channel
                    .as_deref()
                    .is_none_or(|c| c == "help_center");
            let self_resolution = match !whole_site {
                true => None,
                false => inputs
                    .self_resolution
                    .get(&row.bucket_start)
                    .and_then(|&(yes, all)| koe_shared::metrics::proportion_percent(yes, all)),
            };
            ServiceRow {
                agent: row.agent,
                channel: row.channel,
                team: row.team,
                topic: row.topic,
                bucket_start: row.bucket_start,
                interactions: c.handled,
                handled_per_day: rate(c.handled, days.len() as f64, 1.0),
                resolution_rate: share(c.resolved, c.handled),
                fcr: share(c.fcr, c.fcr_known),
                reopen_rate: share(c.reopened, c.handled),
                frt_median: percentile(c, 0.5),
                frt_p90: percentile(c, 0.9),
                frt_within_target: share(c.frt.within(settings.frt_target_secs), c.frt_n),
                bot_only: share(c.by_bot, c.by_bot + c.by_human + c.by_bot_then_human),
                contacts: c.contacts,
                contact_rate,
                contact_rate_missing,
                self_resolution,
                low_n: c.handled < low_n_threshold as f64,
            }
        })
        .collect();
    ServiceReport {
        site: site.to_owned(),
        from: query.from.to_string(),
        to: query.to.to_string(),
        bucket: query.bucket,
        group_by: query.group_by.iter().map(|g| (*g).to_owned()).collect(),
        low_n_threshold,
        frt_target_secs: settings.frt_target_secs,
        credit: settings.credit,
        rows,
    }
}

/// Contacts per 100 active users over the bucket's days, or why not.
fn contact_rate(
    query: &ServiceQuery,
    counters: &ServiceCounters,
    days: &[Date],
    inputs: &ServiceInputs,
) -> (Option<Estimate>, Option<String>) {
    if query.groups("agent") || query.filter.agent.is_some() {
        return (
            None,
            Some("active users are counted per site, not per agent".to_owned()),
        );
    }
    let missing = days
        .iter()
        .filter(|d| !inputs.volumes.contains_key(d))
        .count();
    if missing > 0 {
        return (
            None,
            Some(format!(
                "active users were not sent for {missing} of the {} days \
                 (PUT /api/v1/sites/{{site}}/volumes/{{day}})",
                days.len()
            )),
        );
    }
    let users: i64 = days.iter().filter_map(|d| inputs.volumes.get(d)).sum();
    match rate(counters.contacts, users as f64, 100.0) {
        Some(rate) => (Some(rate), None),
        None => (
            None,
            Some("the site sent 0 active users for these days".to_owned()),
        ),
    }
}
