//! How the service reports are read: which of the service rollups' tables cover a report
//! ([`plan`]: the narrowest that holds the groups and filters asked for, whole weeks by agent
//! from the weekly summary), the statement that filters, buckets and sums one of them in the
//! database and returns its rows as one JSON text, as `report_read.rs` does for the survey's;
//! and the drivers' statement. The backends run them
//! (`facts_store_common!`).

use jiff::civil::Date;

use super::facts::day_of;
use super::service_tables::ServiceTable;
use super::{DriverRow, GroupedService, ServiceFilter, StorageError};
use crate::facts::frt::{BUCKETS, Histogram};
use crate::facts::rollup::{Cut, DriverCounters, SERVICE_COLUMNS, ServiceCounters, frt_column};
use crate::report::{Bucket, whole_weeks};

/// One read of the service rollups: a table over the days (or the weeks starting) `from..=to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ServiceRead {
    pub table: ServiceTable,
    pub from: Date,
    pub to: Date,
}

/// The reads that cover a service report: the narrowest daily table holding its groups and
/// filters ([`ServiceTable::for_read`]) over the range — but when that is the per-agent one and
/// the report is bucketed by week or not at all, whole weeks come from `service_weekly_agent`
/// and only the days at the range's ends from the daily table (a 90-day report by agent then
/// reads about a quarter of the rows, as the survey's reports do: `report_read::plan`).
pub(super) fn plan(
    (from, to): (Date, Date),
    bucket: Bucket,
    group_by: &[&str],
    filter: &ServiceFilter,
) -> Result<Vec<ServiceRead>, StorageError> {
    let days = ServiceTable::for_read(group_by, filter);
    let read = |table, from, to| ServiceRead { table, from, to };
    let Some((first_monday, last_sunday)) = (days == ServiceTable::DailyAgent
        && matches!(bucket, Bucket::Week | Bucket::All))
    .then(|| whole_weeks(from, to))
    .flatten() else {
        return Ok(vec![read(days, from, to)]);
    };
    let mut reads = vec![read(ServiceTable::WeeklyAgent, first_monday, last_sunday)];
    let day = jiff::Span::new().days(1);
    let corrupt = |e: jiff::Error| StorageError::Corrupt(e.to_string());
    if from < first_monday {
        reads.push(read(
            days,
            from,
            first_monday.checked_sub(day).map_err(corrupt)?,
        ));
    }
    if last_sunday < to {
        reads.push(read(
            days,
            last_sunday.checked_add(day).map_err(corrupt)?,
            to,
        ));
    }
    Ok(reads)
}

/// The statement of one [`ServiceRead`] (`$2`, `$3`: its first and last day or week), per
/// bucket and the groups asked, as one JSON text (`json_rows` from the backend's report
/// dialect): `[day, groups…, counters…, histogram…]` per row. Summed in the database, so that
/// one row per bucket and group comes back rather than one per day — but for whole weeks by
/// week, whose rows are at the report's grain already (or two, for an agent in two teams, which
/// [`parse_service_rows`] adds up).
pub(super) fn service_rows_sql(
    dialect: &super::report_read::ReportDialect,
    read: &ServiceRead,
    bucket: Bucket,
    group_by: &[&str],
    filter: &ServiceFilter,
) -> (String, Vec<String>) {
    let weekly = read.table == ServiceTable::WeeklyAgent;
    debug_assert!(
        !weekly || matches!(bucket, Bucket::Week | Bucket::All),
        "the weekly summary has no days"
    );
    let period = if weekly { "week" } else { "day" };
    let exact = weekly && matches!(bucket, Bucket::Week);
    // The bucket's first day (`All`: the read's first, `$2`; storage's bucket starts are
    // moved to the range's by the parse).
    let start = match bucket {
        Bucket::Week if weekly => "week".to_owned(),
        Bucket::Day => "day".to_owned(),
        Bucket::Week => dialect.week.to_owned(),
        Bucket::Month => "substr(day, 1, 7) || '-01'".to_owned(),
        Bucket::All => "CAST($2 AS TEXT)".to_owned(),
    };
    let mut counters: Vec<String> = SERVICE_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    counters.extend((0..BUCKETS).map(frt_column));
    let mut texts = vec!["day".to_owned()];
    texts.extend(group_by.iter().map(|g| (*g).to_owned()));
    let named: Vec<String> = (0..counters.len()).map(|i| format!("c{i}")).collect();
    let sums: Vec<String> = counters
        .iter()
        .zip(&named)
        .map(|(c, n)| match exact {
            true => format!("{c} AS {n}"),
            false => format!("SUM({c}) AS {n}"),
        })
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
    let grouped = match exact {
        true => String::new(),
        false => {
            let mut grouped: Vec<String> = vec!["1".to_owned()];
            grouped.extend((0..group_by.len()).map(|i| (i + 2).to_string()));
            format!(" GROUP BY {}", grouped.join(", "))
        }
    };
    let sql = format!(
        "SELECT {} FROM (SELECT {start} AS day{}, {} FROM {} WHERE site_id = $1 \
         AND {period} >= $2 AND {period} <= $3{filters}{grouped}) AS summed",
        (dialect.json_rows)(&texts, &named),
        group_by
            .iter()
            .map(|g| format!(", {g}"))
            .collect::<String>(),
        sums.join(", "),
        read.table.table(),
    );
    (sql, binds)
}

