//! A Chatwoot webhook, acted on: its signature checked (Chatwoot 4.11.2 and later sign with
//! the webhook's secret: `X-Chatwoot-Signature: sha256=<hex>` of `"<timestamp>.<body>"`, the
//! timestamp in `X-Chatwoot-Timestamp`, refused beyond 5 minutes' skew), an agent's message
//! noted, a reopen counted, and a resolution recorded and surveyed once.

use hmac::{Hmac, Mac};
use koe_shared::facts::FactsBody;
use sha2::Sha256;

use super::{Event, Payload, interaction, rating_message, resolution_facts};
use crate::clock;
use crate::integrations::receive::{Context, Opened, ReceiveError, ReceiveStore, Received};
use crate::integrations::{ChatwootConfig, Credentials, IntegrationConfig};
use crate::links::{LinkRequest, Recipient, issue};
use crate::sites::survey::QuestionWords;
use crate::storage::{EventState, NewEvent};
use crate::texts::messaging;

/// How far a signed request's timestamp may be from the server's clock.
pub const MAX_SKEW_S: i64 = 300;
/// How long the links in a conversation live.
const LINK_DAYS: u64 = 14;

/// Whether the signature headers prove `body` came from Chatwoot with `secret`.
pub fn signature_ok(
    secret: &str,
    body: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    now_s: i64,
) -> bool {
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return false;
    };
    let Ok(at) = timestamp.trim().parse::<i64>() else {
        return false;
    };
    let Some(given) = signature
        .trim()
        .strip_prefix("sha256=")
        .and_then(crate::integrations::decode_hex)
    else {
        return false;
    };
    if (now_s - at).abs() > MAX_SKEW_S {
        return false;
    }
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(timestamp.trim().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

/// The signature headers, as sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct Signed<'a> {
    pub timestamp: Option<&'a str>,
    pub signature: Option<&'a str>,
}

fn settings(opened: &Opened) -> Option<(&ChatwootConfig, Option<&str>)> {
    match (&opened.config, &opened.credentials) {
        (IntegrationConfig::Chatwoot(config), Credentials::Chatwoot { webhook_secret, .. }) => {
            Some((config, webhook_secret.as_deref()))
        }
        _ => None,
    }
}

/// Acts on one webhook from Chatwoot.
#[tracing::instrument(name = "integrations::chatwoot", skip_all, fields(integration = %cx.opened.stored.id))]
pub async fn receive<S: ReceiveStore>(
    cx: Context<'_, S>,
    body: &[u8],
    signed: Signed<'_>,
) -> Result<Received, ReceiveError> {
    let (config, secret) = settings(cx.opened).ok_or(ReceiveError::NotFound)?;
    if let Some(secret) = secret
        && !signature_ok(
            secret,
            body,
            signed.timestamp,
            signed.signature,
            clock::now_ms() / 1000,
        )
    {
        cx.note_refusal("a request's signature did not match").await;
        return Err(ReceiveError::Signature);
    }
    let payload: Payload =
        serde_json::from_slice(body).map_err(|e| ReceiveError::Payload(e.to_string()))?;
    let integration = cx.opened.stored.id;
    let storage = cx.storage;
    match payload.event() {
        Event::AgentWrote {
            conversation,
            agent,
            content,
        } => {
            // Koe's own rating message, posted with a user's token, is not that user's reply.
            if content.contains(&format!("{}/s/", cx.base.trim_end_matches('/'))) {
                return Ok(Received::Ignored);
            }
            storage
                .note_conversation_agent(integration, &conversation.to_string(), &agent)
                .await?;
            Ok(Received::Recorded)
        }
        Event::Opened { conversation } => {
            let before = storage
                .conversation(integration, &conversation.to_string())
                .await?;
            let after = storage
                .note_conversation_status(integration, &conversation.to_string(), false)
                .await?;
            let Some(id) = interaction(config.account_id, conversation) else {
                return Ok(Received::Ignored);
            };
            if !before.resolved {
                return Ok(Received::Ignored);
            }
            let facts = FactsBody {
                resolved_at: Some(None),
                reopened: Some(Some(u32::try_from(after.reopened).unwrap_or(u32::MAX))),
                ..FactsBody::default()
            };
            cx.record_facts(&id, facts, None).await?;
            Ok(Received::Recorded)
        }
        Event::Resolved(conversation) => resolved(cx, config, &conversation).await,
        Event::Other => Ok(Received::Ignored),
    }
}

