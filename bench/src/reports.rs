//! Reports at scale: synthetic responses bulk-loaded into SQLite (200 agents in 10 teams of
//! 20 — each agent answers in one team, as support teams are organised —, 6 channels, 365
//! days), rollups rebuilt from them in SQL, then the 90-day weekly reports timed
//! over HTTP against a collector process.
//!
//! The bulk path writes raw rows with one `INSERT … SELECT` over a generated series and
//! rebuilds both rollup tables with `GROUP BY`, the way a migration from another tool would.
//! At the smallest size the rollups are checked against the collector's own recomputation
//! (`koe verify`'s code), so the bulk path cannot drift from what live writes produce. One
//! response in five carries a comment, so the dashboard's comment feed has something to show.
//!
//! The dashboard's pages are timed the same way, signed in as a manager's browser would be.

use std::time::{Duration, Instant};

use koe_collector::rollup::COUNTER_COLUMNS;
use koe_collector::storage::{SqliteStorage, StorageOptions};
use koe_shared::Channel;
use sqlx::{Connection as _, SqliteConnection};

use crate::load::{Request, send};
use crate::target::Target;

pub const AGENTS: u64 = 200;
pub const TEAMS: u64 = 10;
pub const DAYS: u64 = 365;
pub const CALLS: usize = 30;

