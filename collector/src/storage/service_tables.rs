//! The tables interaction facts are counted in, and their upserts: the service rollups with
//! their summaries ([`ServiceTable`]) and the drivers with theirs ([`DRIVER_TABLES`]). The
//! statements that move them are `facts.rs`'s; the reads, `service_read.rs`.

use super::ServiceFilter;
use super::sql::Dialect;
use crate::facts::frt::BUCKETS;
use crate::facts::rollup::{SERVICE_COLUMNS, ServiceKey, frt_column};

/// `rows` rows of `width` placeholders each, in the backend's form: `($1, $2), ($3, $4)` on
/// PostgreSQL, `(?, ?), (?, ?)` on SQLite (whose driver looks a numbered parameter up by name,
/// a cost that grows with the statement's parameters: a 2 600-value upsert spent a third of
/// the writer's time there).
pub(super) fn placeholders<P: Dialect>(rows: usize, width: usize) -> String {
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
    pub(super) fn key_of(self, key: &ServiceKey) -> Vec<String> {
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
pub(super) const SERVICE_ROWS_PER_STATEMENT: usize = 32;

/// The upsert of `rows` rows of `table`, adding their counters.
pub(super) fn upsert_service_sql<P: Dialect>(table: ServiceTable, rows: usize) -> String {
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
pub(super) const DRIVER_ROWS_PER_STATEMENT: usize = 64;

/// The drivers' tables: by team and channel, and summed over both (the drivers of a whole site,
/// a day's few dozen bands).
pub(super) const DRIVER_TABLES: [(&str, &str); 2] = [
    ("service_drivers", "day, team, channel, cut, band"),
    ("service_drivers_daily", "day, cut, band"),
];

/// The upsert of `rows` rows of the drivers table keyed by `keys`, adding their counts.
pub(super) fn upsert_drivers_sql<P: Dialect>(table: &str, keys: &str, rows: usize) -> String {
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

/// A drivers row's counts, in [`crate::facts::rollup::DriverCounters`]' order.
pub(super) const DRIVER_COUNTS: [&str; 5] = ["csat_n", "csat_sat", "nps_n", "nps_pro", "nps_det"];
