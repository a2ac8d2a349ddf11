//! The HTTP errors — the public API's (`IngestError`) and the authenticated API's
//! (`ManageError`): each a stable code, a status and a sentence, as
//! `{ "error": code, "message": … }`. Causes of 5xx are logged, never sent.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpResponse, ResponseError};
use koe_shared::ApiError;

use crate::report::params::ParamError;
use crate::responses::MergeConflict;
use crate::responses::attribution::AttributionError;
use crate::storage::{SaveError, StorageError};
pub use crate::web::codes::{IngestCode, ManageCode};

/// Seconds a client should wait after a 503.
const RETRY_AFTER_UNAVAILABLE: u64 = 2;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("send the body as application/json or text/plain")]
    UnsupportedMediaType,
    #[error("the body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("the body could not be read")]
    BodyIncomplete,
    #[error("the whole body did not arrive within {0} seconds")]
    BodyTimeout(u64),
    #[error("the body is not valid UTF-8")]
    InvalidUtf8,
    #[error("the body is not valid JSON: {0}")]
    InvalidJson(String),
    #[error("{0}")]
    UnknownField(String),
    #[error("{0}")]
    MissingField(String),
    #[error("{0}")]
    InvalidField(String),
    #[error(
        "the submission carries no answer: send at least one of csat, nps, ces, resolved, comment, reasons, question"
    )]
    NoAnswers,
    #[error("no site has this key")]
    UnknownSite,
    #[error("this page's origin is not registered for the site")]
    OriginNotAllowed,
    #[error("too many requests; retry in {0} s")]
    RateLimited(u64),
    #[error(transparent)]
    Attribution(#[from] AttributionError),
    #[error(transparent)]
    Conflict(#[from] MergeConflict),
    #[error("the service is unavailable; retry later")]
    Unavailable(#[source] StorageError),
    #[error("something went wrong on our side")]
    Internal(#[source] StorageError),
}

impl From<StorageError> for IngestError {
    fn from(error: StorageError) -> Self {
        match error.is_unavailable() {
            true => Self::Unavailable(error),
            false => Self::Internal(error),
        }
    }
}

impl From<SaveError> for IngestError {
    fn from(error: SaveError) -> Self {
        match error {
            SaveError::Rejected(conflict) => Self::Conflict(conflict),
            SaveError::Storage(error) => error.into(),
        }
    }
}

impl IngestError {
    pub fn code(&self) -> IngestCode {
        match self {
            Self::UnsupportedMediaType => IngestCode::UnsupportedMediaType,
            Self::PayloadTooLarge(_) => IngestCode::PayloadTooLarge,
            Self::BodyIncomplete => IngestCode::BodyIncomplete,
            Self::BodyTimeout(_) => IngestCode::BodyTimeout,
            Self::InvalidUtf8 => IngestCode::InvalidUtf8,
            Self::InvalidJson(_) => IngestCode::InvalidJson,
            Self::UnknownField(_) => IngestCode::UnknownField,
            Self::MissingField(_) => IngestCode::MissingField,
            Self::InvalidField(_) => IngestCode::InvalidField,
            Self::NoAnswers => IngestCode::NoAnswers,
            Self::UnknownSite => IngestCode::UnknownSite,
            Self::OriginNotAllowed => IngestCode::OriginNotAllowed,
            Self::RateLimited(_) => IngestCode::RateLimited,
            Self::Attribution(e) => match e {
                AttributionError::TokenExpired => IngestCode::TokenExpired,
                AttributionError::InvalidToken(_) | AttributionError::WrongSite => {
                    IngestCode::InvalidToken
                }
                AttributionError::SecretRetired => IngestCode::TokenSecretRetired,
                AttributionError::TokenMismatch(_) => IngestCode::TokenMismatch,
                AttributionError::TokenRequired => IngestCode::TokenRequired,
                AttributionError::UnsignedField(_) => IngestCode::UnsignedAttribution,
            },
            Self::Conflict(MergeConflict::EditWindowClosed) => IngestCode::EditWindowClosed,
            Self::Conflict(MergeConflict::AttributionConflict) => IngestCode::AttributionConflict,
            Self::Unavailable(_) => IngestCode::Unavailable,
            Self::Internal(_) => IngestCode::InternalError,
        }
    }
}

impl ResponseError for IngestError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BodyTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::BodyIncomplete | Self::InvalidUtf8 | Self::InvalidJson(_) => {
                StatusCode::BAD_REQUEST
            }
            Self::UnknownField(_)
            | Self::MissingField(_)
            | Self::InvalidField(_)
            | Self::NoAnswers
            | Self::UnknownSite => StatusCode::UNPROCESSABLE_ENTITY,
            Self::OriginNotAllowed | Self::Attribution(_) => StatusCode::FORBIDDEN,
            Self::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let header = match self {
            Self::RateLimited(secs) => Some((header::RETRY_AFTER, (*secs).max(1).to_string())),
            Self::Unavailable(_) => {
                Some((header::RETRY_AFTER, RETRY_AFTER_UNAVAILABLE.to_string()))
            }
            _ => None,
        };
        let code = self.code();
        if code.is_counted() {
            crate::web::metrics::refused(code);
        }
        respond(self, self.status_code(), code.as_str(), header)
    }
}

/// The response for an API error: 5xx causes logged (never sent), one optional header, and
/// the `ApiError` body.
fn respond(
    error: &dyn std::error::Error,
    status: StatusCode,
    code: &str,
    header: Option<(header::HeaderName, String)>,
) -> HttpResponse {
    if status.is_server_error() {
        tracing::error!(code, error = ?error_chain(error), "request failed");
    }
    let mut response = HttpResponse::build(status);
    if let Some(header) = header {
        response.insert_header(header);
    }
    json_error(response, code, &error.to_string())
}

/// Writes an [`ApiError`] body.
pub fn json_error(
    mut response: actix_web::HttpResponseBuilder,
    code: &str,
    message: &str,
) -> HttpResponse {
    response.insert_header(ContentType::json()).json(ApiError {
        error: code.to_owned(),
        message: message.to_owned(),
    })
}

/// "outer: inner: innermost", for logs.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Errors of the authenticated API (reports, responses, keys).
#[derive(Debug, thiserror::Error)]
pub enum ManageError {
    #[error("send an API key as `Authorization: Bearer KEY`")]
    Unauthorized,
    #[error("this API key's role does not allow that")]
    Forbidden,
    #[error("no such site")]
    NotFound,
    /// An item of the site that is not there (404, the sentence says which).
    #[error("{0}")]
    Missing(String),
    #[error("{0}")]
    BadParameter(String),
    #[error("send the body as application/json")]
    UnsupportedMediaType,
    #[error("the body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("too many requests from this address; retry in {0} s")]
    RateLimited(u64),
    /// A change that must wait for one under way: a rebuild of the site's rollups (409).
    #[error("{0}")]
    RebuildRunning(String),
    /// A rebuild of the site's rollups asked for again too soon: the sentence, and the seconds
    /// to wait (429 with `Retry-After`).
    #[error("{0}")]
    RebuildTooSoon(String, u64),
    /// Interaction facts that break a rule: each entry refused, naming its field (422).
    #[error("{}", refused_message(.0))]
    InvalidFacts(Vec<crate::storage::FactsRefusal>),
    /// An integration's event that does not prove its sender (401).
    #[error("the request's signature does not match")]
    InvalidSignature,
    /// An integration's event that cannot be read (400).
    #[error("{0}")]
    InvalidPayload(String),
    #[error("this integration is paused: resume it to receive events")]
    IntegrationPaused,
    /// A follow-up Koe withdrew (its answer left the condition): nothing to work (409).
    #[error("{0}")]
    FollowupWithdrawn(String),
    /// A closing of a follow-up closed already (409).
    #[error("{0}")]
    FollowupClosed(String),
    /// A survey definition with problems, each naming its field (422).
    #[error("{}", survey_message(.0))]
    InvalidSurvey(Vec<koe_shared::survey::Problem>),
    /// A survey published over a version someone else replaced meanwhile (409).
    #[error("{0}")]
    SurveyChanged(String),
    #[error("the service is unavailable; retry later")]
    Unavailable(#[source] StorageError),
    #[error("something went wrong on our side")]
    Internal(#[source] StorageError),
}

/// The first refusal's sentence, and how many more there are.
fn refused_message(refused: &[crate::storage::FactsRefusal]) -> String {
    match refused {
        [] => "facts refused".to_owned(),
        [one] => format!("{}: {}", one.interaction, one.error),
        [first, rest @ ..] => format!(
            "{}: {} (and {} more: see `refused`)",
            first.interaction,
            first.error,
            rest.len()
        ),
    }
}

/// The first problem of a survey definition, and how many more there are.
fn survey_message(problems: &[koe_shared::survey::Problem]) -> String {
    match problems {
        [] => "the survey was refused".to_owned(),
        [one] => one.to_string(),
        [first, rest @ ..] => format!("{first} (and {} more: see `problems`)", rest.len()),
    }
}

/// One problem of a survey definition in a 422 body.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SurveyProblem {
    /// Where: `texts.ko.csat_question`, `reasons[2].id`, `question.options`.
    pub field: String,
    pub reason: String,
}

/// The body of a 422 `invalid_survey`: the usual `error` and `message` (the first problem),
/// its `field`, and every problem.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SurveyErrorBody {
    pub error: String,
    pub message: String,
    pub field: String,
    pub problems: Vec<SurveyProblem>,
}

/// One refused entry in a 422 body.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct RefusedFacts {
    /// The entry's place in the call (0 for a PUT).
    pub index: usize,
    pub interaction: String,
    /// The JSON field to fix.
    pub field: String,
    pub message: String,
}

