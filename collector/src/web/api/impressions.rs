//! `POST /api/v1/impressions`: a survey was shown. The response rate's denominator.

use actix_web::{HttpRequest, HttpResponse, web};
use koe_shared::Impression;
use serde_json::json;

use super::admission::{admit_site, charge_site};
use super::body::read_json;
use crate::clock;
use crate::responses::attribution::{self, ClaimedAttribution};
use crate::storage::{ImpressionWrite, Storage};
use crate::web::error::IngestError;
use crate::web::state::AppState;

/// Idempotent per interaction: 201 the first time, 200 after.
#[tracing::instrument(name = "record_impression", skip_all)]
pub async fn record_impression<S: Storage>(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, IngestError> {
    let impression: Impression = read_json(&req, payload, state.body_timeout).await?;
    let site = admit_site(&state, &req, &impression.site).await?;
    let now_ms = clock::now_ms();
    let claimed = ClaimedAttribution {
        interaction: &impression.interaction,
        agent: impression.agent.as_ref(),
        team: impression.team.as_ref(),
        channel: impression.channel,
        token: impression.token.as_ref(),
    };
    let attribution = attribution::resolve(&site, claimed, now_ms)?;
    charge_site(&state, &site)?;
    let first = state
        .storage
        .record_impression(ImpressionWrite {
            site_id: site.id,
            interaction: impression.interaction,
            attribution,
            day: site.timezone.local_date(now_ms),
            now_ms,
        })
        .await?;
    let mut response = if first {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response.json(json!({ "recorded": first })))
}
