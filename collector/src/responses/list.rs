//! Listing a site's responses for managers: the filter parsed from query parameters (answers
//! flagged as a link scanner's left out unless asked for), keyset pagination with an opaque
//! cursor, the listed shape (JSON) and its CSV.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::Stream;
use serde::{Deserialize, Serialize};

use crate::csv::{self, cell};
use crate::report::params::{self, ParamError};
use crate::sites::Site;
use crate::storage::{
    FlaggedFilter, ReportStore, ResponseCursor, ResponseFilter, StorageError, StoredResponse,
};

/// Page size when none is asked for.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page.
pub const MAX_LIMIT: u32 = 200;

/// The raw query parameters, as strings (all optional; an empty one counts as absent).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RawResponseQuery {
    /// First day, in the site's time zone.
    #[param(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$", example = "2026-11-01")]
    pub from: Option<String>,
    /// Last day, in the site's time zone.
    #[param(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$", example = "2026-11-30")]
    pub to: Option<String>,
    /// Only this agent.
    pub agent: Option<String>,
    /// Only this channel.
    pub channel: Option<String>,
    /// Only this team.
    pub team: Option<String>,
    /// Lowest CSAT, 0–5.
    #[param(pattern = "^(\\+?[0-9]+)?$")]
    pub min_csat: Option<String>,
    /// Highest CSAT, 0–5.
    #[param(pattern = "^(\\+?[0-9]+)?$")]
    pub max_csat: Option<String>,
    /// Lowest NPS answer, 0–10.
    #[param(pattern = "^(\\+?[0-9]+)?$")]
    pub min_nps: Option<String>,
    /// Highest NPS answer, 0–10.
    #[param(pattern = "^(\\+?[0-9]+)?$")]
    pub max_nps: Option<String>,
    /// Where the page starts: the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(pattern = "^(\\+?[0-9]+)?$")]
    pub limit: Option<String>,
    /// Answers flagged as a suspected link scanner's (kept, never counted) are left out
    /// unless asked for: `any` lists them beside counted responses, `true` lists only them,
    /// `false` (the default) only counted responses.
    #[param(pattern = "^(true|false|any)?$")]
    pub flagged: Option<String>,
    /// Only responses that gave this reason (`slow`, `not_solved`, …).
    #[param(pattern = "^([a-z][a-z0-9_-]*)?$", max_length = 32)]
    pub reason: Option<String>,
    /// `true` only responses with a comment, `false` only those without.
    #[param(pattern = "^(true|false)?$")]
    pub has_comment: Option<String>,
}

/// A response as the API lists it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListedResponse {
    pub id: i64,
    pub interaction: String,
    pub agent: Option<String>,
    pub team: Option<String>,
    pub channel: Option<&'static str>,
    pub verified: bool,
    pub csat: Option<u8>,
    pub nps: Option<u8>,
    pub ces: Option<u8>,
    pub resolved: Option<bool>,
    pub comment: Option<String>,
    pub reasons: Vec<String>,
    pub locale: Option<String>,
    pub day: String,
    pub created_at: String,
    pub updated_at: String,
    /// `widget`, `browser` (hosted page) or `suspected_scanner`.
    pub client: &'static str,
    /// Kept, listed only when asked for (`flagged`), never counted in scores.
    pub flagged: bool,
    /// A suspected scanner's answer kept beside the interaction's response, which it did
    /// not change (at most one per interaction: the latest; flagged, so listed only when
    /// asked for).
    pub set_aside: bool,
    /// The answer to the site's own question: `{id, answer}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question: Option<koe_shared::survey::QuestionAnswer>,
}

fn rfc3339(ms: i64) -> String {
    crate::clock::from_ms(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

impl From<&StoredResponse> for ListedResponse {
    fn from(r: &StoredResponse) -> Self {
        let (a, x) = (&r.state.attribution, &r.state.answers);
        Self {
            id: r.id,
            interaction: r.interaction.to_string(),
            agent: a.agent.as_ref().map(ToString::to_string),
            team: a.team.as_ref().map(ToString::to_string),
            channel: a.channel.map(|c| c.as_str()),
            verified: a.verified,
            csat: x.csat.map(u8::from),
            nps: x.nps.map(u8::from),
            ces: x.ces.map(u8::from),
            resolved: x.resolved.map(bool::from),
            comment: x.comment.as_ref().map(|c| c.as_str().to_owned()),
            reasons: x.reasons.iter().map(ToString::to_string).collect(),
            locale: x.locale.as_ref().map(ToString::to_string),
            day: r.state.day.to_string(),
            created_at: rfc3339(r.state.created_at_ms),
            updated_at: rfc3339(r.state.updated_at_ms),
            client: r.state.source.client.as_str(),
            flagged: r.state.source.flagged,
            set_aside: r.set_aside,
            question: x.question.clone(),
        }
    }
}

/// One page of responses, newest first, and the cursor of the next page if there is one.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResponsePage {
    pub responses: Vec<ListedResponse>,
    pub next_cursor: Option<String>,
}

/// Which responses to list, parsed: the storage filter and the page size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseQuery {
    pub filter: ResponseFilter,
    pub limit: u32,
}

