//! The write path, written once for both backends: one submission merged into its response
//! ([`apply_answers`]), a whole group-commit batch of them ([`apply_answer_batch`]) with the
//! alerts its answers raise, an impression ([`apply_impression`]), an erasure
//! ([`erase_interaction`]), one chunk of a retention purge ([`purge_chunk`]) and a batch of
//! imported answers ([`import_batch`]). Each backend's connection implements [`WriteTx`] — its
//! own SQL for reading (and locking) the responses a write touches and for moving the rollups
//! — and runs these inside the transaction it owns. What to write is decided in memory by
//! `write_plan`.

use std::collections::HashMap;

use koe_shared::InteractionId;

use super::access::Access;
use super::customers::{Customers, in_cooldown};
use super::facts::Facts as _;
use super::facts_path::{self, AnswerChange};
use super::followups::Followups as _;
use super::followups_path;
use super::queries::Queries;
use super::removal::Removal;
use super::webhooks::Webhooks;
use super::write_plan::{
    self, ResponseKey, RollupChanges, SiteRules, StoredRow, Tallies, WriteRules,
};
pub(super) use super::write_tx::WriteTx;
use super::{ImpressionOutcome, ImpressionWrite, PurgeCutoff, SaveError, Saved, StorageError};
use crate::alerts::{NewAlert, crossings};
use crate::audit::AuditEntry;
use crate::ids::SiteId;
use crate::responses::{AnswerWrite, MergeConflict, ResponseState};
use crate::rollup::{RollupCounters, RollupDelta, RollupKey, response_deltas};

/// Merges one submission into its response and moves the rollups. The caller owns the
/// transaction.
pub(super) async fn apply_answers<T: WriteTx>(
    tx: &mut T,
    write: &AnswerWrite,
) -> Result<Saved, SaveError> {
    let key: ResponseKey = (write.site_id, write.interaction.clone());
    // Another writer can create this response between our look and our insert only once: the
    // next look finds it. More misses mean it cannot be read where it is kept.
    tx.lock_interactions(
        write.site_id,
        std::slice::from_ref(&write.interaction),
        false,
    )
    .await?;
    for _ in 0..3 {
        let before = tx
            .responses_of(write.site_id, std::slice::from_ref(&write.interaction))
            .await?
            .pop();
        let before_state = before.as_ref().map(|r| &r.state);
        let merged = write.apply_to(before_state)?;
        let after = merged.response;
        let id = match &before {
            Some(before) => {
                if before.state != after {
                    T::Db::update_response(tx, StoredRow::of(before), &after).await?;
                }
                before.id
            }
            None => {
                let created = [(key.clone(), after.clone())];
                match T::Db::insert_responses(tx, &created).await?.get(&key) {
                    Some(id) => *id,
                    // Another transaction created it since we looked: merge into that one.
                    None => continue,
                }
            }
        };
        if let Some(aside) = merged.set_aside {
            T::Db::insert_set_aside(tx, &[(key.clone(), aside)]).await?;
        }
        let mut changes = RollupChanges::new();
        write_plan::add_changes(
            &mut changes,
            write.site_id,
            response_deltas(before_state, &after),
        );
        tx.apply_rollup_changes(&changes).await?;
        let mut tallies = Tallies::default();
        tallies.add(write.site_id, before_state, &after);
        T::Db::apply_tallies(tx, &tallies).await?;
        let change: AnswerChange = (
            write.interaction.clone(),
            before_state.cloned(),
            Some(after.clone()),
        );
        facts_path::answer_driver_changes(tx, write.site_id, &[change]).await?;
        let (alerts, followup) = T::Db::answer_rules(tx, write.site_id).await?;
        let rules = WriteRules { alerts, followup };
        let alerts: Vec<NewAlert> = crossings(&rules.alerts, before_state, &after)
            .map(|rule| NewAlert::new(rule, write.site_id, write.interaction.as_str(), &after))
            .collect();
        T::Db::insert_alerts(tx, &alerts).await?;
        let followups: Vec<_> = rules
            .followup
            .iter()
            .filter_map(|rule| {
                rule.write(
                    write.site_id,
                    write.interaction.as_str(),
                    before_state,
                    &after,
                )
            })
            .collect();
        let site_rules = SiteRules::from([(write.site_id, rules)]);
        followups_path::write_followups(tx, &followups, &site_rules).await?;
        return Ok(Saved {
            id,
            status: AnswerWrite::status(before_state),
        });
    }
    Err(StorageError::Corrupt(format!(
        "response {} of site {} is claimed but cannot be read",
        write.interaction, write.site_id
    ))
    .into())
}

