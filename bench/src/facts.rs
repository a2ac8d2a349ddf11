//! Service facts at scale: their ingest over HTTP (`PUT …/interactions/{interaction}` with a
//! write key, one interaction each, at 16 and 256 connections, on both backends — every
//! acknowledged interaction looked up afterwards), and the service reports over interactions
//! bulk-loaded into SQLite (200 agents in 10 teams, 6 channels, 8 topics, 365 days).
//!
//! The bulk path writes raw `interactions` rows with one `INSERT … SELECT` over a generated
//! series and builds `service_rollups` and `service_drivers` with `GROUP BY`, the histogram's
//! buckets by the collector's own edges (`facts::frt::EDGES`). At the first size the rollups are
//! checked against the collector's own re-count (a change of crediting rule through the API
//! re-counts them from the stored facts), so the bulk path cannot drift from what live writes
//! produce.

use std::time::{Duration, Instant};

use koe_collector::facts::frt::{BUCKETS, EDGES};
use koe_collector::facts::rollup::{SERVICE_COLUMNS, frt_column};
use koe_shared::Channel;
use sqlx::{Connection as _, SqliteConnection};

use crate::bulk_load::{AGENTS, DAYS, TEAMS};
use crate::load::{self, Load, Outcome, Request, Until, send};
use crate::reports::{ReportTiming, time_calls};
use crate::target::Target;

/// Topics the bulk interactions are spread over.
pub const TOPICS: u64 = 8;
/// Connection counts facts are sent at.
pub const CONNECTIONS: [usize; 2] = [16, 256];

/// Facts ingest on one backend.
#[derive(Debug)]
pub struct FactsIngest {
    pub backend: &'static str,
    pub runs: Vec<(usize, Outcome)>,
    pub acknowledged: u64,
    /// Acknowledged interactions whose facts are not stored.
    pub missing: u64,
}

/// The PUT of interaction `n` of run `run`.
fn script(site: &str, run: &str, n: u64) -> Vec<Request> {
    let minute = n % 50;
    let body = format!(
        r#"{{"channel":"chat","team":"team-{}","topic":"topic-{}","customer":"c-{n}","opened_at":"2026-11-30T10:00:00Z","first_response_at":"2026-11-30T10:{minute:02}:00Z","resolved_at":"2026-11-30T12:00:00Z","contacts":{},"reopened":0,"handled_by":"human","agents":[{{"agent":"agent-{:03}"}}]}}"#,
        n % TEAMS,
        n % TOPICS,
        1 + n % 3,
        n % AGENTS
    );
    vec![Request::put_json(
        &format!("/api/v1/sites/{site}/interactions/{run}-{n}"),
        body,
    )]
}

