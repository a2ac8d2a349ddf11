//! Follow-ups: every unhappy customer becomes a piece of work with an owner, a deadline and an
//! outcome. An answer in the site's follow-up condition opens one in the answer's own
//! transaction (the write path asks [`FollowupRule::change`]); people work it — assign, note,
//! contact, close with a root cause ([`work`]); a task notices the overdue ones ([`overdue`]);
//! a customer whose issue was closed as resolved can be asked again ([`recovery`]); and the
//! numbers say how well the team recovers ([`numbers`]).
//!
//! This file holds the types and rules: the statuses, a site's follow-up settings and the rule
//! the write path applies. It calls no storage.

pub mod hours;
pub mod load;
pub mod numbers;
pub mod overdue;
pub mod recovery;
pub mod settings;
pub mod view;
pub mod work;

use serde::{Deserialize, Serialize};

pub use hours::{ScheduleError, WorkSchedule};
pub use settings::{FollowupSettings, FollowupSettingsError};

use crate::alerts::{AlertFacts, Condition, FollowupNotice};
use crate::ids::SiteId;
use crate::responses::ResponseState;
use crate::storage::FollowupRecord;

/// Opens a follow-up unless the site says otherwise.
pub const DEFAULT_CONDITION: &str = "csat<=2 or nps<=6 or resolved=false";
/// The root causes a site starts with.
pub const DEFAULT_CAUSES: [&str; 5] = ["product", "policy", "agent", "process", "other"];
/// Most root causes a site may list.
pub const MAX_CAUSES: usize = 12;
/// Longest root-cause id.
pub const MAX_CAUSE_CHARS: usize = 32;
/// The longest SLA, in working hours (a month of round-the-clock days).
pub const MAX_SLA_HOURS: u32 = 720;
/// Longest owner name (when no account is named) and longest note, in characters.
pub const MAX_OWNER_CHARS: usize = 100;
pub const MAX_NOTE_CHARS: usize = 4000;

/// Where a follow-up stands. `open` until someone contacts the customer; `contacted` while
/// they work it; closed as `resolved`, `not_resolved` or `no_reply` (with a root cause), or
/// `withdrawn` by Koe when the answer was edited out of the condition before anyone acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FollowupStatus {
    Open,
    Contacted,
    Resolved,
    NotResolved,
    NoReply,
    Withdrawn,
}

impl FollowupStatus {
    pub const ALL: [Self; 6] = [
        Self::Open,
        Self::Contacted,
        Self::Resolved,
        Self::NotResolved,
        Self::NoReply,
        Self::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Contacted => "contacted",
            Self::Resolved => "resolved",
            Self::NotResolved => "not_resolved",
            Self::NoReply => "no_reply",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Closed by a person: the outcome is known and a root cause was given.
    pub fn is_closing(self) -> bool {
        matches!(self, Self::Resolved | Self::NotResolved | Self::NoReply)
    }

    /// Still someone's work.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Open | Self::Contacted)
    }
}

/// The statuses a listing's `status` names: `active` (the default: open and contacted),
/// `closed`, `all` (every one but withdrawn: an empty list), or statuses comma-separated.
pub fn statuses(raw: Option<&str>) -> Result<Vec<String>, String> {
    let list = match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None | Some("active") => vec!["open", "contacted"],
        Some("closed") => vec!["resolved", "not_resolved", "no_reply"],
        Some("all") => return Ok(Vec::new()),
        Some(list) => list.split(',').map(str::trim).collect(),
    };
    list.into_iter()
        .map(|s| {
            FollowupStatus::parse(s)
                .map(|s| s.as_str().to_owned())
                .ok_or_else(|| {
                    format!(
                        "status is active, closed, all or statuses comma-separated (open, \
                         contacted, resolved, not_resolved, no_reply, withdrawn); got {s:?}"
                    )
                })
        })
        .collect()
}

/// What the write path applies to each answer of a site.
#[derive(Debug, Clone)]
pub struct FollowupRule {
    enabled: bool,
    condition: Condition,
    sla_minutes: i64,
    schedule: WorkSchedule,
    /// The site's time zone, which its working hours are in.
    zone: jiff::tz::TimeZone,
}

/// A follow-up opened or withdrawn by an answer, written in the answer's transaction.
#[derive(Debug, Clone)]
pub struct FollowupWrite {
    pub change: FollowupChange,
    pub site_id: SiteId,
    pub interaction: String,
    /// The answer's local day and attribution.
    pub day: String,
    pub agent: Option<String>,
    pub team: Option<String>,
    pub channel: Option<String>,
    /// The answer's time: when the follow-up opens, or is withdrawn.
    pub at_ms: i64,
    pub due_ms: i64,
    /// What the webhooks of follow-ups are told when it opens.
    pub facts: AlertFacts,
}

/// What an answer's write does to its follow-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowupChange {
    /// It entered the condition: open one (or reopen a withdrawn one).
    Open,
    /// It left the condition: withdraw the open one nobody has acted on.
    Withdraw,
}

impl FollowupRule {
    /// Whether this answer calls for a follow-up: the condition holds on a counted answer
    /// (flagged scanner answers never).
    pub fn holds(&self, state: &ResponseState) -> bool {
        self.enabled && !state.source.flagged && self.condition.holds(&state.answers)
    }

