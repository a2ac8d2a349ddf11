//! A follow-up as people see it — the API's JSON, the dashboard's rows, `koe followup list` —
//! from its stored record: times as RFC 3339, overdue worked out, the owner named, and the
//! interaction's page in the helpdesk when an integration knows it.

use serde::Serialize;

use super::{FollowupStatus, owner_of, rfc3339};
use crate::integrations::IntegrationConfig;
use crate::storage::{FollowupNote, FollowupRecord};

/// One follow-up.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FollowupView {
    pub id: i64,
    pub interaction: String,
    #[schema(value_type = FollowupStatus)]
    pub status: String,
    /// Open past its due time with nobody having contacted the customer.
    pub overdue: bool,
    /// The answer's local day (it counts on it in the numbers).
    pub day: String,
    pub agent: Option<String>,
    pub team: Option<String>,
    pub channel: Option<String>,
    pub opened_at: String,
    pub due_at: String,
    /// A person's address, or a name.
    pub owner: Option<String>,
    pub contacted_at: Option<String>,
    pub closed_at: Option<String>,
    pub cause: Option<String>,
    pub answer: AnswerView,
    /// The interaction's service facts, where the site sent them.
    pub facts: Option<FactsView>,
    pub recovery: Option<RecoveryView>,
    /// The conversation in the helpdesk, when an integration of the site knows it.
    pub helpdesk_url: Option<String>,
    /// The notes, oldest first (shown with one follow-up, not in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<Vec<FollowupNote>>,
}

/// The answer that opened it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AnswerView {
    pub csat: Option<i64>,
    pub nps: Option<i64>,
    pub ces: Option<i64>,
    pub resolved: Option<bool>,
    pub comment: Option<String>,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FactsView {
    pub topic: Option<String>,
    pub first_response_at: Option<String>,
    pub resolved_at: Option<String>,
    pub reopened: Option<i64>,
    pub contacts: Option<i64>,
}

/// Asking the customer again after a resolved closing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RecoveryView {
    /// Until when the link works.
    pub link_until: String,
    pub csat: Option<i64>,
    pub resolved: Option<bool>,
    pub answered_at: Option<String>,
}

impl FollowupView {
    pub fn of(record: &FollowupRecord, now_ms: i64, integrations: &[IntegrationConfig]) -> Self {
        let r = record;
        let facts = [
            r.topic.is_some(),
            r.first_response_at_ms.is_some(),
            r.resolved_at_ms.is_some(),
            r.reopened.is_some(),
            r.contacts.is_some(),
        ]
        .contains(&true)
        .then(|| FactsView {
            topic: r.topic.clone(),
            first_response_at: r.first_response_at_ms.map(rfc3339),
            resolved_at: r.resolved_at_ms.map(rfc3339),
            reopened: r.reopened,
            contacts: r.contacts,
        });
        Self {
            id: r.id,
            interaction: r.interaction.clone(),
            status: r.status.clone(),
            overdue: r.status == FollowupStatus::Open.as_str() && r.due_at_ms <= now_ms,
            day: r.day.clone(),
            agent: r.agent.clone(),
            team: r.team.clone(),
            channel: r.channel.clone(),
            opened_at: rfc3339(r.opened_at_ms),
            due_at: rfc3339(r.due_at_ms),
            owner: owner_of(r),
            contacted_at: r.contacted_at_ms.map(rfc3339),
            closed_at: r.closed_at_ms.map(rfc3339),
            cause: r.cause.clone(),
            answer: AnswerView {
                csat: r.csat,
                nps: r.nps,
                ces: r.ces,
                resolved: r.resolved,
                comment: r.comment.clone(),
                reasons: r
                    .reasons
                    .as_deref()
                    .unwrap_or_default()
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
            },
            facts,
            recovery: r.reask_expires_at_ms.map(|until| RecoveryView {
                link_until: rfc3339(until),
                csat: r.recovery_csat,
                resolved: r.recovery_resolved,
                answered_at: r.recovered_at_ms.map(rfc3339),
            }),
            helpdesk_url: helpdesk_url(&r.interaction, integrations),
            notes: None,
        }
    }
}

/// The conversation's page in the helpdesk: Chatwoot's interactions are
/// `chatwoot-<account>-<conversation>`, shown at `<url>/app/accounts/<account>/conversations/<n>`.
pub fn helpdesk_url(interaction: &str, integrations: &[IntegrationConfig]) -> Option<String> {
    integrations.iter().find_map(|config| match config {
        IntegrationConfig::Chatwoot(c) => {
            let prefix = format!("chatwoot-{}-", c.account_id);
            let conversation = interaction.strip_prefix(&prefix)?;
            conversation.bytes().all(|b| b.is_ascii_digit()).then(|| {
                format!(
                    "{}/app/accounts/{}/conversations/{conversation}",
                    c.url.trim_end_matches('/'),
                    c.account_id
                )
            })
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrations::ChatwootConfig;

    #[test]
    fn a_chatwoot_conversation_links_to_its_page() {
        let chatwoot = IntegrationConfig::Chatwoot(ChatwootConfig {
            url: "https://chat.example/".into(),
            account_id: 3,
            inboxes: Default::default(),
            locale: koe_shared::Locale::En,
        });
        let configs = [chatwoot];
        assert_eq!(
            helpdesk_url("chatwoot-3-42", &configs).as_deref(),
            Some("https://chat.example/app/accounts/3/conversations/42")
        );
        assert_eq!(helpdesk_url("chatwoot-4-42", &configs), None);
        assert_eq!(helpdesk_url("chatwoot-3-42x", &configs), None);
        assert_eq!(helpdesk_url("chat-1", &configs), None);
    }
}
