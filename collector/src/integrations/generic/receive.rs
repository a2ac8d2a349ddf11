//! A helpdesk's "ticket solved" webhook, acted on through the site's field mapping: the
//! request proved (signature or Basic auth), the interaction recorded with the facts mapped,
//! then — as the integration says — the rating links answered (in the site's sample and
//! outside the customer's cooldown), or only the record. A resend of the same ticket's
//! solution answers the same links again and records nothing twice.

use koe_shared::facts::{AgentShare, FactsBody, HandledBy, Topic};
use koe_shared::{AgentId, Channel, CustomerId, InteractionId, Locale, TeamId};
use serde::Serialize;
use serde_json::Value;

use super::{Presented, Respond, authenticated, text_at};
use crate::clock;
use crate::integrations::receive::{Context, ReceiveError, ReceiveStore, Received};
use crate::integrations::{Credentials, GenericConfig, IntegrationConfig};
use crate::links::{LinkRequest, LinkSet, Recipient, build, issue};
use crate::storage::{EventState, NewEvent};

/// How long the answered links live.
const LINK_DAYS: u64 = 14;

/// What the hook answers.
#[derive(Debug, Serialize)]
pub struct Answer {
    pub received: Received,
    pub interaction: String,
    /// The links, when the integration answers them and the customer is surveyed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<LinkSet>,
    /// Why no links: `sampled_out` or `cooldown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declined: Option<&'static str>,
}

/// An RFC 3339 time at `pointer`, as text, or a number of Unix seconds written as one.
fn time_at(body: &Value, pointer: Option<&str>) -> Option<String> {
    match body.pointer(pointer?)? {
        Value::Number(n) => jiff::Timestamp::from_second(n.as_i64()?)
            .ok()
            .map(|t| t.to_string()),
        _ => text_at(body, pointer),
    }
}

/// The facts the mapping finds; a field found but not valid (a channel Koe does not know) is
/// refused with its name.
fn mapped_facts(
    config: &GenericConfig,
    body: &Value,
) -> Result<(FactsBody, Option<AgentId>, Option<TeamId>, Channel), ReceiveError> {
    let m = &config.mapping;
    let invalid = |field: &str, e: koe_shared::ParseError| {
        ReceiveError::Payload(format!("the mapped `{field}` is not valid: {e}"))
    };
    let agent = text_at(body, m.agent.as_deref())
        .map(AgentId::try_from)
        .transpose()
        .map_err(|e| invalid("agent", e))?;
    let team = text_at(body, m.team.as_deref())
        .map(TeamId::try_from)
        .transpose()
        .map_err(|e| invalid("team", e))?;
    let channel = text_at(body, m.channel.as_deref())
        .map(|c| c.to_ascii_lowercase().parse::<Channel>())
        .transpose()
        .map_err(|e| invalid("channel", e))?;
    let topic = text_at(body, m.topic.as_deref())
        .map(Topic::try_from)
        .transpose()
        .map_err(|e| invalid("topic", e))?;
    let agents = agent
        .clone()
        .map(|agent| vec![AgentShare { agent, share: None }]);
    let facts = FactsBody {
        channel: channel.map(Some),
        team: team.clone().map(Some),
        topic: topic.map(Some),
        opened_at: time_at(body, m.opened_at.as_deref()).map(Some),
        first_response_at: time_at(body, m.first_response_at.as_deref()).map(Some),
        resolved_at: time_at(body, m.resolved_at.as_deref()).map(Some),
        handled_by: agents.as_ref().map(|_| Some(HandledBy::Human)),
        agents: agents.map(Some),
        ..FactsBody::default()
    };
    Ok((facts, agent, team, channel.unwrap_or(Channel::Other)))
}

