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
