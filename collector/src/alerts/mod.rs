//! Alerts on unhappy customers: a site's webhooks fire when an answer crosses into their
//! condition (`csat<=2 or nps<=6 or resolved=false`). The alert is written to an outbox in the
//! transaction of the answer ([`crossings`] decides which, in the write path), and a background
//! task ([`delivery`]) sends it at least once, signed ([`body`]), retrying for 24 hours.

pub mod address;
pub mod body;
pub mod condition;
pub mod delivery;
pub mod webhooks;

use serde::{Deserialize, Serialize};

pub use condition::{Condition, ConditionError};

use crate::ids::{SiteId, WebhookId};
use crate::responses::ResponseState;

/// Where the operator lets webhooks go: by default only to public addresses, over `https://`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reach {
    /// `webhook_allow_private_networks`: private and local addresses too (a receiver inside the
    /// operator's network).
    pub private_networks: bool,
    /// `webhook_allow_http`: plain `http://` too.
    pub plain_http: bool,
}

impl Reach {
    /// Whether a webhook URL of this scheme may be called.
    pub fn allows_scheme(self, scheme: &str) -> bool {
        scheme == "https" || (scheme == "http" && self.plain_http)
    }
}

/// How a webhook's body is shaped.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::EnumString, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum WebhookFormat {
    /// Koe's own JSON event.
    Json,
    /// A Slack incoming webhook: `{"text": …}`.
    Slack,
}

impl WebhookFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Slack => "slack",
        }
    }
}

/// A webhook as the write path sees it: which one, and when it fires.
#[derive(Debug, Clone)]
pub struct AlertRule {
    pub webhook_id: WebhookId,
    pub condition: Condition,
    /// Sent unhappy answers (the condition's crossings).
    pub answers: bool,
    /// Sent follow-up events: opened, overdue, closed.
    pub followups: bool,
}

/// What a webhook is sent, as stored in its `events` column: `answers`, `followups` or both.
pub fn parse_events(raw: &str) -> Option<(bool, bool)> {
    let mut events = (false, false);
    for event in raw.split(',').map(str::trim) {
        match event {
            "answers" => events.0 = true,
            "followups" => events.1 = true,
            _ => return None,
        }
    }
    (events.0 || events.1).then_some(events)
}

/// The events as stored and listed.
pub fn events_text(answers: bool, followups: bool) -> &'static str {
    match (answers, followups) {
        (true, true) => "answers,followups",
        (false, true) => "followups",
        _ => "answers",
    }
}

/// The webhooks whose condition the response crosses into with this write: it holds after and
/// did not before (an edit that stays unhappy alerts once, not once per edit). Flagged answers
/// (suspected scanners) are never counted, so they never alert.
pub fn crossings<'a>(
    rules: &'a [AlertRule],
    before: Option<&ResponseState>,
    after: &ResponseState,
) -> impl Iterator<Item = &'a AlertRule> {
    let holds = |state: &ResponseState, rule: &AlertRule| {
        !state.source.flagged && rule.condition.holds(&state.answers)
    };
    let after = after.clone();
    let before = before.cloned();
    rules
        .iter()
        .filter(|rule| rule.answers)
        .filter(move |rule| holds(&after, rule) && !before.as_ref().is_some_and(|b| holds(b, rule)))
}

/// What an alert says about the answer, stored with the delivery (JSON) and rendered in the
/// webhook's format when sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertFacts {
    pub interaction: String,
    pub agent: Option<String>,
    pub team: Option<String>,
    pub channel: Option<String>,
    pub csat: Option<u8>,
    pub nps: Option<u8>,
    pub ces: Option<u8>,
    pub resolved: Option<bool>,
    pub comment: Option<String>,
    pub reasons: Vec<String>,
    /// The answer's time, RFC 3339.
    pub answered_at: String,
    /// The local day it counts on.
    pub day: String,
    /// Set when this is a follow-up's event rather than the answer's alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followup: Option<FollowupNotice>,
}

