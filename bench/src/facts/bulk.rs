//! The bulk path: interactions inserted from a generated series, their service rollups and
//! drivers rebuilt from them in SQL.

use std::time::Instant;

use koe_collector::facts::frt::{BUCKETS, EDGES};
use koe_collector::facts::rollup::{SERVICE_COLUMNS, frt_column};
use koe_shared::Channel;
use sqlx::{Connection as _, SqliteConnection};

use super::TOPICS;
use crate::bulk_load::{AGENTS, DAYS, TEAMS};
use crate::target::Target;

/// The bucket of the FRT histogram of a time in seconds, as SQL over `secs`.
fn bucket_sql() -> String {
    let mut case = String::from("CASE");
    for (i, edge) in EDGES.iter().enumerate() {
        case.push_str(&format!(" WHEN secs < {edge} THEN {i}"));
    }
    case.push_str(&format!(" ELSE {} END", BUCKETS - 1));
    case
}

/// Adds interactions `from..to` to the target's site, all within the 365 days ending `today`,
/// and rebuilds its service rollups and drivers from them in SQL.
pub(super) async fn bulk_load(
    target: &Target,
    today: &str,
    from: u64,
    to: u64,
) -> anyhow::Result<()> {
    let mut conn = SqliteConnection::connect(&target.url).await?;
    // A bulk load, not the collector's writes: no sync, and room for the rebuild's sorts in
    // memory (a gigabyte of page cache; temporary tables and sorts in memory).
    for pragma in [
        "PRAGMA synchronous = OFF",
        "PRAGMA cache_size = -1048576",
        "PRAGMA temp_store = MEMORY",
    ] {
        sqlx::query(pragma).execute(&mut conn).await?;
    }
    let channels: String = Channel::ALL
        .iter()
        .enumerate()
        .map(|(i, c)| format!(" WHEN {i} THEN '{}'", c.as_str()))
        .collect();
    // h: a multiplicative hash of i, so the facts do not line up with agents or days. Each
    // interaction opens at noon of its day; a seventh have no first response, a third are
    // open, a fifth do not say how many contacts they took.
    let insert = format!(
        "INSERT INTO interactions (site_id, interaction, day, channel, team, topic, opened_at_ms,
             first_response_at_ms, resolved_at_ms, reopened, contacts, handled_by, agents,
             created_at_ms, updated_at_ms)
         WITH RECURSIVE n(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2),
              g(i, h, d) AS (SELECT i, (i * 2654435761) % 4294967296,
                                    date(?4, '-' || ((i / 11) % {DAYS}) || ' days') FROM n)
         SELECT ?3, 'bulk-' || i, d, CASE (i / 3) % {}{channels} END,
                'team-' || ((i % {AGENTS}) % {TEAMS}), 'topic-' || (h % {TOPICS}),
                unixepoch(d) * 1000 + 43200000,
                CASE WHEN h % 7 = 0 THEN NULL ELSE unixepoch(d) * 1000 + 43200000 + (h % 90000) * 1000 END,
                CASE WHEN h % 3 = 0 THEN NULL ELSE unixepoch(d) * 1000 + 86400000 END,
                (h / 7) % 2 * ((h / 11) % 3 = 0), CASE WHEN h % 5 = 0 THEN NULL ELSE 1 + (h / 13) % 4 END,
                CASE (h / 17) % 3 WHEN 0 THEN 'human' WHEN 1 THEN 'bot' ELSE 'bot_then_human' END,
                '[{{\"agent\":\"' || printf('agent-%03d', i % {AGENTS}) || '\"}}]', i, i
         FROM g",
        Channel::ALL.len()
    );
    const CHUNK: u64 = 1_000_000;
    let mut start = from;
    while start < to {
        let end = (start + CHUNK).min(to);
        sqlx::query(&insert)
            .bind(start as i64)
            .bind(end as i64)
            .bind(target.site.id)
            .bind(today)
            .execute(&mut conn)
            .await?;
        start = end;
    }
    rebuild(&mut conn, target.site.id.get()).await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

