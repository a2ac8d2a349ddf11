//! Interaction facts as stored: the statements of the capability with their SQL ([`Facts`],
//! usable inside a caller's transaction) over the `interactions` rows, the service rollups and
//! drivers they move (their tables and upserts: `service_tables.rs`), a site's active users per
//! day and its service settings (the reports' reads are `service_read.rs`). The trait callers hold is `facts_store.rs`; writing facts is each
//! backend's group commit (SQLite's writer, PostgreSQL's `facts_writer.rs`) over
//! `facts_path.rs`.

use jiff::civil::Date;
use koe_shared::InteractionId;

use super::StorageError;
use super::StoredFacts;
use super::rows::FactsRow;
use super::service_tables::{
    DRIVER_ROWS_PER_STATEMENT, DRIVER_TABLES, SERVICE_ROWS_PER_STATEMENT, ServiceTable,
    placeholders, upsert_drivers_sql, upsert_service_sql,
};
use super::sql::{Dialect, for_koe_databases};
use crate::facts::rollup::{DriverChanges, DriverCounters, ServiceChanges, ServiceCounters};
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
