//! What every inbound event shares, whichever platform sent it: finding the integration its
//! secret path names, opening its credentials, the context the adapters act in, and why an
//! event is refused.

use koe_shared::facts::{FactsBody, FactsEntry};
use koe_shared::{CustomerId, InteractionId};
use serde::Serialize;

use super::seal::SealKey;
use super::{Credentials, IntegrationConfig, IntegrationKind};
use crate::clock;
use crate::interactions::{self, RecordError};
use crate::sites::Site;
use crate::sites::fatigue::CustomerKey;
use crate::storage::{
    AnswerStore, CustomerStore, FactsRefusal, FactsStore, IntegrationStore, StorageError,
    StoredIntegration,
};

/// What an adapter's storage must do: note events, record facts, apply the cooldown, store
/// answers.
pub trait ReceiveStore: IntegrationStore + FactsStore + CustomerStore + AnswerStore {}
impl<T: IntegrationStore + FactsStore + CustomerStore + AnswerStore> ReceiveStore for T {}

/// Why an inbound event was refused (nothing it asked was done).
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    /// No integration of that kind at that path (or it was removed).
    #[error("no integration at this address")]
    NotFound,
    #[error("this integration is paused")]
    Paused,
    /// The signature (or Basic auth) does not prove the sender.
    #[error("the request's signature does not match")]
    Signature,
    #[error("the payload cannot be read: {0}")]
    Payload(String),
    #[error("the interaction's facts were refused: {}", .0.first().map(|r| r.error.to_string()).unwrap_or_default())]
    Facts(Vec<FactsRefusal>),
    /// The stored credentials cannot be opened (the server's key changed).
    #[error("the integration's credentials cannot be opened")]
    Unsealable,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<RecordError> for ReceiveError {
    fn from(error: RecordError) -> Self {
        match error {
            RecordError::Refused(refusals) => Self::Facts(refusals),
            RecordError::Storage(error) => Self::Storage(error),
        }
    }
}

/// An integration found by its path, its settings read and its credentials opened.
#[derive(Debug, Clone)]
pub struct Opened {
    pub stored: StoredIntegration,
    pub config: IntegrationConfig,
    pub credentials: Credentials,
}

/// The integration of `kind` at the secret path `path`, if it is not paused (checked before
/// its credentials are opened).
pub async fn open<S: IntegrationStore>(
    storage: &S,
    seal: &SealKey,
    kind: IntegrationKind,
    path: &str,
) -> Result<Opened, ReceiveError> {
    let stored = storage
        .integration_by_path(crate::secrets::digest(path))
        .await?
        .filter(|i| i.kind == kind.as_str())
        .ok_or(ReceiveError::NotFound)?;
    if stored.paused {
        return Err(ReceiveError::Paused);
    }
    let config = serde_json::from_str(&stored.config).map_err(|_| ReceiveError::Unsealable)?;
    let credentials = seal
        .open(&stored.sealed)
        .ok()
        .and_then(|plain| serde_json::from_str(&plain).ok())
        .ok_or(ReceiveError::Unsealable)?;
    Ok(Opened {
        stored,
        config,
        credentials,
    })
}

/// Where an adapter acts: the storage, the integration's site, the cooldown's key, where
/// rating links point and how long answers may be edited.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a, S> {
    pub storage: &'a S,
    pub site: &'a Site,
    pub customer_key: &'a CustomerKey,
    pub base: &'a str,
    pub edit_window_ms: i64,
    pub opened: &'a Opened,
}

impl<S: ReceiveStore> Context<'_, S> {
    /// Records an interaction's facts (and its customer, hashed); a refusal is noted as the
    /// integration's last error and refuses the event.
    pub async fn record_facts(
        &self,
        interaction: &InteractionId,
        mut facts: FactsBody,
        customer: Option<&CustomerId>,
    ) -> Result<(), ReceiveError> {
        if let Some(customer) = customer {
            facts.customer = Some(Some(customer.clone()));
        }
        let entry = FactsEntry {
            interaction: interaction.clone(),
            facts,
        };
        let now = clock::now();
        match interactions::record(self.storage, self.site, self.customer_key, vec![entry], now)
            .await
        {
            Ok(_) => Ok(()),
            Err(error) => {
                let error = ReceiveError::from(error);
                self.note_error(&error.to_string()).await;
                Err(error)
            }
        }
    }

    /// Notes a refused request (a signature that did not match) as the last error, at most
    /// once a minute: a sender who knows the address but not the secret cannot make every
    /// request a write.
    pub async fn note_refusal(&self, error: &str) {
        if let Err(e) = self
            .storage
            .note_refusal(self.opened.stored.id, error, clock::now_ms())
            .await
        {
            tracing::warn!(error = %e, "could not note an integration's refusal");
        }
    }

    /// Notes what went wrong last, for the site's admins (a failure to note it is logged).
    pub async fn note_error(&self, error: &str) {
        if let Err(e) = self
            .storage
            .note_integration(self.opened.stored.id, Some(error), clock::now_ms())
            .await
        {
            tracing::warn!(error = %e, "could not note an integration's error");
        }
    }
}

/// What became of an inbound event, as answered to the platform.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Received {
    /// Recorded, and a survey is on its way (or was declined: `skipped`).
    Recorded,
    Surveyed,
    Skipped,
    /// Seen before: nothing done again.
    Duplicate,
    /// Not an event Koe acts on.
    Ignored,
}
