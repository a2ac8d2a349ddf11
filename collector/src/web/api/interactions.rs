//! Interaction facts (`write` keys — a site's backend, server to server — and `admin` keys):
//! `PUT /api/v1/sites/{site}/interactions/{interaction}` for one, `POST …/interactions` for a
//! batch of up to 1 000, `GET …/interactions/{interaction}` (read) to see what is stored.
//! Facts that break a rule are refused with 422 `invalid_facts` naming the field, and nothing
//! is stored (`interactions::record`).

use actix_web::{HttpResponse, web};
use koe_shared::InteractionId;
use koe_shared::facts::{AgentShare, BatchBody, FactsBody, FactsEntry, HandledBy, Topic};
use koe_shared::{Channel, TeamId};
use serde::Serialize;

use super::caller::Caller;
use super::paths::{InteractionPath, SitePath};
use crate::clock;
use crate::facts::InteractionFacts;
use crate::interactions::{self, RecordError};
use crate::storage::{FactsSaved, Storage, StoredFacts};
use crate::web::error::{FactsErrorBody, ManageError};
use crate::web::state::AppState;

/// Facts as stored, times in RFC 3339 (UTC).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FactsView {
    pub channel: Option<Channel>,
    #[schema(value_type = Option<String>)]
    pub team: Option<TeamId>,
    #[schema(value_type = Option<String>)]
    pub topic: Option<Topic>,
    pub opened_at: Option<String>,
    pub first_response_at: Option<String>,
    pub resolved_at: Option<String>,
    pub reopened: Option<u32>,
    pub contacts: Option<u32>,
    #[schema(value_type = Option<String>)]
    pub handled_by: Option<HandledBy>,
    #[schema(value_type = Vec<Object>)]
    pub agents: Vec<AgentShare>,
    /// Seconds from opening to the first response, when both are known.
    pub first_response_secs: Option<f64>,
    /// Resolved in one contact and never reopened (`null`: open, or contacts unknown).
    pub first_contact_resolved: Option<bool>,
}

impl From<&InteractionFacts> for FactsView {
    fn from(f: &InteractionFacts) -> Self {
        let time = |ms: Option<i64>| {
            ms.and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
                .map(|t| t.to_string())
        };
        Self {
            channel: f.channel(),
            team: f.team().cloned(),
            topic: f.topic().cloned(),
            opened_at: time(f.opened_at_ms()),
            first_response_at: time(f.first_response_at_ms()),
            resolved_at: time(f.resolved_at_ms()),
            reopened: f.reopened(),
            contacts: f.contacts(),
            handled_by: f.handled_by(),
            agents: f.agents().to_vec(),
            first_response_secs: f.first_response_ms().map(|ms| ms as f64 / 1000.0),
            first_contact_resolved: f.first_contact_resolved(),
        }
    }
}

/// An interaction's facts after a write.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StoredView {
    pub interaction: String,
    /// `created` (no facts before) or `updated`.
    pub status: &'static str,
    /// The site's local day the interaction counts on (its opening's, else its first facts').
    pub counts_on: String,
    pub facts: FactsView,
}

impl From<&FactsSaved> for StoredView {
    fn from(saved: &FactsSaved) -> Self {
        Self {
            interaction: saved.interaction.to_string(),
            status: if saved.created { "created" } else { "updated" },
            counts_on: saved.day.to_string(),
            facts: FactsView::from(&saved.facts),
        }
    }
}

/// What a batch stored.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchStored {
    pub created: usize,
    pub updated: usize,
    pub interactions: Vec<StoredView>,
}

fn refused(error: RecordError) -> ManageError {
    match error {
        RecordError::Refused(refused) => ManageError::InvalidFacts(refused),
        RecordError::Storage(error) => error.into(),
    }
}

fn interaction_id(raw: String) -> Result<InteractionId, ManageError> {
    InteractionId::try_from(raw).map_err(|e| ManageError::BadParameter(e.to_string()))
}

