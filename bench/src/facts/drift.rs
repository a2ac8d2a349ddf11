//! The bulk path checked against the collector: its service rollup rows against the collector's
//! own re-count of the stored facts.

use koe_collector::facts::frt::BUCKETS;
use koe_collector::facts::rollup::{SERVICE_COLUMNS, frt_column};
use sqlx::{Connection as _, SqliteConnection};

use crate::load::{Request, send};
use crate::target::Target;

/// Every service rollup row of the target's site — the full table's and its summaries' — as
/// text, in key order.
async fn rollup_rows(target: &Target) -> anyhow::Result<Vec<String>> {
    let mut conn = SqliteConnection::connect(&target.url).await?;
    let mut columns: Vec<String> = SERVICE_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    columns.extend((0..BUCKETS).map(frt_column));
    let values = columns
        .iter()
        .map(|c| format!("'|' || printf('%.6f', {c})"))
        .collect::<Vec<_>>()
        .join(" || ");
    let mut rows = Vec::new();
    for (table, keys) in [
        ("service_rollups", "day, agent, team, channel, topic"),
        ("service_daily", "day, team, channel"),
        ("service_daily_agent", "day, agent, team"),
        ("service_daily_topic", "day, topic, team, channel"),
        ("service_weekly_agent", "week, agent, team"),
    ] {
        let key = keys.replace(", ", " || '/' || ");
        let mut some: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT '{table}:' || {key} || {values} FROM {table} WHERE site_id = ?1 ORDER BY {keys}"
        ))
        .bind(target.site.id)
        .fetch_all(&mut conn)
        .await?;
        rows.append(&mut some);
    }
    conn.close().await?;
    Ok(rows)
}

/// How many service rollup rows the collector's own re-count (asked for by changing the
/// crediting rule, which re-counts from the stored facts) gives differently from the bulk path.
pub(super) async fn drift(port: u16, target: &Target) -> anyhow::Result<usize> {
    let bulk = rollup_rows(target).await?;
    let admin = target.key(koe_collector::storage::Role::Admin).await?;
    let headers = format!("Authorization: Bearer {admin}\r\n");
    for credit in ["first", "last"] {
        let request = Request::put_json(
            &format!("/api/v1/sites/{}/service/settings", target.site.key),
            format!(
                r#"{{"credit":"{credit}","frt_target_secs":3600,"frt_bands":[3600,14400,86400]}}"#
            ),
        );
        let answer = send(port, &request, &headers).await?;
        anyhow::ensure!(
            answer.status == 200,
            "the re-count failed: {}",
            answer.status
        );
    }
    // A set: a row per rollup key, a million at 1 M interactions (a list's `contains` made
    // this check quadratic, and the whole bench's slowest step).
    let counted: std::collections::HashSet<String> =
        rollup_rows(target).await?.into_iter().collect();
    let differing = bulk.iter().filter(|row| !counted.contains(*row)).count();
    Ok(differing + counted.len().abs_diff(bulk.len()))
}
