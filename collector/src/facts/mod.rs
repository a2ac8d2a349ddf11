//! Interaction facts as the collector keeps them: the service side of support, sent by a
//! site's backend (`PUT /api/v1/sites/{site}/interactions/{interaction}`, the wire in
//! [`koe_shared::facts`]), typed and checked here; who they credit is the rule of
//! [`Credit`] (`credit.rs`, whose documentation goes into `docs/metrics.md`).
//!
//! A PUT names only what it changes. [`FactsUpdate::parse`] reads its body — times from
//! RFC 3339 into Unix milliseconds — and [`InteractionFacts::merged`] applies it to what is
//! stored, field by field (absent keeps, `null` clears, a value replaces; `agents` as a whole
//! list), then checks the rules on the result. So a PUT that is fine on its own but contradicts
//! what is stored (a first response earlier than the stored opening) is refused like one that
//! contradicts itself, and the same PUT sent twice gives the same facts.
//!
//! The rules:
//! - times are RFC 3339 with an offset (`2026-11-30T14:05:00+09:00`, `…Z`), kept to the
//!   millisecond;
//! - `first_response_at` and `resolved_at` are not earlier than `opened_at` (equal is fine);
//!   either may be known without the other, and without `opened_at`;
//! - `contacts` is at least 1 (the contact that opened the interaction counts);
//! - `agents`: at most [`MAX_AGENTS`], each once, shares from 0 to 1 adding up to at most 1.
//!
//! A refusal names the field to fix ([`FactsError::field`]); when a merge breaks the order,
//! the field this PUT set (`first_response_at` sent earlier than the stored `opened_at`, or
//! `opened_at` sent later than the stored `first_response_at`).
//!
//! `customer` is not among the facts: the service hashes it with the site's key, as the
//! survey cooldown does (`sites::fatigue`), and keeps the hash beside them; last write wins
//! and no rule reads it.

mod credit;
pub mod frt;
pub mod rollup;
pub mod settings;

use std::num::NonZeroU32;

use jiff::Timestamp;
use koe_shared::facts::{AgentShare, FactsBody, HandledBy, MAX_AGENTS, Topic};
use koe_shared::{AgentId, Channel, TeamId};

pub use credit::{Credit, credited};

/// Most characters of a refused time the error repeats.
const SHOWN_CHARS: usize = 40;

/// How far above 1 the shares may add up: 0.1 + 0.2 + 0.7 is 1.0000000000000002 in floating
/// point, and means 1.
const SHARE_TOLERANCE: f64 = 1e-9;

/// Why facts were refused: each names the JSON field to fix ([`Self::field`]); every one is
/// the caller's to fix (422).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FactsError {
    #[error(
        "{field} must be a time in RFC 3339 with an offset, like 2026-11-30T14:05:00+09:00 or \
         2026-11-30T05:05:00Z, got {value:?}"
    )]
    BadTime { field: &'static str, value: String },
    #[error(
        "first_response_at ({first_response_at}) is earlier than opened_at ({opened_at}): an \
         interaction is answered after it opens"
    )]
    FirstResponseBeforeOpen {
        /// The field to fix: the one of the two the update set.
        field: &'static str,
        opened_at: Timestamp,
        first_response_at: Timestamp,
    },
    #[error(
        "resolved_at ({resolved_at}) is earlier than opened_at ({opened_at}): an interaction is \
         resolved after it opens"
    )]
    ResolvedBeforeOpen {
        /// The field to fix: the one of the two the update set.
        field: &'static str,
        opened_at: Timestamp,
        resolved_at: Timestamp,
    },
    #[error("contacts must be at least 1 (the contact that opened the interaction counts), got 0")]
    ZeroContacts,
    #[error("agents: the shares add up to {total}, more than 1")]
    SharesOverOne { total: f64 },
    /// A share below 0, or not a number at all.
    #[error("agents: the share of {agent} must be a number from 0 to 1, got {share}")]
    NegativeShare { agent: AgentId, share: f64 },
    #[error("agents may list at most {MAX_AGENTS} agents, got {0}")]
    TooManyAgents(usize),
    #[error("agents lists {0} more than once: list each agent once, with their whole share")]
    DuplicateAgent(AgentId),
}

