//! Question rollups: per (local day, agent, team, channel, question, answer) how many counted
//! responses gave that answer to the site's own question — a scale's value or a choice's
//! option, by id, so a new label keeps one series. Kept like `rollups`: every write moves them
//! in its transaction; a report reads them, never the raw responses.

use std::collections::BTreeMap;

use jiff::civil::Date;
use koe_shared::{AgentId, Channel, TeamId};

use super::tally::{TallyDrift, tally_deltas, tally_drift};
use crate::responses::ResponseState;

/// The row an answer counts in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QuestionKey {
    pub day: Date,
    pub agent: Option<AgentId>,
    pub team: Option<TeamId>,
    pub channel: Option<Channel>,
    /// The question's id.
    pub question: String,
    /// The answer as stored: a scale's value (`"4"`) or an option's id.
    pub answer: String,
}

/// A question row whose stored count differs from the raw responses'.
pub type QuestionDrift = TallyDrift<QuestionKey>;

/// The row one response counts in: none without an answer, or while it is a suspected link
/// scanner's (like its scores).
pub fn question_key(response: &ResponseState) -> Option<QuestionKey> {
    if response.source.flagged {
        return None;
    }
    let answer = response.answers.question.as_ref()?;
    let a = &response.attribution;
    Some(QuestionKey {
        day: response.day,
        agent: a.agent.clone(),
        team: a.team.clone(),
        channel: a.channel,
        question: answer.id.as_str().to_owned(),
        answer: answer.answer.as_text(),
    })
}

/// The question-count changes that turn `before` (if any) into `after`.
pub fn question_deltas(
    before: Option<&ResponseState>,
    after: &ResponseState,
) -> BTreeMap<QuestionKey, i64> {
    tally_deltas(before.and_then(question_key), question_key(after))
}

/// What `question_rollups` should hold for these responses, against what it holds.
pub fn question_drift<'a>(
    responses: impl IntoIterator<Item = &'a ResponseState>,
    stored: Vec<(QuestionKey, i64)>,
) -> Vec<QuestionDrift> {
    tally_drift(responses.into_iter().filter_map(question_key), stored)
}
