//! The filters every dashboard page reads from its URL — dates, bucket, the earlier period to
//! compare with, team, channel, agent, language — so that a page can be shared as a link and
//! shows the same thing to whoever opens it. Parsed once into a [`ReportQuery`]; written back
//! into query strings (percent-encoded) for the tabs, the language switch and every link that
//! keeps the filters.

use jiff::civil::Date;
use koe_shared::{AgentId, Channel, TeamId};
use serde::Deserialize;

use crate::report::compare::Compare;
use crate::report::params::ParamError;
use crate::report::{Bucket, ReportQuery, query::RawReportQuery};

/// The most daily points a page draws (a chart of more would be a smear, and cost its table).
const MAX_DAILY_POINTS: i32 = 400;

/// The query parameters a dashboard page may carry, as strings. The comment feed's own
/// filters are here too: one struct, so a link from any page to any other keeps them apart
/// only by name.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub bucket: Option<String>,
    pub compare: Option<String>,
    pub team: Option<String>,
    pub channel: Option<String>,
    pub agent: Option<String>,
    pub lang: Option<String>,
    /// The agent × channel table's column to sort by.
    pub sort: Option<String>,
    pub min_csat: Option<String>,
    pub max_csat: Option<String>,
    pub min_nps: Option<String>,
    pub max_nps: Option<String>,
    pub reason: Option<String>,
    pub has_comment: Option<String>,
    pub flagged: Option<String>,
    pub cursor: Option<String>,
    /// The page size of a responses download that is one page of the feed.
    pub limit: Option<String>,
    /// The Service page's topic (the helpdesk's category).
    pub topic: Option<String>,
}

/// Why a page's filters cannot be shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error(
        "a chart shows at most {MAX_DAILY_POINTS} days one by one; this range has {0}: choose week or month"
    )]
    TooManyDays(i32),
}

impl FilterError {
    /// The form fields the error is about, in the form's order.
    pub fn fields(&self) -> Vec<&'static str> {
        match self {
            Self::Param(error) => param_fields(error),
            Self::TooManyDays(_) => vec!["from", "to", "bucket"],
        }
    }
}

/// The fields of a page's form a parameter error is about; none for what the form does not
/// show (a cursor, a grouping).
pub fn param_fields(error: &ParamError) -> Vec<&'static str> {
    match error {
        ParamError::Date { name, .. }
        | ParamError::Score { name, .. }
        | ParamError::YesOrNo { name, .. } => vec![*name],
        ParamError::Reversed { .. } | ParamError::TooLong { .. } | ParamError::OutOfRange(_) => {
            vec!["from", "to"]
        }
        ParamError::Bucket(_) => vec!["bucket"],
        ParamError::Compare(_) => vec!["compare"],
        ParamError::Channel(_) => vec!["channel"],
        ParamError::Flagged(_) => vec!["flagged"],
        ParamError::Invalid(error) => vec![error.field()],
        // A forged cursor, a grouping or a page size: nothing the form holds.
        _ => Vec::new(),
    }
}

/// What is wrong with a page's request, for the page that says so: the sentence, and the
/// form fields it is about (none: the message stands at the top of the form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    pub fields: Vec<&'static str>,
}

impl Problem {
    pub fn new(message: impl Into<String>, fields: Vec<&'static str>) -> Self {
        Self {
            message: message.into(),
            fields,
        }
    }
}

impl From<&FilterError> for Problem {
    fn from(error: &FilterError) -> Self {
        Self::new(error.to_string(), error.fields())
    }
}

impl From<&ParamError> for Problem {
    fn from(error: &ParamError) -> Self {
        Self::new(error.to_string(), param_fields(error))
    }
}

/// The filters shared by every page, parsed: the report they ask for (with the earlier period
/// to compare with — the previous one unless the URL says otherwise) and the language.
#[derive(Debug, Clone)]
pub struct Filters {
    pub report: ReportQuery,
    pub compare: Compare,
    pub lang: &'static str,
}

/// The URL's value, `None` when absent or blank (a form's empty field means no filter).
pub fn non_empty(value: &Option<String>) -> Option<String> {
    value.clone().filter(|v| !v.trim().is_empty())
}

/// The URL's report parameters as the report parsers take them (`ReportQuery::parse`,
/// `ServiceQuery::parse`): the range and bucket as given, blank filters left out; no grouping
/// and no comparison.
pub fn report_parameters(query: &PageQuery) -> RawReportQuery {
    RawReportQuery {
        from: query.from.clone(),
        to: query.to.clone(),
        bucket: query.bucket.clone(),
        team: non_empty(&query.team),
        channel: non_empty(&query.channel),
        agent: non_empty(&query.agent),
        ..RawReportQuery::default()
    }
}

impl Filters {
    /// Parses the shared filters against the site's `today`; the error says what was wrong.
    pub fn parse(today: Date, query: &PageQuery, lang: &'static str) -> Result<Self, FilterError> {
        let compare = match non_empty(&query.compare) {
            None => Compare::Previous,
            Some(c) => Compare::parse(&c).ok_or(ParamError::Compare(c))?,
        };
        let report = ReportQuery::parse(&report_parameters(query), today)?;
        let days = (report.to - report.from).get_days() + 1;
        if report.bucket == Bucket::Day && days > MAX_DAILY_POINTS {
            return Err(FilterError::TooManyDays(days));
        }
        Ok(Self {
            report,
            compare,
            lang,
        })
    }

