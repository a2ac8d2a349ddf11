//! Interaction facts as stored: the statements of the capability with their SQL ([`Facts`],
//! usable inside a caller's transaction) over the `interactions` rows, the service rollups and
//! drivers they move, a site's active users per day and its service settings; and the reads of
//! the service reports. The trait callers hold is `facts_store.rs`; writing facts is each
//! backend's (SQLite through its writer, PostgreSQL in a transaction of its own) over
//! `facts_path.rs`.

use jiff::civil::Date;
use koe_shared::InteractionId;

use super::rows::FactsRow;
use super::sql::for_koe_databases;
use super::{DriverRow, GroupedService, ServiceFilter, StorageError, StoredFacts};
use crate::facts::frt::{BUCKETS, Histogram};
use crate::facts::rollup::{
    Cut, DriverChanges, DriverCounters, SERVICE_COLUMNS, ServiceChanges, ServiceCounters,
    frt_column,
};
use crate::facts::settings::ServiceSettings;
use crate::ids::SiteId;
use crate::report::Bucket;

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
const DELETE_DRIVERS: &str = "DELETE FROM service_drivers WHERE site_id = $1";
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
        for sql in [DELETE_SERVICE_ROLLUPS, DELETE_DRIVERS] {
            sqlx::query(sql).bind(site_id).execute(&mut *conn).await?;
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
