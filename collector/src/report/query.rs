//! What a report asks for, parsed once from query parameters (API, dashboard) or flags (CLI).

use jiff::civil::Date;
use koe_shared::{AgentId, Channel, TeamId};

use super::Bucket;
use super::compare::Compare;
use super::params::{self, ParamError};

/// Longest range a report may span.
pub const MAX_RANGE_DAYS: i64 = 3 * 366;
/// Range when none is given: the last 30 days.
pub const DEFAULT_RANGE_DAYS: i64 = 30;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Agent,
    Channel,
    Team,
}

impl GroupBy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Channel => "channel",
            Self::Team => "team",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportQuery {
    pub from: Date,
    pub to: Date,
    pub bucket: Bucket,
    pub group_by: Vec<GroupBy>,
    pub agent: Option<AgentId>,
    pub channel: Option<Channel>,
    pub team: Option<TeamId>,
    /// The earlier period to compare every row with.
    pub compare: Option<Compare>,
}

/// The raw parameters, as strings (all optional; an empty one counts as absent).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RawReportQuery {
    /// First day, in the site's time zone (default: 29 days before `to`).
    #[param(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$", example = "2026-11-01")]
    pub from: Option<String>,
    /// Last day, in the site's time zone (default: the site's today). At most 3 years after
    /// `from`.
    #[param(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$", example = "2026-11-30")]
    pub to: Option<String>,
    /// `day`, `week` (default; weeks start on Monday), `month` or `all` (one bucket).
    #[param(pattern = "^(day|week|month|all)?$")]
    pub bucket: Option<String>,
    /// Comma-separated groups: `agent`, `channel`, `team`.
    #[param(
        pattern = "^\\s*((agent|channel|team)\\s*)?(,\\s*((agent|channel|team)\\s*)?)*$",
        example = "agent,channel"
    )]
    pub group_by: Option<String>,
    /// Only this agent.
    pub agent: Option<String>,
    /// Only this channel.
    pub channel: Option<String>,
    /// Only this team.
    pub team: Option<String>,
    /// Compare every row with the `previous` period of equal length, or the `previous_year`.
    #[param(pattern = "^(previous|previous_year)?$")]
    pub compare: Option<String>,
}

impl ReportQuery {
    /// Parses parameters; `today` is the site's local date (the default end of the range).
    pub fn parse(raw: &RawReportQuery, today: Date) -> Result<Self, ParamError> {
        let to = params::date("to", &raw.to)?.unwrap_or(today);
        let from = match params::date("from", &raw.from)? {
            Some(from) => from,
            None => to
                .checked_sub(jiff::Span::new().days(DEFAULT_RANGE_DAYS - 1))
                .map_err(|e| ParamError::OutOfRange(e.to_string()))?,
        };
        if from > to {
            return Err(ParamError::Reversed { from, to });
        }
        let days = i64::from((to - from).get_days());
        if days >= MAX_RANGE_DAYS {
            return Err(ParamError::TooLong {
                days: days + 1,
                max: MAX_RANGE_DAYS,
            });
        }
        let bucket = match params::given(&raw.bucket) {
            None => Bucket::Week,
            Some(b) => Bucket::parse(b).ok_or_else(|| ParamError::Bucket(b.to_owned()))?,
        };
        let mut group_by = Vec::new();
        for part in raw
            .group_by
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let group = match part {
                "agent" => GroupBy::Agent,
                "channel" => GroupBy::Channel,
                "team" => GroupBy::Team,
                other => return Err(ParamError::GroupBy(other.to_owned())),
            };
            if !group_by.contains(&group) {
                group_by.push(group);
            }
        }
        group_by.sort();
        let compare = match params::given(&raw.compare) {
            None => None,
            Some(c) => Some(Compare::parse(c).ok_or_else(|| ParamError::Compare(c.to_owned()))?),
        };
        Ok(Self {
            from,
            to,
            bucket,
            group_by,
            agent: params::id(&raw.agent)?,
            channel: params::channel(&raw.channel)?,
            team: params::id(&raw.team)?,
            compare,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawReportQuery {
        let mut raw = RawReportQuery::default();
        for (k, v) in pairs {
            let v = Some((*v).to_owned());
            match *k {
                "from" => raw.from = v,
                "to" => raw.to = v,
                "bucket" => raw.bucket = v,
                "group_by" => raw.group_by = v,
                "agent" => raw.agent = v,
                _ => unreachable!(),
            }
        }
        raw
    }

    fn today() -> Date {
        "2026-11-26".parse().unwrap()
    }

    #[test]
    fn defaults_are_the_last_30_days_by_week() {
        let q = ReportQuery::parse(&RawReportQuery::default(), today()).unwrap();
        assert_eq!(
            (q.from.to_string(), q.to.to_string(), q.bucket),
            ("2026-10-28".into(), "2026-11-26".into(), Bucket::Week)
        );
        assert!(q.group_by.is_empty());
    }

    #[test]
    fn bad_parameters_are_refused_with_a_reason() {
        for (pairs, expected) in [
            (vec![("from", "2026-13-01")], "from must be a date"),
            (vec![("from", "26-1-1")], "from must be a date"),
            (vec![("to", "yesterday")], "to must be a date"),
            (
                vec![("from", "2026-11-27"), ("to", "2026-11-26")],
                "is after",
            ),
            (
                vec![("from", "2023-01-01"), ("to", "2026-11-26")],
                "at most",
            ),
            (vec![("bucket", "year")], "bucket must be"),
            (vec![("group_by", "agent,mood")], "group_by takes"),
        ] {
            let error = ReportQuery::parse(&raw(&pairs), today())
                .unwrap_err()
                .to_string();
            assert!(error.contains(expected), "{pairs:?}: {error}");
        }
    }

    #[test]
    fn groups_are_deduplicated_and_ordered() {
        let q = ReportQuery::parse(
            &raw(&[("group_by", "team, agent,agent"), ("agent", "aiko")]),
            today(),
        )
        .unwrap();
        assert_eq!(q.group_by, [GroupBy::Agent, GroupBy::Team]);
        assert_eq!(q.agent.as_ref().map(AgentId::as_str), Some("aiko"));
    }
}