    /// The shared filters as `(name, value)` pairs, empty ones left out; `lang` as given.
    fn pairs<'a>(&'a self, lang: &'a str) -> Vec<(&'static str, String)> {
        let r = &self.report;
        let mut pairs = vec![
            ("from", r.from.to_string()),
            ("to", r.to.to_string()),
            ("bucket", r.bucket.as_str().to_owned()),
        ];
        if self.compare != Compare::Previous {
            pairs.push(("compare", self.compare.as_str().to_owned()));
        }
        for (name, value) in [
            ("team", r.team.as_ref().map(TeamId::as_str)),
            ("channel", r.channel.map(Channel::as_str)),
            ("agent", r.agent.as_ref().map(AgentId::as_str)),
        ] {
            if let Some(value) = value {
                pairs.push((name, value.to_owned()));
            }
        }
        pairs.push(("lang", lang.to_owned()));
        pairs
    }

    /// The filters as a query string (without `?`), in this page's language, with `extra`
    /// pairs after them and `without` left out.
    pub fn query(&self, extra: &[(&str, &str)], without: &[&str]) -> String {
        self.query_in(self.lang, extra, without)
    }

    /// The same in another language (the language switch).
    pub fn query_in(&self, lang: &str, extra: &[(&str, &str)], without: &[&str]) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in self.pairs(lang) {
            if !without.contains(&name) {
                out.append_pair(name, &value);
            }
        }
        for (name, value) in extra {
            out.append_pair(name, value);
        }
        out.finish()
    }

    /// The report of these filters with the earlier period to compare with.
    pub fn compared(&self) -> ReportQuery {
        ReportQuery {
            compare: Some(self.compare),
            ..self.report.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        "2026-11-30".parse().unwrap()
    }

    fn query(pairs: &[(&str, &str)]) -> PageQuery {
        let text = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        actix_web::web::Query::<PageQuery>::from_query(&text)
            .unwrap()
            .into_inner()
    }

    #[test]
    fn filters_survive_a_round_trip_through_a_link() {
        let q = query(&[
            ("from", "2026-11-01"),
            ("to", "2026-11-30"),
            ("bucket", "day"),
            ("compare", "previous_year"),
            ("team", "Tier 1 & 2"),
            ("channel", "email"),
            ("agent", "aiko?x=1"),
        ]);
        let filters = Filters::parse(today(), &q, "ja").unwrap();
        let link = filters.query(&[], &[]);
        assert!(link.contains("team=Tier+1+%26+2"), "{link}");
        assert!(link.contains("agent=aiko%3Fx%3D1"), "{link}");
        let again = actix_web::web::Query::<PageQuery>::from_query(&link)
            .unwrap()
            .into_inner();
        let reparsed = Filters::parse(today(), &again, "ja").unwrap();
        assert_eq!(reparsed.report, filters.report);
        assert_eq!(reparsed.compare, Compare::PreviousYear);
        assert!(filters.query_in("en", &[], &["agent"]).ends_with("lang=en"));
        assert!(!filters.query(&[], &["agent"]).contains("agent="));
    }

    #[test]
    fn bad_filters_are_refused_with_a_reason() {
        for (pairs, expected) in [
            (vec![("channel", "fax")], "channel must be one of"),
            (vec![("compare", "yesterday")], "compare takes"),
            (vec![("from", "2026-02-30")], "from must be a date"),
            (vec![("bucket", "year")], "bucket must be"),
            (
                vec![("from", "2025-01-01"), ("bucket", "day")],
                "at most 400 days",
            ),
        ] {
            let error = Filters::parse(today(), &query(&pairs), "en")
                .unwrap_err()
                .to_string();
            assert!(error.contains(expected), "{pairs:?}: {error}");
        }
    }

    #[test]
    fn a_refusal_names_the_fields_it_is_about() {
        for (pairs, fields) in [
            (
                vec![("from", "2026-11-20"), ("to", "2026-11-10")],
                vec!["from", "to"],
            ),
            (vec![("to", "2026-11-31")], vec!["to"]),
            (vec![("channel", "fax")], vec!["channel"]),
            (vec![("compare", "yesterday")], vec!["compare"]),
            (vec![("agent", "\u{7}")], vec!["agent"]),
            (vec![("team", "\u{7}")], vec!["team"]),
            (
                vec![("from", "2025-01-01"), ("bucket", "day")],
                vec!["from", "to", "bucket"],
            ),
        ] {
            let error = Filters::parse(today(), &query(&pairs), "en").unwrap_err();
            assert_eq!(Problem::from(&error).fields, fields, "{pairs:?}: {error}");
        }
    }

    #[test]
    fn empty_fields_of_a_submitted_form_mean_no_filter() {
        let q = query(&[("team", ""), ("channel", ""), ("agent", " ")]);
        let filters = Filters::parse(today(), &q, "en").unwrap();
        assert_eq!(
            (
                filters.report.team,
                filters.report.channel,
                filters.report.agent
            ),
            (None, None, None)
        );
    }
}
