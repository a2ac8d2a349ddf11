//! `POST /api/v1/responses`: one customer's answers, merged per interaction. Each refusal is
//! counted (`web::metrics`) and logged, a line a minute per site and code (`web::refusal_log`).

use actix_web::{HttpRequest, HttpResponse, web};
use koe_shared::{ApiError, Submission, SubmissionReceipt, SubmissionStatus};

use super::admission::{admit_site, charge_site};
use super::body::read_json;
use crate::clock;
use crate::responses::attribution::{self, ClaimedAttribution};
use crate::responses::submit::{Submitted, submit};
use crate::responses::{Answers, Source};
use crate::storage::Storage;
use crate::web::error::IngestError;
use crate::web::metrics;
use crate::web::refusal_log::{self, Ingest};
use crate::web::state::AppState;

/// Answers 201 for a new response, 200 for a merge into an existing one, only after commit.
#[utoipa::path(
    post,
    path = "/api/v1/responses",
    tag = "ingest",
    summary = "Send a customer's answers",
    description = "Answers may arrive one at a time: submissions for the same interaction are \
        merged into one response while its edit window is open. The answer comes only once the \
        response is committed. Sent from the site's pages (CORS for the site's origins), as \
        `application/json` or as `text/plain` (`navigator.sendBeacon`). `question` answers the \
        site's own question (`GET /api/v1/survey` gives it): an answer to another question, \
        or not from its scale or options, is refused (`invalid_field`).",
    request_body(content(
        (Submission = "application/json"),
        (Submission = "text/plain"),
    )),
    responses(
        (status = 201, description = "A new response for the interaction, stored.", body = SubmissionReceipt),
        (status = 200, description = "Merged into the interaction's response.", body = SubmissionReceipt),
        (status = 409, description = "The interaction's response can no longer change: its edit \
            window has closed (`edit_window_closed`) or it names another agent, team or channel \
            (`attribution_conflict`).", body = ApiError),
    ),
)]
#[tracing::instrument(name = "submit_response", skip_all)]
pub async fn submit_response<S: Storage>(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, IngestError> {
    let submission: Submission = read_json(&req, payload, state.body_timeout)
        .await
        .inspect_err(|error| refusal_log::note(Ingest::Answer, None, error))?;
    let site = submission.site.clone();
    store(&req, &state, submission)
        .await
        .inspect_err(|error| refusal_log::note(Ingest::Answer, Some(&site), error))
}

/// A parsed submission: its site, attribution and quota checked, then stored.
async fn store<S: Storage>(
    req: &HttpRequest,
    state: &AppState<S>,
    submission: Submission,
) -> Result<HttpResponse, IngestError> {
    if !submission.has_answer() {
        return Err(IngestError::NoAnswers);
    }
    let site = admit_site(state, req, &submission.site).await?;
    let now = clock::now();
    let now_ms = now.as_millisecond();
    let claimed = ClaimedAttribution {
        interaction: &submission.interaction,
        agent: submission.agent.as_ref(),
        team: submission.team.as_ref(),
        channel: submission.channel,
        token: submission.token.as_ref(),
    };
    let attribution = attribution::resolve(&site, claimed, now_ms)?;
    // The site's own question is the one its survey asks now, answered from its scale or
    // options: anything else would start a series no report can label.
    if let Some(answer) = &submission.question {
        site.survey
            .survey
            .check_answer(answer)
            .map_err(IngestError::InvalidField)?;
    }
    charge_site(state, &site).await?;
    let submitted = Submitted {
        answers: Answers::from_submission(&submission),
        interaction: submission.interaction,
        attribution,
        source: Source::WIDGET,
        at: now,
    };
    let saved = submit(&state.storage, &site, submitted, state.edit_window_ms).await?;
    let mut response = match saved.status {
        SubmissionStatus::Created => HttpResponse::Created(),
        SubmissionStatus::Updated => HttpResponse::Ok(),
    };
    metrics::accepted();
    Ok(response.json(SubmissionReceipt {
        id: saved.id,
        status: saved.status,
    }))
}
