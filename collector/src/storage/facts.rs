//! Interaction facts as stored: the `interactions` rows, the service rollups and drivers they
//! move, a site's active users per day and its service settings. Here are the capability's
//! trait ([`FactsStore`]), the part of it written once for both backends (`facts_store!`),
//! and the statements with their SQL ([`Facts`]). Writing facts is each backend's (SQLite
//! through its writer, PostgreSQL in a transaction of its own) over `facts_path.rs`.

use std::future::Future;

use jiff::civil::Date;
use koe_shared::InteractionId;
use koe_shared::facts::AgentShare;

use super::sql::for_koe_databases;
use super::{
    CustomerHash, DriverRow, FactsRefusal, FactsSaved, FactsWrite, GroupedService, ServiceFilter,
    StorageError, StoredFacts,
};
use crate::facts::frt::{BUCKETS, Histogram};
use crate::facts::rollup::{
    Cut, DriverChanges, DriverCounters, SERVICE_COLUMNS, ServiceChanges, ServiceCounters,
    frt_column,
};
use crate::facts::settings::ServiceSettings;
use crate::facts::{Credit, FactsUpdate, InteractionFacts};
use crate::ids::SiteId;
use crate::report::Bucket;

/// What a facts call became: each entry's stored facts, or why the call stored nothing.
pub type FactsOutcome = Result<Vec<FactsSaved>, Vec<FactsRefusal>>;