/// Facts at each connection count against one backend's collector on `port`.
pub async fn ingest(port: u16, target: &Target, seconds: u64) -> anyhow::Result<FactsIngest> {
    let key = target.key(koe_collector::storage::Role::Write).await?;
    let mut runs = Vec::new();
    let mut acknowledged = Vec::new();
    for connections in CONNECTIONS {
        let label = format!("facts-{}-{connections}", target.name.to_lowercase());
        let load = Load {
            port,
            connections,
            until: Until::Elapsed(Duration::from_secs(seconds)),
            source: [127, 0, 0, 1],
            headers: format!("Authorization: Bearer {key}\r\n"),
            pause: Duration::ZERO,
        };
        let (site, run) = (target.site.key.to_string(), label.clone());
        let outcome = load::run(&load, move |n| script(&site, &run, n)).await;
        eprintln!(
            "  facts at {connections}: {:.0}/s p99 {:.1} ms ({} not 2xx)",
            outcome.per_second(),
            outcome.percentile(0.99).as_secs_f64() * 1000.0,
            outcome.failed + outcome.limited + outcome.unanswered
        );
        acknowledged.extend(outcome.acknowledged.iter().map(|n| format!("{label}-{n}")));
        runs.push((connections, outcome));
    }
    let stored = target.stored_interactions().await?;
    let missing = acknowledged.iter().filter(|i| !stored.contains(*i)).count() as u64;
    Ok(FactsIngest {
        backend: target.name,
        runs,
        acknowledged: acknowledged.len() as u64,
        missing,
    })
}

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
pub async fn bulk_load(target: &Target, today: &str, from: u64, to: u64) -> anyhow::Result<()> {
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
        "service_drivers",
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
    for (table, keys) in [
        ("service_daily", "day, team, channel"),
        ("service_daily_agent", "day, agent, team"),
        ("service_daily_topic", "day, topic, team, channel"),
    ] {
        sqlx::query(&format!(
            "INSERT INTO {table} (site_id, {keys}, {}) SELECT site_id, {keys}, {}
             FROM service_rollups WHERE site_id = ?1 GROUP BY {keys}",
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
pub async fn drift(port: u16, target: &Target) -> anyhow::Result<usize> {
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

/// Times the 90-day weekly service reports, the drivers and the Service page.
pub async fn time_reports(
    port: u16,
    target: &Target,
    today: &str,
) -> anyhow::Result<Vec<ReportTiming>> {
    let to: jiff::civil::Date = today.parse()?;
    let from = to.checked_sub(jiff::Span::new().days(89))?;
    let auth = format!("Authorization: Bearer {}\r\n", target.read_key);
    let site = format!("/api/v1/sites/{}", target.site.key);
    let range = format!("from={from}&to={to}");
    let mut timings = Vec::new();
    for (name, path) in [
        (
            "service KPIs",
            format!("{site}/service?{range}&bucket=week"),
        ),
        (
            "service by agent",
            format!("{site}/service?{range}&bucket=week&group_by=agent"),
        ),
        (
            "service by topic",
            format!("{site}/service?{range}&bucket=week&group_by=topic"),
        ),
        (
            "service by team × channel",
            format!("{site}/service?{range}&bucket=week&group_by=team,channel"),
        ),
        ("drivers", format!("{site}/service/drivers?{range}")),
    ] {
        let (first, mut timing) = time_calls(port, name, &Request::get(&path), &auth).await?;
        let report: serde_json::Value = serde_json::from_slice(&first)?;
        timing.rows = report["rows"]
            .as_array()
            .or(report["bands"].as_array())
            .map_or(0, Vec::len);
        timings.push(timing);
    }
    let cookie = crate::reports::sign_in(port, target).await?;
    let page = Request::get(&format!(
        "/dashboard/sites/{}/service?{range}&bucket=week&lang=en",
        target.site.key
    ));
    timings.push(
        time_calls(
            port,
            "dashboard: service",
            &page,
            &format!("Cookie: {cookie}\r\n"),
        )
        .await?
        .1,
    );
    Ok(timings)
}

/// One size's service reports.
#[derive(Debug)]
pub struct FactsReports {
    pub interactions: u64,
    pub load_time: Duration,
    pub drift: Option<usize>,
    pub timings: Vec<ReportTiming>,
}

/// Reports at each size, bulk-loading the interactions between sizes.
pub async fn reports(
    koe: &std::path::Path,
    dir: &std::path::Path,
    sizes: &[u64],
) -> anyhow::Result<Vec<FactsReports>> {
    let target = Target::sqlite(dir, "service.db").await?;
    let today = target
        .site
        .timezone
        .local_day(koe_collector::clock::now_ms());
    let mut loaded = 0;
    let mut out = Vec::new();
    for (i, &size) in sizes.iter().enumerate() {
        eprintln!("service reports: bulk-loading to {size} interactions");
        let started = Instant::now();
        bulk_load(&target, &today, loaded, size).await?;
        let load_time = started.elapsed();
        loaded = size;
        let server = crate::process::Server::collector(koe, &target.url).await?;
        let timings = time_reports(server.port, &target, &today).await?;
        // After the timing: the collector's re-count rebuilds the drivers from answers, and
        // these interactions have none (the next size's bulk load puts them back).
        let drift = match i {
            0 => Some(drift(server.port, &target).await?),
            _ => None,
        };
        server.stop()?;
        for t in &timings {
            eprintln!(
                "  {size}: {} p50 {:.1} ms p99 {:.1} ms",
                t.name,
                t.p50.as_secs_f64() * 1000.0,
                t.p99.as_secs_f64() * 1000.0
            );
        }
        out.push(FactsReports {
            interactions: size,
            load_time,
            drift,
            timings,
        });
    }
    Ok(out)
}
