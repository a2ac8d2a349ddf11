//! Interaction facts as stored: the statements of the capability with their SQL ([`Facts`],
//! usable inside a caller's transaction) over the `interactions` rows, the service rollups and
//! drivers they move, a site's active users per day and its service settings (the reports'
//! reads are `service_read.rs`). The trait callers hold is `facts_store.rs`; writing facts is each
//! backend's group commit (SQLite's writer, PostgreSQL's `facts_writer.rs`) over
//! `facts_path.rs`.

use jiff::civil::Date;
use koe_shared::InteractionId;

use super::rows::FactsRow;
use super::sql::{Dialect, for_koe_databases};
use super::{ServiceFilter, StorageError, StoredFacts};
use crate::facts::frt::BUCKETS;
use crate::facts::rollup::{
    DriverChanges, DriverCounters, SERVICE_COLUMNS, ServiceChanges, ServiceCounters, ServiceKey,
    frt_column,
};
use crate::facts::settings::ServiceSettings;
use crate::ids::SiteId;

/// The columns an `interactions` row is read with.
pub(super) const FACTS_COLUMNS: &str = "interaction, day, channel, team, topic, customer_hash, opened_at_ms, \
     first_response_at_ms, resolved_at_ms, reopened, contacts, handled_by, agents, created_at_ms, \
     updated_at_ms";

/// Stored facts by interaction, from rows read.
pub(super) fn facts_map(
    rows: Vec<FactsRow>,
) -> Result<std::collections::BTreeMap<InteractionId, StoredFacts>, StorageError> {
    rows.into_iter().map(FactsRow::into_stored).collect()
}

/// `rows` rows of `width` placeholders each, in the backend's form: `($1, $2), ($3, $4)` on
/// PostgreSQL, `(?, ?), (?, ?)` on SQLite (whose driver looks a numbered parameter up by name,
/// a cost that grows with the statement's parameters: a 2 600-value upsert spent a third of
/// the writer's time there).
fn placeholders<P: Dialect>(rows: usize, width: usize) -> String {
    (0..rows)
        .map(|row| {
            let values: Vec<String> = (1..=width).map(|i| P::parameter(row * width + i)).collect();
            format!("({})", values.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The service rollups' counter columns: the plain ones, then the histogram's.
fn service_columns() -> Vec<String> {
    let mut columns: Vec<String> = SERVICE_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    columns.extend((0..BUCKETS).map(frt_column));
    columns
}

/// The service rollups' tables: every dimension, and the summaries reports read when they need
/// fewer (a day's rows are then a few hundred instead of one per agent, channel and topic at
/// once; a week's by agent one row per agent instead of seven). Each write moves them all in its
/// transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ServiceTable {
    /// `service_rollups`: day, agent, team, channel, topic.
    Full,
    /// `service_daily`: day, team, channel.
    Daily,
    /// `service_daily_agent`: day, agent, team.
    DailyAgent,
    /// `service_daily_topic`: day, topic, team, channel.
    DailyTopic,
    /// `service_weekly_agent`: week (its Monday), agent, team — whole weeks by agent
    /// (`service_read::plan`).
    WeeklyAgent,
}

impl ServiceTable {
    pub(super) const ALL: [Self; 5] = [
        Self::Full,
        Self::Daily,
        Self::DailyAgent,
        Self::DailyTopic,
        Self::WeeklyAgent,
    ];

    pub(super) fn table(self) -> &'static str {
        match self {
            Self::Full => "service_rollups",
            Self::Daily => "service_daily",
            Self::DailyAgent => "service_daily_agent",
            Self::DailyTopic => "service_daily_topic",
            Self::WeeklyAgent => "service_weekly_agent",
        }
    }

    /// Its key columns after `site_id`, the period first (`day`, or `week`).
    pub(super) fn keys(self) -> &'static [&'static str] {
        match self {
            Self::Full => &["day", "agent", "team", "channel", "topic"],
            Self::Daily => &["day", "team", "channel"],
            Self::DailyAgent => &["day", "agent", "team"],
            Self::DailyTopic => &["day", "topic", "team", "channel"],
            Self::WeeklyAgent => &["week", "agent", "team"],
        }
    }

    /// A row key's values in [`Self::keys`] order.
    fn key_of(self, key: &ServiceKey) -> Vec<String> {
        self.keys()
            .iter()
            .map(|column| match *column {
                "day" => key.day.to_string(),
                "week" => crate::rollup::week_of(key.day).to_string(),
                "agent" => key.agent.clone(),
                "team" => key.team.clone(),
                "channel" => key.channel.clone(),
                _ => key.topic.clone(),
            })
            .collect()
    }

    /// The narrowest daily table that holds the groups and filters asked for (the weekly one
    /// only ever serves whole weeks of [`Self::DailyAgent`]'s reads).
    pub(super) fn for_read(group_by: &[&str], filter: &ServiceFilter) -> Self {
        let used: Vec<&str> = group_by
            .iter()
            .copied()
            .chain(filter.agent.as_ref().map(|_| "agent"))
            .chain(filter.team.as_ref().map(|_| "team"))
            .chain(filter.channel.as_ref().map(|_| "channel"))
            .chain(filter.topic.as_ref().map(|_| "topic"))
            .collect();
        [Self::Daily, Self::DailyAgent, Self::DailyTopic]
            .into_iter()
            .find(|table| used.iter().all(|u| table.keys().contains(u)))
            .unwrap_or(Self::Full)
    }
}

/// Service rollup rows per statement: a fixed size, so that a batch's statements take a few
/// shapes the connection prepares once (a full one, and its rest), not one per row count.
const SERVICE_ROWS_PER_STATEMENT: usize = 32;

/// The upsert of `rows` rows of `table`, adding their counters.
fn upsert_service_sql<P: Dialect>(table: ServiceTable, rows: usize) -> String {
    let columns = service_columns();
    let name = table.table();
    let sets: Vec<String> = columns
        .iter()
        .map(|c| format!("{c} = {name}.{c} + excluded.{c}"))
        .collect();
    let keys = table.keys().join(", ");
    format!(
        "INSERT INTO {name} (site_id, {keys}, {}) VALUES {} ON CONFLICT (site_id, {keys}) DO \
         UPDATE SET {}",
        columns.join(", "),
        placeholders::<P>(rows, 1 + table.keys().len() + columns.len()),
        sets.join(", ")
    )
}

/// Drivers rows per statement (a fixed size, like the service rollups').
const DRIVER_ROWS_PER_STATEMENT: usize = 64;

/// The drivers' tables: by team and channel, and summed over both (the drivers of a whole site,
/// a day's few dozen bands).
const DRIVER_TABLES: [(&str, &str); 2] = [
    ("service_drivers", "day, team, channel, cut, band"),
    ("service_drivers_daily", "day, cut, band"),
];

/// The upsert of `rows` rows of the drivers table keyed by `keys`, adding their counts.
fn upsert_drivers_sql<P: Dialect>(table: &str, keys: &str, rows: usize) -> String {
    let sets: Vec<String> = DRIVER_COUNTS
        .iter()
        .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO {table} (site_id, {keys}, {}) VALUES {} ON CONFLICT (site_id, {keys}) DO \
         UPDATE SET {}",
        DRIVER_COUNTS.join(", "),
        placeholders::<P>(rows, 1 + keys.split(", ").count() + DRIVER_COUNTS.len()),
        sets.join(", ")
    )
}

