//! Follow-ups as rows: one as listed (with its answer and its interaction's facts), a note, what a
//! person changes, the rows the numbers are counted from, a re-ask link's follow-up.

use crate::ids::{SiteId, UserId};

/// A follow-up as listed and shown: its own columns, the answer that opened it, the owner's
/// account (if any) and the interaction's facts where the site sent them.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct FollowupRecord {
    pub id: i64,
    pub site_id: SiteId,
    pub interaction: String,
    pub day: String,
    pub agent: Option<String>,
    pub team: Option<String>,
    pub channel: Option<String>,
    pub status: String,
    pub opened_at_ms: i64,
    pub due_at_ms: i64,
    pub owner_user_id: Option<UserId>,
    pub owner_name: Option<String>,
    /// The owner's account address, when the owner is a person.
    pub owner_email: Option<String>,
    pub acted_at_ms: Option<i64>,
    pub contacted_at_ms: Option<i64>,
    pub closed_at_ms: Option<i64>,
    pub cause: Option<String>,
    pub overdue_noticed_at_ms: Option<i64>,
    pub reask_expires_at_ms: Option<i64>,
    pub recovery_csat: Option<i64>,
    pub recovery_resolved: Option<bool>,
    pub recovered_at_ms: Option<i64>,
    // The answer (gone once erased or purged: the follow-up goes with it).
    pub csat: Option<i64>,
    pub nps: Option<i64>,
    pub ces: Option<i64>,
    pub resolved: Option<bool>,
    pub comment: Option<String>,
    pub reasons: Option<String>,
    // The interaction's facts.
    pub topic: Option<String>,
    pub first_response_at_ms: Option<i64>,
    pub resolved_at_ms: Option<i64>,
    pub reopened: Option<i64>,
    pub contacts: Option<i64>,
}

/// A note on a follow-up.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct FollowupNote {
    pub author: String,
    pub body: String,
    pub created_at_ms: i64,
}

/// Which follow-ups a listing takes.
#[derive(Debug, Clone, Default)]
pub struct FollowupFilter {
    /// Only these statuses (empty: all but withdrawn).
    pub statuses: Vec<String>,
    /// Only those this person owns.
    pub owner: Option<UserId>,
    pub agent: Option<String>,
    pub team: Option<String>,
    pub channel: Option<String>,
    /// Only those past their due time and not yet contacted.
    pub overdue_at_ms: Option<i64>,
    /// Now: the listing puts the overdue first.
    pub now_ms: i64,
    pub limit: i64,
}

/// What a person does to a follow-up, in one transaction with its audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FollowupUpdate {
    /// A person with an account, or a name; neither: nobody.
    Assign {
        user: Option<UserId>,
        name: Option<String>,
    },
    Note {
        author: String,
        body: String,
    },
    Contacted,
    /// Closed with an outcome and a root cause; a resolved one may carry a re-ask link's
    /// digest and its end.
    Close {
        status: String,
        cause: String,
        reask: Option<([u8; 32], i64)>,
    },
}

/// What a change found: done, or why not.
#[derive(Debug, Clone, PartialEq)]
pub enum FollowupChanged {
    Done(Box<FollowupRecord>),
    /// No follow-up of that id on the site.
    Missing,
    /// Withdrawn by Koe: there is nothing to work.
    Withdrawn,
    /// Closed already (closing again needs it marked contacted first).
    Closed,
}

/// One follow-up as the numbers count it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FollowupFact {
    pub day: String,
    pub agent: Option<String>,
    pub team: Option<String>,
    pub channel: Option<String>,
    pub status: String,
    pub due_at_ms: i64,
    pub opened_at_ms: i64,
    pub contacted_at_ms: Option<i64>,
    pub cause: Option<String>,
    /// A re-ask link was made.
    pub reasked: bool,
    pub recovery_csat: Option<i64>,
    pub recovery_resolved: Option<bool>,
}

/// A follow-up a re-ask link names, as its page needs it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReaskRecord {
    pub followup_id: i64,
    pub site_id: SiteId,
    pub expires_at_ms: i64,
    pub recovered_at_ms: Option<i64>,
    pub locale: Option<String>,
}
