//! How a report is read: which rollup tables cover its range ([`plan`]), and the statement
//! that filters, buckets and sums one of them in the database ([`statement`]). Each backend
//! runs the statements with its own [`ReportDialect`]; `report_rows` reads what they return.
//!
//! On SQLite the summed rows come back as one JSON text rather than as rows: sqlx's SQLite
//! driver hands each row and value over on its own (across threads, one allocation per
//! value), which cost more than the summing itself for reports of thousands of rows. On
//! PostgreSQL it is the other way round: its binary rows cost less than building the text.

use jiff::civil::Date;

use super::StorageError;
use super::report_rows::COUNTS;
use super::sql::{self, Bind, Statement};
use crate::ids::SiteId;
use crate::report::{Bucket, GroupBy, ReportQuery, whole_weeks};
use crate::rollup::{COUNTER_COLUMNS, Summary, week_of};

/// What differs between the backends' SQL for a report.
#[derive(Debug)]
pub(super) struct ReportDialect {
    /// Begins a read transaction whose statements all see one snapshot: a report's reads of
    /// several tables (whole weeks, end days) then count a write landing meanwhile once.
    pub snapshot: &'static str,
    /// Turns the `day` column into the Monday that starts its week.
    pub week: &'static str,
    /// Whether a sum of integer columns must be cast back to an integer (PostgreSQL's `SUM`
    /// of a `BIGINT` is a `NUMERIC`; SQLite's of integers is an integer, and casting each of
    /// a read's thousands of values cost it more than the sums).
    pub cast_sums: bool,
    /// Folds the rows of these text columns, then number columns, into one JSON array of
    /// arrays (as text).
    pub json_rows: fn(texts: &[String], numbers: &[String]) -> String,
    /// Whether a report read's rows come back folded by `json_rows` (SQLite) or as rows
    /// (PostgreSQL: building the text took 11 of a 13 ms read of 4 800 rows, `auto_explain`).
    pub rows_as_json: bool,
}

/// One read: `rollups` (`None`) or a summary table, over the days (or the weeks starting)
/// `from..=to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ReportRead {
    pub table: Option<Summary>,
    pub from: Date,
    pub to: Date,
}

/// The reads that cover a query. When it needs no team, whole weeks come from a weekly
/// summary (bucketing by week or not at all) and single days from a daily one — the per-agent
/// summaries when it needs no channel either; otherwise everything comes from `rollups`.
pub(super) fn plan(query: &ReportQuery) -> Result<Vec<ReportRead>, StorageError> {
    let without_team = !query.group_by.contains(&GroupBy::Team) && query.team.is_none();
    let by_agent =
        without_team && !query.group_by.contains(&GroupBy::Channel) && query.channel.is_none();
    let (days, weeks) = match by_agent {
        true => (Summary::DailyByAgent, Summary::WeeklyByAgent),
        false => (Summary::Daily, Summary::Weekly),
    };
    let days = without_team.then_some(days);
    let read = |table, from, to| ReportRead { table, from, to };
    let Some((first_monday, last_sunday)) = (without_team
        && matches!(query.bucket, Bucket::Week | Bucket::All))
    .then(|| whole_weeks(query.from, query.to))
    .flatten() else {
        return Ok(vec![read(days, query.from, query.to)]);
    };
    let mut reads = vec![read(Some(weeks), first_monday, last_sunday)];
    let day = jiff::Span::new().days(1);
    let corrupt = |e: jiff::Error| StorageError::Corrupt(e.to_string());
    if query.from < first_monday {
        let before = first_monday.checked_sub(day).map_err(corrupt)?;
        reads.push(read(days, query.from, before));
    }
    if last_sunday < query.to {
        let after = last_sunday.checked_add(day).map_err(corrupt)?;
        reads.push(read(days, after, query.to));
    }
    Ok(reads)
}

