//! Rows as both databases return them, and their conversion to domain types.
//! Stored values were checked on the way in; a value that no longer parses is `Corrupt`.
//! A site's row is in `site.rs`, an interaction's facts in `facts.rs`.

mod facts;
mod site;

pub(super) use facts::FactsRow;
pub(super) use site::{SiteRow, join_origins};

use koe_shared::survey::{LanguageTag, QuestionAnswer};
use koe_shared::{
    AgentId, CesScore, Channel, Comment, CsatScore, InteractionId, NpsScore, Reason, Reasons,
    Resolved, TeamId,
};

use super::{ApiKeyRecord, Role, StorageError, StoredResponse};
use crate::audit::AuditEvent;
use crate::ids::{KeyId, SiteId, WebhookId};
use crate::responses::{Answers, Attribution, Client, ResponseState, Source};
use crate::rollup::{QuestionKey, RollupKey};

#[derive(Debug, sqlx::FromRow)]
pub(super) struct ApiKeyRow {
    pub id: i64,
    pub site_id: SiteId,
    pub role: String,
    pub key_prefix: String,
    pub created_at_ms: i64,
    pub last_used_at_ms: Option<i64>,
    pub revoked_at_ms: Option<i64>,
    pub owner: Option<String>,
}

/// A stored time (Unix ms) as a timestamp; one jiff cannot represent is corrupt.
pub(super) fn timestamp(ms: i64) -> Result<jiff::Timestamp, StorageError> {
    crate::clock::from_ms(ms).ok_or_else(|| StorageError::Corrupt(format!("a time of {ms} ms")))
}

impl TryFrom<ApiKeyRow> for ApiKeyRecord {
    type Error = StorageError;

    fn try_from(row: ApiKeyRow) -> Result<Self, Self::Error> {
        Ok(ApiKeyRecord {
            id: KeyId::new(row.id),
            site_id: row.site_id,
            role: role(&row.role)?,
            prefix: row.key_prefix,
            created_at: timestamp(row.created_at_ms)?,
            last_used_at: row.last_used_at_ms.map(timestamp).transpose()?,
            revoked_at: row.revoked_at_ms.map(timestamp).transpose()?,
            owner: row.owner,
        })
    }
}

fn role(raw: &str) -> Result<Role, StorageError> {
    Role::parse(raw).ok_or_else(|| StorageError::Corrupt(format!("unknown role {raw:?}")))
}

