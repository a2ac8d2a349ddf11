//! The facts half of the write path, written once for both backends: a call's facts merged
//! into what is stored ([`apply_facts`]), and the drivers an answer moves when its
//! interaction has facts ([`answer_driver_changes`]: every write of answers calls it). Each
//! runs inside the caller's transaction; each backend's connection gives the reads and locks
//! ([`WriteTx`]).
//!
//! Answers and facts of one interaction may arrive in any order, and on PostgreSQL at the same
//! moment on two connections: both sides first take the interaction's lock (facts
//! exclusively, answers shared: `WriteTx::lock_interactions`), so each sees what the other
//! committed and the drivers count every answer whose interaction has facts exactly once.

use std::collections::BTreeMap;

use koe_shared::InteractionId;

use super::facts::Facts;
use super::write_tx::WriteTx;
use super::{FactsOutcome, FactsRefusal, FactsSaved, FactsWrite, StorageError, StoredFacts};
use crate::facts::rollup::{
    DriverChanges, ServiceChanges, add_driver_changes, add_service_changes, day_of,
};
use crate::facts::settings::ServiceSettings;
use crate::ids::SiteId;
use crate::responses::ResponseState;

/// Applies a call's facts in order; stores nothing and gives every refusal when any entry
/// breaks a rule. The caller owns the transaction.
pub(super) async fn apply_facts<T: WriteTx>(
    tx: &mut T,
    write: &FactsWrite,
) -> Result<FactsOutcome, StorageError>
where
    T::Db: Facts,
{
    let mut outcomes = apply_facts_batch(tx, &[write]).await?;
    outcomes
        .pop()
        .ok_or_else(|| StorageError::Corrupt("a facts call gave no outcome".into()))
}

/// What a batch of calls leaves stored for one site: the facts before, and after the calls
/// that kept every rule.
struct SiteFacts {
    before: BTreeMap<InteractionId, StoredFacts>,
    current: BTreeMap<InteractionId, StoredFacts>,
    settings: ServiceSettings,
}

/// Applies several calls' facts (SQLite's writer gathers a group-commit batch of them) with
/// set-based statements: one read of what they touch per site and chunk, then multi-row writes
/// of what changed and of the rollups they move. Each call, in order, is applied whole onto
/// what the calls before it left, or refused whole (its refusals its outcome) leaving nothing
/// of it. The caller owns the transaction.
pub(super) async fn apply_facts_batch<T: WriteTx>(
    tx: &mut T,
    writes: &[&FactsWrite],
) -> Result<Vec<FactsOutcome>, StorageError>
where
    T::Db: Facts,
{
    let mut touched: BTreeMap<SiteId, Vec<InteractionId>> = BTreeMap::new();
    for write in writes {
        let ids = touched.entry(write.site_id).or_default();
        ids.extend(write.entries.iter().map(|e| e.interaction.clone()));
    }
    let mut sites: BTreeMap<SiteId, SiteFacts> = BTreeMap::new();
    for (site_id, ids) in &mut touched {
        ids.sort_unstable();
        ids.dedup();
        tx.lock_interactions(*site_id, ids, true).await?;
        let mut before = BTreeMap::new();
        for chunk in ids.chunks(super::sql::ROWS_PER_STATEMENT) {
            before.append(&mut tx.facts_of_many(*site_id, chunk).await?);
        }
        let settings = T::Db::settings_of(tx, *site_id).await?;
        let current = before.clone();
        sites.insert(
            *site_id,
            SiteFacts {
                before,
                current,
                settings,
            },
        );
    }
    let mut outcomes = Vec::with_capacity(writes.len());
    for write in writes {
        let site = sites
            .get_mut(&write.site_id)
            .ok_or_else(|| StorageError::Corrupt("a facts call's site was not read".into()))?;
        outcomes.push(merge_call(&mut site.current, write)?);
    }
    for (site_id, site) in &sites {
        write_changes(tx, *site_id, site).await?;
    }
    Ok(outcomes)
}