/// A page of the site's responses matching the query (one more is read than shown: it tells
/// whether another page exists).
#[tracing::instrument(name = "responses::page", skip_all, fields(site = %site.key))]
pub async fn page<S: ReportStore>(
    storage: &S,
    site: &Site,
    query: &ResponseQuery,
) -> Result<ResponsePage, StorageError> {
    let limit = query.limit as usize;
    let mut rows = storage
        .response_page(site.id, &query.filter, query.limit + 1)
        .await?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    Ok(ResponsePage {
        next_cursor: more.then(|| rows.last().map(encode_cursor)).flatten(),
        responses: rows.iter().map(ListedResponse::from).collect(),
    })
}

fn score(name: &'static str, raw: &Option<String>, max: u8) -> Result<Option<u8>, ParamError> {
    params::given(raw)
        .map(|v| {
            v.parse::<u8>()
                .ok()
                .filter(|s| *s <= max)
                .ok_or_else(|| ParamError::Score {
                    name,
                    max,
                    value: v.to_owned(),
                })
        })
        .transpose()
}

fn encode_cursor(response: &StoredResponse) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}.{}", response.state.created_at_ms, response.id))
}

/// A cursor from which a page starts at `first` itself: what a download of a page shown uses,
/// so that responses arriving after the page was shown stay out of it.
pub fn cursor_from(first: &ListedResponse) -> Option<String> {
    let ms = first
        .created_at
        .parse::<jiff::Timestamp>()
        .ok()?
        .as_millisecond();
    Some(URL_SAFE_NO_PAD.encode(format!("{ms}.{}", first.id.checked_add(1)?)))
}

fn decode_cursor(raw: &str) -> Result<ResponseCursor, ParamError> {
    let text = URL_SAFE_NO_PAD
        .decode(raw)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or(ParamError::Cursor)?;
    let (ms, id) = text.split_once('.').ok_or(ParamError::Cursor)?;
    Ok(ResponseCursor {
        created_at_ms: ms.parse().map_err(|_| ParamError::Cursor)?,
        id: id.parse().map_err(|_| ParamError::Cursor)?,
    })
}

/// `false` (absent or empty too): counted responses only; `any`: flagged ones too; `true`:
/// flagged ones only.
fn flagged(raw: &Option<String>) -> Result<FlaggedFilter, ParamError> {
    match params::given(raw) {
        None | Some("false") => Ok(FlaggedFilter::Hidden),
        Some("any") => Ok(FlaggedFilter::Included),
        Some("true") => Ok(FlaggedFilter::Only),
        Some(other) => Err(ParamError::Flagged(other.to_owned())),
    }
}

/// `true` / `false` (absent or empty: either).
fn yes_or_no(name: &'static str, raw: &Option<String>) -> Result<Option<bool>, ParamError> {
    match params::given(raw) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(other) => Err(ParamError::YesOrNo {
            name,
            value: other.to_owned(),
        }),
    }
}

impl ResponseQuery {
    /// Parses the list parameters into a storage filter and a page size.
    pub fn parse(raw: &RawResponseQuery) -> Result<Self, ParamError> {
        let filter = ResponseFilter {
            from_day: params::date("from", &raw.from)?,
            to_day: params::date("to", &raw.to)?,
            agent: params::id(&raw.agent)?,
            channel: params::channel(&raw.channel)?,
            team: params::id(&raw.team)?,
            min_csat: score("min_csat", &raw.min_csat, 5)?,
            max_csat: score("max_csat", &raw.max_csat, 5)?,
            min_nps: score("min_nps", &raw.min_nps, 10)?,
            max_nps: score("max_nps", &raw.max_nps, 10)?,
            before: params::given(&raw.cursor).map(decode_cursor).transpose()?,
            flagged: flagged(&raw.flagged)?,
            reason: params::id(&raw.reason)?,
            has_comment: yes_or_no("has_comment", &raw.has_comment)?,
        };
        if let (Some(from), Some(to)) = (filter.from_day, filter.to_day)
            && from > to
        {
            return Err(ParamError::Reversed { from, to });
        }
        let limit = match params::given(&raw.limit) {
            None => DEFAULT_LIMIT,
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|l| (1..=MAX_LIMIT).contains(l))
                .ok_or_else(|| ParamError::Limit {
                    max: MAX_LIMIT,
                    value: v.to_owned(),
                })?,
        };
        Ok(Self { filter, limit })
    }
}