/// Parses the JSON of each of a plan's [`service_rows_sql`] into rows per bucket and group,
/// summed (`range_start` starts the first bucket; the other bucket starts storage gave are
/// kept as they are).
pub(super) fn parse_service_rows(
    jsons: &[Option<String>],
    group_by: &[&str],
    bucket: Bucket,
    range_start: Date,
) -> Result<Vec<GroupedService>, StorageError> {
    let mut rows: Vec<Vec<serde_json::Value>> = Vec::new();
    for json in jsons.iter().flatten() {
        let mut read: Vec<Vec<serde_json::Value>> = serde_json::from_str(json)
            .map_err(|e| StorageError::Corrupt(format!("a service row: {e}")))?;
        rows.append(&mut read);
    }
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

/// The statement reading a site's drivers over a range, summed per cut and band: from the
/// summary without team and channel unless the filter names either.
pub(super) fn driver_rows_sql(filter: &ServiceFilter) -> (String, Vec<String>) {
    let table = match (&filter.team, &filter.channel) {
        (None, None) => "service_drivers_daily",
        _ => "service_drivers",
    };
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
         FROM {table} WHERE site_id = $1 AND day >= $2 AND day <= $3{filters} \
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

#[cfg(test)]
mod tests {
    use super::super::report_read::tests::DIALECT;
    use super::*;

    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn filter(agent: Option<&str>, channel: Option<&str>) -> ServiceFilter {
        ServiceFilter {
            agent: agent.map(str::to_owned),
            team: None,
            channel: channel.map(str::to_owned),
            topic: None,
        }
    }

    #[test]
    fn whole_weeks_by_agent_come_from_the_weekly_summary_and_the_ends_from_the_daily() {
        // Wednesday 2026-11-04 to Tuesday 2026-11-24: weeks of 11-09 and 11-16 are whole.
        let range = (date("2026-11-04"), date("2026-11-24"));
        let read = |table, from, to| ServiceRead {
            table,
            from: date(from),
            to: date(to),
        };
        for bucket in [Bucket::Week, Bucket::All] {
            assert_eq!(
                plan(range, bucket, &["agent"], &filter(None, None)).unwrap(),
                vec![
                    read(ServiceTable::WeeklyAgent, "2026-11-09", "2026-11-22"),
                    read(ServiceTable::DailyAgent, "2026-11-04", "2026-11-08"),
                    read(ServiceTable::DailyAgent, "2026-11-23", "2026-11-24"),
                ]
            );
        }
        // One agent's KPIs by week: the same tables.
        assert_eq!(
            plan(range, Bucket::Week, &[], &filter(Some("aiko"), None)).unwrap()[0].table,
            ServiceTable::WeeklyAgent
        );
        // By day or month, with a channel, with no agent, or no whole week: one daily read.
        for (bucket, group_by, filter, range, table) in [
            (
                Bucket::Day,
                &["agent"][..],
                filter(None, None),
                range,
                ServiceTable::DailyAgent,
            ),
            (
                Bucket::Month,
                &["agent"],
                filter(None, None),
                range,
                ServiceTable::DailyAgent,
            ),
            (
                Bucket::Week,
                &["agent"],
                filter(None, Some("chat")),
                range,
                ServiceTable::Full,
            ),
            (
                Bucket::Week,
                &[],
                filter(None, None),
                range,
                ServiceTable::Daily,
            ),
            (
                Bucket::Week,
                &["agent"],
                filter(None, None),
                (date("2026-11-04"), date("2026-11-10")),
                ServiceTable::DailyAgent,
            ),
        ] {
            assert_eq!(
                plan(range, bucket, group_by, &filter).unwrap(),
                vec![ServiceRead {
                    table,
                    from: range.0,
                    to: range.1
                }],
                "{bucket:?} by {group_by:?}"
            );
        }
    }

    #[test]
    fn whole_weeks_by_week_are_read_as_they_are_and_everything_else_summed() {
        let weeks = ServiceRead {
            table: ServiceTable::WeeklyAgent,
            from: date("2026-11-09"),
            to: date("2026-11-22"),
        };
        let aiko = filter(Some("aiko"), None);
        let (sql, binds) = service_rows_sql(&DIALECT, &weeks, Bucket::Week, &["agent"], &aiko);
        assert!(
            sql.contains("SELECT week AS day, agent, handled AS c0,")
                && sql.contains("FROM service_weekly_agent WHERE site_id = $1 AND week >= $2 AND week <= $3 AND agent = $4)")
                && !sql.contains("SUM(")
                && !sql.contains("GROUP BY"),
            "{sql}"
        );
        assert_eq!(binds, ["aiko"]);
        let (sql, _) = service_rows_sql(&DIALECT, &weeks, Bucket::All, &["agent"], &aiko);
        assert!(
            sql.contains("SELECT CAST($2 AS TEXT) AS day, agent, SUM(handled) AS c0,")
                && sql.contains("GROUP BY 1, 2"),
            "{sql}"
        );
        let days = ServiceRead {
            table: ServiceTable::DailyAgent,
            ..weeks
        };
        let (sql, _) = service_rows_sql(&DIALECT, &days, Bucket::Week, &["agent"], &aiko);
        assert!(
            sql.contains("SELECT WEEK(day) AS day, agent, SUM(handled) AS c0,")
                && sql.contains("FROM service_daily_agent WHERE site_id = $1 AND day >= $2")
                && sql.contains("GROUP BY 1, 2"),
            "{sql}"
        );
    }

    #[test]
    fn a_whole_sites_drivers_come_from_their_summary() {
        let (sql, binds) = driver_rows_sql(&filter(None, None));
        assert!(sql.contains("FROM service_drivers_daily WHERE"), "{sql}");
        assert!(binds.is_empty());
        let (sql, binds) = driver_rows_sql(&filter(None, Some("chat")));
        assert!(sql.contains("FROM service_drivers WHERE") && sql.contains("channel = $4"));
        assert_eq!(binds, ["chat"]);
    }
}