/// Merges one call's entries onto `current` in order, all or none.
fn merge_call(
    current: &mut BTreeMap<InteractionId, StoredFacts>,
    write: &FactsWrite,
) -> Result<FactsOutcome, StorageError> {
    let today = jiff::Timestamp::from_millisecond(write.now_ms)
        .map_err(|e| StorageError::Corrupt(e.to_string()))?
        .to_zoned(write.zone.clone())
        .date();
    let mut staged: BTreeMap<InteractionId, StoredFacts> = BTreeMap::new();
    let mut saved = Vec::with_capacity(write.entries.len());
    let mut refusals = Vec::new();
    for (index, entry) in write.entries.iter().enumerate() {
        let prior = staged
            .get(&entry.interaction)
            .or_else(|| current.get(&entry.interaction));
        let base = prior.map(|p| p.facts.clone()).unwrap_or_default();
        let facts = match base.merged(&entry.update) {
            Ok(facts) => facts,
            Err(error) => {
                refusals.push(FactsRefusal {
                    index,
                    interaction: entry.interaction.clone(),
                    error,
                });
                continue;
            }
        };
        let first_seen = prior
            .and_then(|p| jiff::Timestamp::from_millisecond(p.created_at_ms).ok())
            .map_or(today, |at| at.to_zoned(write.zone.clone()).date());
        let day = day_of(&facts, &write.zone, first_seen);
        let stored = StoredFacts {
            facts: facts.clone(),
            day,
            customer: match entry.customer {
                None => prior.and_then(|p| p.customer),
                Some(customer) => customer,
            },
            created_at_ms: prior.map_or(write.now_ms, |p| p.created_at_ms),
            updated_at_ms: write.now_ms,
        };
        saved.push(FactsSaved {
            interaction: entry.interaction.clone(),
            created: prior.is_none(),
            facts,
            day,
        });
        staged.insert(entry.interaction.clone(), stored);
    }
    if !refusals.is_empty() {
        return Ok(Err(refusals));
    }
    current.append(&mut staged);
    Ok(Ok(saved))
}

/// Writes a site's changed facts and the rollup changes they move, with multi-row statements.
async fn write_changes<T: WriteTx>(
    tx: &mut T,
    site_id: SiteId,
    site: &SiteFacts,
) -> Result<(), StorageError>
where
    T::Db: Facts,
{
    let changed: Vec<(&InteractionId, &StoredFacts)> = site
        .current
        .iter()
        .filter(|(id, after)| site.before.get(*id) != Some(*after))
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    let ids: Vec<InteractionId> = changed.iter().map(|(id, _)| (*id).clone()).collect();
    let mut answers: BTreeMap<InteractionId, ResponseState> = BTreeMap::new();
    for chunk in ids.chunks(super::sql::ROWS_PER_STATEMENT) {
        answers.extend(
            tx.responses_of(site_id, chunk)
                .await?
                .into_iter()
                .map(|r| (r.interaction, r.state)),
        );
    }
    let mut service = ServiceChanges::new();
    let mut drivers = DriverChanges::new();
    for (id, new) in &changed {
        let old = site.before.get(*id);
        add_service_changes(
            &mut service,
            old.map(|o| (&o.facts, o.day)),
            Some((&new.facts, new.day)),
            site.settings.credit,
        );
        let answer = answers.get(*id);
        add_driver_changes(
            &mut drivers,
            (old.map(|o| &o.facts), answer),
            (Some(&new.facts), answer),
        );
    }
    T::Db::upsert_facts(tx, site_id, &changed).await?;
    T::Db::apply_service_changes(tx, site_id, &service).await?;
    T::Db::apply_driver_changes(tx, site_id, &drivers).await
}

/// An answer's change, for the drivers: its interaction, and its counted state before and
/// after (either absent: created, erased).
pub(super) type AnswerChange = (InteractionId, Option<ResponseState>, Option<ResponseState>);

