//! Every refusal code the collector answers with, as enums, so no list of codes is ever copied
//! by hand: [`IngestCode`] for the public API (the `error` of the JSON body, and the label its
//! refusal is counted under at `/metrics`) and [`ManageCode`] for the authenticated API, the
//! route table, the widget's files and `/readyz` (the OpenAPI document lists both from here).

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

/// Every code the authenticated API, the route table, the widget's files and `/readyz` refuse
/// with: the `error` of the JSON body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum ManageCode {
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    InvalidParameter,
    BodyTimeout,
    UnsupportedMediaType,
    PayloadTooLarge,
    RateLimited,
    /// 409: a rebuild of the site's rollups is under way (`PATCH /api/v1/sites/{site}`).
    RebuildRunning,
    /// 422: interaction facts that break a rule (`PUT …/interactions/{interaction}`).
    InvalidFacts,
    /// 401: an integration's event whose signature (or Basic auth) does not match.
    InvalidSignature,
    /// 400: an integration's event that is not the platform's JSON.
    InvalidPayload,
    /// 409: an event sent to a paused integration.
    IntegrationPaused,
    /// 409: a change to a follow-up Koe withdrew (its answer left the condition).
    FollowupWithdrawn,
    /// 409: a closing of a follow-up closed already.
    FollowupClosed,
    /// 422: a survey definition with problems (`PUT …/survey`), each named in `problems`.
    InvalidSurvey,
    /// 409: a survey published over a version someone else replaced meanwhile (`If-Match`).
    SurveyChanged,
    Unavailable,
    InternalError,
}

impl ManageCode {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[cfg(test)]
mod tests {
    use strum::IntoEnumIterator as _;

    use super::*;

    /// A site owner reads what a code means in README.md's table of refusal codes, so a new
    /// code that is not there fails here (as `unsigned_attribution` once was missing).
    #[test]
    fn readme_explains_every_refusal_code() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
        let readme = std::fs::read_to_string(&path).expect("README.md beside the workspace");
        let missing: Vec<&str> = IngestCode::iter()
            .map(IngestCode::as_str)
            .chain(ManageCode::iter().map(ManageCode::as_str))
            .filter(|code| !readme.contains(&format!("\n| `{code}` | ")))
            .collect();
        assert!(
            missing.is_empty(),
            "README.md's table of refusal codes has no row for {missing:?}"
        );
    }
}