/// The columns of the response list's CSV.
const CSV_HEADER: [&str; 19] = [
    "id",
    "created_at",
    "day",
    "interaction",
    "agent",
    "team",
    "channel",
    "verified",
    "csat",
    "nps",
    "ces",
    "resolved",
    "comment",
    "reasons",
    "locale",
    "client",
    "flagged",
    "set_aside",
    "question",
];

/// Listed responses as CSV.
pub fn csv(rows: &[ListedResponse]) -> String {
    csv::head(&CSV_HEADER) + &csv_lines(rows)
}

/// The CSV's start (a streamed CSV sends [`csv_lines`] after it).
pub fn csv_head() -> String {
    csv::head(&CSV_HEADER)
}

/// Listed responses as CSV lines, without the header.
pub fn csv_lines(rows: &[ListedResponse]) -> String {
    let opt = |v: &Option<String>| cell(v.as_deref().unwrap_or_default());
    let num = |v: Option<u8>| v.map(|v| v.to_string()).unwrap_or_default();
    csv::lines(rows.iter().map(|r| {
        vec![
            r.id.to_string(),
            cell(&r.created_at),
            cell(&r.day),
            cell(&r.interaction),
            opt(&r.agent),
            opt(&r.team),
            r.channel.unwrap_or_default().to_owned(),
            r.verified.to_string(),
            num(r.csat),
            num(r.nps),
            num(r.ces),
            r.resolved.map(|v| v.to_string()).unwrap_or_default(),
            opt(&r.comment),
            cell(&r.reasons.join(" ")),
            r.locale.clone().unwrap_or_default(),
            r.client.to_owned(),
            r.flagged.to_string(),
            r.set_aside.to_string(),
            // `id:answer`, as `koe import --format koe` reads it back.
            cell(&r.question.as_ref().map(|q| q.stored()).unwrap_or_default()),
        ]
    }))
}

/// Every response matching the query's filter, page by page (of the query's size, newest
/// first): what a complete export streams, whatever its length.
pub fn every_page<S: ReportStore>(
    storage: S,
    site: Arc<Site>,
    query: ResponseQuery,
) -> impl Stream<Item = Result<Vec<ListedResponse>, StorageError>> {
    futures_util::stream::try_unfold(Some(query), move |next| {
        let (storage, site) = (storage.clone(), Arc::clone(&site));
        async move {
            let Some(mut query) = next else {
                return Ok(None);
            };
            let page = page(&storage, &site, &query).await?;
            let next = match page.next_cursor.as_deref().map(decode_cursor) {
                Some(Ok(cursor)) => {
                    query.filter.before = Some(cursor);
                    Some(query)
                }
                _ => None,
            };
            Ok(Some((page.responses, next)))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flagged_of(value: Option<&str>) -> Result<FlaggedFilter, ParamError> {
        let raw = RawResponseQuery {
            flagged: value.map(str::to_owned),
            ..RawResponseQuery::default()
        };
        ResponseQuery::parse(&raw).map(|q| q.filter.flagged)
    }

    #[test]
    fn flagged_answers_are_listed_only_when_asked_for() {
        for (what, value, expected) in [
            ("absent", None, FlaggedFilter::Hidden),
            ("empty", Some(""), FlaggedFilter::Hidden),
            ("counted only", Some("false"), FlaggedFilter::Hidden),
            ("with flagged ones", Some("any"), FlaggedFilter::Included),
            ("flagged ones only", Some("true"), FlaggedFilter::Only),
        ] {
            assert_eq!(flagged_of(value), Ok(expected), "{what}");
        }
        for (what, value) in [
            ("a near miss", "include"),
            ("another case", "ANY"),
            ("a number", "1"),
        ] {
            let error = flagged_of(Some(value)).unwrap_err().to_string();
            assert!(error.contains("flagged must be false"), "{what}: {error}");
        }
    }
}
