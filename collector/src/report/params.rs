//! Query parameters as managers send them (the API's query string, the dashboard's URL, the
//! command line) parsed into typed values, and [`ParamError`]: why one was refused, as the
//! message names it. Shared by reports ([`super::ReportQuery`]) and the response list.

use jiff::civil::Date;
use koe_shared::{Channel, ParseError};

/// Why a query parameter was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    #[error("{name} must be a date as YYYY-MM-DD, got {value:?}")]
    Date { name: &'static str, value: String },
    #[error("from ({from}) is after to ({to})")]
    Reversed { from: Date, to: Date },
    #[error("the range spans {days} days; at most {max} (3 years)")]
    TooLong { days: i64, max: i64 },
    #[error("the range cannot start that early: {0}")]
    OutOfRange(String),
    #[error("bucket must be day, week, month or all, got {0:?}")]
    Bucket(String),
    #[error("group_by takes agent, channel and team, got {0:?}")]
    GroupBy(String),
    #[error("group_by takes agent, channel, team and topic here, got {0:?}")]
    ServiceGroupBy(String),
    #[error("{0}")]
    NotHere(&'static str),
    #[error("{0}")]
    NotHereOwned(String),
    #[error("compare takes previous or previous_year, got {0:?}")]
    Compare(String),
    #[error("channel must be one of {}, got {:?}", known_channels(), .0)]
    Channel(String),
    /// An agent, a team or a reason that cannot be one.
    #[error(transparent)]
    Invalid(#[from] ParseError),
    #[error("{name} must be a whole number from 0 to {max}, got {value:?}")]
    Score {
        name: &'static str,
        max: u8,
        value: String,
    },
    #[error("{name} must be true or false, got {value:?}")]
    YesOrNo { name: &'static str, value: String },
    #[error(
        "flagged must be false (counted responses only, the default), any (flagged ones too) or true (flagged ones only), got {0:?}"
    )]
    Flagged(String),
    #[error("cursor is not one this API gave out")]
    Cursor,
    #[error("limit must be from 1 to {max}, got {value:?}")]
    Limit { max: u32, value: String },
}

fn known_channels() -> String {
    let known: Vec<&str> = Channel::ALL.iter().map(|c| c.as_str()).collect();
    known.join(", ")
}

/// A parameter's value, absent when empty.
pub fn given(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().filter(|v| !v.is_empty())
}

/// A day as `YYYY-MM-DD` (exactly: `2026-1-1` is refused).
pub fn date(name: &'static str, raw: &Option<String>) -> Result<Option<Date>, ParamError> {
    given(raw)
        .map(|v| {
            let shape = v.len() == 10 && v.as_bytes()[4] == b'-' && v.as_bytes()[7] == b'-';
            v.parse::<Date>()
                .ok()
                .filter(|_| shape)
                .ok_or_else(|| ParamError::Date {
                    name,
                    value: v.to_owned(),
                })
        })
        .transpose()
}

/// An id (agent, team, reason): what cannot be one names nothing stored.
pub fn id<T: TryFrom<String, Error = ParseError>>(
    raw: &Option<String>,
) -> Result<Option<T>, ParamError> {
    Ok(given(raw).map(|v| T::try_from(v.to_owned())).transpose()?)
}

/// A channel by its wire name.
pub fn channel(raw: &Option<String>) -> Result<Option<Channel>, ParamError> {
    given(raw)
        .map(|v| v.parse().map_err(|_| ParamError::Channel(v.to_owned())))
        .transpose()
}

#[cfg(test)]
mod tests {
    use koe_shared::AgentId;

    use super::*;

    fn some(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    #[test]
    fn empty_parameters_are_absent() {
        assert_eq!(date("from", &some("")), Ok(None));
        assert_eq!(id::<AgentId>(&some("")), Ok(None));
        assert_eq!(channel(&None), Ok(None));
    }

    #[test]
    fn bad_values_are_refused_with_their_name() {
        for (error, expected) in [
            (
                date("from", &some("2026-1-01")).unwrap_err(),
                "from must be a date",
            ),
            (channel(&some("fax")).unwrap_err(), "channel must be one of"),
            (
                id::<AgentId>(&some(&"a".repeat(129))).unwrap_err(),
                "agent must be at most 128",
            ),
            (
                id::<AgentId>(&some("\u{7}")).unwrap_err(),
                "control characters",
            ),
        ] {
            assert!(error.to_string().contains(expected), "{error}");
        }
    }

    #[test]
    fn good_values_parse() {
        assert_eq!(
            date("to", &some("2026-11-30")).unwrap(),
            Some(Date::constant(2026, 11, 30))
        );
        assert_eq!(channel(&some("email")).unwrap(), Some(Channel::Email));
        assert_eq!(
            id::<AgentId>(&some("aiko")).unwrap().unwrap().as_str(),
            "aiko"
        );
    }
}