/// A resolution: recorded with its facts and the credited agent, then — in the site's sample
/// and outside the contact's cooldown — the rating message queued for the conversation. Once
/// per resolution: a resend (or the second of two deliveries) finds its key.
async fn resolved<S: ReceiveStore>(
    cx: Context<'_, S>,
    config: &ChatwootConfig,
    conversation: &Payload,
) -> Result<Received, ReceiveError> {
    let integration = cx.opened.stored.id;
    let number = conversation.id.unwrap_or_default();
    let Some(id) = interaction(config.account_id, number) else {
        return Ok(Received::Ignored);
    };
    let state = cx
        .storage
        .note_conversation_status(integration, &number.to_string(), true)
        .await?;
    let key = format!("resolution:{number}:{}", state.reopened);
    if cx.storage.event_seen(integration, &key).await?.is_some() {
        return Ok(Received::Duplicate);
    }
    let agent = conversation.assignee().or(state.last_agent);
    let facts = resolution_facts(conversation, config, agent.as_deref(), state.reopened);
    let contact = conversation.contact();
    // Times a rule refuses (a first reply stamped before the opening by a skewed clock) do not
    // cost the customer their survey: the rest is recorded, and the event says why its times
    // are missing.
    let untimed = FactsBody {
        opened_at: None,
        first_response_at: None,
        resolved_at: None,
        ..facts.clone()
    };
    let facts_refused = match cx.record_facts(&id, facts, contact.as_ref()).await {
        Err(refused @ ReceiveError::Facts(_)) => {
            cx.record_facts(&id, untimed, contact.as_ref()).await?;
            Some(format!("recorded without its times: {refused}"))
        }
        other => other.map(|()| None)?,
    };
    let locale = conversation.locale(config.locale);
    let request = LinkRequest::in_conversation(
        id.clone(),
        agent.and_then(|a| koe_shared::AgentId::try_from(a).ok()),
        conversation
            .meta
            .as_ref()
            .and_then(|m| m.team.as_ref())
            .and_then(|t| koe_shared::TeamId::try_from(t.name.clone()).ok()),
        conversation.channel(config),
        LINK_DAYS,
        locale,
    );
    let recipient = Recipient {
        customer: contact.as_ref(),
        force: false,
    };
    let admitted = issue(
        cx.storage,
        cx.site,
        cx.customer_key,
        &request,
        recipient,
        cx.base,
    )
    .await?;
    let (state, detail, call, answer) = match admitted {
        Ok(links) => {
            let words =
                QuestionWords::of(&cx.site.survey.in_language(locale.as_str(), &cx.site.name));
            let call = rating_message(
                messaging::of(locale),
                &words,
                &links,
                config.account_id,
                number,
            );
            (
                EventState::Pending,
                facts_refused,
                serde_json::to_string(&call).ok(),
                Received::Surveyed,
            )
        }
        Err(declined) => (
            EventState::Skipped,
            Some(declined.as_str().to_owned()),
            None,
            Received::Skipped,
        ),
    };
    let noted = cx
        .storage
        .note_event(NewEvent {
            integration_id: integration,
            site_id: cx.site.id,
            key,
            interaction: Some(id.to_string()),
            state,
            detail,
            call,
            at_ms: clock::now_ms(),
        })
        .await?;
    Ok(if noted { answer } else { Received::Duplicate })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_chatwoots_over_the_timestamp_and_body() {
        // The vector in tests/fixtures/chatwoot/NOTES.md (checked with openssl).
        let secret = "hVq3Xk9bT2sN7dWmR4pLc8Fz";
        let body = br#"{"event":"conversation_status_changed","id":42,"status":"resolved"}"#;
        let signature = "sha256=70c4a79d16c3eb4ee0da5c2eb1ec8fd223e379d6f6e72e5ec60860e03ac88025";
        let at = 1_749_547_264;
        assert!(signature_ok(
            secret,
            body,
            Some("1749547264"),
            Some(signature),
            at + 10
        ));
        assert!(!signature_ok(
            secret,
            body,
            Some("1749547264"),
            Some(signature),
            at + 301
        ));
        assert!(!signature_ok(
            secret,
            b"{}",
            Some("1749547264"),
            Some(signature),
            at
        ));
        assert!(!signature_ok(
            secret,
            body,
            Some("1749547265"),
            Some(signature),
            at
        ));
        assert!(!signature_ok(
            "other",
            body,
            Some("1749547264"),
            Some(signature),
            at
        ));
        assert!(!signature_ok(secret, body, None, Some(signature), at));
        assert!(!signature_ok(
            secret,
            body,
            Some("1749547264"),
            Some("sha256=zz"),
            at
        ));
    }
}