/// Adds responses `from..to` to the target's site, all within the 365 days ending `today`.
pub async fn bulk_load(target: &Target, today: &str, from: u64, to: u64) -> anyhow::Result<()> {
    let mut conn = SqliteConnection::connect(&target.url).await?;
    sqlx::query("PRAGMA synchronous = OFF")
        .execute(&mut conn)
        .await?;
    let channels: String = Channel::ALL
        .iter()
        .enumerate()
        .map(|(i, c)| format!(" WHEN {i} THEN '{}'", c.as_str()))
        .collect();
    // h: a multiplicative hash of i, so scores do not line up with agents or days.
    let insert = format!(
        "INSERT INTO responses (site_id, interaction, agent, team, channel, verified, csat, nps,
             ces, resolved, comment, reasons, locale, day, created_at_ms, updated_at_ms)
         WITH RECURSIVE n(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2),
              g(i, h) AS (SELECT i, (i * 2654435761) % 4294967296 FROM n)
         SELECT ?3, 'bulk-' || i, printf('agent-%03d', i % {AGENTS}),
                'team-' || ((i % {AGENTS}) % {TEAMS}), CASE (i / 3) % {}{channels} END, 1,
                1 + h % 5, CASE WHEN h % 3 = 0 THEN NULL ELSE (h / 8) % 11 END,
                CASE WHEN h % 4 = 0 THEN 1 + (h / 16) % 7 END,
                CASE WHEN h % 2 = 0 THEN (h / 64) % 3 != 0 END,
                CASE WHEN h % 5 = 0 THEN 'comment ' || i END, '', NULL,
                date(?4, '-' || ((i / 11) % {DAYS}) || ' days'), i, i
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
    rebuild_rollups(&mut conn, target.site.id.get()).await?;
    // Fold the WAL into the file now: otherwise the last connection to close does it, and a
    // collector starting meanwhile waits for that lock longer than its busy timeout.
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

/// Both rollup tables of a site, recomputed from its raw responses in SQL.
async fn rebuild_rollups(conn: &mut SqliteConnection, site_id: i64) -> anyhow::Result<()> {
    let sums: Vec<String> = COUNTER_COLUMNS
        .iter()
        .map(|column| match *column {
            "responses" => "COUNT(*)".to_owned(),
            "impressions" => "0".to_owned(),
            "resolved_yes" => "COUNT(CASE WHEN resolved THEN 1 END)".to_owned(),
            "resolved_no" => "COUNT(CASE WHEN NOT resolved THEN 1 END)".to_owned(),
            score => {
                let (name, value) = score.split_once('_').expect("name_value");
                format!("COUNT(CASE WHEN {name} = {value} THEN 1 END)")
            }
        })
        .collect();
    let columns = COUNTER_COLUMNS.join(", ");
    let mut tx = conn.begin().await?;
    for table in [
        "rollups",
        "rollups_daily",
        "rollups_weekly",
        "rollups_daily_agent",
        "rollups_weekly_agent",
    ] {
        sqlx::query(&format!("DELETE FROM {table} WHERE site_id = ?1"))
            .bind(site_id)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(&format!(
        "INSERT INTO rollups (site_id, day, agent, team, channel, {columns})
         SELECT site_id, day, COALESCE(agent, ''), COALESCE(team, ''), COALESCE(channel, ''),
                {}
         FROM responses WHERE site_id = ?1 AND NOT flagged GROUP BY 2, 3, 4, 5",
        sums.join(", ")
    ))
    .bind(site_id)
    .execute(&mut *tx)
    .await?;
    let summed: Vec<String> = COUNTER_COLUMNS
        .iter()
        .map(|c| format!("SUM({c})"))
        .collect();
    let week = "date(day, '-' || ((CAST(strftime('%w', day) AS INTEGER) + 6) % 7) || ' days')";
    let by_agent = "CASE WHEN channel = 'help_center' THEN channel ELSE '' END";
    for (table, day, channel) in [
        ("rollups_daily (site_id, day", "day", "channel"),
        ("rollups_weekly (site_id, week", week, "channel"),
        ("rollups_daily_agent (site_id, day", "day", by_agent),
        ("rollups_weekly_agent (site_id, week", week, by_agent),
    ] {
        sqlx::query(&format!(
            "INSERT INTO {table}, agent, channel, {columns})
             SELECT site_id, {day}, agent, {channel}, {}
             FROM rollups WHERE site_id = ?1 GROUP BY 2, 3, 4",
            summed.join(", ")
        ))
        .bind(site_id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// How many rollup rows differ from the collector's recomputation from raw responses.
pub async fn drift(target: &Target) -> anyhow::Result<usize> {
    let storage = SqliteStorage::connect(&target.url, &StorageOptions::default()).await?;
    Ok(koe_collector::verify::rollup_drift(&storage).await?.len())
}

/// One report's timing.
#[derive(Debug)]
pub struct ReportTiming {
    pub name: &'static str,
    pub p50: Duration,
    pub p99: Duration,
    pub rows: usize,
    pub bytes: usize,
}

/// One warm-up call, then `CALLS` timed ones, each of which must answer 200: the warm-up's
/// body and the timing (`rows` left 0 for the caller).
pub async fn time_calls(
    port: u16,
    name: &'static str,
    request: &Request,
    headers: &str,
) -> anyhow::Result<(Vec<u8>, ReportTiming)> {
    let first = send(port, request, headers).await?;
    anyhow::ensure!(
        first.status == 200,
        "{name} failed ({}): {}",
        first.status,
        String::from_utf8_lossy(&first.body)
    );
    let mut times = Vec::with_capacity(CALLS);
    for _ in 0..CALLS {
        let started = Instant::now();
        let answer = send(port, request, headers).await?;
        times.push(started.elapsed());
        anyhow::ensure!(answer.status == 200, "a call of {name} failed");
    }
    times.sort_unstable();
    let timing = ReportTiming {
        name,
        p50: times[CALLS / 2],
        p99: times[((CALLS - 1) as f64 * 0.99).round() as usize],
        rows: 0,
        bytes: first.body.len(),
    };
    Ok((first.body, timing))
}

/// Times the 90-day weekly report by agent and by agent × channel, `CALLS` calls each.
pub async fn time_reports(
    port: u16,
    target: &Target,
    today: &str,
) -> anyhow::Result<Vec<ReportTiming>> {
    let to: jiff::civil::Date = today.parse()?;
    let from = to.checked_sub(jiff::Span::new().days(89))?;
    let auth = format!("Authorization: Bearer {}\r\n", target.read_key);
    let mut timings = Vec::new();
    for (name, group_by) in [
        ("by agent", "agent"),
        ("by agent × channel", "agent,channel"),
    ] {
        let request = Request::get(&format!(
            "/api/v1/sites/{}/scores?from={from}&to={to}&bucket=week&group_by={group_by}",
            target.site.key
        ));
        let (first, mut timing) = time_calls(port, name, &request, &auth).await?;
        let report: serde_json::Value = serde_json::from_slice(&first)?;
        timing.rows = report["rows"].as_array().map_or(0, Vec::len);
        timings.push(timing);
    }
    Ok(timings)
}

/// Times every dashboard page over the same 90 days by week, `CALLS` calls each, signed in with
/// the target's manager as a browser would be (the session cookie of a form sign-in).
pub async fn time_dashboard(
    port: u16,
    target: &Target,
    today: &str,
) -> anyhow::Result<Vec<ReportTiming>> {
    let to: jiff::civil::Date = today.parse()?;
    let from = to.checked_sub(jiff::Span::new().days(89))?;
    let cookie = sign_in(port, target).await?;
    let headers = format!("Cookie: {cookie}\r\n");
    let site = format!("/dashboard/sites/{}", target.site.key);
    let filters = format!("from={from}&to={to}&bucket=week&lang=en");
    let mut timings = Vec::new();
    for (name, page) in [
        ("dashboard: overview", ""),
        ("dashboard: agents", "/agents"),
        ("dashboard: an agent's page", "/agents/agent-007"),
        ("dashboard: channels", "/channels"),
        ("dashboard: comments", "/comments"),
    ] {
        let request = Request::get(&format!("{site}{page}?{filters}"));
        timings.push(time_calls(port, name, &request, &headers).await?.1);
    }
    Ok(timings)
}

/// Signs in to the dashboard as the target's manager, as a browser would; gives the session
/// cookie (`name=value`). A collector from before people had accounts (`--against` an older
/// revision) is signed in to with the read key, as it was then.
pub async fn sign_in(port: u16, target: &Target) -> anyhow::Result<String> {
    let (email, password) = &target.manager;
    let form = |body: String| Request::post_form("/dashboard/sign-in", body);
    let as_person = format!(
        "email={}&password={}&lang=en",
        encode(email),
        encode(password)
    );
    let mut sign_in = send(port, &form(as_person), "").await?;
    if sign_in.cookie.is_none() {
        let with_key = format!("api_key={}&lang=en", target.read_key);
        sign_in = send(port, &form(with_key), "").await?;
    }
    sign_in
        .cookie
        .ok_or_else(|| anyhow::anyhow!("signing in gave no session (status {})", sign_in.status))
}

/// A form value, percent-encoded (letters and digits kept).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