/// The body of a 422 `invalid_facts`: the usual `error` and `message`, the first refusal's
/// `field`, and every refusal.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct FactsErrorBody {
    pub error: String,
    pub message: String,
    pub field: String,
    pub refused: Vec<RefusedFacts>,
}

impl From<StorageError> for ManageError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::PurgedBefore(_) => return Self::BadParameter(error.to_string()),
            StorageError::RebuildRunning => return Self::RebuildRunning(error.to_string()),
            StorageError::RebuildTooSoon(wait) => {
                return Self::RebuildTooSoon(error.to_string(), wait);
            }
            _ => {}
        }
        if error.is_unavailable() {
            Self::Unavailable(error)
        } else {
            Self::Internal(error)
        }
    }
}

impl From<ParamError> for ManageError {
    fn from(error: ParamError) -> Self {
        Self::BadParameter(error.to_string())
    }
}

impl ManageError {
    pub fn code(&self) -> ManageCode {
        match self {
            Self::Unauthorized => ManageCode::Unauthorized,
            Self::Forbidden => ManageCode::Forbidden,
            Self::NotFound | Self::Missing(_) => ManageCode::NotFound,
            Self::BadParameter(_) => ManageCode::InvalidParameter,
            Self::UnsupportedMediaType => ManageCode::UnsupportedMediaType,
            Self::PayloadTooLarge(_) => ManageCode::PayloadTooLarge,
            Self::RateLimited(_) | Self::RebuildTooSoon(..) => ManageCode::RateLimited,
            Self::RebuildRunning(_) => ManageCode::RebuildRunning,
            Self::InvalidFacts(_) => ManageCode::InvalidFacts,
            Self::InvalidSignature => ManageCode::InvalidSignature,
            Self::InvalidPayload(_) => ManageCode::InvalidPayload,
            Self::IntegrationPaused => ManageCode::IntegrationPaused,
            Self::FollowupWithdrawn(_) => ManageCode::FollowupWithdrawn,
            Self::FollowupClosed(_) => ManageCode::FollowupClosed,
            Self::InvalidSurvey(_) => ManageCode::InvalidSurvey,
            Self::SurveyChanged(_) => ManageCode::SurveyChanged,
            Self::Unavailable(_) => ManageCode::Unavailable,
            Self::Internal(_) => ManageCode::InternalError,
        }
    }
}