/// A follow-up's event, as a webhook is told it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowupNotice {
    /// `opened`, `overdue` or `closed`.
    pub event: String,
    pub id: i64,
    pub status: String,
    /// When the customer is to be contacted by, RFC 3339.
    pub due_at: String,
    pub owner: Option<String>,
    pub cause: Option<String>,
}

impl AlertFacts {
    pub fn of(interaction: &str, state: &ResponseState) -> Self {
        let a = &state.attribution;
        let answers = &state.answers;
        Self {
            interaction: interaction.to_owned(),
            agent: a.agent.as_ref().map(|v| v.as_str().to_owned()),
            team: a.team.as_ref().map(|v| v.as_str().to_owned()),
            channel: a.channel.map(|c| c.as_str().to_owned()),
            csat: answers.csat.map(u8::from),
            nps: answers.nps.map(u8::from),
            ces: answers.ces.map(u8::from),
            resolved: answers.resolved.map(|r| r == koe_shared::Resolved::Yes),
            comment: answers.comment.as_ref().map(|c| c.as_str().to_owned()),
            reasons: answers
                .reasons
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect(),
            answered_at: crate::clock::from_ms(state.updated_at_ms)
                .map(|t| t.to_string())
                .unwrap_or_default(),
            day: state.day.to_string(),
            followup: None,
        }
    }
}

/// An alert to write with the answer that triggers it.
#[derive(Debug, Clone)]
pub struct NewAlert {
    pub webhook_id: WebhookId,
    pub site_id: SiteId,
    pub event_id: String,
    pub interaction: String,
    pub payload: String,
    pub created_at_ms: i64,
}

impl NewAlert {
    pub fn new(
        rule: &AlertRule,
        site_id: SiteId,
        interaction: &str,
        state: &ResponseState,
    ) -> Self {
        Self {
            webhook_id: rule.webhook_id,
            site_id,
            event_id: crate::secrets::event_id(),
            interaction: interaction.to_owned(),
            payload: serde_json::to_string(&AlertFacts::of(interaction, state))
                .unwrap_or_else(|_| "{}".into()),
            created_at_ms: state.updated_at_ms,
        }
    }
}

impl NewAlert {
    /// A follow-up's event for a webhook that is sent them.
    pub fn followup(
        webhook_id: WebhookId,
        site_id: SiteId,
        facts: &AlertFacts,
        at_ms: i64,
    ) -> Self {
        Self {
            webhook_id,
            site_id,
            event_id: crate::secrets::event_id(),
            interaction: facts.interaction.clone(),
            payload: serde_json::to_string(facts).unwrap_or_else(|_| "{}".into()),
            created_at_ms: at_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(csat: u8, flagged: bool) -> ResponseState {
        ResponseState::rated(csat, flagged)
    }

    #[test]
    fn an_answer_alerts_once_per_crossing_into_the_condition() {
        let rules = [AlertRule {
            webhook_id: WebhookId::new(7),
            condition: Condition::parse("csat<=2").unwrap(),
            answers: true,
            followups: false,
        }];
        let count = |before: Option<ResponseState>, after| {
            crossings(&rules, before.as_ref(), &after).count()
        };
        assert_eq!(count(None, state(1, false)), 1, "a new unhappy answer");
        assert_eq!(
            count(Some(state(1, false)), state(2, false)),
            0,
            "still unhappy"
        );
        assert_eq!(
            count(Some(state(2, false)), state(5, false)),
            0,
            "happy now"
        );
        assert_eq!(
            count(Some(state(5, false)), state(1, false)),
            1,
            "unhappy again"
        );
        assert_eq!(count(None, state(1, true)), 0, "a scanner's answer");
        assert_eq!(
            count(Some(state(1, true)), state(1, false)),
            1,
            "a person confirms what a scanner clicked"
        );
    }
}