/// A site's service rollups and drivers, recomputed from its interactions in SQL (the crediting
/// rule `last`: each bulk interaction lists one agent; each carries an answer of CSAT
/// `1 + h % 5` and NPS `h % 11` for the drivers, h the interaction's hash again).
///
/// Each interaction's agent, hash and first-response bucket (`b`, −1 for none) are computed once
/// into a temporary table the rollups and every cut of the drivers read: inlined, SQLite folded
/// the 65-arm bucket `CASE` into each of the 66 bucket sums (31 k opcodes; 11 s per 100 k
/// interactions, against 0.5 s for their insert).
async fn rebuild(conn: &mut SqliteConnection, site_id: i64) -> anyhow::Result<()> {
    let mut tx = conn.begin().await?;
    for table in [
        "service_rollups",
        "service_daily",
        "service_daily_agent",
        "service_daily_topic",
        "service_weekly_agent",
        "service_drivers",
        "service_drivers_daily",
    ] {
        sqlx::query(&format!("DELETE FROM {table} WHERE site_id = ?1"))
            .bind(site_id)
            .execute(&mut *tx)
            .await?;
    }
    let started = Instant::now();
    sqlx::query(&format!(
        "CREATE TEMP TABLE bulk_facts AS
         SELECT *, CASE WHEN secs IS NULL THEN -1 ELSE {} END AS b
         FROM (SELECT day, team, channel, topic, resolved_at_ms, contacts, reopened, handled_by,
                      first_response_at_ms, json_extract(agents, '$[0].agent') AS agent,
                      (first_response_at_ms - opened_at_ms) / 1000 AS secs,
                      (CAST(substr(interaction, 6) AS INTEGER) * 2654435761) % 4294967296 AS h
               FROM interactions WHERE site_id = ?1)",
        bucket_sql()
    ))
    .bind(site_id)
    .execute(&mut *tx)
    .await?;
    let plain = [
        "1.0",
        "resolved_at_ms IS NOT NULL",
        "resolved_at_ms IS NOT NULL AND contacts IS NOT NULL",
        "resolved_at_ms IS NOT NULL AND contacts = 1 AND COALESCE(reopened, 0) = 0",
        "COALESCE(reopened, 0) > 0",
        "COALESCE(contacts, 1)",
        "handled_by = 'human'",
        "handled_by = 'bot'",
        "handled_by = 'bot_then_human'",
        "b >= 0",
    ];
    let mut sums: Vec<String> = plain
        .iter()
        .map(|e| match *e {
            "1.0" | "COALESCE(contacts, 1)" => format!("SUM(1.0 * {e})"),
            _ => format!("SUM(CASE WHEN {e} THEN 1.0 ELSE 0.0 END)"),
        })
        .collect();
    sums.extend((0..BUCKETS).map(|b| format!("SUM(CASE WHEN b = {b} THEN 1.0 ELSE 0.0 END)")));
    let mut columns: Vec<String> = SERVICE_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    columns.extend((0..BUCKETS).map(frt_column));
    sqlx::query(&format!(
        "INSERT INTO service_rollups (site_id, day, agent, team, channel, topic, {})
         SELECT ?1, day, agent, team, channel, topic, {} FROM bulk_facts
         GROUP BY day, agent, team, channel, topic",
        columns.join(", "),
        sums.join(", "),
    ))
    .bind(site_id)
    .execute(&mut *tx)
    .await?;
    let summed: Vec<String> = columns.iter().map(|c| format!("SUM({c})")).collect();
    // Each summary from the table it narrows (the weeks by the Monday starting them).
    let weeks = "date(day, '-' || ((CAST(strftime('%w', day) AS INTEGER) + 6) % 7) || ' days'), \
                 agent, team";
    for (table, keys, from, selected) in [
        (
            "service_daily",
            "day, team, channel",
            "service_rollups",
            "day, team, channel",
        ),
        (
            "service_daily_agent",
            "day, agent, team",
            "service_rollups",
            "day, agent, team",
        ),
        (
            "service_daily_topic",
            "day, topic, team, channel",
            "service_rollups",
            "day, topic, team, channel",
        ),
        (
            "service_weekly_agent",
            "week, agent, team",
            "service_daily_agent",
            weeks,
        ),
    ] {
        sqlx::query(&format!(
            "INSERT INTO {table} (site_id, {keys}, {}) SELECT site_id, {selected}, {}
             FROM {from} WHERE site_id = ?1 GROUP BY {selected}",
            columns.join(", "),
            summed.join(", ")
        ))
        .bind(site_id)
        .execute(&mut *tx)
        .await?;
    }
    // As the collector: no band of the FRT cut without a first response, none of contacts
    // when the count is not known.
    let answers = "1 + h % 5 >= 4 AS sat, h % 11 >= 9 AS pro, h % 11 <= 6 AS det";
    for (cut, band) in [
        (
            "frt",
            "CASE WHEN b < 0 THEN NULL ELSE printf('%02d', b) END",
        ),
        (
            "contacts",
            "CASE WHEN contacts >= 3 THEN '3+' ELSE CAST(contacts AS TEXT) END",
        ),
        ("handled_by", "handled_by"),
        ("topic", "topic"),
    ] {
        sqlx::query(&format!(
            "INSERT INTO service_drivers (site_id, day, team, channel, cut, band, csat_n,
                 csat_sat, nps_n, nps_pro, nps_det)
             SELECT ?1, day, team, channel, '{cut}', band, COUNT(*), SUM(sat), COUNT(*), SUM(pro),
                    SUM(det)
             FROM (SELECT day, team, channel, {band} AS band, {answers} FROM bulk_facts)
             WHERE band IS NOT NULL
             GROUP BY day, team, channel, band"
        ))
        .bind(site_id)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "INSERT INTO service_drivers_daily (site_id, day, cut, band, csat_n, csat_sat, nps_n,
             nps_pro, nps_det)
         SELECT site_id, day, cut, band, SUM(csat_n), SUM(csat_sat), SUM(nps_n), SUM(nps_pro),
                SUM(nps_det)
         FROM service_drivers WHERE site_id = ?1 GROUP BY day, cut, band",
    )
    .bind(site_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DROP TABLE temp.bulk_facts")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    eprintln!(
        "  rollups and drivers rebuilt in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
