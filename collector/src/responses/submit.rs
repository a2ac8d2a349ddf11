//! Submitting answers: one customer's answers — from the widget or from a rating link's page —
//! merged into their interaction's response and counted, in one transaction. The public API
//! and the hosted survey page both call [`submit`] once they have parsed the request and
//! resolved who handled the interaction.

use koe_shared::InteractionId;

use super::{AnswerWrite, Answers, Attribution, Source};
use crate::sites::Site;
use crate::storage::{AnswerStore, SaveError, Saved};

/// Answers to store, their interaction and who handled it, already checked.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub interaction: InteractionId,
    pub attribution: Attribution,
    pub answers: Answers,
    /// Where they came from: the widget, or a rating link's page (maybe a link scanner).
    pub source: Source,
    /// When they arrived: the day they count on, in the site's time zone.
    pub at: jiff::Timestamp,
}

/// Merges the answers into the interaction's response and moves the rollups; returns once
/// committed. An answer outside the response's edit window, or naming another agent, team or
/// channel without a signed token, is refused ([`SaveError::Rejected`]) and changes nothing.
#[tracing::instrument(name = "responses::submit", skip_all, fields(site = %site.key))]
pub async fn submit<S: AnswerStore>(
    storage: &S,
    site: &Site,
    submitted: Submitted,
    edit_window_ms: i64,
) -> Result<Saved, SaveError> {
    let write = AnswerWrite {
        site_id: site.id,
        interaction: submitted.interaction,
        attribution: submitted.attribution,
        answers: submitted.answers,
        day: site.timezone.local_date(submitted.at.as_millisecond()),
        now_ms: submitted.at.as_millisecond(),
        edit_window_ms,
        source: submitted.source,
    };
    storage.save_answers(write).await
}
