//! The report read, for one backend: rollups filtered, bucketed and summed in the database.
//! Expanded next to `queries!` (it uses that module's `Conn` and imports); `$week` turns a
//! `day` column into the Monday that starts its week in the backend's SQL, and `$json_rows`
//! folds the rows of `{columns}` into one JSON array of arrays.
//!
//! The summed rows come back as that one JSON text rather than as rows: a database driver
//! hands each row and value over on its own (sqlx's SQLite driver across threads, one
//! allocation per value), which cost more than the summing itself for reports of thousands
//! of rows.

macro_rules! report_queries {
    ($db:ty, $week:literal, $json_rows:literal) => {
        /// Rollups of the query's range and filters, summed per group and bucket. When the
        /// query needs no team, whole weeks come from a weekly summary (bucketing by week or not
        /// at all) and single days from a daily one — the per-agent summaries when it needs no
        /// channel either; otherwise everything comes from `rollups`.
        pub(in crate::storage) async fn select_report_rollups(
            conn: &mut Conn,
            site_id: i64,
            query: &crate::report::ReportQuery,
        ) -> Result<Vec<crate::report::GroupedRollup>, StorageError> {
            use crate::report::{Bucket, GroupBy};
            use crate::rollup::Summary;
            let without_team = !query.group_by.contains(&GroupBy::Team) && query.team.is_none();
            let by_agent = without_team
                && !query.group_by.contains(&GroupBy::Channel)
                && query.channel.is_none();
            let (days, weeks) = match by_agent {
                true => (Summary::DailyByAgent, Summary::WeeklyByAgent),
                false => (Summary::Daily, Summary::Weekly),
            };
            let days = without_team.then_some(days);
            let Some((first_monday, last_sunday)) = (without_team
                && matches!(query.bucket, Bucket::Week | Bucket::All))
            .then(|| crate::report::whole_weeks(query.from, query.to))
            .flatten() else {
                return aggregate(conn, site_id, query, days, query.from, query.to).await;
            };
            let weeks = Some(weeks);
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
            use crate::report::{Bucket, GroupBy};
            use crate::rollup::Summary;
            let weekly = table.is_some_and(Summary::is_weekly);
            // A summary read at its own grain (its period, agent and, but for the per-agent
            // summaries, channel) is not summed: each of its rows is a group already, or — the
            // help-center rows of the per-agent summaries — one of two, which `report::build`
            // adds up. Summing those pairs in the database cost more than sending them.
            let exact = table.is_some_and(|s| {
                query.group_by.contains(&GroupBy::Agent)
                    && (s.is_by_agent() || query.group_by.contains(&GroupBy::Channel))
            }) && matches!(
                (query.bucket, weekly),
                (Bucket::Week, true) | (Bucket::Day, false)
            );
            let sum = |e: String| if exact { e } else { format!("SUM({e})") };
            let (day, table) = table.map_or(("day", "rollups"), |s| (s.day_column(), s.table()));
            // Only the grouped columns, in primary-key order: with the bucket first, a read of
            // a summary table then groups as it scans, with no sort.
            let groups: Vec<(GroupBy, &str)> = [
                (GroupBy::Agent, "agent"),
                (GroupBy::Channel, "channel"),
                (GroupBy::Team, "team"),
            ]
            .into_iter()
            .filter(|(g, _)| query.group_by.contains(g))
            .collect();
            let mut columns = vec!["b".to_owned()];
            columns.extend(groups.iter().map(|(_, column)| (*column).to_owned()));
            columns.extend((0..crate::storage::json_rows::COUNTS).map(|i| format!("n{i}")));
            let mut sql = sqlx::QueryBuilder::<$db>::new(format!(
                "SELECT {} FROM (SELECT ",
                $json_rows.replace("{columns}", &columns.join(", "))
            ));
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
            sql.push(" AS b");
            for (_, column) in &groups {
                sql.push(format!(", {column}"));
            }
            // Every counter, then help-center "resolved?" yes / no: answers on the help-center
            // channel count as self-resolution, not resolution.
            let counts = crate::rollup::COUNTER_COLUMNS
                .iter()
                .map(|column| match *column {
                    "resolved_yes" | "resolved_no" => {
                        format!("CASE WHEN channel = 'help_center' THEN 0 ELSE {column} END")
                    }
                    _ => (*column).to_owned(),
                })
                .chain(["resolved_yes", "resolved_no"].map(|column| {
                    format!("CASE WHEN channel = 'help_center' THEN {column} ELSE 0 END")
                }));
            for (i, count) in counts.enumerate() {
                sql.push(format!(", CAST({} AS BIGINT) AS n{i}", sum(count)));
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
            if !exact {
                sql.push(" GROUP BY 1");
                for i in 0..groups.len() {
                    sql.push(format!(", {}", i + 2));
                }
            }
            sql.push(") AS grouped");
            let rows: String = sql.build().fetch_one(conn).await?.try_get(0)?;
            let groups: Vec<GroupBy> = groups.into_iter().map(|(g, _)| g).collect();
            crate::storage::json_rows::parse(&rows, &groups)
        }
    };
}

pub(super) use report_queries;
