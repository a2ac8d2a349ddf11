//! `DELETE /api/v1/sites/{site}/responses/{interaction}` (admin): answers a deletion request —
//! the interaction's responses and comment are erased and its counts taken out of every report
//! (`responses::erasure`). Idempotent: erasing what is not stored says `"erased": 0`.

use actix_web::{HttpResponse, web};
use koe_shared::InteractionId;

use super::caller::Caller;
use super::paths::InteractionPath;
use crate::responses::erasure;
use crate::storage::Storage;
use crate::web::error::ManageError;
use crate::web::state::AppState;

/// What an erasure removed.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Erased {
    pub interaction: String,
    /// Stored answers removed (0: nothing was stored; the call is idempotent).
    pub erased: u64,
}

#[utoipa::path(
    delete,
    path = "/api/v1/sites/{site}/responses/{interaction}",
    tag = "site",
    summary = "Erase an interaction's answers",
    description = "Answers a customer's deletion request: the interaction's responses and \
        comment are deleted and its counts taken out of every report, in one transaction. \
        Recorded in the audit trail.",
    params(InteractionPath),
    responses((status = 200, description = "Erased.", body = Erased)),
    security(("api_key" = ["admin"])),
)]
#[tracing::instrument(name = "api::erase_interaction", skip_all)]
pub async fn erase_interaction<S: Storage>(
    caller: Caller,
    path: web::Path<InteractionPath>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let interaction = InteractionId::try_from(path.into_inner().interaction)
        .map_err(|e| ManageError::BadParameter(e.to_string()))?;
    let erased = erasure::erase(&state.storage, &caller.site, &interaction, caller.actor()).await?;
    Ok(HttpResponse::Ok().json(Erased {
        interaction: interaction.to_string(),
        erased,
    }))
}
