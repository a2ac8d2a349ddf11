//! The in-memory half of a write: given the responses a batch of submissions touches, which
//! submissions create a response, which merge into one, which conflict, and what the rollups
//! must change by. Plain functions over domain types — the SQL that reads before and writes
//! after is each backend's (see `write_path`).

use std::collections::{BTreeMap, HashMap};

use koe_shared::{InteractionId, SubmissionStatus};

use crate::alerts::{AlertRule, NewAlert, crossings};
use crate::followups::{FollowupRule, FollowupWrite};
use crate::ids::SiteId;
use crate::responses::{AnswerWrite, MergeConflict, ResponseState};
use crate::rollup::{
    QuestionKey, ReasonKey, RollupCounters, RollupDelta, RollupKey, question_deltas, question_key,
    reason_deltas, reason_keys,
};

/// A response's identity: (site id, interaction).
pub(super) type ResponseKey = (SiteId, InteractionId);

/// Where a stored response's row is: its id, and the creation time it is stored under — on
/// PostgreSQL, which monthly partition holds it. An update names both (the time may change
/// with it, when a person's answer replaces a suspected scanner's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct StoredRow {
    pub id: i64,
    pub created_at_ms: i64,
}

impl StoredRow {
    pub fn of(response: &super::StoredResponse) -> Self {
        Self {
            id: response.id,
            created_at_ms: response.state.created_at_ms,
        }
    }
}

/// Rollup changes per (site id, row key), summed; the order every writer locks rows in.
pub(super) type RollupChanges = BTreeMap<(SiteId, RollupKey), RollupCounters>;

/// The tally changes of a write — reason counts (`reason_rollups`) and the answers to the
/// site's own question (`question_rollups`) — per (site id, row), summed, in lock order.
#[derive(Debug, Default)]
pub(super) struct Tallies {
    pub reasons: BTreeMap<(SiteId, ReasonKey), i64>,
    pub questions: BTreeMap<(SiteId, QuestionKey), i64>,
}

impl Tallies {
    /// Adds what one response's change from `before` to `after` moves.
    pub fn add(&mut self, site_id: SiteId, before: Option<&ResponseState>, after: &ResponseState) {
        for (key, delta) in reason_deltas(before, after) {
            *self.reasons.entry((site_id, key)).or_default() += delta;
        }
        for (key, delta) in question_deltas(before, after) {
            *self.questions.entry((site_id, key)).or_default() += delta;
        }
        self.reasons.retain(|_, d| *d != 0);
        self.questions.retain(|_, d| *d != 0);
    }

    /// Takes out what a response removed (erased) counted.
    pub fn take_out(&mut self, site_id: SiteId, gone: &ResponseState) {
        for key in reason_keys(gone) {
            *self.reasons.entry((site_id, key)).or_default() -= 1;
        }
        if let Some(key) = question_key(gone) {
            *self.questions.entry((site_id, key)).or_default() -= 1;
        }
    }
}

/// Adds one site's deltas to a batch's changes.
pub(super) fn add_changes(changes: &mut RollupChanges, site_id: SiteId, deltas: Vec<RollupDelta>) {
    for delta in deltas {
        changes
            .entry((site_id, delta.key))
            .or_default()
            .add(&delta.counters);
    }
}

/// The interactions a batch touches, per site, sorted and once each (every writer reads and
/// locks them in this order).
pub(super) fn touched(writes: &[&AnswerWrite]) -> BTreeMap<SiteId, Vec<InteractionId>> {
    let mut wanted: BTreeMap<SiteId, Vec<InteractionId>> = BTreeMap::new();
    for write in writes {
        wanted
            .entry(write.site_id)
            .or_default()
            .push(write.interaction.clone());
    }
    for interactions in wanted.values_mut() {
        interactions.sort_unstable();
        interactions.dedup();
    }
    wanted
}

/// What a batch does, decided before anything is written.
#[derive(Debug, Default)]
pub(super) struct BatchPlan {
    /// Each write's outcome, in order: the response it created or merged into, or why not.
    pub outcomes: Vec<Result<(ResponseKey, SubmissionStatus), MergeConflict>>,
    /// Stored responses that change: where each is stored, and its new state.
    pub updates: Vec<(StoredRow, ResponseState)>,
    /// Responses to create, in key order (concurrent batches then wait on each other's new
    /// rows in one order).
    pub inserts: Vec<(ResponseKey, ResponseState)>,
    /// Answers kept aside (a suspected scanner's beside a person's): the latest of each
    /// interaction, in key order — each replaces in place the one its interaction has, and
    /// one statement cannot update a row twice.
    pub set_aside: Vec<(ResponseKey, ResponseState)>,
    /// The rollup changes of the whole batch.
    pub changes: RollupChanges,
    /// The tally changes of the whole batch.
    pub tallies: Tallies,
    /// Alerts of webhooks an answer crossed into, in write order.
    pub alerts: Vec<NewAlert>,
    /// Follow-ups opened or withdrawn, in write order.
    pub followups: Vec<FollowupWrite>,
}