    /// What writing `after` over `before` does to the response's follow-up.
    pub fn change(
        &self,
        before: Option<&ResponseState>,
        after: &ResponseState,
    ) -> Option<FollowupChange> {
        let held = before.is_some_and(|b| self.holds(b));
        match (held, self.holds(after)) {
            (false, true) => Some(FollowupChange::Open),
            (true, false) => Some(FollowupChange::Withdraw),
            _ => None,
        }
    }

    /// The rule for a site in `zone`, whose working hours are in it.
    pub fn in_zone(self, zone: jiff::tz::TimeZone) -> Self {
        Self { zone, ..self }
    }

    /// When a follow-up opened at `opened_ms` is due: the SLA's working hours later, in the
    /// site's zone.
    pub fn due_ms(&self, opened_ms: i64) -> i64 {
        let Some(from) = crate::clock::from_ms(opened_ms) else {
            return opened_ms;
        };
        self.schedule
            .add(from, self.sla_minutes, &self.zone)
            .as_millisecond()
    }

    /// The follow-up write for an answer of `interaction` written over `before`, if any.
    pub fn write(
        &self,
        site_id: SiteId,
        interaction: &str,
        before: Option<&ResponseState>,
        after: &ResponseState,
    ) -> Option<FollowupWrite> {
        let change = self.change(before, after)?;
        let a = &after.attribution;
        Some(FollowupWrite {
            change,
            site_id,
            interaction: interaction.to_owned(),
            day: after.day.to_string(),
            agent: a.agent.as_ref().map(|v| v.as_str().to_owned()),
            team: a.team.as_ref().map(|v| v.as_str().to_owned()),
            channel: a.channel.map(|c| c.as_str().to_owned()),
            at_ms: after.updated_at_ms,
            due_ms: self.due_ms(after.updated_at_ms),
            facts: AlertFacts::of(interaction, after),
        })
    }
}

/// The team lead who owns a new follow-up of `team`: the first lead (by account) whose teams
/// name it. `leads` are (account, address, teams comma-separated).
pub fn lead_of(leads: &[(i64, String, String)], team: Option<&str>) -> Option<(i64, String)> {
    let team = team?;
    leads
        .iter()
        .find(|(_, _, teams)| teams.split(',').any(|t| t == team))
        .map(|(id, email, _)| (*id, email.clone()))
}

/// What the webhooks of follow-ups are told when one opens.
pub fn opened_facts(write: &FollowupWrite, id: i64, owner: Option<&String>) -> AlertFacts {
    let mut facts = write.facts.clone();
    facts.followup = Some(FollowupNotice {
        event: "opened".into(),
        id,
        status: FollowupStatus::Open.as_str().into(),
        due_at: rfc3339(write.due_ms),
        owner: owner.cloned(),
        cause: None,
    });
    facts
}

/// What the webhooks of follow-ups are told of a stored one: `overdue` or `closed`.
pub fn event_facts(record: &FollowupRecord, event: &str) -> AlertFacts {
    let score = |v: Option<i64>| v.and_then(|v| u8::try_from(v).ok());
    AlertFacts {
        interaction: record.interaction.clone(),
        agent: record.agent.clone(),
        team: record.team.clone(),
        channel: record.channel.clone(),
        csat: score(record.csat),
        nps: score(record.nps),
        ces: score(record.ces),
        resolved: record.resolved,
        comment: record.comment.clone(),
        reasons: record
            .reasons
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .collect(),
        answered_at: rfc3339(record.opened_at_ms),
        day: record.day.clone(),
        followup: Some(FollowupNotice {
            event: event.into(),
            id: record.id,
            status: record.status.clone(),
            due_at: rfc3339(record.due_at_ms),
            owner: owner_of(record),
            cause: record.cause.clone(),
        }),
    }
}

/// Who owns a follow-up, as shown: the person's address, else the name given.
pub fn owner_of(record: &FollowupRecord) -> Option<String> {
    record
        .owner_email
        .clone()
        .or_else(|| record.owner_name.clone())
}

/// Unix milliseconds as RFC 3339.
pub fn rfc3339(ms: i64) -> String {
    crate::clock::from_ms(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(csat: u8, flagged: bool) -> ResponseState {
        ResponseState::rated(csat, flagged)
    }

    #[test]
    fn an_answer_opens_on_entering_and_withdraws_on_leaving_the_condition() {
        let rule = FollowupSettings::default().rule().unwrap();
        let change = |before: Option<ResponseState>, after| rule.change(before.as_ref(), &after);
        assert_eq!(change(None, state(1, false)), Some(FollowupChange::Open));
        assert_eq!(change(Some(state(1, false)), state(2, false)), None);
        assert_eq!(
            change(Some(state(2, false)), state(5, false)),
            Some(FollowupChange::Withdraw)
        );
        assert_eq!(change(None, state(5, false)), None);
        assert_eq!(change(None, state(1, true)), None, "a scanner's answer");
        let off = FollowupSettings {
            enabled: false,
            ..FollowupSettings::default()
        };
        assert_eq!(off.rule().unwrap().change(None, &state(1, false)), None);
    }

    #[test]
    fn a_new_follow_up_goes_to_the_lead_of_its_team() {
        let leads = vec![
            (3, "a@x".to_owned(), "north,south".to_owned()),
            (5, "b@x".to_owned(), "east".to_owned()),
        ];
        assert_eq!(lead_of(&leads, Some("east")), Some((5, "b@x".into())));
        assert_eq!(lead_of(&leads, Some("south")), Some((3, "a@x".into())));
        assert_eq!(lead_of(&leads, Some("sout")), None);
        assert_eq!(lead_of(&leads, None), None);
    }
}
