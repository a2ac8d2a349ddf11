//! A site's published survey versions, as stored.

/// One published version of a site's survey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyVersionRecord {
    pub version: u32,
    /// The definition as JSON.
    pub definition: String,
    pub published_at: jiff::Timestamp,
    /// `user:EMAIL`, `key:N` or `cli`.
    pub published_by: String,
}

/// A site's survey draft, as typed on the dashboard's Survey page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyDraftRecord {
    /// The definition as TOML, comments and all.
    pub definition: String,
    /// The published version it was started from.
    pub base_version: u32,
    pub saved_at: jiff::Timestamp,
    /// `user:EMAIL`.
    pub saved_by: String,
}