#[utoipa::path(
    put,
    path = "/api/v1/sites/{site}/interactions/{interaction}",
    tag = "service",
    summary = "Record an interaction's service facts",
    description = "Channel, team, topic, customer (kept as a keyed hash), opening, first \
        response and resolution times (RFC 3339 with an offset), reopen count, contacts, who \
        handled it and the agents with their shares. Only the fields sent change: absent \
        keeps, `null` clears, a value replaces. Idempotent. The result must keep the rules \
        (a first response or resolution not before the opening, at least 1 contact, shares \
        adding up to at most 1) or nothing is stored (422 `invalid_facts`, naming the field). \
        The survey's answer to the same interaction joins these facts whichever comes first. \
        See docs/metrics.md.",
    params(InteractionPath),
    request_body = FactsBody,
    responses(
        (status = 201, description = "The interaction had no facts: stored.", body = StoredView),
        (status = 200, description = "Updated.", body = StoredView),
        (status = 422, description = "A rule broken: nothing stored.", body = FactsErrorBody),
    ),
    security(("api_key" = ["write"])),
)]
#[tracing::instrument(name = "api::put_facts", skip_all)]
pub async fn put_facts<S: Storage>(
    caller: Caller,
    path: web::Path<InteractionPath>,
    body: web::Json<FactsBody>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let interaction = interaction_id(path.into_inner().interaction)?;
    let entry = FactsEntry {
        interaction,
        facts: body.into_inner(),
    };
    let saved = interactions::record(
        &state.storage,
        &caller.site,
        &state.customer_key,
        vec![entry],
        clock::now(),
    )
    .await
    .map_err(refused)?;
    let Some(saved) = saved.first() else {
        return Err(ManageError::Internal(
            crate::storage::StorageError::Corrupt("a stored PUT gave no outcome".into()),
        ));
    };
    let view = StoredView::from(saved);
    Ok(match saved.created {
        true => HttpResponse::Created().json(view),
        false => HttpResponse::Ok().json(view),
    })
}

#[utoipa::path(
    post,
    path = "/api/v1/sites/{site}/interactions",
    tag = "service",
    summary = "Record the facts of up to 1 000 interactions",
    description = "`{\"interactions\": [{\"interaction\": \"…\", \"facts\": {…}}, …]}`: each \
        as a PUT of its own, each interaction once, all in one transaction — stored all, or \
        none with every refused entry listed (422).",
    params(SitePath),
    request_body = BatchBody,
    responses(
        (status = 200, description = "Stored.", body = BatchStored),
        (status = 422, description = "Entries broke a rule: nothing stored.", body = FactsErrorBody),
    ),
    security(("api_key" = ["write"])),
)]
#[tracing::instrument(name = "api::put_facts_batch", skip_all)]
pub async fn put_facts_batch<S: Storage>(
    caller: Caller,
    body: web::Json<BatchBody>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let saved = interactions::record(
        &state.storage,
        &caller.site,
        &state.customer_key,
        body.into_inner().into_entries(),
        clock::now(),
    )
    .await
    .map_err(refused)?;
    let created = saved.iter().filter(|s| s.created).count();
    Ok(HttpResponse::Ok().json(BatchStored {
        created,
        updated: saved.len() - created,
        interactions: saved.iter().map(StoredView::from).collect(),
    }))
}

/// An interaction's stored facts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FactsShown {
    pub interaction: String,
    pub counts_on: String,
    pub facts: FactsView,
    /// Whether a customer is known (the hash itself is never shown).
    pub customer_known: bool,
    pub updated_at: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/sites/{site}/interactions/{interaction}",
    tag = "service",
    summary = "An interaction's stored facts",
    params(InteractionPath),
    responses(
        (status = 200, description = "The facts.", body = FactsShown),
        (status = 404, description = "No facts for this interaction."),
    ),
    security(("api_key" = ["read"])),
)]
#[tracing::instrument(name = "api::show_facts", skip_all)]
pub async fn show_facts<S: Storage>(
    caller: Caller,
    path: web::Path<InteractionPath>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let interaction = interaction_id(path.into_inner().interaction)?;
    let Some(stored): Option<StoredFacts> =
        crate::storage::FactsStore::facts_of(&state.storage, caller.site.id, &interaction).await?
    else {
        return Err(ManageError::Missing(format!(
            "no facts were sent for interaction {interaction}"
        )));
    };
    Ok(HttpResponse::Ok().json(FactsShown {
        interaction: interaction.to_string(),
        counts_on: stored.day.to_string(),
        facts: FactsView::from(&stored.facts),
        customer_known: stored.customer.is_some(),
        updated_at: jiff::Timestamp::from_millisecond(stored.updated_at_ms)
            .map(|t| t.to_string())
            .unwrap_or_default(),
    }))
}