/// Interaction facts, the service rollups, active users and service settings.
pub trait FactsStore: Clone + Send + Sync + 'static {
    /// Applies a call's updates in order in one transaction with the rollups they move: all,
    /// or — when any entry breaks a rule — none, with every refusal.
    fn put_facts(
        &self,
        write: FactsWrite,
    ) -> impl Future<Output = Result<FactsOutcome, StorageError>> + Send;

    /// An interaction's stored facts.
    fn facts_of(
        &self,
        site_id: SiteId,
        interaction: &InteractionId,
    ) -> impl Future<Output = Result<Option<StoredFacts>, StorageError>> + Send;

    /// Sets a site's active users on a local day (the contact rate's denominator).
    fn put_volume(
        &self,
        site_id: SiteId,
        day: Date,
        active_users: i64,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Active users the site sent for the days in `from..=to`.
    fn volumes(
        &self,
        site_id: SiteId,
        from: Date,
        to: Date,
    ) -> impl Future<Output = Result<Vec<(Date, i64)>, StorageError>> + Send;

    /// A site's service settings (the defaults when it set none).
    fn service_settings(
        &self,
        site_id: SiteId,
    ) -> impl Future<Output = Result<ServiceSettings, StorageError>> + Send;

    /// Stores a site's service settings with its audit entry; a change of crediting rule
    /// re-counts its service rollups from its stored facts in the same transaction.
    fn set_service_settings(
        &self,
        entry: &crate::audit::AuditEntry,
        settings: &ServiceSettings,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Service rollups over `from..=to`, filtered, summed per local day and the groups asked
    /// (`agent`, `team`, `channel`, `topic`), then per bucket.
    fn service_rows(
        &self,
        site_id: SiteId,
        range: (Date, Date),
        bucket: Bucket,
        group_by: &[&'static str],
        filter: &ServiceFilter,
    ) -> impl Future<Output = Result<Vec<GroupedService>, StorageError>> + Send;

    /// Answers counted per drivers cut and band over `from..=to`, filtered by team and channel.
    fn driver_rows(
        &self,
        site_id: SiteId,
        range: (Date, Date),
        filter: &ServiceFilter,
    ) -> impl Future<Output = Result<Vec<DriverRow>, StorageError>> + Send;
}

/// The columns an `interactions` row is read with.
pub(super) const FACTS_COLUMNS: &str = "interaction, day, channel, team, topic, customer_hash, opened_at_ms, \
     first_response_at_ms, resolved_at_ms, reopened, contacts, handled_by, agents, created_at_ms, \
     updated_at_ms";

/// An `interactions` row.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct FactsRow {
    pub interaction: String,
    pub day: String,
    pub channel: Option<String>,
    pub team: Option<String>,
    pub topic: Option<String>,
    pub customer_hash: Option<Vec<u8>>,
    pub opened_at_ms: Option<i64>,
    pub first_response_at_ms: Option<i64>,
    pub resolved_at_ms: Option<i64>,
    pub reopened: Option<i64>,
    pub contacts: Option<i64>,
    pub handled_by: Option<String>,
    pub agents: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

impl FactsRow {
    fn into_stored(self) -> Result<(InteractionId, StoredFacts), StorageError> {
        let corrupt = |what: &str, e: &dyn std::fmt::Display| {
            StorageError::Corrupt(format!("interaction {}: {what}: {e}", self.interaction))
        };
        let count = |v: Option<i64>, what: &str| {
            v.map(|n| u32::try_from(n).map_err(|e| corrupt(what, &e)))
                .transpose()
        };
        let agents: Vec<AgentShare> =
            serde_json::from_str(&self.agents).map_err(|e| corrupt("agents", &e))?;
        let update = FactsUpdate {
            channel: Some(
                self.channel
                    .as_deref()
                    .map(str::parse)
                    .transpose()
                    .map_err(|e| corrupt("channel", &e))?,
            ),
            team: Some(
                self.team
                    .clone()
                    .map(koe_shared::TeamId::try_from)
                    .transpose()
                    .map_err(|e| corrupt("team", &e))?,
            ),
            topic: Some(
                self.topic
                    .clone()
                    .map(koe_shared::facts::Topic::try_from)
                    .transpose()
                    .map_err(|e| corrupt("topic", &e))?,
            ),
            opened_at_ms: Some(self.opened_at_ms),
            first_response_at_ms: Some(self.first_response_at_ms),
            resolved_at_ms: Some(self.resolved_at_ms),
            reopened: Some(count(self.reopened, "reopened")?),
            contacts: Some(count(self.contacts, "contacts")?),
            handled_by: Some(
                self.handled_by
                    .as_deref()
                    .map(str::parse)
                    .transpose()
                    .map_err(|e| corrupt("handled_by", &e))?,
            ),
            agents: Some(agents),
        };
        let facts = InteractionFacts::default()
            .merged(&update)
            .map_err(|e| corrupt("facts", &e))?;
        let customer = match self.customer_hash {
            None => None,
            Some(bytes) => Some(CustomerHash(
                bytes
                    .try_into()
                    .map_err(|_| corrupt("customer_hash", &"not 32 bytes"))?,
            )),
        };
        let interaction =
            InteractionId::try_from(self.interaction.clone()).map_err(|e| corrupt("id", &e))?;
        Ok((
            interaction,
            StoredFacts {
                facts,
                day: self.day.parse().map_err(|e| corrupt("day", &e))?,
                customer,
                created_at_ms: self.created_at_ms,
                updated_at_ms: self.updated_at_ms,
            },
        ))
    }
}

/// Stored facts by interaction, from rows read.
pub(super) fn facts_map(
    rows: Vec<FactsRow>,
) -> Result<std::collections::BTreeMap<InteractionId, StoredFacts>, StorageError> {
    rows.into_iter().map(FactsRow::into_stored).collect()
}

/// The upsert of one service rollup row, adding its counters.
fn upsert_service_sql() -> String {
    let mut columns: Vec<String> = SERVICE_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    columns.extend((0..BUCKETS).map(frt_column));
    let values: Vec<String> = (0..columns.len()).map(|i| format!("${}", i + 7)).collect();
    let sets: Vec<String> = columns
        .iter()
        .map(|c| format!("{c} = service_rollups.{c} + excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO service_rollups (site_id, day, agent, team, channel, topic, {}) VALUES \
         ($1, $2, $3, $4, $5, $6, {}) ON CONFLICT (site_id, day, agent, team, channel, topic) \
         DO UPDATE SET {}",
        columns.join(", "),
        values.join(", "),
        sets.join(", ")
    )
}

const UPSERT_DRIVER: &str = "INSERT INTO service_drivers (site_id, day, team, channel, cut, band, \
     csat_n, csat_sat, nps_n, nps_pro, nps_det) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
     $11) ON CONFLICT (site_id, day, team, channel, cut, band) DO UPDATE SET \
     csat_n = service_drivers.csat_n + excluded.csat_n, \
     csat_sat = service_drivers.csat_sat + excluded.csat_sat, \
     nps_n = service_drivers.nps_n + excluded.nps_n, \
     nps_pro = service_drivers.nps_pro + excluded.nps_pro, \
     nps_det = service_drivers.nps_det + excluded.nps_det";

const UPSERT_FACTS: &str = "INSERT INTO interactions (site_id, interaction, day, channel, team, \
     topic, customer_hash, opened_at_ms, first_response_at_ms, resolved_at_ms, reopened, \
     contacts, handled_by, agents, created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6, \
     $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) ON CONFLICT (site_id, interaction) DO UPDATE \
     SET day = excluded.day, channel = excluded.channel, team = excluded.team, \
     topic = excluded.topic, customer_hash = excluded.customer_hash, \
     opened_at_ms = excluded.opened_at_ms, first_response_at_ms = excluded.first_response_at_ms, \
     resolved_at_ms = excluded.resolved_at_ms, reopened = excluded.reopened, \
     contacts = excluded.contacts, handled_by = excluded.handled_by, agents = excluded.agents, \
     updated_at_ms = excluded.updated_at_ms";

const UPSERT_VOLUME: &str = "INSERT INTO site_volumes (site_id, day, active_users) VALUES ($1, \
     $2, $3) ON CONFLICT (site_id, day) DO UPDATE SET active_users = excluded.active_users";
const SELECT_VOLUMES: &str = "SELECT day, active_users FROM site_volumes WHERE site_id = $1 AND \
     day >= $2 AND day <= $3 ORDER BY day";
const SELECT_SETTINGS: &str =
    "SELECT credit, frt_target_secs, frt_bands FROM site_service WHERE site_id = $1";
const UPSERT_SETTINGS: &str = "INSERT INTO site_service (site_id, credit, frt_target_secs, \
     frt_bands) VALUES ($1, $2, $3, $4) ON CONFLICT (site_id) DO UPDATE SET \
     credit = excluded.credit, frt_target_secs = excluded.frt_target_secs, \
     frt_bands = excluded.frt_bands";
const DELETE_SERVICE_ROLLUPS: &str = "DELETE FROM service_rollups WHERE site_id = $1";
/// A chunk of a site's facts after an interaction id, in id order (a re-count's pages).
const SELECT_FACTS_PAGE: &str = "SELECT interaction, day, channel, team, topic, customer_hash, \
     opened_at_ms, first_response_at_ms, resolved_at_ms, reopened, contacts, handled_by, agents, \
     created_at_ms, updated_at_ms FROM interactions WHERE site_id = $1 AND interaction > $2 \
     ORDER BY interaction LIMIT 500";

/// The statements of the capability, usable inside a caller's transaction.
pub(super) trait Facts: sqlx::Database {
    async fn stored_facts(
        conn: &mut Self::Connection,
        site_id: SiteId,
        interaction: &InteractionId,
    ) -> Result<Option<StoredFacts>, StorageError>;

    async fn upsert_facts(
        conn: &mut Self::Connection,
        site_id: SiteId,
        interaction: &InteractionId,
        stored: &StoredFacts,
    ) -> Result<(), StorageError>;

    /// Deletes an interaction's facts, giving what they were.
    async fn delete_facts(
        conn: &mut Self::Connection,
        site_id: SiteId,
        interaction: &InteractionId,
    ) -> Result<Option<StoredFacts>, StorageError>;

    async fn settings_of(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<ServiceSettings, StorageError>;

    async fn store_settings(
        conn: &mut Self::Connection,
        site_id: SiteId,
        settings: &ServiceSettings,
    ) -> Result<(), StorageError>;

    /// Adds each change to its service rollup row, in key order.
    async fn apply_service_changes(
        conn: &mut Self::Connection,
        site_id: SiteId,
        changes: &ServiceChanges,
    ) -> Result<(), StorageError>;

    /// Adds each change to its drivers row, in key order.
    async fn apply_driver_changes(
        conn: &mut Self::Connection,
        site_id: SiteId,
        changes: &DriverChanges,
    ) -> Result<(), StorageError>;

    /// Re-counts a site's service rollups from its stored facts under `credit`.
    async fn recount_service(
        conn: &mut Self::Connection,
        site_id: SiteId,
        credit: Credit,
    ) -> Result<(), StorageError>;

    async fn upsert_volume(
        conn: &mut Self::Connection,
        site_id: SiteId,
        day: Date,
        active_users: i64,
    ) -> Result<(), StorageError>;

    /// Retention: deletes a site's facts of interactions counted before `day` (their rollups
    /// stay, as answers' do). How many.
    async fn purge_facts(
        conn: &mut Self::Connection,
        site_id: SiteId,
        day: &str,
    ) -> Result<u64, StorageError>;

    async fn select_volumes(
        conn: &mut Self::Connection,
        site_id: SiteId,
        from: Date,
        to: Date,
    ) -> Result<Vec<(Date, i64)>, StorageError>;
}

fn settings_from(row: Option<(String, i64, String)>) -> Result<ServiceSettings, StorageError> {
    let Some((credit, frt_target_secs, bands)) = row else {
        return Ok(ServiceSettings::default());
    };
    let corrupt = |e: &dyn std::fmt::Display| StorageError::Corrupt(format!("site_service: {e}"));
    Ok(ServiceSettings {
        credit: credit.parse().map_err(|e| corrupt(&e))?,
        frt_target_secs,
        frt_bands: bands
            .split(',')
            .map(|b| b.trim().parse::<i64>().map_err(|e| corrupt(&e)))
            .collect::<Result<_, _>>()?,
    })
}

fn day_of(raw: &str) -> Result<Date, StorageError> {
    raw.parse()
        .map_err(|e| StorageError::Corrupt(format!("a stored day {raw:?}: {e}")))
}

for_koe_databases! {
    impl Facts {
    async fn stored_facts(
        conn: &mut Self::Connection,
        site_id: SiteId,
        interaction: &InteractionId,
    ) -> Result<Option<StoredFacts>, StorageError> {
        let row: Option<FactsRow> = sqlx::query_as(&format!(
            "SELECT {FACTS_COLUMNS} FROM interactions WHERE site_id = $1 AND interaction = $2"
        ))
        .bind(site_id)
        .bind(interaction.as_str())
        .fetch_optional(conn)
        .await?;
        row.map(|row| row.into_stored().map(|(_, stored)| stored)).transpose()
    }

    async fn upsert_facts(
        conn: &mut Self::Connection,
        site_id: SiteId,
        interaction: &InteractionId,
        stored: &StoredFacts,
    ) -> Result<(), StorageError> {
        let f = &stored.facts;
        let agents = serde_json::to_string(f.agents())
            .map_err(|e| StorageError::Corrupt(format!("agents as JSON: {e}")))?;
        sqlx::query(UPSERT_FACTS)
            .bind(site_id)
            .bind(interaction.as_str())
            .bind(stored.day.to_string())
            .bind(f.channel().map(|c| c.as_str()))
            .bind(f.team().map(|t| t.as_str()))
            .bind(f.topic().map(|t| t.as_str()))
            .bind(stored.customer.as_ref().map(|c| &c.0[..]))
            .bind(f.opened_at_ms())
            .bind(f.first_response_at_ms())
            .bind(f.resolved_at_ms())
            .bind(f.reopened().map(i64::from))
            .bind(f.contacts().map(i64::from))
            .bind(f.handled_by().map(|h| h.as_str()))
            .bind(agents)
            .bind(stored.updated_at_ms)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    async fn delete_facts(
        conn: &mut Self::Connection,
        site_id: SiteId,
        interaction: &InteractionId,
    ) -> Result<Option<StoredFacts>, StorageError> {
        let row: Option<FactsRow> = sqlx::query_as(&format!(
            "DELETE FROM interactions WHERE site_id = $1 AND interaction = $2 \
             RETURNING {FACTS_COLUMNS}"
        ))
        .bind(site_id)
        .bind(interaction.as_str())
        .fetch_optional(conn)
        .await?;
        row.map(|row| row.into_stored().map(|(_, stored)| stored)).transpose()
    }

    async fn settings_of(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<ServiceSettings, StorageError> {
        let row: Option<(String, i64, String)> = sqlx::query_as(SELECT_SETTINGS)
            .bind(site_id)
            .fetch_optional(conn)
            .await?;
        settings_from(row)
    }

    async fn store_settings(
        conn: &mut Self::Connection,
        site_id: SiteId,
        settings: &ServiceSettings,
    ) -> Result<(), StorageError> {
        sqlx::query(UPSERT_SETTINGS)
            .bind(site_id)
            .bind(settings.credit.as_str())
            .bind(settings.frt_target_secs)
            .bind(settings.bands_column())
            .execute(conn)
            .await?;
        Ok(())
    }

    async fn apply_service_changes(
        conn: &mut Self::Connection,
        site_id: SiteId,
        changes: &ServiceChanges,
    ) -> Result<(), StorageError> {
        if changes.is_empty() {
            return Ok(());
        }
        let sql = upsert_service_sql();
        for (key, counters) in changes {
            let mut query = sqlx::query(&sql)
                .bind(site_id)
                .bind(key.day.to_string())
                .bind(key.agent.as_str())
                .bind(key.team.as_str())
                .bind(key.channel.as_str())
                .bind(key.topic.as_str());
            for value in counters.plain() {
                query = query.bind(value);
            }
            for value in counters.frt.0 {
                query = query.bind(value);
            }
            query.execute(&mut *conn).await?;
        }
        Ok(())
    }

    async fn apply_driver_changes(
        conn: &mut Self::Connection,
        site_id: SiteId,
        changes: &DriverChanges,
    ) -> Result<(), StorageError> {
        for (key, c) in changes {
            sqlx::query(UPSERT_DRIVER)
                .bind(site_id)
                .bind(key.day.to_string())
                .bind(key.team.as_str())
                .bind(key.channel.as_str())
                .bind(key.cut.as_str())
                .bind(key.band.as_str())
                .bind(c.csat_n)
                .bind(c.csat_sat)
                .bind(c.nps_n)
                .bind(c.nps_pro)
                .bind(c.nps_det)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    async fn recount_service(
        conn: &mut Self::Connection,
        site_id: SiteId,
        credit: Credit,
    ) -> Result<(), StorageError> {
        sqlx::query(DELETE_SERVICE_ROLLUPS)
            .bind(site_id)
            .execute(&mut *conn)
            .await?;
        let mut after = String::new();
        loop {
            let rows: Vec<FactsRow> = sqlx::query_as(SELECT_FACTS_PAGE)
                .bind(site_id)
                .bind(after.as_str())
                .fetch_all(&mut *conn)
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.interaction.clone();
            let mut changes = ServiceChanges::new();
            for row in rows {
                let (_, stored) = row.into_stored()?;
                crate::facts::rollup::add_service_changes(
                    &mut changes,
                    None,
                    Some((&stored.facts, stored.day)),
                    credit,
                );
            }
            Self::apply_service_changes(conn, site_id, &changes).await?;
        }
        Ok(())
    }

    async fn upsert_volume(
        conn: &mut Self::Connection,
        site_id: SiteId,
        day: Date,
        active_users: i64,
    ) -> Result<(), StorageError> {
        sqlx::query(UPSERT_VOLUME)
            .bind(site_id)
            .bind(day.to_string())
            .bind(active_users)
            .execute(conn)
            .await?;
        Ok(())
    }

    async fn purge_facts(
        conn: &mut Self::Connection,
        site_id: SiteId,
        day: &str,
    ) -> Result<u64, StorageError> {
        let gone: Vec<(i64,)> = sqlx::query_as(
            "DELETE FROM interactions WHERE site_id = $1 AND day < $2 RETURNING site_id",
        )
        .bind(site_id)
        .bind(day)
        .fetch_all(conn)
        .await?;
        Ok(gone.len() as u64)
    }

    async fn select_volumes(
        conn: &mut Self::Connection,
        site_id: SiteId,
        from: Date,
        to: Date,
    ) -> Result<Vec<(Date, i64)>, StorageError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(SELECT_VOLUMES)
            .bind(site_id)
            .bind(from.to_string())
            .bind(to.to_string())
            .fetch_all(conn)
            .await?;
        rows.into_iter()
            .map(|(day, users)| Ok((day_of(&day)?, users)))
            .collect()
    }
    }
}

/// The statement reading a site's service rollups over a range, per local day and the groups
/// asked, summed, as one JSON text (`{json_rows}` from the backend's report dialect):
/// `[day, groups…, counters…, histogram…]` per row.
pub(super) fn service_rows_sql(
    json_rows: &str,
    group_by: &[&str],
    filter: &ServiceFilter,
) -> (String, Vec<String>) {
    let mut counters: Vec<String> = SERVICE_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    counters.extend((0..BUCKETS).map(frt_column));
    let mut columns = vec!["day".to_owned()];
    columns.extend(group_by.iter().map(|g| (*g).to_owned()));
    let named: Vec<String> = (0..counters.len()).map(|i| format!("c{i}")).collect();
    columns.extend(named.iter().cloned());
    let sums: Vec<String> = counters
        .iter()
        .zip(&named)
        .map(|(c, n)| format!("SUM({c}) AS {n}"))
        .collect();
    let mut binds = Vec::new();
    let mut filters = String::new();
    for (column, value) in [
        ("agent", &filter.agent),
        ("team", &filter.team),
        ("channel", &filter.channel),
        ("topic", &filter.topic),
    ] {
        if let Some(value) = value {
            binds.push(value.clone());
            filters.push_str(&format!(" AND {column} = ${}", binds.len() + 3));
        }
    }
    let grouped: Vec<&str> = std::iter::once("day")
        .chain(group_by.iter().copied())
        .collect();
    let sql = format!(
        "SELECT {} FROM (SELECT {}, {} FROM service_rollups WHERE site_id = $1 AND day >= $2 \
         AND day <= $3{filters} GROUP BY {}) AS summed",
        json_rows.replace("{columns}", &columns.join(", ")),
        grouped.join(", "),
        sums.join(", "),
        grouped.join(", "),
    );
    (sql, binds)
}

/// Parses [`service_rows_sql`]'s JSON into rows per bucket (`range_start` starts the first).
pub(super) fn parse_service_rows(
    json: &str,
    group_by: &[&str],
    bucket: Bucket,
    range_start: Date,
) -> Result<Vec<GroupedService>, StorageError> {
    let rows: Vec<Vec<serde_json::Value>> = serde_json::from_str(json)
        .map_err(|e| StorageError::Corrupt(format!("a service row: {e}")))?;
    let mut summed: std::collections::BTreeMap<(String, Vec<Option<String>>), ServiceCounters> =
        std::collections::BTreeMap::new();
    for row in rows {
        let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
        let day = row
            .first()
            .and_then(text)
            .ok_or_else(|| StorageError::Corrupt("a service row without its day".into()))?;
        let start = bucket.start(day_of(&day)?, range_start).to_string();
        let groups: Vec<Option<String>> = row[1..=group_by.len()]
            .iter()
            .map(|v| text(v).filter(|s| !s.is_empty()))
            .collect();
        let numbers: Vec<f64> = row[1 + group_by.len()..]
            .iter()
            .map(|v| v.as_f64().unwrap_or(0.0))
            .collect();
        if numbers.len() != SERVICE_COLUMNS.len() + BUCKETS {
            return Err(StorageError::Corrupt(
                "a service row of the wrong width".into(),
            ));
        }
        let mut plain = [0.0; SERVICE_COLUMNS.len()];
        plain.copy_from_slice(&numbers[..SERVICE_COLUMNS.len()]);
        let mut frt = Histogram::default();
        frt.0.copy_from_slice(&numbers[SERVICE_COLUMNS.len()..]);
        summed
            .entry((start, groups))
            .or_default()
            .add(&ServiceCounters::from_columns(plain, frt));
    }
    Ok(summed
        .into_iter()
        .map(|((bucket_start, groups), counters)| {
            let group = |name: &str| {
                group_by
                    .iter()
                    .position(|g| *g == name)
                    .and_then(|i| groups[i].clone())
            };
            GroupedService {
                bucket_start,
                agent: group("agent"),
                team: group("team"),
                channel: group("channel"),
                topic: group("topic"),
                counters,
            }
        })
        .collect())
}

/// The statement reading a site's drivers over a range, summed per cut and band.
pub(super) fn driver_rows_sql(filter: &ServiceFilter) -> (String, Vec<String>) {
    let mut binds = Vec::new();
    let mut filters = String::new();
    for (column, value) in [("team", &filter.team), ("channel", &filter.channel)] {
        if let Some(value) = value {
            binds.push(value.clone());
            filters.push_str(&format!(" AND {column} = ${}", binds.len() + 3));
        }
    }
    let sql = format!(
        "SELECT cut, band, CAST(SUM(csat_n) AS BIGINT), CAST(SUM(csat_sat) AS BIGINT), \
         CAST(SUM(nps_n) AS BIGINT), CAST(SUM(nps_pro) AS BIGINT), CAST(SUM(nps_det) AS BIGINT) \
         FROM service_drivers WHERE site_id = $1 AND day >= $2 AND day <= $3{filters} \
         GROUP BY cut, band ORDER BY cut, band"
    );
    (sql, binds)
}

/// A drivers row as read.
pub(super) fn driver_row(cut: &str, band: String, n: [i64; 5]) -> Result<DriverRow, StorageError> {
    Ok(DriverRow {
        cut: Cut::parse(cut)
            .ok_or_else(|| StorageError::Corrupt(format!("a drivers cut {cut:?}")))?,
        band,
        counters: DriverCounters {
            csat_n: n[0],
            csat_sat: n[1],
            nps_n: n[2],
            nps_pro: n[3],
            nps_det: n[4],
        },
    })
}

/// Implements the read side and the management writes of [`FactsStore`] (all but
/// `put_facts`) for a backend: `$pool` for writes, `$reads` for reports, `$dialect` its report
/// dialect.
macro_rules! facts_store_common {
    ($db:ty, $pool:ident, $reads:ident, $dialect:expr) => {
        #[tracing::instrument(name = "storage::facts_of", level = "debug", skip_all)]
        async fn facts_of(
            &self,
            site_id: $crate::ids::SiteId,
            interaction: &koe_shared::InteractionId,
        ) -> Result<Option<$crate::storage::StoredFacts>, $crate::storage::StorageError> {
            use $crate::storage::facts::Facts as _;
            <$db>::stored_facts(&mut *self.$pool.acquire().await?, site_id, interaction).await
        }

        #[tracing::instrument(name = "storage::put_volume", level = "debug", skip_all)]
        async fn put_volume(
            &self,
            site_id: $crate::ids::SiteId,
            day: jiff::civil::Date,
            active_users: i64,
        ) -> Result<(), $crate::storage::StorageError> {
            use $crate::storage::facts::Facts as _;
            <$db>::upsert_volume(
                &mut *self.$pool.acquire().await?,
                site_id,
                day,
                active_users,
            )
            .await
        }

        #[tracing::instrument(name = "storage::volumes", level = "debug", skip_all)]
        async fn volumes(
            &self,
            site_id: $crate::ids::SiteId,
            from: jiff::civil::Date,
            to: jiff::civil::Date,
        ) -> Result<Vec<(jiff::civil::Date, i64)>, $crate::storage::StorageError> {
            use $crate::storage::facts::Facts as _;
            <$db>::select_volumes(&mut *self.$reads.acquire().await?, site_id, from, to).await
        }

        #[tracing::instrument(name = "storage::service_settings", level = "debug", skip_all)]
        async fn service_settings(
            &self,
            site_id: $crate::ids::SiteId,
        ) -> Result<$crate::facts::settings::ServiceSettings, $crate::storage::StorageError> {
            use $crate::storage::facts::Facts as _;
            <$db>::settings_of(&mut *self.$pool.acquire().await?, site_id).await
        }

        #[tracing::instrument(name = "storage::set_service_settings", level = "debug", skip_all)]
        async fn set_service_settings(
            &self,
            entry: &$crate::audit::AuditEntry,
            settings: &$crate::facts::settings::ServiceSettings,
        ) -> Result<(), $crate::storage::StorageError> {
            use $crate::storage::access::Access as _;
            use $crate::storage::facts::Facts as _;
            let site_id = entry.site_id;
            let mut tx = self.$pool.begin().await?;
            <$db>::insert_audit(&mut *tx, entry).await?;
            let before = <$db>::settings_of(&mut tx, site_id).await?;
            <$db>::store_settings(&mut tx, site_id, settings).await?;
            if before.credit != settings.credit {
                <$db>::recount_service(&mut tx, site_id, settings.credit).await?;
            }
            tx.commit().await?;
            Ok(())
        }

        #[tracing::instrument(name = "storage::service_rows", level = "debug", skip_all)]
        async fn service_rows(
            &self,
            site_id: $crate::ids::SiteId,
            range: (jiff::civil::Date, jiff::civil::Date),
            bucket: $crate::report::Bucket,
            group_by: &[&'static str],
            filter: &$crate::storage::ServiceFilter,
        ) -> Result<Vec<$crate::storage::GroupedService>, $crate::storage::StorageError> {
            let (sql, binds) =
                $crate::storage::facts::service_rows_sql($dialect.json_rows, group_by, filter);
            let mut query = sqlx::query_as::<_, (Option<String>,)>(&sql)
                .bind(site_id)
                .bind(range.0.to_string())
                .bind(range.1.to_string());
            for value in binds {
                query = query.bind(value);
            }
            let (json,) = query.fetch_one(&mut *self.$reads.acquire().await?).await?;
            $crate::storage::facts::parse_service_rows(
                json.as_deref().unwrap_or("[]"),
                group_by,
                bucket,
                range.0,
            )
        }

        #[tracing::instrument(name = "storage::driver_rows", level = "debug", skip_all)]
        async fn driver_rows(
            &self,
            site_id: $crate::ids::SiteId,
            range: (jiff::civil::Date, jiff::civil::Date),
            filter: &$crate::storage::ServiceFilter,
        ) -> Result<Vec<$crate::storage::DriverRow>, $crate::storage::StorageError> {
            let (sql, binds) = $crate::storage::facts::driver_rows_sql(filter);
            let mut query = sqlx::query_as::<_, (String, String, i64, i64, i64, i64, i64)>(&sql)
                .bind(site_id)
                .bind(range.0.to_string())
                .bind(range.1.to_string());
            for value in binds {
                query = query.bind(value);
            }
            query
                .fetch_all(&mut *self.$reads.acquire().await?)
                .await?
                .into_iter()
                .map(|(cut, band, a, b, c, d, e)| {
                    $crate::storage::facts::driver_row(&cut, band, [a, b, c, d, e])
                })
                .collect()
        }
    };
}
pub(super) use facts_store_common;
