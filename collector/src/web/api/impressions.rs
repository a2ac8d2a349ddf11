//! `POST /api/v1/impressions`: the widget asks before it shows a survey. The collector applies
//! the site's survey-fatigue rules — its sample, its cooldown for a customer the site's token
//! signed — and counts the impression (the response rate's denominator) only when the survey is
//! to be shown. A `customer` the page sends unsigned is ignored: answering on it would tell
//! anyone whether that person was surveyed lately (and a strict site refuses it, as any unsigned
//! field). A refusal is logged, a line a minute per site and code (`web::refusal_log`): the
//! widget shows no survey whose impression was refused, so this line is where an operator
//! learns why a site's surveys stopped appearing.

use actix_web::{HttpRequest, HttpResponse, web};
use koe_shared::{Declined, Impression, ImpressionReceipt};

use super::admission::{admit_site, charge_site};
use super::body::read_json;
use crate::clock;
use crate::responses::attribution::{self, ClaimedAttribution};
use crate::storage::Storage;
use crate::surveying::{self, ImpressionRequest, Shown};
use crate::web::error::IngestError;
use crate::web::refusal_log::{self, Ingest};
use crate::web::state::AppState;

/// Idempotent per interaction: 201 the first time (`show: true`), 200 after — `show: true` for
/// a reload of a survey shown before, `show: false` with the reason when the survey is declined
/// (nothing recorded).
#[utoipa::path(
    post,
    path = "/api/v1/impressions",
    tag = "ingest",
    summary = "Ask whether to show the survey",
    description = "Applies the site's sample and, for a customer the token signs, the site's \
        cooldown, and counts the impression (the response rate's denominator) only when the \
        survey is to be shown. A `customer` sent without the token signing it is ignored on \
        non-strict sites (refused on strict ones): it never changes the answer.",
    request_body(content(
        (Impression = "application/json"),
        (Impression = "text/plain"),
    )),
    responses(
        (status = 201, description = "Show the survey; the impression is counted now.", body = ImpressionReceipt),
        (status = 200, description = "Shown before (`show: true`, not counted again), declined \
            (`show: false` and why; nothing counted), or the answer to a `peek` (nothing \
            recorded).", body = ImpressionReceipt),
    ),
)]
#[tracing::instrument(name = "record_impression", skip_all)]
pub async fn record_impression<S: Storage>(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, IngestError> {
    let impression: Impression = read_json(&req, payload, state.body_timeout)
        .await
        .inspect_err(|error| refusal_log::note(Ingest::Impression, None, error))?;
    let site = impression.site.clone();
    record(&req, &state, impression)
        .await
        .inspect_err(|error| refusal_log::note(Ingest::Impression, Some(&site), error))
}

/// A parsed impression: its site, attribution and quota checked, then the site's rules asked.
async fn record<S: Storage>(
    req: &HttpRequest,
    state: &AppState<S>,
    impression: Impression,
) -> Result<HttpResponse, IngestError> {
    let site = admit_site(state, req, &impression.site).await?;
    let now = clock::now();
    let now_ms = now.as_millisecond();
    let claimed = ClaimedAttribution {
        interaction: &impression.interaction,
        agent: impression.agent.as_ref(),
        team: impression.team.as_ref(),
        channel: impression.channel,
        token: impression.token.as_ref(),
    };
    let (attribution, customer) =
        attribution::resolve_with_customer(&site, claimed, impression.customer.as_ref(), now_ms)?;
    charge_site(state, &site).await?;
    let request = ImpressionRequest {
        interaction: impression.interaction,
        attribution,
        customer,
        peek: impression.peek,
        at: now,
    };
    let receipt = |recorded| ImpressionReceipt {
        show: true,
        recorded,
        declined: None,
    };
    Ok(
        match surveying::show(&state.storage, &site, &state.customer_key, request).await? {
            Shown::Counted => HttpResponse::Created().json(receipt(true)),
            Shown::Again | Shown::WouldShow => HttpResponse::Ok().json(receipt(false)),
            Shown::Declined(why) => HttpResponse::Ok().json(declined(why)),
        },
    )
}

fn declined(why: Declined) -> ImpressionReceipt {
    ImpressionReceipt {
        show: false,
        recorded: false,
        declined: Some(why),
    }
}
