//! Sending a rating card to a LINE user through a connected channel, when the site asks (a
//! push costs the channel's monthly quota, so Koe never pushes on its own): the site's sample
//! and the person's cooldown first, then the card — postback buttons, or link buttons when the
//! ids are too long for a postback — queued once per interaction, with a retry key so LINE
//! sends it once however often the call is retried.

use koe_shared::CustomerId;

use super::push;
use crate::clock;
use crate::ids::IntegrationId;
use crate::integrations::flex::{CardAnswer, CardError, rating_card};
use crate::integrations::receive::ReceiveStore;
use crate::links::LinkRequest;
use crate::sites::Site;
use crate::sites::fatigue::CustomerKey;
use crate::storage::{EventState, NewEvent, StorageError};
use crate::surveying::admit_link;

/// What became of a push asked for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Pushed {
    /// Queued: LINE gets it shortly.
    Queued,
    /// A card for this interaction was pushed before: not again.
    Duplicate,
    /// Not sent: `sampled_out` or `cooldown`.
    Declined(&'static str),
}

/// Why a push cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("no LINE integration {0} on this site")]
    NoSuchIntegration(IntegrationId),
    #[error("this integration is paused: resume it to push")]
    Paused,
    #[error("`to` must be a LINE user, group or room id (U…, C…, R… and 32 hex digits)")]
    Recipient,
    #[error(transparent)]
    Card(#[from] CardError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Whether `to` looks like a LINE id: `U`, `C` or `R`, then 32 lowercase hex digits.
fn is_line_id(to: &str) -> bool {
    let mut chars = to.chars();
    matches!(chars.next(), Some('U' | 'C' | 'R'))
        && to.len() == 33
        && chars.all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

/// Queues a rating card for `to` about `request`'s interaction.
pub async fn push_card<S: ReceiveStore>(
    storage: &S,
    site: &Site,
    key: &CustomerKey,
    integration: IntegrationId,
    to: &str,
    request: &LinkRequest,
    base: &str,
) -> Result<Pushed, PushError> {
    let Some(stored) = storage
        .integrations(site.id)
        .await?
        .into_iter()
        .find(|i| i.id == integration && i.kind == "line")
    else {
        return Err(PushError::NoSuchIntegration(integration));
    };
    if stored.paused {
        return Err(PushError::Paused);
    }
    if !is_line_id(to) {
        return Err(PushError::Recipient);
    }
    let event_key = format!("push:{}", request.interaction);
    if storage.event_seen(integration, &event_key).await?.is_some() {
        return Ok(Pushed::Duplicate);
    }
    let person = CustomerId::try_from(format!("line-{to}")).ok();
    if let Err(declined) = admit_link(
        storage,
        site,
        key,
        &request.interaction,
        person.as_ref(),
        false,
    )
    .await?
    {
        let reason = declined.as_str();
        note(
            storage,
            site,
            integration,
            event_key,
            request,
            EventState::Skipped,
            Some(reason),
            None,
        )
        .await?;
        return Ok(Pushed::Declined(reason));
    }
    let card = match rating_card(site, base, request, CardAnswer::Postback) {
        Err(CardError::PostbackTooLong(_)) => rating_card(site, base, request, CardAnswer::Link)?,
        other => other?,
    };
    let call = serde_json::to_string(&push(to, vec![card])).ok();
    let noted = note(
        storage,
        site,
        integration,
        event_key,
        request,
        EventState::Pending,
        None,
        call,
    )
    .await?;
    Ok(if noted {
        Pushed::Queued
    } else {
        Pushed::Duplicate
    })
}

#[allow(clippy::too_many_arguments)]
async fn note<S: ReceiveStore>(
    storage: &S,
    site: &Site,
    integration: IntegrationId,
    key: String,
    request: &LinkRequest,
    state: EventState,
    detail: Option<&str>,
    call: Option<String>,
) -> Result<bool, StorageError> {
    storage
        .note_event(NewEvent {
            integration_id: integration,
            site_id: site.id,
            key,
            interaction: Some(request.interaction.to_string()),
            state,
            detail: detail.map(str::to_owned),
            call,
            at_ms: clock::now_ms(),
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_line_ids_are_pushed_to() {
        assert!(is_line_id("U4af4980629a1b2c3d4e5f60718293a4b"));
        assert!(!is_line_id("U4af4980629..."));
        assert!(!is_line_id("X4af4980629a1b2c3d4e5f60718293a4b"));
        assert!(!is_line_id("U4AF4980629A1B2C3D4E5F60718293A4B"));
    }
}