/// What a site's answers are checked against as they are written: its webhooks and its
/// follow-up rule.
#[derive(Debug, Default)]
pub(super) struct WriteRules {
    pub alerts: Vec<AlertRule>,
    pub followup: Option<FollowupRule>,
}

/// The rules of the sites a batch touches (sites with neither are absent).
pub(super) type SiteRules = HashMap<SiteId, WriteRules>;

/// Plans a batch: `stored` holds the touched responses that exist (id and state). Writes to
/// the same interaction apply in order, each to the state the one before left — and each may
/// cross into a webhook's condition, as it would written alone.
pub(super) fn plan(
    writes: &[&AnswerWrite],
    mut stored: HashMap<ResponseKey, (StoredRow, ResponseState)>,
    rules: &SiteRules,
) -> BatchPlan {
    let mut plan = BatchPlan::default();
    let mut new: BTreeMap<ResponseKey, ResponseState> = BTreeMap::new();
    let mut set_aside: BTreeMap<ResponseKey, ResponseState> = BTreeMap::new();
    let mut changed: Vec<ResponseKey> = Vec::new();
    for write in writes {
        let key: ResponseKey = (write.site_id, write.interaction.clone());
        let before = new
            .get(&key)
            .or_else(|| stored.get(&key).map(|(_, state)| state));
        match write.apply_to(before) {
            Err(conflict) => plan.outcomes.push(Err(conflict)),
            Ok(merged) => {
                let after = merged.response;
                let deltas = crate::rollup::response_deltas(before, &after);
                add_changes(&mut plan.changes, write.site_id, deltas);
                plan.tallies.add(write.site_id, before, &after);
                if let Some(rules) = rules.get(&write.site_id) {
                    let interaction = write.interaction.as_str();
                    plan.alerts.extend(
                        crossings(&rules.alerts, before, &after)
                            .map(|rule| NewAlert::new(rule, write.site_id, interaction, &after)),
                    );
                    if let Some(rule) = &rules.followup {
                        plan.followups.extend(rule.write(
                            write.site_id,
                            interaction,
                            before,
                            &after,
                        ));
                    }
                }
                plan.outcomes
                    .push(Ok((key.clone(), AnswerWrite::status(before))));
                if let Some(aside) = merged.set_aside {
                    set_aside.insert(key.clone(), aside);
                }
                if before == Some(&after) {
                    continue;
                }
                match stored.get_mut(&key) {
                    Some((_, state)) => {
                        *state = after;
                        if !changed.contains(&key) {
                            changed.push(key);
                        }
                    }
                    None => {
                        new.insert(key, after);
                    }
                }
            }
        }
    }
    plan.updates = changed
        .into_iter()
        .filter_map(|key| stored.remove(&key))
        .collect();
    plan.inserts = new.into_iter().collect();
    plan.set_aside = set_aside.into_iter().collect();
    plan
}

#[cfg(test)]
mod tests {
    use koe_shared::{AgentId, CsatScore, NpsScore};

    use super::*;
    use crate::responses::{Answers, Attribution, Client, Source};

    const DAY_MS: i64 = 86_400_000;

    fn write(interaction: &str, now_ms: i64, agent: &str, csat: Option<u8>) -> AnswerWrite {
        AnswerWrite {
            site_id: SiteId::new(1),
            interaction: InteractionId::try_from(interaction).unwrap(),
            attribution: Attribution {
                agent: Some(AgentId::try_from(agent).unwrap()),
                ..Attribution::default()
            },
            answers: Answers {
                csat: csat.map(|v| CsatScore::try_from(v).unwrap()),
                nps: Some(NpsScore::try_from(9).unwrap()),
                ..Answers::default()
            },
            day: "2026-11-26".parse().unwrap(),
            now_ms,
            edit_window_ms: 7 * DAY_MS,
            source: Source::WIDGET,
        }
    }