#[derive(Debug, sqlx::FromRow)]
pub(super) struct AuditRow {
    pub id: i64,
    pub at_ms: i64,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

impl From<AuditRow> for AuditEvent {
    fn from(row: AuditRow) -> Self {
        AuditEvent {
            id: row.id,
            at: crate::clock::from_ms(row.at_ms)
                .map(|t| t.to_string())
                .unwrap_or_default(),
            actor: row.actor,
            action: row.action,
            detail: row.detail,
        }
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(super) struct ResponseRow {
    pub id: i64,
    pub interaction: String,
    pub agent: Option<String>,
    pub team: Option<String>,
    pub channel: Option<String>,
    pub verified: bool,
    pub csat: Option<i16>,
    pub nps: Option<i16>,
    pub ces: Option<i16>,
    pub resolved: Option<bool>,
    pub comment: Option<String>,
    pub reasons: String,
    pub locale: Option<String>,
    pub day: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub client: String,
    pub flagged: bool,
    pub set_aside: bool,
    pub survey_version: Option<i64>,
    pub question: Option<String>,
}

fn corrupt(error: koe_shared::ParseError) -> StorageError {
    StorageError::Corrupt(error.to_string())
}

fn corrupt_value(column: &str, value: i64) -> StorageError {
    StorageError::Corrupt(format!("{column} holds {value}"))
}

fn score<T: TryFrom<u8, Error = koe_shared::ParseError>>(
    raw: Option<i16>,
) -> Result<Option<T>, StorageError> {
    raw.map(|v| {
        let v = u8::try_from(v)
            .map_err(|_| StorageError::Corrupt(format!("score {v} out of range")))?;
        T::try_from(v).map_err(corrupt)
    })
    .transpose()
}

impl TryFrom<ResponseRow> for StoredResponse {
    type Error = StorageError;

    fn try_from(row: ResponseRow) -> Result<Self, Self::Error> {
        let reasons: Vec<Reason> = row
            .reasons
            .split(',')
            .filter(|r| !r.is_empty())
            .map(|r| Reason::try_from(r).map_err(corrupt))
            .collect::<Result<_, _>>()?;
        let state = ResponseState {
            attribution: Attribution {
                agent: row
                    .agent
                    .map(AgentId::try_from)
                    .transpose()
                    .map_err(corrupt)?,
                team: row
                    .team
                    .map(TeamId::try_from)
                    .transpose()
                    .map_err(corrupt)?,
                channel: row
                    .channel
                    .map(|c| c.parse::<Channel>())
                    .transpose()
                    .map_err(corrupt)?,
                verified: row.verified,
            },
            answers: Answers {
                csat: score::<CsatScore>(row.csat)?,
                nps: score::<NpsScore>(row.nps)?,
                ces: score::<CesScore>(row.ces)?,
                resolved: row.resolved.map(Resolved::from),
                comment: row
                    .comment
                    .map(Comment::try_from)
                    .transpose()
                    .map_err(corrupt)?,
                reasons: Reasons::try_from(reasons).map_err(corrupt)?,
                locale: row
                    .locale
                    .map(LanguageTag::try_from)
                    .transpose()
                    .map_err(corrupt)?,
                survey_version: row.survey_version.and_then(|v| u32::try_from(v).ok()),
                question: row
                    .question
                    .map(|q| {
                        QuestionAnswer::from_stored(&q)
                            .ok_or_else(|| StorageError::Corrupt(format!("question holds {q:?}")))
                    })
                    .transpose()?,
            },
            source: Source {
                client: Client::parse(&row.client).ok_or_else(|| {
                    StorageError::Corrupt(format!("unknown client {:?}", row.client))
                })?,
                flagged: row.flagged,
            },
            day: day(&row.day)?,
            created_at_ms: row.created_at_ms,
            updated_at_ms: row.updated_at_ms,
        };
        Ok(StoredResponse {
            id: row.id,
            interaction: InteractionId::try_from(row.interaction).map_err(corrupt)?,
            state,
            set_aside: row.set_aside,
        })
    }
}

/// A stored local day (`YYYY-MM-DD`).
pub(super) fn day(raw: &str) -> Result<jiff::civil::Date, StorageError> {
    raw.parse()
        .map_err(|_| StorageError::Corrupt(format!("day {raw:?} is not a date")))
}

/// A `question_rollups` row read as (day, agent, team, channel, question, answer, answers),
/// `''` standing for a column not given (or not grouped by).
pub(super) type QuestionRow = (String, String, String, String, String, String, i64);

/// A question row's key and count.
pub(super) fn question_row(row: QuestionRow) -> Result<(QuestionKey, i64), StorageError> {
    let (day, agent, team, channel, question, answer, answers) = row;
    let key = rollup_key(&day, &agent, &team, &channel)?;
    Ok((
        QuestionKey {
            day: key.day,
            agent: key.agent,
            team: key.team,
            channel: key.channel,
            question,
            answer,
        },
        answers,
    ))
}

/// A rollup key from its stored columns (`''` for a missing agent, team or channel).
pub(super) fn rollup_key(
    day_column: &str,
    agent: &str,
    team: &str,
    channel: &str,
) -> Result<RollupKey, StorageError> {
    let given = |column: &str| Some(column.to_owned()).filter(|c| !c.is_empty());
    Ok(RollupKey {
        day: day(day_column)?,
        agent: given(agent)
            .map(AgentId::try_from)
            .transpose()
            .map_err(corrupt)?,
        team: given(team)
            .map(TeamId::try_from)
            .transpose()
            .map_err(corrupt)?,
        channel: given(channel)
            .map(|c| c.parse::<Channel>())
            .transpose()
            .map_err(corrupt)?,
    })
}

/// A response's columns in the order the inserts (`Dialect::insert_responses`) and
/// `sql::UPDATE_RESPONSE` bind them.
pub(super) struct ResponseColumns<'a> {
    pub agent: Option<&'a str>,
    pub team: Option<&'a str>,
    pub channel: Option<&'static str>,
    pub verified: bool,
    pub csat: Option<i16>,
    pub nps: Option<i16>,
    pub ces: Option<i16>,
    pub resolved: Option<bool>,
    pub comment: Option<&'a str>,
    pub reasons: String,
    pub locale: Option<&'a str>,
    pub day: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub client: &'a str,
    pub flagged: bool,
    pub survey_version: Option<i64>,
    pub question: Option<String>,
}

impl<'a> ResponseColumns<'a> {
    pub fn of(state: &'a ResponseState) -> Self {
        let (a, x) = (&state.attribution, &state.answers);
        Self {
            agent: a.agent.as_ref().map(AgentId::as_str),
            team: a.team.as_ref().map(TeamId::as_str),
            channel: a.channel.map(Channel::as_str),
            verified: a.verified,
            csat: x.csat.map(|s| i16::from(s.get())),
            nps: x.nps.map(|s| i16::from(s.get())),
            ces: x.ces.map(|s| i16::from(s.get())),
            resolved: x.resolved.map(bool::from),
            comment: x.comment.as_ref().map(Comment::as_str),
            reasons: x
                .reasons
                .iter()
                .map(Reason::as_str)
                .collect::<Vec<_>>()
                .join(","),
            locale: x.locale.as_ref().map(LanguageTag::as_str),
            day: state.day.to_string(),
            created_at_ms: state.created_at_ms,
            updated_at_ms: state.updated_at_ms,
            client: state.source.client.as_str(),
            flagged: state.source.flagged,
            survey_version: x.survey_version.map(i64::from),
            question: x.question.as_ref().map(QuestionAnswer::stored),
        }
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(super) struct ImpressionRow {
    pub agent: Option<String>,
    pub team: Option<String>,
    pub channel: Option<String>,
    pub day: String,
}

impl TryFrom<ImpressionRow> for RollupKey {
    type Error = StorageError;

    fn try_from(row: ImpressionRow) -> Result<Self, Self::Error> {
        rollup_key(
            &row.day,
            row.agent.as_deref().unwrap_or_default(),
            row.team.as_deref().unwrap_or_default(),
            row.channel.as_deref().unwrap_or_default(),
        )
    }
}

/// The ids `RETURNING id, site_id, interaction` gave, by response.
pub(super) fn inserted_ids(
    rows: Vec<(i64, i64, String)>,
) -> Result<std::collections::HashMap<super::write_plan::ResponseKey, i64>, StorageError> {
    rows.into_iter()
        .map(|(id, site_id, interaction)| {
            let interaction = InteractionId::try_from(interaction)
                .map_err(|e| StorageError::Corrupt(e.to_string()))?;
            Ok(((SiteId::new(site_id), interaction), id))
        })
        .collect()
}

/// A webhook row as `webhooks.rs` reads it.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct WebhookRow {
    pub id: i64,
    pub url: String,
    pub condition: String,
    pub format: String,
    pub created_at_ms: i64,
    pub events: String,
}

/// A delivery row as `webhooks.rs` reads it.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct DeliveryRow {
    pub id: i64,
    pub webhook_id: WebhookId,
    pub event_id: String,
    pub interaction: String,
    pub state: String,
    pub attempts: i64,
    pub created_at_ms: i64,
    pub next_attempt_at_ms: i64,
    pub delivered_at_ms: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
}