impl FactsError {
    /// The JSON field the caller should fix, for the 422 body.
    pub fn field(&self) -> &'static str {
        match self {
            Self::BadTime { field, .. }
            | Self::FirstResponseBeforeOpen { field, .. }
            | Self::ResolvedBeforeOpen { field, .. } => field,
            Self::ZeroContacts => "contacts",
            Self::SharesOverOne { .. }
            | Self::NegativeShare { .. }
            | Self::TooManyAgents(_)
            | Self::DuplicateAgent(_) => "agents",
        }
    }
}

/// What one PUT asks to change, typed but not yet checked against the rules (which hold for
/// the merged result only: [`InteractionFacts::merged`] checks them). For each field `None`
/// keeps what is stored, `Some(None)` clears it and `Some(Some(v))` replaces it; `agents`:
/// `None` keeps, `Some(list)` replaces (an empty list clears).
///
/// Storage rebuilds stored facts by merging an update that sets every field into
/// [`InteractionFacts::default`], so facts read back pass the same checks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FactsUpdate {
    pub channel: Option<Option<Channel>>,
    pub team: Option<Option<TeamId>>,
    pub topic: Option<Option<Topic>>,
    pub opened_at_ms: Option<Option<i64>>,
    pub first_response_at_ms: Option<Option<i64>>,
    pub resolved_at_ms: Option<Option<i64>>,
    pub reopened: Option<Option<u32>>,
    pub contacts: Option<Option<u32>>,
    pub handled_by: Option<Option<HandledBy>>,
    pub agents: Option<Vec<AgentShare>>,
}

impl FactsUpdate {
    /// The update a PUT body asks for, its times read (`customer` is left to the caller, who
    /// hashes it).
    pub fn parse(body: &FactsBody) -> Result<Self, FactsError> {
        Ok(Self {
            channel: body.channel,
            team: body.team.clone(),
            topic: body.topic.clone(),
            opened_at_ms: parse_time("opened_at", &body.opened_at)?,
            first_response_at_ms: parse_time("first_response_at", &body.first_response_at)?,
            resolved_at_ms: parse_time("resolved_at", &body.resolved_at)?,
            reopened: body.reopened,
            contacts: body.contacts,
            handled_by: body.handled_by,
            agents: body.agents.clone().map(Option::unwrap_or_default),
        })
    }
}

/// A time as sent (absent, `null` or RFC 3339 text), in Unix milliseconds.
fn parse_time(
    field: &'static str,
    raw: &Option<Option<String>>,
) -> Result<Option<Option<i64>>, FactsError> {
    match raw {
        None => Ok(None),
        Some(None) => Ok(Some(None)),
        Some(Some(text)) => text
            .parse::<Timestamp>()
            .map(|at| Some(Some(at.as_millisecond())))
            .map_err(|_| FactsError::BadTime {
                field,
                value: text.chars().take(SHOWN_CHARS).collect(),
            }),
    }
}

/// What is known of one interaction's service, every rule of the module holding: built only
/// by [`Self::merged`] (or [`Self::parse`], a merge into nothing known).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InteractionFacts {
    channel: Option<Channel>,
    team: Option<TeamId>,
    topic: Option<Topic>,
    opened_at_ms: Option<i64>,
    first_response_at_ms: Option<i64>,
    resolved_at_ms: Option<i64>,
    reopened: Option<u32>,
    contacts: Option<NonZeroU32>,
    handled_by: Option<HandledBy>,
    agents: Vec<AgentShare>,
}

impl InteractionFacts {
    /// The facts of one body on its own, as the first PUT for an interaction stores them.
    pub fn parse(body: &FactsBody) -> Result<Self, FactsError> {
        Self::default().merged(&FactsUpdate::parse(body)?)
    }

