//! The rows one commit of the database alone writes: the answers inserted (their keys claimed
//! first on PostgreSQL), added to `rollups` and each summary, and a follow-up opened for each
//! unhappy one — the same tables the collector writes, in plain multi-row SQL.

use std::collections::BTreeMap;

use koe_collector::ids::SiteId;
use koe_collector::rollup::{COUNTER_COLUMNS, Summary};
use sqlx::{Database, Encode, QueryBuilder, Type};

/// One transaction's statements: the answers `numbers` inserted (their keys claimed first on
/// PostgreSQL, as the collector does), then added to `rollups` and each summary, one multi-row
/// upsert each with rows in key order (so concurrent connections wait for each other, never
/// deadlock).
pub(super) fn statements<DB>(
    site_id: SiteId,
    run_id: &str,
    numbers: std::ops::Range<u64>,
    claims_keys: bool,
) -> Vec<QueryBuilder<'static, DB>>
where
    DB: Database,
    String: Encode<'static, DB> + Type<DB>,
    i64: Encode<'static, DB> + Type<DB>,
    i16: Encode<'static, DB> + Type<DB>,
    bool: Encode<'static, DB> + Type<DB>,
    &'static str: Encode<'static, DB> + Type<DB>,
    Option<String>: Encode<'static, DB> + Type<DB>,
    Option<i64>: Encode<'static, DB> + Type<DB>,
{
    let id = site_id.get();
    let now_ms = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis(),
    )
    .unwrap_or(i64::MAX);
    let mut statements = Vec::new();
    if claims_keys {
        let mut keys = QueryBuilder::<DB>::new(
            "INSERT INTO response_keys (site_id, interaction, created_at_ms) ",
        );
        keys.push_values(numbers.clone(), |mut row, n| {
            row.push_bind(id)
                .push_bind(format!("{run_id}-{n}"))
                .push_bind(now_ms);
        });
        statements.push(keys);
    }
    let mut insert = QueryBuilder::<DB>::new(
        "INSERT INTO responses (site_id, interaction, agent, team, channel, verified, csat, \
         nps, reasons, locale, day, created_at_ms, updated_at_ms, client, flagged) ",
    );
    insert.push_values(numbers.clone(), |mut row, n| {
        let (csat, nps) = scores(n);
        row.push_bind(id)
            .push_bind(format!("{run_id}-{n}"))
            .push_bind(agent(n))
            .push_bind(None::<String>)
            .push_bind("chat")
            .push_bind(false)
            .push_bind(csat)
            .push_bind(nps)
            .push_bind("")
            .push_bind("en")
            .push_bind(DAY)
            .push_bind(now_ms)
            .push_bind(now_ms)
            .push_bind("widget")
            .push_bind(false);
    });
    statements.push(insert);
    // What the batch adds to each agent's row: one response, its CSAT and its NPS counter.
    let mut sums: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for n in numbers.clone() {
        let (csat, nps) = scores(n);
        let counters = sums
            .entry(agent(n))
            .or_insert_with(|| vec![0; COUNTER_COLUMNS.len()]);
        for (value, column) in counters.iter_mut().zip(COUNTER_COLUMNS) {
            if column == "responses"
                || column == format!("csat_{csat}")
                || column == format!("nps_{nps}")
            {
                *value += 1;
            }
        }
    }
    for (table, keys) in tables() {
        let mut upsert = QueryBuilder::<DB>::new(format!(
            "INSERT INTO {table} ({keys}, {}) ",
            COUNTER_COLUMNS.join(", ")
        ));
        let weekly = table.contains("weekly");
        let by_agent = table.contains("agent");
        upsert.push_values(&sums, |mut row, (agent, counters)| {
            row.push_bind(id)
                .push_bind(if weekly { WEEK } else { DAY })
                .push_bind(agent.clone());
            if table == "rollups" {
                row.push_bind("");
            }
            // The per-agent summaries keep the channel only for the help center.
            row.push_bind(if by_agent { "" } else { "chat" });
            for value in counters {
                row.push_bind(*value);
            }
        });
        upsert.push(format!(
            " ON CONFLICT ({keys}) DO UPDATE SET {}",
            COUNTER_COLUMNS
                .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
                .join(", ")
        ));
        statements.push(upsert);
    }
    let unhappy: Vec<u64> = numbers
        .filter(|&n| matches!(scores(n), (csat, nps) if csat <= 2 || nps <= 6))
        .collect();
    if !unhappy.is_empty() {
        let mut open = QueryBuilder::<DB>::new(
            "INSERT INTO followups (site_id, interaction, day, agent, team, channel, \
             opened_at_ms, due_at_ms, owner_user_id) ",
        );
        open.push_values(&unhappy, |mut row, n| {
            row.push_bind(id)
                .push_bind(format!("{run_id}-{n}"))
                .push_bind(DAY)
                .push_bind(agent(*n))
                .push_bind(None::<String>)
                .push_bind("chat")
                .push_bind(now_ms)
                .push_bind(now_ms + 86_400_000)
                .push_bind(None::<i64>);
        });
        statements.push(open);
    }
    statements
}

/// The day the answers count on, and its week's Monday.
const DAY: &str = "2026-11-26";
const WEEK: &str = "2026-11-23";

/// Answer `n`'s CSAT and NPS: the HTTP rows' (`ingest.rs`).
fn scores(n: u64) -> (i16, i16) {
    // Below 11: no truncation.
    ((1 + n % 5) as i16, (n % 11) as i16)
}

fn agent(n: u64) -> String {
    format!("agent-{:03}", n % 200)
}

/// `rollups` and each summary table, with its key columns.
fn tables() -> Vec<(String, String)> {
    std::iter::once((
        "rollups".to_owned(),
        "site_id, day, agent, team, channel".to_owned(),
    ))
    .chain(Summary::ALL.map(|s| {
        (
            s.table().to_owned(),
            format!("site_id, {}, agent, channel", s.day_column()),
        )
    }))
    .collect()
}
