//! The report read, for one backend: rollups filtered, bucketed and summed in the database.
//! Expanded next to `queries!` (it uses that module's `Conn` and imports); `$week` turns a
//! `day` column into the Monday that starts its week in the backend's SQL.

macro_rules! report_queries {
    ($db:ty, $week:literal) => {
        /// Rollups of the query's range and filters, summed per group and bucket. When the
        /// query needs no team, whole weeks come from `rollups_weekly` (bucketing by week or not
        /// at all) and single days from `rollups_daily`; otherwise everything from `rollups`.
        pub(in crate::storage) async fn select_report_rollups(
            conn: &mut Conn,
            site_id: i64,
            query: &crate::report::ReportQuery,
        ) -> Result<Vec<crate::report::GroupedRollup>, StorageError> {
            use crate::report::{Bucket, GroupBy};
            use crate::rollup::Summary;
            let without_team = !query.group_by.contains(&GroupBy::Team) && query.team.is_none();
            let days = without_team.then_some(Summary::Daily);
            let Some((first_monday, last_sunday)) = (without_team
                && matches!(query.bucket, Bucket::Week | Bucket::All))
            .then(|| crate::report::whole_weeks(query.from, query.to))
            .flatten() else {
                return aggregate(conn, site_id, query, days, query.from, query.to).await;
            };
            let weeks = Some(Summary::Weekly);
            let mut rows =
                aggregate(&mut *conn, site_id, query, weeks, first_monday, last_sunday).await?;
            let day = jiff::Span::new().days(1);
            if query.from < first_monday {
                let before = first_monday
                    .checked_sub(day)
                    .map_err(|e| StorageError::Corrupt(e.to_string()))?;
                rows.extend(aggregate(&mut *conn, site_id, query, days, query.from, before).await?);
            }
            if last_sunday < query.to {
                let after = last_sunday
                    .checked_add(day)
                    .map_err(|e| StorageError::Corrupt(e.to_string()))?;
                rows.extend(aggregate(&mut *conn, site_id, query, days, after, query.to).await?);
            }
            Ok(rows)
        }

        /// One grouped, summed read of `rollups` (`None`) or a summary table, over the days
        /// (or the weeks starting) `from..=to`.
        async fn aggregate(
            conn: &mut Conn,
            site_id: i64,
            query: &crate::report::ReportQuery,
            table: Option<crate::rollup::Summary>,
            from: jiff::civil::Date,
            to: jiff::civil::Date,
        ) -> Result<Vec<crate::report::GroupedRollup>, StorageError> {
            use crate::report::{Bucket, GroupBy, GroupedRollup};
            use crate::rollup::Summary;
            let weekly = table == Some(Summary::Weekly);
            let (day, table) = table.map_or(("day", "rollups"), |s| (s.day_column(), s.table()));
            // Only the grouped columns, in primary-key order: with the bucket first, a read of
            // a summary table then groups as it scans, with no sort.
            let groups: Vec<(GroupBy, &str)> =
                [(GroupBy::Agent, "agent"), (GroupBy::Channel, "channel"), (GroupBy::Team, "team")]
                    .into_iter()
                    .filter(|(g, _)| query.group_by.contains(g))
                    .collect();
            let mut sql = sqlx::QueryBuilder::<$db>::new("SELECT ");
            match query.bucket {
                Bucket::Day => {
                    sql.push("day");
                }
                Bucket::Week if weekly => {
                    sql.push("week");
                }
                Bucket::Week => {
                    sql.push($week);
                }
                Bucket::Month => {
                    sql.push("substr(day, 1, 7) || '-01'");
                }
                Bucket::All => {
                    sql.push("CAST(")
                        .push_bind(query.from.to_string())
                        .push(" AS TEXT)");
                }
            }
            for (_, column) in &groups {
                sql.push(format!(", {column}"));
            }
            // Answers on the help-center channel count as self-resolution, not resolution.
            for column in crate::rollup::COUNTER_COLUMNS {
                match column {
                    "resolved_yes" | "resolved_no" => sql.push(format!(
                        ", CAST(SUM(CASE WHEN channel = 'help_center' THEN 0 ELSE {column} END) AS BIGINT)"
                    )),
                    _ => sql.push(format!(", CAST(SUM({column}) AS BIGINT)")),
                };
            }
            for column in ["resolved_yes", "resolved_no"] {
                sql.push(format!(
                    ", CAST(SUM(CASE WHEN channel = 'help_center' THEN {column} ELSE 0 END) AS BIGINT)"
                ));
            }
            sql.push(format!(" FROM {table} WHERE site_id = "))
                .push_bind(site_id);
            sql.push(format!(" AND {day} >= "))
                .push_bind(from.to_string());
            sql.push(format!(" AND {day} <= "))
                .push_bind(to.to_string());
            for (column, value) in [
                ("agent", &query.agent),
                ("channel", &query.channel),
                ("team", &query.team),
            ] {
                if let Some(value) = value {
                    sql.push(format!(" AND {column} = "))
                        .push_bind(value.clone());
                }
            }
            sql.push(" GROUP BY 1");
            for i in 0..groups.len() {
                sql.push(format!(", {}", i + 2));
            }
            let rows = sql.build().fetch_all(conn).await?;
            let counted = 1 + groups.len();
            rows.iter()
                .map(|row| {
                    let mut grouped = GroupedRollup {
                        bucket_start: row.try_get(0)?,
                        agent: None,
                        channel: None,
                        team: None,
                        counters: RollupCounters::default(),
                        self_resolved: [0; 2],
                    };
                    for (i, (group, _)) in groups.iter().enumerate() {
                        let value = Some(row.try_get(1 + i)?);
                        match group {
                            GroupBy::Agent => grouped.agent = value,
                            GroupBy::Channel => grouped.channel = value,
                            GroupBy::Team => grouped.team = value,
                        }
                    }
                    for (i, value) in grouped.counters.0.iter_mut().enumerate() {
                        *value = row.try_get(counted + i)?;
                    }
                    let extra = counted + crate::rollup::COUNTER_COLUMNS.len();
                    grouped.self_resolved = [row.try_get(extra)?, row.try_get(extra + 1)?];
                    Ok(grouped)
                })
                .collect::<Result<_, sqlx::Error>>()
                .map_err(StorageError::from)
        }
    };
}

pub(super) use report_queries;
