//! One response per (site, interaction), and how later submissions merge into it.

use koe_shared::survey::{LanguageTag, QuestionAnswer};
use koe_shared::{
    AgentId, CesScore, Channel, Comment, CsatScore, InteractionId, NpsScore, Reasons, Resolved,
    Submission, SubmissionStatus, TeamId,
};

use crate::ids::SiteId;

/// Who handled the interaction, and whether a signed token vouches for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attribution {
    pub agent: Option<AgentId>,
    pub team: Option<TeamId>,
    pub channel: Option<Channel>,
    /// Every field above came from a valid attribution token.
    pub verified: bool,
}

/// The answers one submission carries; `None` (or no reasons) means "not answered now".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answers {
    pub csat: Option<CsatScore>,
    pub nps: Option<NpsScore>,
    pub ces: Option<CesScore>,
    pub resolved: Option<Resolved>,
    pub comment: Option<Comment>,
    pub reasons: Reasons,
    /// The language the customer answered in (the survey's, a BCP 47 tag).
    pub locale: Option<LanguageTag>,
    /// The version of the site's survey the customer answered (0: Koe's own).
    pub survey_version: Option<u32>,
    /// The answer to the site's own question.
    pub question: Option<QuestionAnswer>,
}

impl Answers {
    pub fn from_submission(submission: &Submission) -> Self {
        Self {
            csat: submission.csat,
            nps: submission.nps,
            ces: submission.ces,
            resolved: submission.resolved,
            comment: submission.comment.clone(),
            reasons: submission.reasons.clone(),
            locale: submission.locale.clone(),
            survey_version: submission.survey_version,
            question: submission.question.clone(),
        }
    }

    /// Lays `newer` over these answers: what it answers replaces, the rest stays.
    fn overlaid_with(&self, newer: &Self) -> Self {
        Self {
            csat: newer.csat.or(self.csat),
            nps: newer.nps.or(self.nps),
            ces: newer.ces.or(self.ces),
            resolved: newer.resolved.or(self.resolved),
            comment: newer.comment.clone().or_else(|| self.comment.clone()),
            reasons: if newer.reasons.is_empty() {
                self.reasons.clone()
            } else {
                newer.reasons.clone()
            },
            locale: newer.locale.clone().or_else(|| self.locale.clone()),
            survey_version: newer.survey_version.or(self.survey_version),
            question: newer.question.clone().or_else(|| self.question.clone()),
        }
    }
}

/// What sent a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    /// The embedded widget.
    Widget,
    /// A person confirming on the hosted survey page.
    Browser,
    /// A link scanner, going by its user agent or its timing.
    SuspectedScanner,
    /// Brought in from a file (`koe import`): another tool's history, or Koe's own export.
    Imported,
    /// A person tapping an answer inside a messaging app (a LINE rating card's postback).
    Messaging,
}

impl Client {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Widget => "widget",
            Self::Browser => "browser",
            Self::SuspectedScanner => "suspected_scanner",
            Self::Imported => "imported",
            Self::Messaging => "messaging",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "widget" => Some(Self::Widget),
            "browser" => Some(Self::Browser),
            "suspected_scanner" => Some(Self::SuspectedScanner),
            "imported" => Some(Self::Imported),
            "messaging" => Some(Self::Messaging),
            _ => None,
        }
    }
}

/// Where a write came from, and whether it is flagged (kept, listed when asked for, never
/// counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    pub client: Client,
    pub flagged: bool,
}

impl Source {
    pub const WIDGET: Self = Self {
        client: Client::Widget,
        flagged: false,
    };
}

/// A stored response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseState {
    pub attribution: Attribution,
    pub answers: Answers,
    /// The latest sender; flagged only while every write so far was suspect.
    pub source: Source,
    /// The local day (site time zone) of the first answer; the response counts in that day.
    pub day: jiff::civil::Date,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

#[cfg(test)]
impl ResponseState {
    /// A widget's answer of one CSAT score on 2026-12-01, flagged as a scanner's or not: what
    /// rules about unhappy answers are tested on.
    pub fn rated(csat: u8, flagged: bool) -> Self {
        Self {
            attribution: Attribution::default(),
            answers: Answers {
                csat: Some(CsatScore::try_from(csat).expect("a CSAT score")),
                ..Answers::default()
            },
            source: Source {
                flagged,
                ..Source::WIDGET
            },
            day: "2026-12-01".parse().expect("a day"),
            created_at_ms: 0,
            updated_at_ms: 0,
        }
    }
}

/// A checked submission, ready to be merged into storage.
#[derive(Debug, Clone)]
pub struct AnswerWrite {
    pub site_id: SiteId,
    pub interaction: InteractionId,
    pub attribution: Attribution,
    pub answers: Answers,
    /// Today in the site's time zone.
    pub day: jiff::civil::Date,
    pub now_ms: i64,
    pub edit_window_ms: i64,
    pub source: Source,
}

/// Why a submission cannot change the stored response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MergeConflict {
    #[error("this response can no longer be changed: its edit window has closed")]
    EditWindowClosed,
    #[error(
        "the agent, team or channel differs from what this interaction already has; only a signed token may change them"
    )]
    AttributionConflict,
}

