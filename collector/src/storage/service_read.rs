//! How the service reports are read: the statement that filters, buckets and sums a site's
//! service rollups in the database — from the narrowest of their tables that holds the groups
//! and filters asked for ([`ServiceTable::for_read`]) — and returns them as one JSON text, as
//! `report_read.rs` does for the survey's; and the drivers' statement. The backends run them
//! (`facts_store_common!`).

use jiff::civil::Date;

use super::facts::{ServiceTable, day_of};
use super::{DriverRow, GroupedService, ServiceFilter, StorageError};
use crate::facts::frt::{BUCKETS, Histogram};
use crate::facts::rollup::{Cut, DriverCounters, SERVICE_COLUMNS, ServiceCounters, frt_column};
use crate::report::Bucket;

/// The statement reading a site's service rollups over a range, per local day and the groups
/// asked, summed, as one JSON text (`{json_rows}` from the backend's report dialect):
/// `[day, groups…, counters…, histogram…]` per row.
pub(super) fn service_rows_sql(
    dialect: &super::report_read::ReportDialect,
    bucket: Bucket,
    group_by: &[&str],
    filter: &ServiceFilter,
) -> (String, Vec<String>) {
    // The bucket's first day, computed where the rows are summed (`All`: the range's first,
    // `$2`), so that one row per bucket and group comes back rather than one per day.
    let start = match bucket {
        Bucket::Day => "day".to_owned(),
        Bucket::Week => dialect.week.to_owned(),
        Bucket::Month => "substr(day, 1, 7) || '-01'".to_owned(),
        Bucket::All => "CAST($2 AS TEXT)".to_owned(),
    };
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
    let mut grouped: Vec<String> = vec!["1".to_owned()];
    grouped.extend((0..group_by.len()).map(|i| (i + 2).to_string()));
    let sql = format!(
        "SELECT {} FROM (SELECT {start} AS day{}, {} FROM {} WHERE site_id = $1 \
         AND day >= $2 AND day <= $3{filters} GROUP BY {}) AS summed",
        dialect.json_rows.replace("{columns}", &columns.join(", ")),
        group_by
            .iter()
            .map(|g| format!(", {g}"))
            .collect::<String>(),
        sums.join(", "),
        ServiceTable::for_read(group_by, filter).table(),
        grouped.join(", "),
    );
    (sql, binds)
}

/// Parses [`service_rows_sql`]'s JSON into rows per bucket (`range_start` starts the first;
/// the bucket starts storage gave are kept as they are).
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
