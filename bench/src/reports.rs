//! Reports at scale: the 90-day weekly reports and the dashboard's pages timed over HTTP
//! against a collector process, over responses bulk-loaded by `bulk_load.rs` — signed in as a
//! manager's browser would be for the pages.

use std::time::{Duration, Instant};

use koe_collector::storage::{PgStorage, SqliteStorage, StorageOptions};

use crate::load::{Request, send};
use crate::target::Target;

pub const CALLS: usize = 30;

/// How many rollup rows differ from the collector's recomputation from raw responses.
pub async fn drift(target: &Target) -> anyhow::Result<usize> {
    let options = StorageOptions::default();
    let drift = match target.is_postgres() {
        true => {
            let storage = PgStorage::connect(&target.url, &options).await?;
            koe_collector::verify::rollup_drift(&storage).await?
        }
        false => {
            let storage = SqliteStorage::connect(&target.url, &options).await?;
            koe_collector::verify::rollup_drift(&storage).await?
        }
    };
    Ok(drift.len())
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