/// What a write leaves: the interaction's response, the one that counts unless it is flagged,
/// and an answer kept aside — flagged, listed only when asked for, never counted — when a
/// suspected scanner and a person both answered. A scanner's answer never replaces a person's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    pub response: ResponseState,
    /// Stored at the response's creation time and day (`ResponseState::kept_beside`): an
    /// interaction keeps one answer aside, the latest, which replaces the one before in place.
    pub set_aside: Option<ResponseState>,
}

impl ResponseState {
    /// This answer kept aside beside `response`: at its creation time and on its day. One
    /// place per interaction is what lets storage keep one set-aside row and update it in place
    /// (a scanner that confirms a link thirty times leaves one row, not thirty — on PostgreSQL
    /// the unique index of set-aside rows must name the creation time, its partition key), and
    /// retention and erasure take it with its response. When it last changed stays its own.
    fn kept_beside(self, response: &ResponseState) -> Self {
        Self {
            day: response.day,
            created_at_ms: response.created_at_ms,
            ..self
        }
    }
}

impl AnswerWrite {
    /// The interaction's response after this write: new when there was none, merged
    /// otherwise. A flagged write onto a counted response leaves it as it is and is kept
    /// aside (its answers alone: they replace any kept aside before); a person's confirmation
    /// on the survey page onto a flagged one replaces the suspect answers, which are kept
    /// aside.
    pub fn apply_to(&self, existing: Option<&ResponseState>) -> Result<Merged, MergeConflict> {
        let fresh = |attribution: Attribution, day, created_at_ms| ResponseState {
            attribution,
            answers: Answers::default().overlaid_with(&self.answers),
            source: self.source,
            day,
            created_at_ms,
            updated_at_ms: self.now_ms,
        };
        let Some(existing) = existing else {
            return Ok(Merged {
                response: fresh(self.attribution.clone(), self.day, self.now_ms),
                set_aside: None,
            });
        };
        // A person's confirmation on the survey page where only suspect answers were: theirs
        // replace them — with their own day and their own edit window (a scanner that clicked
        // when the email arrived must not close it), the suspect answers kept aside.
        if existing.source.flagged && !self.source.flagged && self.source.client == Client::Browser
        {
            let attribution = merge_attribution(&existing.attribution, &self.attribution)?;
            let response = fresh(attribution, self.day, self.now_ms);
            return Ok(Merged {
                set_aside: Some(existing.clone().kept_beside(&response)),
                response,
            });
        }
        if self.now_ms - existing.created_at_ms > self.edit_window_ms {
            return Err(MergeConflict::EditWindowClosed);
        }
        let attribution = merge_attribution(&existing.attribution, &self.attribution)?;
        Ok(match (existing.source.flagged, self.source.flagged) {
            // A suspected scanner where a person has answered: the person's answers stand.
            (false, true) => Merged {
                response: existing.clone(),
                set_aside: Some(
                    fresh(existing.attribution.clone(), existing.day, self.now_ms)
                        .kept_beside(existing),
                ),
            },
            // The rest merge as before: a widget's follow-up answers (only a person runs the
            // widget) complete a quick confirmation and count with it; flagged onto flagged
            // stays flagged.
            _ => Merged {
                response: ResponseState {
                    attribution,
                    answers: existing.answers.overlaid_with(&self.answers),
                    source: self.source,
                    day: existing.day,
                    created_at_ms: existing.created_at_ms,
                    updated_at_ms: self.now_ms,
                },
                set_aside: None,
            },
        })
    }

    pub fn status(existing: Option<&ResponseState>) -> SubmissionStatus {
        if existing.is_some() {
            SubmissionStatus::Updated
        } else {
            SubmissionStatus::Created
        }
    }
}

/// A signed attribution replaces what it carries; a field its token leaves out stays as
/// stored (an absent field is not a claim that there is none). An unsigned one may only
/// repeat what is stored, or fill in fields an unsigned response left empty.
fn merge_attribution(
    stored: &Attribution,
    incoming: &Attribution,
) -> Result<Attribution, MergeConflict> {
    if incoming.verified {
        let kept_unsigned = !stored.verified
            && ((incoming.agent.is_none() && stored.agent.is_some())
                || (incoming.team.is_none() && stored.team.is_some())
                || (incoming.channel.is_none() && stored.channel.is_some()));
        return Ok(Attribution {
            agent: incoming.agent.clone().or_else(|| stored.agent.clone()),
            team: incoming.team.clone().or_else(|| stored.team.clone()),
            channel: incoming.channel.or(stored.channel),
            verified: !kept_unsigned,
        });
    }
    fn field<T: Clone + PartialEq>(
        stored: &Option<T>,
        incoming: &Option<T>,
        may_fill: bool,
    ) -> Result<Option<T>, MergeConflict> {
        match (stored, incoming) {
            (_, None) => Ok(stored.clone()),
            (Some(s), Some(i)) if s == i => Ok(stored.clone()),
            (None, Some(_)) if may_fill => Ok(incoming.clone()),
            _ => Err(MergeConflict::AttributionConflict),
        }
    }
    let may_fill = !stored.verified;
    Ok(Attribution {
        agent: field(&stored.agent, &incoming.agent, may_fill)?,
        team: field(&stored.team, &incoming.team, may_fill)?,
        channel: field(&stored.channel, &incoming.channel, may_fill)?,
        verified: stored.verified,
    })
}

#[cfg(test)]
mod tests;
