//! What the write path takes and gives: an impression, a committed submission, a stored
//! response.

use koe_shared::{InteractionId, SubmissionStatus};

use super::CustomerCheck;
use crate::ids::SiteId;
use crate::responses::{Attribution, ResponseState};

/// A first (or repeated) impression of a survey.
#[derive(Debug, Clone)]
pub struct ImpressionWrite {
    pub site_id: SiteId,
    pub interaction: InteractionId,
    pub attribution: Attribution,
    pub day: jiff::civil::Date,
    pub now_ms: i64,
    /// Who is asked, when the site's token signed them: remembered, and within a cooldown not
    /// asked.
    pub customer: Option<CustomerCheck>,
}

/// What became of an impression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImpressionOutcome {
    /// Shown and counted: the interaction's first impression.
    Recorded,
    /// Shown again (a reload): counted before.
    AlreadyRecorded,
    /// Not shown: the customer was surveyed within the site's cooldown. Nothing was written.
    Cooldown,
}

/// The outcome of a committed submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Saved {
    pub id: i64,
    pub status: SubmissionStatus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub id: i64,
    pub interaction: InteractionId,
    pub state: ResponseState,
    /// A suspected scanner's answer kept beside the interaction's response (flagged, never
    /// counted; at most one per interaction, the latest), not the response itself.
    pub set_aside: bool,
}