/// Moves the drivers by what these answers' changes move where their interactions have facts.
/// The caller took the interactions' locks (shared) before reading the answers.
pub(super) async fn answer_driver_changes<T: WriteTx>(
    tx: &mut T,
    site_id: SiteId,
    changes: &[AnswerChange],
) -> Result<(), StorageError>
where
    T::Db: Facts,
{
    if changes.is_empty() {
        return Ok(());
    }
    let mut ids: Vec<InteractionId> = changes.iter().map(|(id, _, _)| id.clone()).collect();
    ids.sort_unstable();
    ids.dedup();
    let facts = tx.facts_of_many(site_id, &ids).await?;
    if facts.is_empty() {
        return Ok(());
    }
    let mut drivers = DriverChanges::new();
    for (id, before, after) in changes {
        let Some(stored) = facts.get(id) else {
            continue;
        };
        add_driver_changes(
            &mut drivers,
            (Some(&stored.facts), before.as_ref()),
            (Some(&stored.facts), after.as_ref()),
        );
    }
    T::Db::apply_driver_changes(tx, site_id, &drivers).await
}

/// Erases an interaction's facts with what they counted in the service rollups and drivers
/// (`answer`: its counted response, if it still has one). The caller owns the transaction.
pub(super) async fn erase_facts<T: WriteTx>(
    tx: &mut T,
    site_id: SiteId,
    interaction: &InteractionId,
    answer: Option<&ResponseState>,
) -> Result<bool, StorageError>
where
    T::Db: Facts,
{
    let Some(stored) = T::Db::delete_facts(tx, site_id, interaction).await? else {
        return Ok(false);
    };
    let settings = T::Db::settings_of(tx, site_id).await?;
    let mut service = ServiceChanges::new();
    add_service_changes(
        &mut service,
        Some((&stored.facts, stored.day)),
        None,
        settings.credit,
    );
    let mut drivers = DriverChanges::new();
    add_driver_changes(&mut drivers, (Some(&stored.facts), answer), (None, None));
    T::Db::apply_service_changes(tx, site_id, &service).await?;
    T::Db::apply_driver_changes(tx, site_id, &drivers).await?;
    Ok(true)
}

/// Re-counts a site's service rollups and drivers from its stored facts and counted answers,
/// under its crediting rule as stored now — after a change of rule, or (with `zone`) once a
/// time-zone rebuild re-dated its answers: each interaction then counts on its day in `zone`.
/// Holds every interaction lock of the site meanwhile. The caller owns the transaction.
pub(super) async fn recount<T: WriteTx>(
    tx: &mut T,
    site_id: SiteId,
    zone: Option<&jiff::tz::TimeZone>,
) -> Result<(), StorageError>
where
    T::Db: Facts,
{
    tx.lock_every_interaction(site_id).await?;
    let settings = T::Db::settings_of(tx, site_id).await?;
    T::Db::clear_service(tx, site_id).await?;
    let mut after = String::new();
    loop {
        let page = T::Db::facts_page(tx, site_id, &after).await?;
        let Some((last, _)) = page.last() else {
            return Ok(());
        };
        after = last.to_string();
        let ids: Vec<InteractionId> = page.iter().map(|(id, _)| id.clone()).collect();
        let answers: BTreeMap<InteractionId, ResponseState> = tx
            .responses_of(site_id, &ids)
            .await?
            .into_iter()
            .map(|r| (r.interaction, r.state))
            .collect();
        let mut service = ServiceChanges::new();
        let mut drivers = DriverChanges::new();
        for (id, mut stored) in page {
            if let Some(zone) = zone {
                let first_seen = jiff::Timestamp::from_millisecond(stored.created_at_ms)
                    .map_err(|e| StorageError::Corrupt(e.to_string()))?
                    .to_zoned(zone.clone())
                    .date();
                let day = day_of(&stored.facts, zone, first_seen);
                if day != stored.day {
                    stored.day = day;
                    T::Db::upsert_facts(tx, site_id, &[(&id, &stored)]).await?;
                }
            }
            add_service_changes(
                &mut service,
                None,
                Some((&stored.facts, stored.day)),
                settings.credit,
            );
            add_driver_changes(
                &mut drivers,
                (None, None),
                (Some(&stored.facts), answers.get(&id)),
            );
        }
        T::Db::apply_service_changes(tx, site_id, &service).await?;
        T::Db::apply_driver_changes(tx, site_id, &drivers).await?;
    }
}
