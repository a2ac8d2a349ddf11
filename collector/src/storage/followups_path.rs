//! The write path's follow-up half, written once for both backends: the follow-ups a write's
//! answers open and withdraw, in the answers' transaction, and the webhook events of those that
//! opened (`write_path.rs` calls it after the answers are written).

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use super::StorageError;
use super::followups::{Followups as _, Leads};
use super::webhooks::Webhooks as _;
use super::write_plan::SiteRules;
use super::write_tx::WriteTx;
use crate::alerts::NewAlert;
use crate::followups::{self, FollowupChange, FollowupWrite};
use crate::ids::SiteId;

/// Opens and withdraws the follow-ups of a write's answers — an interaction's last change in
/// the batch is what it does (an answer opened and withdrawn within one batch opens nothing,
/// and tells no webhook), each withdrawal stamped with its answer's time; an opened one is owned by the lead of the answer's team, when the
/// team has one — and tells the webhooks of follow-ups about each that opened. Set-based: one
/// upsert per chunk of openings, one update per site and chunk of withdrawals. The caller owns
/// the transaction.
pub(super) async fn write_followups<T: WriteTx>(
    tx: &mut T,
    writes: &[FollowupWrite],
    rules: &SiteRules,
) -> Result<(), StorageError> {
    if writes.is_empty() {
        return Ok(());
    }
    let mut last: HashMap<(SiteId, &str), usize> = HashMap::new();
    for (index, write) in writes.iter().enumerate() {
        last.insert((write.site_id, write.interaction.as_str()), index);
    }
    let mut leads: HashMap<SiteId, Leads> = HashMap::new();
    let mut opens: Vec<(&FollowupWrite, Option<(i64, String)>)> = Vec::new();
    let mut withdrawals: HashMap<(SiteId, i64), Vec<&str>> = HashMap::new();
    for (index, write) in writes.iter().enumerate() {
        if last[&(write.site_id, write.interaction.as_str())] != index {
            continue;
        }
        match write.change {
            FollowupChange::Open => {
                let mut owner = None;
                if write.team.is_some() {
                    if let Entry::Vacant(vacant) = leads.entry(write.site_id) {
                        vacant.insert(T::Db::team_leads(tx, write.site_id).await?);
                    }
                    owner = followups::lead_of(&leads[&write.site_id], write.team.as_deref());
                }
                opens.push((write, owner));
            }
            FollowupChange::Withdraw => withdrawals
                .entry((write.site_id, write.at_ms))
                .or_default()
                .push(write.interaction.as_str()),
        }
    }
    for ((site_id, at_ms), interactions) in withdrawals {
        T::Db::withdraw_followups(tx, site_id, &interactions, at_ms).await?;
    }
    if opens.is_empty() {
        return Ok(());
    }
    let owned: Vec<(&FollowupWrite, Option<i64>)> = opens
        .iter()
        .map(|(write, owner)| (*write, owner.as_ref().map(|(id, _)| *id)))
        .collect();
    let opened = T::Db::open_followups(tx, &owned).await?;
    let by_key: HashMap<(SiteId, &str), usize> = opens
        .iter()
        .enumerate()
        .map(|(i, (write, _))| ((write.site_id, write.interaction.as_str()), i))
        .collect();
    let mut alerts = Vec::new();
    for (id, site_id, interaction) in opened {
        let told: Vec<_> = rules
            .get(&site_id)
            .map(|r| r.alerts.iter().filter(|rule| rule.followups).collect())
            .unwrap_or_default();
        let Some(&index) = by_key.get(&(site_id, interaction.as_str())) else {
            return Err(StorageError::Corrupt(format!(
                "follow-up {id} opened for {interaction}, which the batch did not open"
            )));
        };
        if told.is_empty() {
            continue;
        }
        let (write, owner) = &opens[index];
        let facts = followups::opened_facts(write, id, owner.as_ref().map(|(_, email)| email));
        for rule in told {
            alerts.push(NewAlert::followup(
                rule.webhook_id,
                site_id,
                &facts,
                write.at_ms,
            ));
        }
    }
    T::Db::insert_alerts(tx, &alerts).await
}
