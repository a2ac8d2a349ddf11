//! A LINE webhook, acted on: refused unless `X-Line-Signature` signs its raw body with the
//! channel secret (before the body is even parsed); then each event once (by its
//! `webhookEventId`, the same on a redelivery): a tap on one of Koe's rating cards is the
//! person's answer — verified like a rating link, stored like one — and is thanked through the
//! reply endpoint (with the "resolved?" quick replies where the site asks). Other events are
//! not Koe's and are left alone.

use koe_shared::token::OfferedQuestion;
use koe_shared::{AttributionToken, CsatScore, NpsScore, Resolved as ResolvedAnswer};

use super::{Tap, Webhook, after_rating, reply, signature_ok};
use crate::clock;
use crate::integrations::receive::{Context, ReceiveError, ReceiveStore, Received};
use crate::integrations::{Credentials, IntegrationConfig};
use crate::responses::merge::Client;
use crate::responses::submit::{Submitted, submit};
use crate::responses::{Answers, Attribution, Source};
use crate::storage::{EventState, NewEvent, SaveError};
use crate::texts::messaging;

/// Acts on one webhook from LINE; what became of each of its events.
#[tracing::instrument(name = "integrations::line", skip_all, fields(integration = %cx.opened.stored.id))]
pub async fn receive<S: ReceiveStore>(
    cx: Context<'_, S>,
    body: &[u8],
    signature: Option<&str>,
) -> Result<Vec<Received>, ReceiveError> {
    let (IntegrationConfig::Line(config), Credentials::Line { channel_secret, .. }) =
        (&cx.opened.config, &cx.opened.credentials)
    else {
        return Err(ReceiveError::NotFound);
    };
    if !signature_ok(channel_secret, body, signature) {
        cx.note_error("a request's X-Line-Signature did not match")
            .await;
        return Err(ReceiveError::Signature);
    }
    let webhook: Webhook =
        serde_json::from_slice(body).map_err(|e| ReceiveError::Payload(e.to_string()))?;
    let mut received = Vec::with_capacity(webhook.events.len());
    for event in webhook.events {
        let tap = match (&event.kind[..], &event.postback) {
            ("postback", Some(postback)) => Tap::parse(&postback.data),
            _ => None,
        };
        let Some(tap) = tap else {
            received.push(Received::Ignored);
            continue;
        };
        let key = format!("line:{}", event.webhook_event_id);
        if cx
            .storage
            .event_seen(cx.opened.stored.id, &key)
            .await?
            .is_some()
        {
            received.push(Received::Duplicate);
            continue;
        }
        let t = messaging::of(tap.locale);
        let (interaction, messages, detail) = match answer(&cx, &tap).await? {
            Some(interaction) => {
                let messages = match tap.resolved {
                    Some(_) => vec![super::text(t.noted, None)],
                    None => after_rating(t, &tap, config.ask_resolved),
                };
                (Some(interaction), messages, None)
            }
            None => (
                None,
                vec![super::text(t.expired, None)],
                Some("the card's token is expired or not this site's".to_owned()),
            ),
        };
        // A standby event has no reply token: recorded, not answered.
        let call = event
            .reply_token
            .as_deref()
            .filter(|_| event.mode.as_deref() != Some("standby"))
            .map(|token| reply(token, messages))
            .and_then(|call| serde_json::to_string(&call).ok());
        let noted = cx
            .storage
            .note_event(NewEvent {
                integration_id: cx.opened.stored.id,
                site_id: cx.site.id,
                key,
                interaction,
                state: match call {
                    Some(_) => EventState::Pending,
                    None => EventState::Recorded,
                },
                detail,
                call,
                at_ms: clock::now_ms(),
            })
            .await?;
        received.push(match noted {
            true => Received::Recorded,
            false => Received::Duplicate,
        });
    }
    Ok(received)
}

/// Stores the tap as the person's answer; the interaction, or `None` when the token is not
/// a valid rating token of this site (expired, another site's, made up).
async fn answer<S: ReceiveStore>(
    cx: &Context<'_, S>,
    tap: &Tap,
) -> Result<Option<String>, ReceiveError> {
    let Ok(token) = AttributionToken::try_from(tap.token.clone()) else {
        return Ok(None);
    };
    let Ok(claims) = cx.site.verify_token(&token, clock::now_ms()) else {
        return Ok(None);
    };
    let Some(offer) = claims.offer.filter(|_| claims.site == cx.site.key) else {
        return Ok(None);
    };
    let mut answers = Answers::default();
    match tap.resolved {
        Some(resolved) => answers.resolved = Some(ResolvedAnswer::from(resolved)),
        None => match offer.question() {
            OfferedQuestion::Csat => answers.csat = CsatScore::try_from(offer.score()).ok(),
            OfferedQuestion::Nps => answers.nps = NpsScore::try_from(offer.score()).ok(),
        },
    }
    answers.locale = Some(koe_shared::survey::LanguageTag::of_locale(tap.locale));
    // The card asked in the site's survey as published when it was sent: the version now is
    // the closest the tap can tell.
    answers.survey_version = Some(cx.site.survey.version);
    let submitted = Submitted {
        interaction: claims.interaction.clone(),
        attribution: Attribution {
            agent: claims.agent,
            team: claims.team,
            channel: claims.channel,
            verified: true,
        },
        answers,
        source: Source {
            client: Client::Messaging,
            flagged: false,
        },
        at: clock::now(),
    };
    match submit(cx.storage, cx.site, submitted, cx.edit_window_ms).await {
        Ok(_) => Ok(Some(claims.interaction.to_string())),
        // Past the edit window: the first answer stands.
        Err(SaveError::Rejected(_)) => Ok(Some(claims.interaction.to_string())),
        Err(SaveError::Storage(error)) => Err(error.into()),
    }
}
