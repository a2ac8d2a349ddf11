//! Chatwoot's account webhooks, read for what Koe needs, and the message Koe posts back.
//! Shapes from Chatwoot's source (`Conversation#webhook_data`, `Message#webhook_data`); the
//! tests keep them as fixtures (`tests/fixtures/chatwoot`).
//!
//! **Who is credited.** The assignee at resolution; when the conversation has none by then
//! (an automation that unassigns on resolve), the last human agent who wrote to the customer
//! (an outgoing, non-private message by a `user`, noted from `message_created`), so such an
//! automation cannot leave the rating without an agent. Neither: no agent.

pub mod receive;

use koe_shared::facts::{AgentShare, FactsBody, HandledBy};
use koe_shared::{AgentId, Channel, CustomerId, InteractionId, Locale, TeamId};
use serde::Deserialize;
use serde_json::json;

use super::ChatwootConfig;
use super::call::Call;
use crate::links::LinkSet;
use crate::sites::survey::QuestionWords;
use crate::texts::messaging::MessagingTexts;

/// A webhook's body: the event and, for conversation events, the conversation itself.
#[derive(Debug, Deserialize)]
pub struct Payload {
    /// Absent on the conversation inside a message event.
    #[serde(default)]
    pub event: String,
    // conversation events
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub inbox_id: Option<u64>,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub meta: Option<Meta>,
    /// Unix seconds on a conversation (an RFC 3339 text on a message: not read).
    #[serde(default)]
    pub created_at: Option<serde_json::Value>,
    /// RFC 3339.
    #[serde(default)]
    pub first_reply_created_at: Option<String>,
    /// Unix seconds, with a fraction, on a conversation: when the status changed.
    #[serde(default)]
    pub updated_at: Option<serde_json::Value>,
    #[serde(default)]
    pub additional_attributes: Option<serde_json::Value>,
    #[serde(default)]
    pub changed_attributes: Option<serde_json::Value>,
    // message events
    #[serde(default)]
    pub message_type: Option<serde_json::Value>,
    #[serde(default)]
    pub private: Option<bool>,
    #[serde(default)]
    pub sender: Option<Person>,
    /// A message's text (as rendered for its channel).
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub conversation: Option<Box<Payload>>,
}

#[derive(Debug, Deserialize)]
pub struct Meta {
    #[serde(default)]
    pub assignee: Option<Person>,
    #[serde(default)]
    pub team: Option<Team>,
    /// The contact.
    #[serde(default)]
    pub sender: Option<Person>,
}

#[derive(Debug, Deserialize)]
pub struct Person {
    pub id: u64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub available_name: Option<String>,
    /// `user` (an agent), `contact`, `agent_bot`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

impl Person {
    /// How Koe names an agent: their display name (as Chatwoot's own reports do), else
    /// `chatwoot-<id>`.
    fn agent(&self) -> String {
        self.available_name
            .as_deref()
            .or(self.name.as_deref())
            .map(str::trim)
            .filter(|n| !n.is_empty() && AgentId::try_from(n.to_owned()).is_ok())
            .map_or_else(|| format!("chatwoot-{}", self.id), str::to_owned)
    }
}

#[derive(Debug, Deserialize)]
pub struct Team {
    pub name: String,
}

/// What an event means to Koe.
#[derive(Debug)]
pub enum Event {
    /// A human agent wrote to the customer (`content`: what they wrote).
    AgentWrote {
        conversation: u64,
        agent: String,
        content: String,
    },
    /// The conversation was resolved.
    Resolved(Box<Payload>),
    /// The conversation is open again after a resolution.
    Opened { conversation: u64 },
    /// Nothing Koe acts on.
    Other,
}

impl Payload {
    /// What this event means.
    pub fn event(self) -> Event {
        match self.event.as_str() {
            "message_created" => {
                let outgoing = matches!(
                    &self.message_type,
                    Some(serde_json::Value::String(t)) if t == "outgoing"
                ) || self.message_type == Some(json!(1));
                let human = self
                    .sender
                    .as_ref()
                    .is_some_and(|s| s.kind.as_deref() == Some("user"));
                match (
                    outgoing && human && self.private != Some(true),
                    self.conversation.as_ref().and_then(|c| c.id),
                    &self.sender,
                ) {
                    (true, Some(conversation), Some(sender)) => Event::AgentWrote {
                        conversation,
                        agent: sender.agent(),
                        content: self.content.clone().unwrap_or_default(),
                    },
                    _ => Event::Other,
                }
            }
            "conversation_status_changed" | "conversation_resolved" | "conversation_opened" => {
                match (self.status.as_deref(), self.id) {
                    (Some("resolved"), Some(_)) => Event::Resolved(Box::new(self)),
                    // A resolved conversation reopens as `pending` in an inbox with a bot.
                    (Some("open" | "pending"), Some(conversation)) => {
                        Event::Opened { conversation }
                    }
                    _ => Event::Other,
                }
            }
            _ => Event::Other,
        }
    }