    fn key(interaction: &str) -> ResponseKey {
        (
            SiteId::new(1),
            InteractionId::try_from(interaction).unwrap(),
        )
    }

    #[test]
    fn new_interactions_are_created_once_however_many_writes_they_get() {
        let (a, b, a2) = (
            write("b-1", 0, "ken", Some(4)),
            write("a-1", 0, "ken", Some(5)),
            write("b-1", 1, "ken", Some(2)),
        );
        let plan = plan(&[&a, &b, &a2], HashMap::new(), &SiteRules::new());
        let statuses: Vec<_> = plan.outcomes.iter().map(|o| o.clone().unwrap().1).collect();
        assert_eq!(
            statuses,
            [
                SubmissionStatus::Created,
                SubmissionStatus::Created,
                SubmissionStatus::Updated
            ]
        );
        let inserted: Vec<_> = plan.inserts.iter().map(|(k, _)| k.clone()).collect();
        assert_eq!(
            inserted,
            [key("a-1"), key("b-1")],
            "inserted once each, in key order"
        );
        let b1 = &plan.inserts[1].1;
        assert_eq!(
            b1.answers.csat.map(u8::from),
            Some(2),
            "the later write wins"
        );
        assert!(plan.updates.is_empty());
        let responses: i64 = plan.changes.values().map(|c| c.responses).sum();
        assert_eq!(responses, 2, "two responses counted, not three");
    }

    #[test]
    fn stored_responses_are_updated_and_conflicts_change_nothing() {
        let first = write("c-1", 0, "ken", Some(3))
            .apply_to(None)
            .unwrap()
            .response;
        let row = StoredRow {
            id: 42,
            created_at_ms: first.created_at_ms,
        };
        let stored = HashMap::from([(key("c-1"), (row, first))]);
        let edit = write("c-1", DAY_MS, "ken", Some(5));
        let other_agent = write("c-1", DAY_MS, "eve", Some(1));
        let late = write("c-1", 8 * DAY_MS, "ken", Some(1));
        let plan = plan(&[&edit, &other_agent, &late], stored, &SiteRules::new());
        assert_eq!(
            plan.outcomes[0].as_ref().unwrap().1,
            SubmissionStatus::Updated
        );
        assert_eq!(
            plan.outcomes[1..],
            [
                Err(MergeConflict::AttributionConflict),
                Err(MergeConflict::EditWindowClosed)
            ]
        );
        assert_eq!(plan.updates.len(), 1);
        assert_eq!(plan.updates[0].0, row);
        assert_eq!(plan.updates[0].1.answers.csat.map(u8::from), Some(5));
        assert!(plan.inserts.is_empty());
        let c = plan.changes.values().next().unwrap();
        assert_eq!((c.csat[2], c.csat[4], c.responses), (-1, 1, 0));
    }

    #[test]
    fn a_batch_keeps_one_answer_aside_per_interaction_the_latest() {
        let person = write("d-1", 0, "ken", Some(5))
            .apply_to(None)
            .unwrap()
            .response;
        let row = StoredRow {
            id: 7,
            created_at_ms: person.created_at_ms,
        };
        let stored = HashMap::from([(key("d-1"), (row, person.clone()))]);
        let scanner = |now_ms: i64, csat: u8| AnswerWrite {
            source: Source {
                client: Client::SuspectedScanner,
                flagged: true,
            },
            ..write("d-1", now_ms, "ken", Some(csat))
        };
        let (first, second, third) = (scanner(1, 1), scanner(2, 2), scanner(3, 3));
        let plan = plan(&[&first, &second, &third], stored, &SiteRules::new());
        assert!(plan.updates.is_empty(), "the person's answer stands");
        assert_eq!(plan.set_aside.len(), 1, "one row kept aside, not three");
        let (aside_key, aside) = &plan.set_aside[0];
        assert_eq!(aside_key, &key("d-1"));
        assert_eq!(aside.answers.csat.map(u8::from), Some(3), "the latest");
        assert_eq!(aside.created_at_ms, person.created_at_ms);
        assert!(
            plan.changes.values().all(|c| c.is_zero()),
            "nothing counted"
        );
    }

    #[test]
    fn touched_interactions_are_sorted_per_site_once_each() {
        let (x, y, x2) = (
            write("x", 0, "ken", None),
            write("a", 0, "ken", None),
            write("x", 0, "ken", None),
        );
        let touched = touched(&[&x, &y, &x2]);
        assert_eq!(touched[&SiteId::new(1)], [key("a").1, key("x").1]);
    }
}
