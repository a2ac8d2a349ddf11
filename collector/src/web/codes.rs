//! The codes the public API refuses a submission with: the `error` of the JSON body, and the
//! label its refusal is counted under at `/metrics`. One enum, so the list of codes is never
//! copied by hand: every variant is exported by name ([`crate::web::metrics`]).

/// Every code a submission can be refused with: the `error` of its body, and the label its
/// refusal is counted under at `/metrics` ([`crate::web::metrics`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum IngestCode {
    UnsupportedMediaType,
    PayloadTooLarge,
    BodyIncomplete,
    BodyTimeout,
    InvalidUtf8,
    InvalidJson,
    UnknownField,
    MissingField,
    InvalidField,
    NoAnswers,
    UnknownSite,
    OriginNotAllowed,
    RateLimited,
    TokenExpired,
    TokenSecretRetired,
    InvalidToken,
    TokenMismatch,
    TokenRequired,
    UnsignedAttribution,
    EditWindowClosed,
    AttributionConflict,
    Unavailable,
    InternalError,
}

impl IngestCode {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Refusals are counted; our own failures are logged instead.
    pub fn is_counted(self) -> bool {
        self != Self::InternalError
    }
}
