//! [`FollowupStore`]: a site's follow-up settings, its follow-ups listed and shown with their
//! notes, a person's change (with its audit entry, and the webhooks told of a closing, in one
//! transaction), the overdue noticed once, a re-ask link's answer, the rows the numbers count.
//! Every write is its own transaction on the primary pool (on SQLite beside the writer, as
//! management writes are).

use std::future::Future;

use crate::audit::AuditEntry;
use crate::followups::FollowupSettings;
use crate::ids::SiteId;
use crate::storage::StorageError;
use crate::storage::records::{
    FollowupChanged, FollowupFact, FollowupFilter, FollowupNote, FollowupRecord, FollowupUpdate,
    ReaskRecord,
};

/// Follow-ups as people work them.
pub trait FollowupStore: Clone + Send + Sync + 'static {
    fn followup_settings(
        &self,
        site: SiteId,
    ) -> impl Future<Output = Result<FollowupSettings, StorageError>> + Send;

    /// Stores checked settings with their audit entry.
    fn set_followup_settings(
        &self,
        entry: &AuditEntry,
        settings: &FollowupSettings,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// A site's follow-ups: the overdue first, then by due time.
    fn followups(
        &self,
        site: SiteId,
        filter: &FollowupFilter,
    ) -> impl Future<Output = Result<Vec<FollowupRecord>, StorageError>> + Send;

    fn followup(
        &self,
        site: SiteId,
        id: i64,
    ) -> impl Future<Output = Result<Option<FollowupRecord>, StorageError>> + Send;

    fn followup_notes(
        &self,
        site: SiteId,
        id: i64,
    ) -> impl Future<Output = Result<Vec<FollowupNote>, StorageError>> + Send;

    /// A person's change, with its audit entry; a closing also tells the site's webhooks of
    /// follow-ups, in the same transaction.
    fn change_followup(
        &self,
        entry: &AuditEntry,
        id: i64,
        update: &FollowupUpdate,
    ) -> impl Future<Output = Result<FollowupChanged, StorageError>> + Send;

    /// Notices up to `limit` follow-ups still open past their due time at `now_ms` — each
    /// once, whichever collector looks — and tells the webhooks of follow-ups; how many.
    fn notice_overdue(
        &self,
        now_ms: i64,
        limit: i64,
    ) -> impl Future<Output = Result<usize, StorageError>> + Send;

    /// A re-ask link's follow-up, by its token's digest.
    fn reask(
        &self,
        digest: [u8; 32],
    ) -> impl Future<Output = Result<Option<ReaskRecord>, StorageError>> + Send;

    /// Keeps the customer's recovery answer, once, while the link works; `false`: it was
    /// answered already or has expired.
    fn record_recovery(
        &self,
        digest: [u8; 32],
        csat: u8,
        resolved: Option<bool>,
        now_ms: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// The follow-ups opened by answers of these days (withdrawn ones aside), as the numbers
    /// count them.
    fn followup_facts(
        &self,
        site: SiteId,
        range: (jiff::civil::Date, jiff::civil::Date),
    ) -> impl Future<Output = Result<Vec<FollowupFact>, StorageError>> + Send;
}

/// Implements [`FollowupStore`] for a backend's storage type over its sqlx database, every
/// statement on the pool field named.
macro_rules! followup_store {
    ($storage:ty, $db:ty, $pool:ident) => {
        impl $crate::storage::FollowupStore for $storage {
            async fn followup_settings(
                &self,
                site: $crate::ids::SiteId,
            ) -> Result<$crate::followups::FollowupSettings, $crate::storage::StorageError> {
                let row: Option<(String,)> =
                    sqlx::query_as($crate::storage::followups::SELECT_SETTINGS)
                        .bind(site)
                        .fetch_optional(&self.$pool)
                        .await?;
                $crate::followups::FollowupSettings::from_stored(
                    row.as_ref().map(|(json,)| json.as_str()),
                )
                .map_err($crate::storage::StorageError::Corrupt)
            }

            async fn set_followup_settings(
                &self,
                entry: &$crate::audit::AuditEntry,
                settings: &$crate::followups::FollowupSettings,
            ) -> Result<(), $crate::storage::StorageError> {
                use $crate::storage::access::Access as _;
                let json = serde_json::to_string(settings)
                    .map_err(|e| $crate::storage::StorageError::Corrupt(e.to_string()))?;
                let mut tx = self.$pool.begin().await?;
                sqlx::query($crate::storage::followups::STORE_SETTINGS)
                    .bind(entry.site_id)
                    .bind(json)
                    .execute(&mut *tx)
                    .await?;
                <$db>::insert_audit(&mut *tx, entry).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn followups(
                &self,
                site: $crate::ids::SiteId,
                filter: &$crate::storage::FollowupFilter,
            ) -> Result<Vec<$crate::storage::FollowupRecord>, $crate::storage::StorageError> {
                use $crate::storage::followups::FOLLOWUP_SELECT;
                let mut sql = format!("{FOLLOWUP_SELECT} WHERE f.site_id = $1");
                // Every value bound, in order after the site: the statuses, then the filters.
                let mut texts: Vec<String> = Vec::new();
                let mut next = 2;
                if filter.statuses.is_empty() {
                    sql.push_str(" AND f.status <> 'withdrawn'");
                } else {
                    let mut list = Vec::new();
                    for status in &filter.statuses {
                        list.push(format!("${next}"));
                        next += 1;
                        texts.push(status.clone());
                    }
                    sql.push_str(&format!(" AND f.status IN ({})", list.join(", ")));
                }
                for (column, value) in [
                    ("f.agent", &filter.agent),
                    ("f.team", &filter.team),
                    ("f.channel", &filter.channel),
                ] {
                    if let Some(value) = value {
                        sql.push_str(&format!(" AND {column} = ${next}"));
                        next += 1;
                        texts.push(value.clone());
                    }
                }
                let owner_at = next;
                let overdue_at = next + 1;
                let now_at = next + 2;
                let limit_at = next + 3;
                if filter.owner.is_some() {
                    sql.push_str(&format!(" AND f.owner_user_id = ${owner_at}"));
                } else {
                    sql.push_str(&format!(" AND ${owner_at} IS NULL"));
                }
                if filter.overdue_at_ms.is_some() {
                    sql.push_str(&format!(
                        " AND f.status = 'open' AND f.due_at_ms <= ${overdue_at}"
                    ));
                } else {
                    sql.push_str(&format!(" AND ${overdue_at} IS NULL"));
                }
                sql.push_str(&format!(
                    " ORDER BY CASE WHEN f.status = 'open' AND f.due_at_ms <= ${now_at} THEN 0 \
                     WHEN f.status IN ('open', 'contacted') THEN 1 ELSE 2 END, \
                     f.due_at_ms, f.id LIMIT ${limit_at}"
                ));
                let mut query = sqlx::query_as(&sql).bind(site);
                for value in texts {
                    query = query.bind(value);
                }
                Ok(query
                    .bind(filter.owner)
                    .bind(filter.overdue_at_ms)
                    .bind(filter.now_ms)
                    .bind(filter.limit)
                    .fetch_all(&self.$pool)
                    .await?)
            }

            async fn followup(
                &self,
                site: $crate::ids::SiteId,
                id: i64,
            ) -> Result<Option<$crate::storage::FollowupRecord>, $crate::storage::StorageError>
            {
                use $crate::storage::followups::FOLLOWUP_SELECT;
                let sql = format!("{FOLLOWUP_SELECT} WHERE f.site_id = $1 AND f.id = $2");
                Ok(sqlx::query_as(&sql)
                    .bind(site)
                    .bind(id)
                    .fetch_optional(&self.$pool)
                    .await?)
            }

            async fn followup_notes(
                &self,
                site: $crate::ids::SiteId,
                id: i64,
            ) -> Result<Vec<$crate::storage::FollowupNote>, $crate::storage::StorageError> {
                Ok(sqlx::query_as($crate::storage::followups::SELECT_NOTES)
                    .bind(id)
                    .bind(site)
                    .fetch_all(&self.$pool)
                    .await?)
            }

            async fn change_followup(
                &self,
                entry: &$crate::audit::AuditEntry,
                id: i64,
                update: &$crate::storage::FollowupUpdate,
            ) -> Result<$crate::storage::FollowupChanged, $crate::storage::StorageError> {
                use $crate::storage::FollowupChanged;
                use $crate::storage::FollowupUpdate;
                use $crate::storage::access::Access as _;
                use $crate::storage::followups::*;
                use $crate::storage::webhooks::Webhooks as _;
                let site = entry.site_id;
                let now_ms = entry.at.as_millisecond();
                let mut tx = self.$pool.begin().await?;
                let changed: Option<(i64,)> = match update {
                    FollowupUpdate::Assign { user, name } => {
                        sqlx::query_as(ASSIGN)
                            .bind(site)
                            .bind(id)
                            .bind(now_ms)
                            .bind(*user)
                            .bind(name.as_deref())
                            .fetch_optional(&mut *tx)
                            .await?
                    }
                    FollowupUpdate::Note { author, body } => {
                        let touched: Option<(i64,)> = sqlx::query_as(TOUCH)
                            .bind(site)
                            .bind(id)
                            .bind(now_ms)
                            .fetch_optional(&mut *tx)
                            .await?;
                        if touched.is_some() {
                            sqlx::query(INSERT_NOTE)
                                .bind(id)
                                .bind(author.as_str())
                                .bind(body.as_str())
                                .bind(now_ms)
                                .execute(&mut *tx)
                                .await?;
                        }
                        touched
                    }
                    FollowupUpdate::Contacted => {
                        sqlx::query_as(CONTACTED)
                            .bind(site)
                            .bind(id)
                            .bind(now_ms)
                            .fetch_optional(&mut *tx)
                            .await?
                    }
                    FollowupUpdate::Close {
                        status,
                        cause,
                        reask,
                    } => {
                        sqlx::query_as(CLOSE)
                            .bind(site)
                            .bind(id)
                            .bind(now_ms)
                            .bind(status.as_str())
                            .bind(cause.as_str())
                            .bind(reask.as_ref().map(|(digest, _)| &digest[..]))
                            .bind(reask.as_ref().map(|(_, until)| *until))
                            .fetch_optional(&mut *tx)
                            .await?
                    }
                };
                if changed.is_none() {
                    let status: Option<(String,)> = sqlx::query_as(SELECT_STATUS)
                        .bind(site)
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    return Ok(match status {
                        None => FollowupChanged::Missing,
                        Some((status,)) if status == "withdrawn" => FollowupChanged::Withdrawn,
                        Some(_) => FollowupChanged::Closed,
                    });
                }
                <$db>::insert_audit(&mut *tx, entry).await?;
                let sql = format!("{FOLLOWUP_SELECT} WHERE f.site_id = $1 AND f.id = $2");
                let record: $crate::storage::FollowupRecord = sqlx::query_as(&sql)
                    .bind(site)
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                if matches!(update, FollowupUpdate::Close { .. }) {
                    let facts = $crate::followups::event_facts(&record, "closed");
                    let alerts: Vec<_> = <$db>::alert_rules(&mut *tx, site)
                        .await?
                        .iter()
                        .filter(|rule| rule.followups)
                        .map(|rule| {
                            $crate::alerts::NewAlert::followup(
                                rule.webhook_id,
                                site,
                                &facts,
                                now_ms,
                            )
                        })
                        .collect();
                    <$db>::insert_alerts(&mut *tx, &alerts).await?;
                }
                tx.commit().await?;
                Ok(FollowupChanged::Done(Box::new(record)))
            }

            async fn notice_overdue(
                &self,
                now_ms: i64,
                limit: i64,
            ) -> Result<usize, $crate::storage::StorageError> {
                use $crate::storage::followups::*;
                use $crate::storage::webhooks::Webhooks as _;
                let mut tx = self.$pool.begin().await?;
                let noticed: Vec<(i64, $crate::ids::SiteId)> = sqlx::query_as(NOTICE_OVERDUE)
                    .bind(now_ms)
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await?;
                let sql = format!("{FOLLOWUP_SELECT} WHERE f.site_id = $1 AND f.id = $2");
                let mut rules = std::collections::HashMap::new();
                for (id, site) in &noticed {
                    if let std::collections::hash_map::Entry::Vacant(vacant) = rules.entry(*site) {
                        vacant.insert(<$db>::alert_rules(&mut *tx, *site).await?);
                    }
                    let followups: Vec<_> = rules[site].iter().filter(|r| r.followups).collect();
                    if followups.is_empty() {
                        continue;
                    }
                    let record: $crate::storage::FollowupRecord = sqlx::query_as(&sql)
                        .bind(*site)
                        .bind(*id)
                        .fetch_one(&mut *tx)
                        .await?;
                    let facts = $crate::followups::event_facts(&record, "overdue");
                    let alerts: Vec<_> = followups
                        .iter()
                        .map(|rule| {
                            $crate::alerts::NewAlert::followup(
                                rule.webhook_id,
                                *site,
                                &facts,
                                now_ms,
                            )
                        })
                        .collect();
                    <$db>::insert_alerts(&mut *tx, &alerts).await?;
                }
                tx.commit().await?;
                Ok(noticed.len())
            }

            async fn reask(
                &self,
                digest: [u8; 32],
            ) -> Result<Option<$crate::storage::ReaskRecord>, $crate::storage::StorageError> {
                Ok(sqlx::query_as($crate::storage::followups::SELECT_REASK)
                    .bind(&digest[..])
                    .fetch_optional(&self.$pool)
                    .await?)
            }

            async fn record_recovery(
                &self,
                digest: [u8; 32],
                csat: u8,
                resolved: Option<bool>,
                now_ms: i64,
            ) -> Result<bool, $crate::storage::StorageError> {
                let done: Option<(i64,)> =
                    sqlx::query_as($crate::storage::followups::RECORD_RECOVERY)
                        .bind(&digest[..])
                        .bind(i64::from(csat))
                        .bind(resolved)
                        .bind(now_ms)
                        .fetch_optional(&self.$pool)
                        .await?;
                Ok(done.is_some())
            }

            async fn followup_facts(
                &self,
                site: $crate::ids::SiteId,
                range: (jiff::civil::Date, jiff::civil::Date),
            ) -> Result<Vec<$crate::storage::FollowupFact>, $crate::storage::StorageError> {
                Ok(sqlx::query_as($crate::storage::followups::SELECT_FACTS)
                    .bind(site)
                    .bind(range.0.to_string())
                    .bind(range.1.to_string())
                    .fetch_all(&self.$pool)
                    .await?)
            }
        }
    };
}
pub(in crate::storage) use followup_store;
