//! An interaction's facts as stored (`interactions`), read back into [`InteractionFacts`].

use koe_shared::facts::AgentShare;
use koe_shared::{InteractionId, TeamId};

use crate::facts::{FactsUpdate, InteractionFacts};
use crate::storage::{CustomerHash, StorageError, StoredFacts};

/// An `interactions` row.
#[derive(Debug, sqlx::FromRow)]
pub(in crate::storage) struct FactsRow {
    pub interaction: String,
    pub day: String,
    pub channel: Option<String>,
    pub team: Option<String>,
    pub topic: Option<String>,
    pub customer_hash: Option<Vec<u8>>,
    pub opened_at_ms: Option<i64>,
    pub first_response_at_ms: Option<i64>,
    pub resolved_at_ms: Option<i64>,
    pub reopened: Option<i64>,
    pub contacts: Option<i64>,
    pub handled_by: Option<String>,
    pub agents: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

impl FactsRow {
    pub(in crate::storage) fn into_stored(
        self,
    ) -> Result<(InteractionId, StoredFacts), StorageError> {
        let corrupt = |what: &str, e: &dyn std::fmt::Display| {
            StorageError::Corrupt(format!("interaction {}: {what}: {e}", self.interaction))
        };
        let count = |v: Option<i64>, what: &str| {
            v.map(|n| u32::try_from(n).map_err(|e| corrupt(what, &e)))
                .transpose()
        };
        let agents: Vec<AgentShare> =
            serde_json::from_str(&self.agents).map_err(|e| corrupt("agents", &e))?;
        let update = FactsUpdate {
            channel: Some(
                self.channel
                    .as_deref()
                    .map(str::parse)
                    .transpose()
                    .map_err(|e| corrupt("channel", &e))?,
            ),
            team: Some(
                self.team
                    .clone()
                    .map(TeamId::try_from)
                    .transpose()
                    .map_err(|e| corrupt("team", &e))?,
            ),
            topic: Some(
                self.topic
                    .clone()
                    .map(koe_shared::facts::Topic::try_from)
                    .transpose()
                    .map_err(|e| corrupt("topic", &e))?,
            ),
            opened_at_ms: Some(self.opened_at_ms),
            first_response_at_ms: Some(self.first_response_at_ms),
            resolved_at_ms: Some(self.resolved_at_ms),
            reopened: Some(count(self.reopened, "reopened")?),
            contacts: Some(count(self.contacts, "contacts")?),
            handled_by: Some(
                self.handled_by
                    .as_deref()
                    .map(str::parse)
                    .transpose()
                    .map_err(|e| corrupt("handled_by", &e))?,
            ),
            agents: Some(agents),
        };
        let facts = InteractionFacts::default()
            .merged(&update)
            .map_err(|e| corrupt("facts", &e))?;
        let customer = match self.customer_hash {
            None => None,
            Some(bytes) => Some(CustomerHash(
                bytes
                    .try_into()
                    .map_err(|_| corrupt("customer_hash", &"not 32 bytes"))?,
            )),
        };
        let interaction =
            InteractionId::try_from(self.interaction.clone()).map_err(|e| corrupt("id", &e))?;
        Ok((
            interaction,
            StoredFacts {
                facts,
                day: self.day.parse().map_err(|e| corrupt("day", &e))?,
                customer,
                created_at_ms: self.created_at_ms,
                updated_at_ms: self.updated_at_ms,
            },
        ))
    }
}