/// One grouped, summed read, and the groups its rows carry (in the order selected).
pub(super) fn statement(
    site_id: SiteId,
    query: &ReportQuery,
    read: &ReportRead,
    dialect: &ReportDialect,
) -> (Statement, Vec<GroupBy>) {
    let weekly = read.table.is_some_and(Summary::is_weekly);
    // A summary read at its own grain (its period, agent and, but for the per-agent
    // summaries, channel) is not summed: each of its rows is a group already, or — the
    // help-center rows of the per-agent summaries — one of two, which `report::build` adds
    // up. Summing those pairs in the database cost more than sending them.
    let exact = read.table.is_some_and(|s| {
        query.group_by.contains(&GroupBy::Agent)
            && (s.is_by_agent() || query.group_by.contains(&GroupBy::Channel))
    }) && matches!(
        (query.bucket, weekly),
        (Bucket::Week, true) | (Bucket::Day, false)
    );
    let sum = |e: String| match (exact, dialect.cast_sums) {
        (true, _) => e,
        (false, true) => format!("CAST(SUM({e}) AS BIGINT)"),
        (false, false) => format!("SUM({e})"),
    };
    let (day, table) = read
        .table
        .map_or(("day", "rollups"), |s| (s.day_column(), s.table()));
    // Only the grouped columns, in primary-key order: with the bucket first, a read of a
    // summary table then groups as it scans, with no sort.
    let groups: Vec<(GroupBy, &str)> = [
        (GroupBy::Agent, "agent"),
        (GroupBy::Channel, "channel"),
        (GroupBy::Team, "team"),
    ]
    .into_iter()
    .filter(|(g, _)| query.group_by.contains(g))
    .collect();
    let mut texts = vec!["b".to_owned()];
    texts.extend(groups.iter().map(|(_, column)| (*column).to_owned()));
    let numbers: Vec<String> = (0..COUNTS).map(|i| format!("n{i}")).collect();
    let mut s = match dialect.rows_as_json {
        true => Statement::new(format!(
            "SELECT {} FROM (SELECT ",
            (dialect.json_rows)(&texts, &numbers)
        )),
        false => Statement::new("SELECT "),
    };
    // A week's days read from a daily table (the days at a range's ends) have one bucket,
    // bound once rather than worked out from each row's day.
    let one_week = Some(week_of(read.from)).filter(|monday| *monday == week_of(read.to));
    match query.bucket {
        Bucket::Day => s.push("day"),
        Bucket::Week if weekly => s.push("week"),
        Bucket::Week => match one_week {
            Some(monday) => s
                .push("CAST(")
                .bind(Bind::Text(monday.to_string()))
                .push(" AS TEXT)"),
            None => s.push(dialect.week),
        },
        Bucket::Month => s.push("substr(day, 1, 7) || '-01'"),
        Bucket::All => s
            .push("CAST(")
            .bind(Bind::Text(query.from.to_string()))
            .push(" AS TEXT)"),
    };
    s.push(" AS b");
    for (_, column) in &groups {
        s.push(&format!(", {column}"));
    }
    // Every counter, then help-center "resolved?" yes / no: answers on the help-center
    // channel count as self-resolution, not resolution.
    let counts =
        COUNTER_COLUMNS
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
        s.push(&format!(", {} AS n{i}", sum(count)));
    }
    s.push(&format!(" FROM {table} WHERE site_id = "))
        .bind(Bind::Int(site_id.get()));
    s.push(&format!(" AND {day} >= "))
        .bind(Bind::Text(read.from.to_string()));
    s.push(&format!(" AND {day} <= "))
        .bind(Bind::Text(read.to.to_string()));
    let filters =
        sql::attribution_filters(query.agent.as_ref(), query.channel, query.team.as_ref());
    for (column, value) in filters {
        if let Some(value) = value {
            s.push(&format!(" AND {column} = "))
                .bind(Bind::Text(value.to_owned()));
        }
    }
    if !exact {
        s.push(" GROUP BY 1");
        for i in 0..groups.len() {
            s.push(&format!(", {}", i + 2));
        }
    }
    if dialect.rows_as_json {
        s.push(") AS grouped");
    }
    (s, groups.into_iter().map(|(g, _)| g).collect())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A dialect whose SQL shows what each part of a statement came from.
    pub(in crate::storage) const DIALECT: ReportDialect = ReportDialect {
        snapshot: "BEGIN",
        week: "WEEK(day)",
        cast_sums: true,
        rows_as_json: true,
        json_rows: |texts, numbers| format!("ROWS({}, {})", texts.join(", "), numbers.join(", ")),
    };

    fn query(from: &str, to: &str, bucket: Bucket, group_by: Vec<GroupBy>) -> ReportQuery {
        ReportQuery {
            from: from.parse().unwrap(),
            to: to.parse().unwrap(),
            bucket,
            group_by,
            agent: None,
            channel: None,
            team: None,
            compare: None,
        }
    }

    #[test]
    fn whole_weeks_come_from_the_weekly_summary_and_the_ends_from_the_daily() {
        // Wednesday 2026-11-04 to Monday 2026-11-23: weeks of 11-09 and 11-16 are whole.
        let q = query(
            "2026-11-04",
            "2026-11-23",
            Bucket::Week,
            vec![GroupBy::Agent],
        );
        let reads = plan(&q).unwrap();
        let tables: Vec<_> = reads.iter().map(|r| r.table).collect();
        assert_eq!(
            tables,
            [
                Some(Summary::WeeklyByAgent),
                Some(Summary::DailyByAgent),
                Some(Summary::DailyByAgent)
            ]
        );
        assert_eq!(reads[0].from.to_string(), "2026-11-09");
        assert_eq!(reads[0].to.to_string(), "2026-11-22");
    }

    #[test]
    fn a_team_needs_the_full_rollups() {
        let q = query(
            "2026-11-04",
            "2026-11-23",
            Bucket::Week,
            vec![GroupBy::Team],
        );
        assert_eq!(
            plan(&q).unwrap(),
            [ReportRead {
                table: None,
                from: q.from,
                to: q.to
            }]
        );
    }

    #[test]
    fn a_read_at_its_tables_grain_is_not_summed() {
        let dialect = DIALECT;
        let q = query(
            "2026-11-09",
            "2026-11-22",
            Bucket::Week,
            vec![GroupBy::Agent],
        );
        let read = plan(&q).unwrap()[0];
        let (s, groups) = statement(SiteId::new(1), &q, &read, &dialect);
        assert_eq!(groups, [GroupBy::Agent]);
        assert!(
            !s.sql.contains("SUM(") && !s.sql.contains("GROUP BY") && !s.sql.contains("CAST("),
            "{}",
            s.sql
        );
        let all = query("2026-11-09", "2026-11-22", Bucket::All, vec![]);
        let (s, _) = statement(SiteId::new(1), &all, &plan(&all).unwrap()[0], &dialect);
        assert!(
            s.sql.contains("SUM(") && s.sql.contains("GROUP BY 1)"),
            "{}",
            s.sql
        );
        assert_eq!(s.binds[0], Bind::Text("2026-11-09".into()));
    }

    #[test]
    fn the_days_of_one_week_take_its_monday_as_their_bucket() {
        let dialect = ReportDialect {
            cast_sums: false,
            ..DIALECT
        };
        // Wednesday 2026-11-04 to Monday 2026-11-23: the end days are Wed–Sun and a Monday.
        let q = query(
            "2026-11-04",
            "2026-11-23",
            Bucket::Week,
            vec![GroupBy::Agent, GroupBy::Channel],
        );
        let reads = plan(&q).unwrap();
        let (first_days, _) = statement(SiteId::new(1), &q, &reads[1], &dialect);
        assert!(!first_days.sql.contains("WEEK(day)"), "{}", first_days.sql);
        assert_eq!(first_days.binds[0], Bind::Text("2026-11-02".into()));
        assert!(
            first_days.sql.contains(", SUM(csat_1) AS n0") && !first_days.sql.contains("CAST(SUM"),
            "{}",
            first_days.sql
        );
        let (last_day, _) = statement(SiteId::new(1), &q, &reads[2], &dialect);
        assert_eq!(last_day.binds[0], Bind::Text("2026-11-23".into()));
        // Thursday to the next Tuesday holds no whole week: one read, bucketed row by row.
        let across = query(
            "2026-11-05",
            "2026-11-10",
            Bucket::Week,
            vec![GroupBy::Agent],
        );
        let reads = plan(&across).unwrap();
        assert_eq!(reads.len(), 1);
        let (s, _) = statement(SiteId::new(1), &across, &reads[0], &dialect);
        assert!(s.sql.contains("WEEK(day) AS b"), "{}", s.sql);
        let cast = ReportDialect {
            cast_sums: true,
            ..dialect
        };
        let (s, _) = statement(SiteId::new(1), &across, &reads[0], &cast);
        assert!(
            s.sql.contains(", CAST(SUM(csat_1) AS BIGINT) AS n0"),
            "{}",
            s.sql
        );
    }

    #[test]
    fn rows_not_folded_into_json_are_the_grouped_select_itself() {
        let dialect = ReportDialect {
            rows_as_json: false,
            json_rows: |_, _| unreachable!("rows are not folded"),
            ..DIALECT
        };
        let q = query(
            "2026-11-09",
            "2026-11-22",
            Bucket::Week,
            vec![GroupBy::Agent, GroupBy::Channel],
        );
        let (s, groups) = statement(SiteId::new(1), &q, &plan(&q).unwrap()[0], &dialect);
        assert_eq!(groups, [GroupBy::Agent, GroupBy::Channel]);
        assert!(
            s.sql
                .starts_with("SELECT week AS b, agent, channel, csat_1 AS n0")
                && !s.sql.contains("grouped"),
            "{}",
            s.sql
        );
    }
}