    /// The assignee, when the conversation has one.
    pub fn assignee(&self) -> Option<String> {
        let person = self.meta.as_ref()?.assignee.as_ref()?;
        (person.kind.as_deref().unwrap_or("user") == "user").then(|| person.agent())
    }

    /// The contact, for the cooldown.
    pub fn contact(&self) -> Option<CustomerId> {
        let contact = self.meta.as_ref()?.sender.as_ref()?;
        CustomerId::try_from(format!("chatwoot-contact-{}", contact.id)).ok()
    }

    /// The contact's language: the browser's, else the site's setting.
    pub fn locale(&self, fallback: Locale) -> Locale {
        let browser = self
            .additional_attributes
            .as_ref()
            .and_then(|a| a.get("browser_language"))
            .and_then(|l| l.as_str());
        match browser {
            Some(tag) => Locale::negotiate(None, Some(tag)),
            None => fallback,
        }
    }

    /// The channel of the conversation's inbox: as the integration maps it, else by the
    /// inbox's kind.
    pub fn channel(&self, config: &ChatwootConfig) -> Channel {
        if let Some(channel) = self.inbox_id.and_then(|id| config.inboxes.get(&id)) {
            return *channel;
        }
        match self.channel.as_deref().unwrap_or_default() {
            "Channel::Email" => Channel::Email,
            "Channel::Voice" => Channel::Phone,
            "Channel::Line"
            | "Channel::Whatsapp"
            | "Channel::FacebookPage"
            | "Channel::TwitterProfile"
            | "Channel::Telegram"
            | "Channel::Instagram"
            | "Channel::Sms"
            | "Channel::TwilioSms" => Channel::Sns,
            _ => Channel::Chat,
        }
    }
}

/// The interaction a conversation is.
pub fn interaction(account_id: u64, conversation: u64) -> Option<InteractionId> {
    InteractionId::try_from(format!("chatwoot-{account_id}-{conversation}")).ok()
}

/// Unix seconds, when the field is a number (Chatwoot writes 0 for "never": none).
fn seconds(field: &Option<serde_json::Value>) -> Option<f64> {
    field.as_ref()?.as_f64().filter(|s| *s > 0.0)
}

/// RFC 3339 of Unix seconds.
fn rfc3339(seconds: f64) -> Option<String> {
    jiff::Timestamp::from_millisecond((seconds * 1000.0) as i64)
        .ok()
        .map(|t| t.to_string())
}

/// The facts a resolution carries: channel, team, topic (the first label), the times
/// (created, first reply, resolved), the reopens Koe counted, and who is credited.
pub fn resolution_facts(
    conversation: &Payload,
    config: &ChatwootConfig,
    agent: Option<&str>,
    reopened: i64,
) -> FactsBody {
    let team = conversation
        .meta
        .as_ref()
        .and_then(|m| m.team.as_ref())
        .and_then(|t| TeamId::try_from(t.name.clone()).ok());
    let topic = conversation
        .labels
        .first()
        .and_then(|l| koe_shared::facts::Topic::try_from(l.as_str()).ok());
    let agents = agent
        .and_then(|a| AgentId::try_from(a.to_owned()).ok())
        .map(|agent| vec![AgentShare { agent, share: None }]);
    FactsBody {
        channel: Some(Some(conversation.channel(config))),
        team: team.map(Some),
        topic: topic.map(Some),
        opened_at: seconds(&conversation.created_at)
            .and_then(rfc3339)
            .map(Some),
        first_response_at: conversation.first_reply_created_at.clone().map(Some),
        resolved_at: seconds(&conversation.updated_at)
            .and_then(rfc3339)
            .map(Some),
        reopened: Some(Some(u32::try_from(reopened).unwrap_or(u32::MAX))),
        handled_by: agents.as_ref().map(|_| Some(HandledBy::Human)),
        agents: agents.map(Some),
        ..FactsBody::default()
    }
}

/// A site's plain text as Markdown that shows it as written: every character Markdown could
/// read as formatting or a link (`*`, `_`, `[`, `]`, …) escaped, and nothing else (a channel
/// that shows Markdown as text shows few backslashes).
pub fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '~' | '|'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The message posted into the conversation: the question and one link per CSAT score, as
/// Markdown links (Chatwoot renders them; channels that cannot show the plain URL).
pub fn rating_message(
    t: &MessagingTexts,
    words: &QuestionWords,
    links: &LinkSet,
    account_id: u64,
    conversation: u64,
) -> Call {
    let mut content = format!("{}\n\n", markdown_text(&words.csat_question));
    for (link, (face, label)) in links
        .csat
        .iter()
        .zip(
            koe_shared::survey::texts::CSAT_FACES
                .iter()
                .zip(&words.csat_labels),
        )
        .rev()
    {
        content.push_str(&format!(
            "{face} [{}]({})\n",
            markdown_text(label),
            link.url
        ));
    }
    content.push('\n');
    content.push_str(t.tap_one);
    Call {
        path: format!("/api/v1/accounts/{account_id}/conversations/{conversation}/messages"),
        body: json!({
            "content": content,
            "message_type": "outgoing",
            "private": false,
            "content_type": "text",
        }),
        expires_after_ms: None,
        retry_key: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A site's text goes into Chatwoot's Markdown as written: a label cannot close the link
    /// it sits in or open one of its own.
    #[test]
    fn a_sites_text_is_shown_as_written_in_markdown() {
        assert_eq!(
            markdown_text("*Great* [link](https://x) _me_ #1 a<b"),
            "\\*Great\\* \\[link\\](https://x) \\_me\\_ #1 a\\<b"
        );
        assert_eq!(markdown_text("とても満足"), "とても満足");
    }

    fn fixture(name: &str) -> Payload {
        let path = format!(
            "{}/../tests/fixtures/chatwoot/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn config() -> ChatwootConfig {
        ChatwootConfig {
            url: "https://chat.example".into(),
            account_id: 1,
            inboxes: Default::default(),
            locale: Locale::En,
        }
    }

    #[test]
    fn a_resolution_gives_its_facts_and_the_assignee() {
        let Event::Resolved(conversation) = fixture("conversation_status_changed_resolved").event()
        else {
            panic!("a resolution");
        };
        assert_eq!(conversation.assignee().as_deref(), Some("Ayumi"));
        assert_eq!(conversation.locale(Locale::En), Locale::Ja);
        assert_eq!(conversation.channel(&config()), Channel::Chat);
        let facts = resolution_facts(&conversation, &config(), Some("Ayumi"), 0);
        assert_eq!(
            facts.team,
            Some(Some(TeamId::try_from("billing".to_owned()).unwrap()))
        );
        assert_eq!(facts.topic.unwrap().unwrap().to_string(), "billing");
        assert!(facts.opened_at.is_some() && facts.resolved_at.is_some());
        assert_eq!(
            facts.first_response_at,
            Some(Some("2025-06-10T09:05:40.118Z".into()))
        );
    }

    #[test]
    fn an_unassigned_resolution_has_no_assignee_and_an_agents_message_names_them() {
        let Event::Resolved(conversation) =
            fixture("conversation_status_changed_resolved_unassigned").event()
        else {
            panic!("a resolution");
        };
        assert_eq!(conversation.assignee(), None);
        match fixture("message_created_outgoing_agent").event() {
            Event::AgentWrote {
                conversation,
                agent,
                ..
            } => assert_eq!((conversation, agent.as_str()), (42, "Ayumi")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            fixture("conversation_status_changed_open").event(),
            Event::Opened { conversation: 42 }
        ));
    }
}