    /// These facts with `update` applied, field by field, if the result keeps every rule; else
    /// why not, naming the field to fix. Last write wins: an update applied twice gives what
    /// it gave once.
    pub fn merged(&self, update: &FactsUpdate) -> Result<Self, FactsError> {
        let contacts = match update.contacts {
            None => self.contacts,
            Some(None) => None,
            Some(Some(n)) => Some(NonZeroU32::new(n).ok_or(FactsError::ZeroContacts)?),
        };
        let agents = match &update.agents {
            None => self.agents.clone(),
            Some(agents) => {
                check_agents(agents)?;
                agents.clone()
            }
        };
        let merged = Self {
            channel: latest(&self.channel, &update.channel),
            team: latest(&self.team, &update.team),
            topic: latest(&self.topic, &update.topic),
            opened_at_ms: latest_time("opened_at", self.opened_at_ms, update.opened_at_ms)?,
            first_response_at_ms: latest_time(
                "first_response_at",
                self.first_response_at_ms,
                update.first_response_at_ms,
            )?,
            resolved_at_ms: latest_time("resolved_at", self.resolved_at_ms, update.resolved_at_ms)?,
            reopened: latest(&self.reopened, &update.reopened),
            contacts,
            handled_by: latest(&self.handled_by, &update.handled_by),
            agents,
        };
        merged.check_order(update)?;
        Ok(merged)
    }

    /// An update setting every field to these facts (clearing what they do not know): merged
    /// into any facts, it gives these.
    pub fn to_update(&self) -> FactsUpdate {
        FactsUpdate {
            channel: Some(self.channel),
            team: Some(self.team.clone()),
            topic: Some(self.topic.clone()),
            opened_at_ms: Some(self.opened_at_ms),
            first_response_at_ms: Some(self.first_response_at_ms),
            resolved_at_ms: Some(self.resolved_at_ms),
            reopened: Some(self.reopened),
            contacts: Some(self.contacts()),
            handled_by: Some(self.handled_by),
            agents: Some(self.agents.clone()),
        }
    }

    /// `first_response_at` and `resolved_at` not before `opened_at`; a breach blames the field
    /// `update` set, so the caller fixes what they sent.
    fn check_order(&self, update: &FactsUpdate) -> Result<(), FactsError> {
        let Some(opened) = self.opened_at_ms else {
            return Ok(());
        };
        if let Some(first) = self.first_response_at_ms.filter(|&first| first < opened) {
            return Err(FactsError::FirstResponseBeforeOpen {
                field: blamed(
                    update.first_response_at_ms,
                    update.opened_at_ms,
                    "first_response_at",
                ),
                opened_at: timestamp(opened),
                first_response_at: timestamp(first),
            });
        }
        if let Some(resolved) = self.resolved_at_ms.filter(|&resolved| resolved < opened) {
            return Err(FactsError::ResolvedBeforeOpen {
                field: blamed(update.resolved_at_ms, update.opened_at_ms, "resolved_at"),
                opened_at: timestamp(opened),
                resolved_at: timestamp(resolved),
            });
        }
        Ok(())
    }

    pub fn channel(&self) -> Option<Channel> {
        self.channel
    }

    pub fn team(&self) -> Option<&TeamId> {
        self.team.as_ref()
    }

    pub fn topic(&self) -> Option<&Topic> {
        self.topic.as_ref()
    }

    /// When the customer's first contact arrived, Unix milliseconds.
    pub fn opened_at_ms(&self) -> Option<i64> {
        self.opened_at_ms
    }

    /// When the interaction was first answered, Unix milliseconds.
    pub fn first_response_at_ms(&self) -> Option<i64> {
        self.first_response_at_ms
    }

    /// When the issue was resolved, Unix milliseconds; `None` while open (or not told).
    pub fn resolved_at_ms(&self) -> Option<i64> {
        self.resolved_at_ms
    }

    pub fn reopened(&self) -> Option<u32> {
        self.reopened
    }

    /// How many contacts the issue took (at least 1), if told.
    pub fn contacts(&self) -> Option<u32> {
        self.contacts.map(NonZeroU32::get)
    }

    pub fn handled_by(&self) -> Option<HandledBy> {
        self.handled_by
    }

