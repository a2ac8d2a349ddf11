//! What travels between the widget (or the email page) and the collector.

use serde::{Deserialize, Serialize};

use crate::survey::{LanguageTag, QuestionAnswer};
use crate::{
    AgentId, AttributionToken, CesScore, Channel, Comment, CsatScore, CustomerId, InteractionId,
    NpsScore, Reasons, Resolved, SiteKey, TeamId,
};

/// One customer's answers for one interaction, `POST /api/v1/responses`.
///
/// Every answer is optional so they can arrive one at a time: the collector merges
/// submissions for the same (site, interaction) into one response. Unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Submission {
    pub site: SiteKey,
    pub interaction: InteractionId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<TeamId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// Signed attribution from the site's backend (required on strict sites).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<AttributionToken>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csat: Option<CsatScore>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nps: Option<NpsScore>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ces: Option<CesScore>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved: Option<Resolved>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<Comment>,
    #[serde(default, skip_serializing_if = "Reasons::is_empty")]
    pub reasons: Reasons,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<LanguageTag>,
    /// The version of the site's survey answered (`GET /api/v1/survey` gives it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survey_version: Option<u32>,
    /// The answer to the site's own question, when its survey asks one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<QuestionAnswer>,
}

impl Submission {
    /// An empty submission for an interaction, to fill in field by field.
    pub fn new(site: SiteKey, interaction: InteractionId) -> Self {
        Self {
            site,
            interaction,
            agent: None,
            team: None,
            channel: None,
            token: None,
            csat: None,
            nps: None,
            ces: None,
            resolved: None,
            comment: None,
            reasons: Reasons::default(),
            locale: None,
            survey_version: None,
            question: None,
        }
    }

    /// Whether it carries at least one answer (a score, a comment, a reason or the site's own
    /// question's).
    pub fn has_answer(&self) -> bool {
        self.csat.is_some()
            || self.nps.is_some()
            || self.ces.is_some()
            || self.resolved.is_some()
            || self.comment.is_some()
            || !self.reasons.is_empty()
            || self.question.is_some()
    }
}

/// "The survey is about to be shown", `POST /api/v1/impressions`: the collector answers whether
/// to show it ([`ImpressionReceipt`]) and counts it only when shown — the denominator of the
/// response rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Impression {
    pub site: SiteKey,
    pub interaction: InteractionId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<TeamId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<AttributionToken>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<LanguageTag>,
    /// Who is being asked. The site's cooldown spares only a customer the token signs (version
    /// 3), which this may repeat but not change; sent unsigned it is ignored on non-strict sites
    /// (refused on strict ones), since answering on it would tell anyone whether that person was
    /// surveyed lately.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<CustomerId>,
    /// Only ask (`koe('prepare')`, while the chat still runs): the answer says whether the
    /// survey would be shown, and nothing is recorded.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub peek: bool,
}

/// The collector's answer to an impression: show the survey or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImpressionReceipt {
    pub show: bool,
    /// Counted now (the first impression of the interaction).
    pub recorded: bool,
    /// Why not, when `show` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declined: Option<Declined>,
}

/// Why a survey is not shown (survey fatigue rules of the site).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Declined {
    /// The interaction falls outside the site's sample (decided by the interaction id alone,
    /// so a retry or reload gives the same answer).
    SampledOut,
    /// The customer the site signed was surveyed within the site's cooldown.
    Cooldown,
}

impl Declined {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SampledOut => "sampled_out",
            Self::Cooldown => "cooldown",
        }
    }
}

/// Whether a submission started a response or changed an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SubmissionStatus {
    Created,
    Updated,
}

/// The collector's answer to an accepted submission: sent only once it is committed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmissionReceipt {
    pub id: i64,
    pub status: SubmissionStatus,
}

/// Every error the collector's API answers with: a stable `error` code for programs and a
/// sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub error: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_submission_parses() {
        let s: Submission =
            serde_json::from_str(r#"{"site":"s","interaction":"i","csat":5}"#).unwrap();
        assert_eq!(s.csat.map(u8::from), Some(5));
        assert!(s.has_answer());
        let bare: Submission = serde_json::from_str(r#"{"site":"s","interaction":"i"}"#).unwrap();
        assert!(!bare.has_answer());
    }

    #[test]
    fn bad_fields_are_refused_by_name() {
        let cases = [
            (r#"{"site":"s","interaction":"i","nps":11}"#, "nps must be"),
            (
                r#"{"site":"s","interaction":"i","channel":"fax"}"#,
                "channel must be",
            ),
            (
                r#"{"site":"s","interaction":"","csat":1}"#,
                "interaction must not be empty",
            ),
            (
                r#"{"site":"s","interaction":"i","mood":"great"}"#,
                "unknown field `mood`",
            ),
            (r#"{"interaction":"i"}"#, "missing field `site`"),
            (
                r#"{"site":"s","interaction":"i","question":{"id":"clarity","answer":6}}"#,
                "question.answer must be a whole number from 1 to 5",
            ),
            (
                r#"{"site":"s","interaction":"i","question":{"id":"topic","answer":"Billing!"}}"#,
                "question.answer must be",
            ),
            (
                r#"{"site":"s","interaction":"i","question":{"id":"clarity"}}"#,
                "missing field `answer`",
            ),
            (
                r#"{"site":"s","interaction":"i","question":{"id":"Clarity!","answer":4}}"#,
                "question.id must be a slug",
            ),
        ];
        for (json, expected) in cases {
            let err = serde_json::from_str::<Submission>(json)
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{json}: {err}");
        }
    }

    #[test]
    fn submissions_round_trip() {
        let json = r#"{"site":"s","interaction":"i","agent":"a","channel":"chat","csat":4,"nps":9,"resolved":true,"comment":"ok","reasons":["fast"],"locale":"ja","question":{"id":"topic","answer":"billing"}}"#;
        let s: Submission = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::to_string(&s).unwrap(), json);
    }
}