/// Acts on one hook call.
#[tracing::instrument(name = "integrations::generic", skip_all, fields(integration = %cx.opened.stored.id))]
pub async fn receive<S: ReceiveStore>(
    cx: Context<'_, S>,
    body: &[u8],
    presented: Presented<'_>,
) -> Result<Answer, ReceiveError> {
    let (IntegrationConfig::Generic(config), Credentials::Generic { secret }) =
        (&cx.opened.config, &cx.opened.credentials)
    else {
        return Err(ReceiveError::NotFound);
    };
    if !authenticated(config.auth, secret, body, presented, clock::now_ms() / 1000) {
        cx.note_refusal("a request's signature or credentials did not match")
            .await;
        return Err(ReceiveError::Signature);
    }
    let json: Value =
        serde_json::from_slice(body).map_err(|e| ReceiveError::Payload(e.to_string()))?;
    let interaction = text_at(&json, Some(&config.mapping.interaction))
        .ok_or_else(|| {
            ReceiveError::Payload(format!(
                "nothing at {} (the mapped interaction)",
                config.mapping.interaction
            ))
        })
        .and_then(|id| {
            InteractionId::try_from(id)
                .map_err(|e| ReceiveError::Payload(format!("the mapped `interaction`: {e}")))
        })?;
    let (facts, agent, team, channel) = mapped_facts(config, &json)?;
    let customer = text_at(&json, config.mapping.customer.as_deref())
        .or_else(|| text_at(&json, config.mapping.email.as_deref()).map(|e| e.to_lowercase()))
        .and_then(|c| CustomerId::try_from(c).ok());
    let key = format!(
        "solved:{interaction}:{}",
        facts.resolved_at.clone().flatten().unwrap_or_default()
    );
    let seen = cx.storage.event_seen(cx.opened.stored.id, &key).await?;
    let skipped_before = seen
        .as_ref()
        .is_some_and(|(state, _)| state == EventState::Skipped.as_str());
    // The links of a resend are the first answer's: they expire counting from then.
    let now_ms = clock::now_ms();
    let issued_ms = seen.as_ref().map_or(now_ms, |(_, at)| *at);
    let seen = seen.is_some();
    cx.record_facts(&interaction, facts, customer.as_ref())
        .await?;
    let locale = text_at(&json, config.mapping.locale.as_deref())
        .map_or(Locale::En, |tag| Locale::negotiate(Some(&tag), None));
    let mut request =
        LinkRequest::in_conversation(interaction.clone(), agent, team, channel, LINK_DAYS, locale);
    request.expires_at = u64::try_from(issued_ms / 1000).unwrap_or(0) + LINK_DAYS * 86_400;
    let (received, links, declined) = match (config.respond, seen) {
        (Respond::Record, seen) => (
            if seen {
                Received::Duplicate
            } else {
                Received::Recorded
            },
            None,
            None,
        ),
        (Respond::Links, true) if skipped_before => (Received::Duplicate, None, None),
        // Answered again the same way: the helpdesk may have missed the first answer.
        (Respond::Links, true) => (
            Received::Duplicate,
            Some(build(cx.site, cx.base, &request)),
            None,
        ),
        (Respond::Links, false) => {
            let recipient = Recipient {
                customer: customer.as_ref(),
                force: false,
            };
            match issue(
                cx.storage,
                cx.site,
                cx.customer_key,
                &request,
                recipient,
                cx.base,
            )
            .await?
            {
                Ok(links) => (Received::Surveyed, Some(links), None),
                Err(declined) => (Received::Skipped, None, Some(declined.as_str())),
            }
        }
    };
    if !seen {
        cx.storage
            .note_event(NewEvent {
                integration_id: cx.opened.stored.id,
                site_id: cx.site.id,
                key,
                interaction: Some(interaction.to_string()),
                state: match declined {
                    Some(_) => EventState::Skipped,
                    None => EventState::Recorded,
                },
                detail: declined.map(str::to_owned),
                call: None,
                at_ms: now_ms,
            })
            .await?;
    }
    Ok(Answer {
        received,
        interaction: interaction.to_string(),
        links,
        declined,
    })
}