    /// The people who worked on the interaction, in the order they took part.
    pub fn agents(&self) -> &[AgentShare] {
        &self.agents
    }

    /// The agents this interaction counts for under `rule`, with weights adding up to 1.
    pub fn credited(&self, rule: Credit) -> Vec<(AgentId, f64)> {
        credited(&self.agents, rule)
    }

    /// First response time: from opening to the first answer (never negative), when both are
    /// known.
    pub fn first_response_ms(&self) -> Option<i64> {
        Some(self.first_response_at_ms? - self.opened_at_ms?)
    }

    /// Resolution time: from opening to resolution (never negative), when both are known.
    pub fn resolution_ms(&self) -> Option<i64> {
        Some(self.resolved_at_ms? - self.opened_at_ms?)
    }

    /// First-contact resolution: resolved in one contact and never reopened. `None` while
    /// open and when the number of contacts is not known; a site that never sends `reopened`
    /// is read as never reopening.
    pub fn first_contact_resolved(&self) -> Option<bool> {
        self.resolved_at_ms?;
        let contacts = self.contacts?;
        Some(contacts.get() == 1 && self.reopened.unwrap_or(0) == 0)
    }
}

/// What is stored after `change`: absent keeps, `null` clears, a value replaces.
fn latest<T: Clone>(stored: &Option<T>, change: &Option<Option<T>>) -> Option<T> {
    match change {
        None => stored.clone(),
        Some(value) => value.clone(),
    }
}

/// [`latest`] for a time, which must be one jiff represents (years −9999 to 9999): only
/// an update built by hand rather than parsed can hold another.
fn latest_time(
    field: &'static str,
    stored: Option<i64>,
    change: Option<Option<i64>>,
) -> Result<Option<i64>, FactsError> {
    match change {
        None => Ok(stored),
        Some(None) => Ok(None),
        Some(Some(ms)) => Timestamp::from_millisecond(ms)
            .map(|_| Some(ms))
            .map_err(|_| FactsError::BadTime {
                field,
                value: ms.to_string(),
            }),
    }
}

/// The field to blame for a time earlier than `opened_at`: the later one if this update set
/// it, else `opened_at` if this update set that, else the later one.
fn blamed(
    later: Option<Option<i64>>,
    opened: Option<Option<i64>>,
    later_field: &'static str,
) -> &'static str {
    if matches!(later, Some(Some(_))) || !matches!(opened, Some(Some(_))) {
        later_field
    } else {
        "opened_at"
    }
}