impl ResponseError for ManageError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound | Self::Missing(_) => StatusCode::NOT_FOUND,
            Self::BadParameter(_) => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RateLimited(_) | Self::RebuildTooSoon(..) => StatusCode::TOO_MANY_REQUESTS,
            Self::RebuildRunning(_) => StatusCode::CONFLICT,
            Self::InvalidFacts(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::InvalidSignature => StatusCode::UNAUTHORIZED,
            Self::InvalidPayload(_) => StatusCode::BAD_REQUEST,
            Self::IntegrationPaused
            | Self::FollowupWithdrawn(_)
            | Self::FollowupClosed(_)
            | Self::SurveyChanged(_) => StatusCode::CONFLICT,
            Self::InvalidSurvey(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::InvalidFacts(refused) = self {
            let refused: Vec<RefusedFacts> = refused
                .iter()
                .map(|r| RefusedFacts {
                    index: r.index,
                    interaction: r.interaction.to_string(),
                    field: r.error.field().to_owned(),
                    message: r.error.to_string(),
                })
                .collect();
            return HttpResponse::build(self.status_code()).json(FactsErrorBody {
                error: self.code().as_str().to_owned(),
                message: self.to_string(),
                field: refused.first().map(|r| r.field.clone()).unwrap_or_default(),
                refused,
            });
        }
        if let Self::InvalidSurvey(problems) = self {
            let problems: Vec<SurveyProblem> = problems
                .iter()
                .map(|p| SurveyProblem {
                    field: p.field.clone(),
                    reason: p.reason.clone(),
                })
                .collect();
            return HttpResponse::build(self.status_code()).json(SurveyErrorBody {
                error: self.code().as_str().to_owned(),
                message: self.to_string(),
                field: problems
                    .first()
                    .map(|p| p.field.clone())
                    .unwrap_or_default(),
                problems,
            });
        }
        let header = match self {
            Self::Unauthorized => Some((header::WWW_AUTHENTICATE, "Bearer".to_owned())),
            Self::RateLimited(wait) => Some((header::RETRY_AFTER, wait.to_string())),
            Self::RebuildTooSoon(_, wait) => {
                Some((header::RETRY_AFTER, (*wait).max(1).to_string()))
            }
            Self::Unavailable(_) => {
                Some((header::RETRY_AFTER, RETRY_AFTER_UNAVAILABLE.to_string()))
            }
            _ => None,
        };
        respond(self, self.status_code(), self.code().as_str(), header)
    }
}