/// Why a batch could not be applied with set-based statements; the caller rolls back and
/// applies its writes one by one.
#[derive(Debug, thiserror::Error)]
pub(super) enum BatchError {
    /// Another writer created a response this batch meant to create.
    #[error("a concurrent writer created a response of this batch")]
    Raced,
    #[error(transparent)]
    Failed(#[from] StorageError),
}

/// Merges a batch of submissions with set-based statements: one read of the responses they
/// touch (per site and chunk), one update per changed existing one, multi-row inserts of the
/// new ones, and the rollup changes of the whole batch summed. Gives each write's outcome, in
/// order. The caller owns the transaction.
pub(super) async fn apply_answer_batch<T: WriteTx>(
    tx: &mut T,
    writes: &[&AnswerWrite],
) -> Result<Vec<Result<Saved, MergeConflict>>, BatchError> {
    let mut stored: HashMap<ResponseKey, (StoredRow, ResponseState)> = HashMap::new();
    let mut rules = SiteRules::new();
    // The touched interactions that have facts, with their responses' states before: the
    // drivers move by the change of these answers only.
    let mut with_facts: HashMap<ResponseKey, Option<ResponseState>> = HashMap::new();
    for (site_id, interactions) in write_plan::touched(writes) {
        let (alerts, followup) = T::Db::answer_rules(tx, site_id).await?;
        let site_rules = WriteRules { alerts, followup };
        if !site_rules.alerts.is_empty() || site_rules.followup.is_some() {
            rules.insert(site_id, site_rules);
        }
        for chunk in interactions.chunks(super::sql::ROWS_PER_STATEMENT) {
            tx.lock_interactions(site_id, chunk, false).await?;
            for id in tx.facts_of_many(site_id, chunk).await?.into_keys() {
                with_facts.insert((site_id, id), None);
            }
            for response in tx.responses_of(site_id, chunk).await? {
                if let Some(before) = with_facts.get_mut(&(site_id, response.interaction.clone())) {
                    *before = Some(response.state.clone());
                }
                stored.insert(
                    (site_id, response.interaction.clone()),
                    (StoredRow::of(&response), response.state),
                );
            }
        }
    }
    let mut ids: HashMap<ResponseKey, i64> = stored
        .iter()
        .map(|(key, (row, _))| (key.clone(), row.id))
        .collect();
    let plan = write_plan::plan(writes, stored, &rules);
    if !with_facts.is_empty() {
        let by_id: HashMap<i64, &ResponseKey> = ids.iter().map(|(key, id)| (*id, key)).collect();
        let updated = plan
            .updates
            .iter()
            .filter_map(|(row, state)| Some((by_id.get(&row.id).copied()?, state)));
        let inserted = plan.inserts.iter().map(|(key, state)| (key, state));
        let mut per_site: HashMap<SiteId, Vec<AnswerChange>> = HashMap::new();
        for (key, after) in updated.chain(inserted) {
            if let Some(before) = with_facts.get(key) {
                per_site.entry(key.0).or_default().push((
                    key.1.clone(),
                    before.clone(),
                    Some(after.clone()),
                ));
            }
        }
        for (site_id, changes) in per_site {
            facts_path::answer_driver_changes(tx, site_id, &changes).await?;
        }
    }
    for (row, state) in &plan.updates {
        T::Db::update_response(tx, *row, state).await?;
    }
    for chunk in plan.inserts.chunks(super::sql::ROWS_PER_STATEMENT / 2) {
        let inserted = T::Db::insert_responses(tx, chunk).await?;
        if inserted.len() != chunk.len() {
            return Err(BatchError::Raced);
        }
        ids.extend(inserted);
    }
    T::Db::insert_set_aside(tx, &plan.set_aside).await?;
    tx.apply_rollup_changes(&plan.changes).await?;
    T::Db::apply_tallies(tx, &plan.tallies).await?;
    T::Db::insert_alerts(tx, &plan.alerts).await?;
    followups_path::write_followups(tx, &plan.followups, &rules).await?;
    plan.outcomes
        .into_iter()
        .map(|outcome| match outcome {
            Err(conflict) => Ok(Err(conflict)),
            Ok((key, status)) => match ids.get(&key) {
                Some(id) => Ok(Ok(Saved { id: *id, status })),
                None => Err(StorageError::Corrupt("a batch response has no id".into()).into()),
            },
        })
        .collect()
}

/// Records an impression once per interaction, and counts it — unless its customer was
/// surveyed within the cooldown and this is not a reload of a survey already shown. The
/// customer is noted as surveyed when the impression is new. The caller owns the transaction.
pub(super) async fn apply_impression<T: WriteTx>(
    tx: &mut T,
    write: &ImpressionWrite,
) -> Result<ImpressionOutcome, StorageError> {
    let interaction = write.interaction.as_str();
    let customer = write.customer.as_ref();
    if in_cooldown::<T::Db>(tx, write.site_id, interaction, customer, write.now_ms).await? {
        return Ok(ImpressionOutcome::Cooldown);
    }
    let inserted = T::Db::insert_impression(tx, write).await?;
    if !inserted {
        return Ok(ImpressionOutcome::AlreadyRecorded);
    }
    // Remembered only while the site has a cooldown: without one it would serve nothing.
    if let Some(check) = write.customer.as_ref().filter(|c| c.cooldown_ms.is_some()) {
        T::Db::note_surveyed(tx, write.site_id, &check.customer, write.now_ms).await?;
    }
    {
        let a = &write.attribution;
        let delta = RollupDelta {
            key: RollupKey {
                day: write.day,
                agent: a.agent.clone(),
                team: a.team.clone(),
                channel: a.channel,
            },
            counters: RollupCounters::impression(),
        };
        let mut changes = RollupChanges::new();
        write_plan::add_changes(&mut changes, write.site_id, vec![delta]);
        tx.apply_rollup_changes(&changes).await?;
    }
    Ok(ImpressionOutcome::Recorded)
}

/// Erases an interaction on request: every row it left in `responses` (its response, with its
/// comment, and any answers set aside beside it), and the counted response's counts out of
/// `rollups`, the summaries and the tallies (`reason_rollups`, `question_rollups`) — so reports read as if it had never been
/// given. The counts taken out are those of the row the delete itself removed, so an answer
/// committed just before cannot be deleted without its counts. Its impression keeps counting
/// (a survey was shown) under `stand_in`, an id that links to nothing. The caller owns the
/// transaction; gives how many rows went (0: nothing was stored).
pub(super) async fn erase_interaction<T: WriteTx>(
    tx: &mut T,
    site_id: SiteId,
    interaction: &InteractionId,
    stand_in: &str,
) -> Result<u64, StorageError> {
    tx.lock_interactions(site_id, std::slice::from_ref(interaction), true)
        .await?;
    let deleted = T::Db::delete_interaction(tx, site_id, interaction, stand_in).await?;
    let counted = deleted.iter().find(|r| !r.set_aside).map(|r| &r.state);
    let facts_erased = facts_path::erase_facts(tx, site_id, interaction, counted).await?;
    // The follow-up holds the answer's story (its notes): it goes with it.
    T::Db::erase_followups(tx, site_id, interaction.as_str()).await?;
    if let Some(response) = deleted.iter().find(|r| !r.set_aside) {
        let state = &response.state;
        let mut changes = RollupChanges::new();
        let taken_out = RollupDelta {
            key: RollupKey::of_response(state),
            counters: RollupCounters::default().minus(&RollupCounters::of_response(state)),
        };
        write_plan::add_changes(&mut changes, site_id, vec![taken_out]);
        tx.apply_rollup_changes(&changes).await?;
        let mut tallies = Tallies::default();
        tallies.take_out(site_id, state);
        T::Db::apply_tallies(tx, &tallies).await?;
    }
    Ok(deleted.len() as u64 + u64::from(facts_erased))
}

/// Whether `cutoff`, computed from the site's settings as read before this transaction, still
/// stands on its settings as they are now ([`PurgeCutoff::still_stands`]); the site's row
/// stays locked until the commit where writers run concurrently. A site that is gone keeps
/// nothing to purge.
pub(super) async fn cutoff_stands<T: WriteTx>(
    tx: &mut T,
    cutoff: &PurgeCutoff,
) -> Result<bool, StorageError> {
    Ok(tx
        .retention_now(cutoff.entry.site_id)
        .await?
        .is_some_and(|(retention_days, zone)| cutoff.still_stands(retention_days, &zone)))
}

/// One chunk of a retention purge: up to `PURGE_CHUNK` raw responses of the cut-off's site
/// answered before `cutoff.before` deleted, the site's purged-before day moved forward, and —
/// when anything went — the audit entry, its detail prefixed with how many; rollups untouched.
/// The caller owns the transaction, and rolls it back on `None`: the site's settings no
/// longer let the cut-off stand.
pub(super) async fn purge_chunk<T: WriteTx>(
    tx: &mut T,
    cutoff: &PurgeCutoff,
) -> Result<Option<u64>, StorageError>
where
    T::Db: Access,
{
    let site_id = cutoff.entry.site_id;
    let bound_ms = cutoff.created_before_ms;
    let day = cutoff.before.to_string();
    let purged = T::Db::purge_responses(tx, site_id, bound_ms, &day, super::PURGE_CHUNK).await?;
    // Facts are raw data too: those counted before the cut-off day go (their rollups stay).
    // Not chunked: a site's facts are one row per interaction, far fewer than its answers'
    // rows and comments; not counted in the audit's number of raw responses either.
    T::Db::purge_facts(tx, site_id, &day).await?;
    // Alerts hold the answer's comment: they go with the raw responses.
    T::Db::purge_alerts(tx, site_id, bound_ms).await?;
    // And the follow-ups they opened, with their notes.
    T::Db::purge_followups(tx, site_id, &day).await?;
    // So do the integrations' events: they name the interaction and hold its links.
    T::Db::purge_integration_events(tx, site_id, bound_ms).await?;
    // The cut-off was computed before this transaction: a site that cleared its retention
    // since keeps its rows. Checked after the deletes, because every writer locks `responses`
    // before a site's row (a rezone, a month's drop); from here a change of the site's
    // settings waits for the commit.
    if !cutoff_stands(tx, cutoff).await? {
        return Ok(None);
    }
    if purged > 0 {
        T::Db::mark_purged(tx, site_id, &day).await?;
        let audited = AuditEntry {
            detail: format!("{purged} {}", cutoff.entry.detail),
            ..cutoff.entry.clone()
        };
        T::Db::insert_audit(tx, &audited).await?;
    }
    Ok(Some(purged))
}

/// Stores imported answers (each a new response; an interaction the site has already is left
/// as it is) and counts the new ones in the rollups and reason rows — no alerts: this is
/// history. The caller owns the transaction; gives how many were stored.
pub(super) async fn import_batch<T: WriteTx>(
    tx: &mut T,
    site_id: SiteId,
    rows: &[(InteractionId, ResponseState)],
) -> Result<u64, StorageError> {
    let keyed: Vec<(ResponseKey, ResponseState)> = rows
        .iter()
        .map(|(interaction, state)| ((site_id, interaction.clone()), state.clone()))
        .collect();
    let mut changes = RollupChanges::new();
    let mut tallies = Tallies::default();
    let mut stored = 0;
    let mut drivers: Vec<AnswerChange> = Vec::new();
    for chunk in keyed.chunks(super::sql::ROWS_PER_STATEMENT / 2) {
        let ids: Vec<InteractionId> = chunk.iter().map(|((_, id), _)| id.clone()).collect();
        tx.lock_interactions(site_id, &ids, false).await?;
        let inserted = T::Db::insert_responses(tx, chunk).await?;
        for (key, state) in chunk.iter().filter(|(key, _)| inserted.contains_key(key)) {
            write_plan::add_changes(&mut changes, key.0, response_deltas(None, state));
            tallies.add(key.0, None, state);
            drivers.push((key.1.clone(), None, Some(state.clone())));
            stored += 1;
        }
    }
    facts_path::answer_driver_changes(tx, site_id, &drivers).await?;
    tx.apply_rollup_changes(&changes).await?;
    T::Db::apply_tallies(tx, &tallies).await?;
    Ok(stored)
}