/// A drivers row's counts, in [`DriverCounters`]' order.
const DRIVER_COUNTS: [&str; 5] = ["csat_n", "csat_sat", "nps_n", "nps_pro", "nps_det"];

/// Interactions rows per statement (16 values each; a fixed size, like the service rollups').
const FACTS_ROWS_PER_STATEMENT: usize = 64;

/// The upsert of `rows` interactions rows, each replacing the stored one but its creation time.
fn upsert_facts_sql<P: Dialect>(rows: usize) -> String {
    format!(
        "INSERT INTO interactions (site_id, interaction, day, channel, team, topic, customer_hash, \
         opened_at_ms, first_response_at_ms, resolved_at_ms, reopened, contacts, handled_by, \
         agents, created_at_ms, updated_at_ms) VALUES {} ON CONFLICT (site_id, interaction) DO \
         UPDATE SET day = excluded.day, channel = excluded.channel, team = excluded.team, \
         topic = excluded.topic, customer_hash = excluded.customer_hash, \
         opened_at_ms = excluded.opened_at_ms, first_response_at_ms = excluded.first_response_at_ms, \
         resolved_at_ms = excluded.resolved_at_ms, reopened = excluded.reopened, \
         contacts = excluded.contacts, handled_by = excluded.handled_by, agents = excluded.agents, \
         updated_at_ms = excluded.updated_at_ms",
        placeholders::<P>(rows, 16)
    )
}

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

    /// Stores these interactions' facts (each once), replacing what they had.
    async fn upsert_facts(
        conn: &mut Self::Connection,
        site_id: SiteId,
        rows: &[(&InteractionId, &StoredFacts)],
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

    /// Up to 500 of a site's stored facts after an interaction id, in id order (a re-count's
    /// pages).
    async fn facts_page(
        conn: &mut Self::Connection,
        site_id: SiteId,
        after: &str,
    ) -> Result<Vec<(InteractionId, StoredFacts)>, StorageError>;

    /// Deletes a site's service rollups and drivers (a re-count starts from nothing).
    async fn clear_service(
        conn: &mut Self::Connection,
        site_id: SiteId,
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

pub(super) fn day_of(raw: &str) -> Result<Date, StorageError> {
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
        rows: &[(&InteractionId, &StoredFacts)],
    ) -> Result<(), StorageError> {
        for chunk in rows.chunks(FACTS_ROWS_PER_STATEMENT) {
            let sql = upsert_facts_sql::<Self>(chunk.len());
            let mut query = sqlx::query(&sql);
            for (interaction, stored) in chunk {
                let f = &stored.facts;
                let agents = serde_json::to_string(f.agents())
                    .map_err(|e| StorageError::Corrupt(format!("agents as JSON: {e}")))?;
                query = query
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
                    .bind(stored.created_at_ms)
                    .bind(stored.updated_at_ms);
            }
            query.execute(&mut *conn).await?;
        }
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
        for table in ServiceTable::ALL {
            let mut summed: std::collections::BTreeMap<Vec<String>, ServiceCounters> =
                std::collections::BTreeMap::new();
            for (key, counters) in changes {
                summed.entry(table.key_of(key)).or_default().add(counters);
            }
            summed.retain(|_, counters| !counters.is_zero());
            let rows: Vec<_> = summed.iter().collect();
            for chunk in rows.chunks(SERVICE_ROWS_PER_STATEMENT) {
                let sql = upsert_service_sql::<Self>(table, chunk.len());
                let mut query = sqlx::query(&sql);
                for (key, counters) in chunk {
                    query = query.bind(site_id);
                    for value in key.iter() {
                        query = query.bind(value.as_str());
                    }
                    for value in counters.plain().into_iter().chain(counters.frt.0) {
                        query = query.bind(value);
                    }
                }
                query.execute(&mut *conn).await?;
            }
        }
        Ok(())
    }

    async fn apply_driver_changes(
        conn: &mut Self::Connection,
        site_id: SiteId,
        changes: &DriverChanges,
    ) -> Result<(), StorageError> {
        // Each change by team and channel as it is, and summed per day, cut and band.
        let days: Vec<String> = changes.keys().map(|key| key.day.to_string()).collect();
        let mut by_team: Vec<(Vec<&str>, DriverCounters)> = Vec::with_capacity(changes.len());
        let mut whole_site: std::collections::BTreeMap<Vec<&str>, DriverCounters> =
            std::collections::BTreeMap::new();
        for ((key, counters), day) in changes.iter().zip(&days) {
            let (team, channel) = (key.team.as_str(), key.channel.as_str());
            let (cut, band) = (key.cut.as_str(), key.band.as_str());
            let day = day.as_str();
            by_team.push((vec![day, team, channel, cut, band], *counters));
            whole_site.entry(vec![day, cut, band]).or_default().add(counters);
        }
        whole_site.retain(|_, counters| !counters.is_zero());
        let whole_site: Vec<_> = whole_site.into_iter().collect();
        for ((table, keys), rows) in DRIVER_TABLES.into_iter().zip([by_team, whole_site]) {
            for chunk in rows.chunks(DRIVER_ROWS_PER_STATEMENT) {
                let sql = upsert_drivers_sql::<Self>(table, keys, chunk.len());
                let mut query = sqlx::query(&sql);
                for (key, c) in chunk {
                    query = query.bind(site_id);
                    for value in key {
                        query = query.bind(*value);
                    }
                    for n in [c.csat_n, c.csat_sat, c.nps_n, c.nps_pro, c.nps_det] {
                        query = query.bind(n);
                    }
                }
                query.execute(&mut *conn).await?;
            }
        }
        Ok(())
    }

    async fn facts_page(
        conn: &mut Self::Connection,
        site_id: SiteId,
        after: &str,
    ) -> Result<Vec<(InteractionId, StoredFacts)>, StorageError> {
        let rows: Vec<FactsRow> = sqlx::query_as(SELECT_FACTS_PAGE)
            .bind(site_id)
            .bind(after)
            .fetch_all(conn)
            .await?;
        rows.into_iter().map(FactsRow::into_stored).collect()
    }

    async fn clear_service(conn: &mut Self::Connection, site_id: SiteId) -> Result<(), StorageError> {
        let service = ServiceTable::ALL.map(ServiceTable::table);
        for table in service.into_iter().chain(DRIVER_TABLES.map(|(table, _)| table)) {
            sqlx::query(&format!("DELETE FROM {table} WHERE site_id = $1"))
                .bind(site_id)
                .execute(&mut *conn)
                .await?;
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