/// A stored time for a message (always in range: [`latest_time`] checked it).
fn timestamp(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// At most [`MAX_AGENTS`], each once, shares from 0 to 1 adding up to at most 1.
fn check_agents(agents: &[AgentShare]) -> Result<(), FactsError> {
    if agents.len() > MAX_AGENTS {
        return Err(FactsError::TooManyAgents(agents.len()));
    }
    let mut total = 0.0_f64;
    for (i, listed) in agents.iter().enumerate() {
        if agents[..i]
            .iter()
            .any(|before| before.agent == listed.agent)
        {
            return Err(FactsError::DuplicateAgent(listed.agent.clone()));
        }
        if let Some(share) = listed.share {
            if !share.is_finite() || share < 0.0 {
                return Err(FactsError::NegativeShare {
                    agent: listed.agent.clone(),
                    share,
                });
            }
            total += share;
        }
    }
    if total > 1.0 + SHARE_TOLERANCE {
        return Err(FactsError::SharesOverOne { total });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// 2026-11-30T05:00:00Z.
    const OPENED_MS: i64 = 1_796_014_800_000;

    fn body(json: &str) -> FactsBody {
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
    }

    fn facts(json: &str) -> Result<InteractionFacts, FactsError> {
        InteractionFacts::parse(&body(json))
    }

    fn update(json: &str) -> FactsUpdate {
        FactsUpdate::parse(&body(json)).unwrap()
    }

    fn agent(id: &str, share: Option<f64>) -> AgentShare {
        AgentShare {
            agent: AgentId::try_from(id).unwrap(),
            share,
        }
    }

    fn with_agents(agents: Vec<AgentShare>) -> Result<InteractionFacts, FactsError> {
        InteractionFacts::default().merged(&FactsUpdate {
            agents: Some(agents),
            ..FactsUpdate::default()
        })
    }

    #[test]
    fn a_first_response_may_come_at_the_opening_but_not_a_millisecond_before() {
        let same = facts(
            r#"{"opened_at":"2026-11-30T05:00:00Z","first_response_at":"2026-11-30T14:00:00+09:00"}"#,
        )
        .unwrap();
        assert_eq!(same.opened_at_ms(), Some(OPENED_MS));
        assert_eq!(same.first_response_ms(), Some(0));

        let err = facts(
            r#"{"opened_at":"2026-11-30T05:00:00Z","first_response_at":"2026-11-30T04:59:59.999Z"}"#,
        )
        .unwrap_err();
        assert!(
            matches!(err, FactsError::FirstResponseBeforeOpen { .. }),
            "{err:?}"
        );
        assert_eq!(err.field(), "first_response_at");
        let message = err.to_string();
        assert!(
            message.starts_with("first_response_at (") && message.contains("2026-11-30T05:00:00Z"),
            "{message}"
        );
    }

    #[test]
    fn a_resolution_may_come_at_the_opening_but_not_before() {
        let same =
            facts(r#"{"opened_at":"2026-11-30T05:00:00Z","resolved_at":"2026-11-30T05:00:00Z"}"#)
                .unwrap();
        assert_eq!(same.resolution_ms(), Some(0));

        let err = facts(
            r#"{"opened_at":"2026-11-30T05:00:00Z","resolved_at":"2026-11-30T04:59:59.999Z"}"#,
        )
        .unwrap_err();
        assert!(
            matches!(err, FactsError::ResolvedBeforeOpen { .. }),
            "{err:?}"
        );
        assert_eq!(err.field(), "resolved_at");
    }

    #[test]
    fn times_are_rfc_3339_with_an_offset() {
        let cases = [
            ("words", "yesterday"),
            ("a day without a time", "2026-11-30"),
            ("no offset", "2026-11-30T05:00:00"),
            ("empty", ""),
            ("Unix milliseconds as text", "1796014800000"),
            ("an impossible day", "2026-02-30T05:00:00Z"),
        ];
        for field in ["opened_at", "first_response_at", "resolved_at"] {
            for (what, raw) in cases {
                let json = format!(r#"{{"{field}":"{raw}"}}"#);
                let err = facts(&json).unwrap_err();
                assert_eq!(
                    err,
                    FactsError::BadTime {
                        field,
                        value: raw.to_owned()
                    },
                    "{what}"
                );
                assert_eq!(err.field(), field, "{what}");
            }
        }
        let long = "9".repeat(100);
        let err = facts(&format!(r#"{{"opened_at":"{long}"}}"#)).unwrap_err();
        assert!(
            matches!(&err, FactsError::BadTime { value, .. } if value.len() == SHOWN_CHARS),
            "a refused time is repeated clipped: {err:?}"
        );
    }

    #[test]
    fn times_are_kept_to_the_millisecond_whatever_the_offset() {
        let cases = [
            ("UTC", "2026-11-30T05:00:00Z", OPENED_MS),
            ("an offset", "2026-11-30T14:00:00+09:00", OPENED_MS),
            ("milliseconds", "2026-11-30T05:00:00.123Z", OPENED_MS + 123),
            (
                "finer than milliseconds",
                "2026-11-30T05:00:00.123999Z",
                OPENED_MS + 123,
            ),
        ];
        for (what, raw, ms) in cases {
            let json = format!(r#"{{"opened_at":"{raw}"}}"#);
            assert_eq!(facts(&json).unwrap().opened_at_ms(), Some(ms), "{what}");
        }
    }

    #[test]
    fn contacts_start_at_one() {
        let err = facts(r#"{"contacts":0}"#).unwrap_err();
        assert_eq!(err, FactsError::ZeroContacts);
        assert_eq!(err.field(), "contacts");
        assert_eq!(facts(r#"{"contacts":1}"#).unwrap().contacts(), Some(1));
        assert_eq!(facts(r#"{"contacts":null}"#).unwrap().contacts(), None);
    }

    #[test]
    fn agents_are_listed_once_with_shares_adding_up_to_at_most_one() {
        let many = |n: usize| {
            (0..n)
                .map(|i| agent(&format!("a{i}"), None))
                .collect::<Vec<_>>()
        };
        let refused = [
            (
                "shares of 0.6 and 0.5",
                vec![agent("ann", Some(0.6)), agent("bo", Some(0.5))],
                "SharesOverOne",
            ),
            (
                "a share over 1",
                vec![agent("ann", Some(1.5))],
                "SharesOverOne",
            ),
            (
                "a negative share",
                vec![agent("ann", Some(-0.1))],
                "NegativeShare",
            ),
            (
                "a share that is not a number",
                vec![agent("ann", Some(f64::NAN))],
                "NegativeShare",
            ),
            (
                "an infinite share",
                vec![agent("ann", Some(f64::INFINITY))],
                "NegativeShare",
            ),
            (
                "an agent twice",
                vec![
                    agent("ann", Some(0.2)),
                    agent("bo", None),
                    agent("ann", None),
                ],
                "DuplicateAgent",
            ),
            ("21 agents", many(21), "TooManyAgents"),
        ];
        for (what, agents, variant) in refused {
            let err = with_agents(agents).unwrap_err();
            assert!(format!("{err:?}").starts_with(variant), "{what}: {err:?}");
            assert_eq!(err.field(), "agents", "{what}");
        }
        assert_eq!(
            with_agents(vec![agent("ann", None), agent("ann", None)]).unwrap_err(),
            FactsError::DuplicateAgent(AgentId::try_from("ann").unwrap())
        );

        let accepted = [
            ("no agent", vec![]),
            ("20 agents", many(20)),
            (
                "shares adding up to 1 in floating point",
                vec![
                    agent("a", Some(0.1)),
                    agent("b", Some(0.2)),
                    agent("c", Some(0.7)),
                ],
            ),
            (
                "a whole share",
                vec![agent("ann", Some(1.0)), agent("bo", None)],
            ),
            ("a zero share", vec![agent("ann", Some(0.0))]),
        ];
        for (what, agents) in accepted {
            let facts = with_agents(agents.clone()).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(facts.agents(), agents.as_slice(), "{what}");
        }
    }

    #[test]
    fn a_merge_keeps_absent_fields_clears_null_ones_and_replaces_the_rest() {
        let stored = facts(
            r#"{"channel":"chat","team":"t","topic":"billing","opened_at":"2026-11-30T05:00:00Z",
            "first_response_at":"2026-11-30T05:01:00Z","resolved_at":"2026-11-30T05:30:00Z",
            "reopened":0,"contacts":1,"handled_by":"bot_then_human",
            "agents":[{"agent":"ann","share":0.5},{"agent":"bo"}]}"#,
        )
        .unwrap();

        let reopened = stored
            .merged(&update(
                r#"{"resolved_at":null,"reopened":1,"topic":"refunds"}"#,
            ))
            .unwrap();
        assert_eq!(reopened.resolved_at_ms(), None);
        assert_eq!(reopened.reopened(), Some(1));
        assert_eq!(reopened.topic().map(Topic::as_str), Some("refunds"));
        assert_eq!(reopened.channel(), Some(Channel::Chat));
        assert_eq!(reopened.team().map(TeamId::as_str), Some("t"));
        assert_eq!(reopened.opened_at_ms(), stored.opened_at_ms());
        assert_eq!(reopened.first_response_ms(), Some(60_000));
        assert_eq!(reopened.contacts(), Some(1));
        assert_eq!(reopened.handled_by(), Some(HandledBy::BotThenHuman));
        assert_eq!(reopened.agents(), stored.agents());

        assert_eq!(
            stored.merged(&update("{}")).unwrap(),
            stored,
            "an empty PUT changes nothing"
        );
        for json in [r#"{"agents":null}"#, r#"{"agents":[]}"#] {
            assert!(
                stored.merged(&update(json)).unwrap().agents().is_empty(),
                "{json}"
            );
        }
        let replaced = stored
            .merged(&update(r#"{"agents":[{"agent":"cy"}]}"#))
            .unwrap();
        assert_eq!(
            replaced.agents(),
            [agent("cy", None)].as_slice(),
            "agents are replaced whole"
        );

        let twice = reopened.merged(&update(
            r#"{"resolved_at":null,"reopened":1,"topic":"refunds"}"#,
        ));
        assert_eq!(
            twice.unwrap(),
            reopened,
            "the same PUT again changes nothing"
        );
    }

    #[test]
    fn a_merge_that_breaks_a_rule_is_refused_naming_the_field_sent() {
        let stored = facts(
            r#"{"opened_at":"2026-11-30T05:00:00Z","first_response_at":"2026-11-30T05:10:00Z",
            "resolved_at":"2026-11-30T05:30:00Z","contacts":2}"#,
        )
        .unwrap();
        let cases = [
            (
                "a first response before the stored opening",
                r#"{"first_response_at":"2026-11-30T04:59:00Z"}"#,
                "first_response_at",
            ),
            (
                "a resolution before the stored opening",
                r#"{"resolved_at":"2026-11-30T04:59:00Z"}"#,
                "resolved_at",
            ),
            (
                "an opening after the stored first response",
                r#"{"opened_at":"2026-11-30T05:20:00Z"}"#,
                "opened_at",
            ),
            (
                "an opening after the stored resolution, first response cleared",
                r#"{"opened_at":"2026-11-30T06:00:00Z","first_response_at":null}"#,
                "opened_at",
            ),
            (
                "both moved, the first response still too early",
                r#"{"opened_at":"2026-11-30T05:20:00Z","first_response_at":"2026-11-30T05:15:00Z"}"#,
                "first_response_at",
            ),
            ("no contacts", r#"{"contacts":0}"#, "contacts"),
            (
                "shares over 1",
                r#"{"agents":[{"agent":"a","share":0.6},{"agent":"b","share":0.5}]}"#,
                "agents",
            ),
        ];
        for (what, json, field) in cases {
            let err = stored.merged(&update(json)).unwrap_err();
            assert_eq!(err.field(), field, "{what}: {err}");
        }

        let accepted = [
            (
                "the opening cleared",
                r#"{"opened_at":null,"first_response_at":"2026-11-30T04:00:00Z"}"#,
            ),
            (
                "an earlier opening",
                r#"{"opened_at":"2026-11-30T04:00:00Z"}"#,
            ),
            (
                "the opening moved to the first response",
                r#"{"opened_at":"2026-11-30T05:10:00Z"}"#,
            ),
        ];
        for (what, json) in accepted {
            assert!(stored.merged(&update(json)).is_ok(), "{what}");
        }
    }

    #[test]
    fn times_built_by_hand_outside_jiffs_range_are_refused() {
        let err = InteractionFacts::default()
            .merged(&FactsUpdate {
                resolved_at_ms: Some(Some(i64::MAX)),
                ..FactsUpdate::default()
            })
            .unwrap_err();
        assert_eq!(err.field(), "resolved_at");
    }

    #[test]
    fn derived_facts_follow_the_times_and_counts() {
        let open = facts(
            r#"{"opened_at":"2026-11-30T05:00:00Z","first_response_at":"2026-11-30T05:02:30Z","contacts":1}"#,
        )
        .unwrap();
        assert_eq!(open.first_response_ms(), Some(150_000));
        assert_eq!(open.resolution_ms(), None);
        assert_eq!(open.first_contact_resolved(), None, "open: not known yet");
        assert_eq!(InteractionFacts::default().first_response_ms(), None);

        let resolved = |extra: &str| {
            facts(&format!(
                r#"{{"opened_at":"2026-11-30T05:00:00Z","resolved_at":"2026-11-30T06:00:00Z"{extra}}}"#
            ))
            .unwrap()
        };
        assert_eq!(resolved("").resolution_ms(), Some(3_600_000));
        let cases = [
            (
                "one contact, never reopened",
                r#","contacts":1,"reopened":0"#,
                Some(true),
            ),
            (
                "one contact, reopened untold",
                r#","contacts":1"#,
                Some(true),
            ),
            (
                "one contact, reopened once",
                r#","contacts":1,"reopened":1"#,
                Some(false),
            ),
            ("two contacts", r#","contacts":2,"reopened":0"#, Some(false)),
            ("contacts untold", r#","reopened":0"#, None),
        ];
        for (what, extra, expected) in cases {
            assert_eq!(resolved(extra).first_contact_resolved(), expected, "{what}");
        }
    }

    #[test]
    fn facts_credit_their_agents_by_the_sites_rule() {
        let facts = facts(r#"{"agents":[{"agent":"ann","share":0.25},{"agent":"bo"}]}"#).unwrap();
        let names = |credit: Vec<(AgentId, f64)>| {
            credit
                .into_iter()
                .map(|(a, w)| (a.as_str().to_owned(), w))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(facts.credited(Credit::default())),
            [("bo".to_owned(), 1.0)]
        );
        assert_eq!(
            names(facts.credited(Credit::First)),
            [("ann".to_owned(), 1.0)]
        );
        assert_eq!(
            names(facts.credited(Credit::Share)),
            [("ann".to_owned(), 0.25), ("bo".to_owned(), 0.75)]
        );
    }

    fn any_time() -> impl Strategy<Value = Option<Option<i64>>> {
        proptest::option::of(proptest::option::of(OPENED_MS - 5_000..OPENED_MS + 5_000))
    }

    fn times(
        opened: Option<Option<i64>>,
        first: Option<Option<i64>>,
        resolved: Option<Option<i64>>,
    ) -> FactsUpdate {
        FactsUpdate {
            opened_at_ms: opened,
            first_response_at_ms: first,
            resolved_at_ms: resolved,
            ..FactsUpdate::default()
        }
    }

    proptest! {
        #[test]
        fn a_merge_succeeds_exactly_when_the_merged_times_keep_their_order(
            stored in (any_time(), any_time(), any_time()),
            change in (any_time(), any_time(), any_time()),
        ) {
            let stored = InteractionFacts::default()
                .merged(&times(stored.0, stored.1, stored.2))
                .unwrap_or_default();
            let update = times(change.0, change.1, change.2);
            let opened = latest(&stored.opened_at_ms(), &update.opened_at_ms);
            let first = latest(&stored.first_response_at_ms(), &update.first_response_at_ms);
            let resolved = latest(&stored.resolved_at_ms(), &update.resolved_at_ms);
            let in_order = |later: Option<i64>| match (opened, later) {
                (Some(opened), Some(later)) => later >= opened,
                _ => true,
            };
            match stored.merged(&update) {
                Ok(merged) => {
                    prop_assert!(in_order(first) && in_order(resolved));
                    prop_assert_eq!(merged.opened_at_ms(), opened);
                    prop_assert_eq!(merged.first_response_at_ms(), first);
                    prop_assert_eq!(merged.resolved_at_ms(), resolved);
                    prop_assert!(merged.first_response_ms().is_none_or(|ms| ms >= 0));
                    prop_assert!(merged.resolution_ms().is_none_or(|ms| ms >= 0));
                    prop_assert_eq!(
                        InteractionFacts::default().merged(&merged.to_update()),
                        Ok(merged.clone()),
                        "facts rebuilt from a full update are the same"
                    );
                    prop_assert_eq!(merged.merged(&update), Ok(merged.clone()), "idempotent");
                }
                Err(err) => {
                    prop_assert!(!(in_order(first) && in_order(resolved)), "{}", err);
                    prop_assert!(
                        ["first_response_at", "resolved_at", "opened_at"].contains(&err.field())
                    );
                }
            }
        }
    }
}
