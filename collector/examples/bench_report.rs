//! Report timing at scale (`cargo xtask bench-report [RESPONSES]`, default 1 000 000):
//! loads synthetic responses through the storage layer (200 agents, 6 channels, 10 teams,
//! 365 days) into a fresh SQLite file, starts the collector on it, and times the 90-day
//! weekly report by agent and by agent × channel over HTTP. A measurement, not a test.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use koe_collector::registration::{SiteRequest, create_api_key, register_site};
use koe_collector::response::{AnswerWrite, Answers, Attribution};
use koe_collector::settings::{DatabaseUrl, Settings};
use koe_collector::site::{Origin, SiteTimeZone};
use koe_collector::startup::Application;
use koe_collector::storage::{Role, SqliteStorage, Storage, StorageOptions};
use koe_shared::{AgentId, Channel, CsatScore, InteractionId, NpsScore, Resolved, TeamId};

const AGENTS: usize = 200;
const TEAMS: usize = 10;
const DAYS: i64 = 365;
const WRITERS: usize = 64;
const CALLS: usize = 20;

fn answers(i: u64) -> Answers {
    let mix = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 7;
    Answers {
        csat: Some(CsatScore::try_from(1 + (mix % 5) as u8).expect("1-5")),
        nps: (mix % 3 != 0).then(|| NpsScore::try_from(((mix >> 8) % 11) as u8).expect("0-10")),
        resolved: (mix % 2 == 0).then(|| Resolved::from((mix >> 16) % 3 != 0)),
        ..Answers::default()
    }
}

fn get(port: u16, path: &str, key: &str) -> (Duration, usize) {
    let started = Instant::now();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("the collector listens");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {key}\r\nConnection: close\r\n\r\n").expect("send");
    let mut body = Vec::new();
    stream.read_to_end(&mut body).expect("read");
    assert!(
        body.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&body[..body.len().min(300)])
    );
    (started.elapsed(), body.len())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let total: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let storage = SqliteStorage::connect(&url, &StorageOptions::default()).await?;
    let request = SiteRequest {
        name: "Bench".into(),
        origins: vec![Origin::parse("https://bench.example").map_err(anyhow::Error::msg)?],
        timezone: SiteTimeZone::parse("UTC").map_err(anyhow::Error::msg)?,
        strict: false,
        low_n_threshold: 30,
    };
    let site = register_site(&storage, request).await?.site;
    let (_, key) = create_api_key(&storage, &site, Role::Read).await?;
    let today: jiff::civil::Date = site
        .timezone
        .local_day(koe_collector::clock::now_ms())
        .parse()?;
    let days: Arc<Vec<String>> = Arc::new(
        (0..DAYS)
            .map(|d| {
                today
                    .checked_sub(jiff::Span::new().days(d))
                    .map(|x| x.to_string())
            })
            .collect::<Result<_, _>>()?,
    );

    eprintln!(
        "loading {total} responses through the storage layer ({WRITERS} concurrent writers)…"
    );
    let started = Instant::now();
    let mut writers = Vec::new();
    for w in 0..WRITERS as u64 {
        let (storage, days, site_id) = (storage.clone(), Arc::clone(&days), site.id);
        writers.push(tokio::spawn(async move {
            let mut i = w;
            while i < total {
                let write = AnswerWrite {
                    site_id,
                    interaction: InteractionId::try_from(format!("i{i}")).expect("an id"),
                    attribution: Attribution {
                        agent: Some(
                            AgentId::try_from(format!("agent-{:03}", i % AGENTS as u64))
                                .expect("an id"),
                        ),
                        team: Some(
                            TeamId::try_from(format!("team-{}", (i / 7) % TEAMS as u64))
                                .expect("an id"),
                        ),
                        channel: Some(Channel::ALL[(i / 3 % 6) as usize]),
                        verified: true,
                    },
                    answers: answers(i),
                    day: days[((i / 11) % DAYS as u64) as usize].clone(),
                    now_ms: 0,
                    edit_window_ms: 0,
                    source: koe_collector::response::Source::WIDGET,
                };
                storage.save_answers(write).await?;
                i += WRITERS as u64;
            }
            Ok::<_, koe_collector::storage::StorageError>(())
        }));
    }
    for writer in writers {
        writer.await??;
    }
    let load = started.elapsed();
    println!(
        "load: {total} responses in {:.1} s ({:.0} responses/s)",
        load.as_secs_f64(),
        total as f64 / load.as_secs_f64()
    );

    let settings = Settings {
        bind: "127.0.0.1:0".into(),
        database_url: DatabaseUrl::new(url),
        rate_limit_enabled: false,
        ..Settings::default()
    };
    let app = Application::build(settings).await?;
    let port = app.port();
    tokio::spawn(app.run_until_stopped());
    let from = today.checked_sub(jiff::Span::new().days(89))?;
    for (name, group_by) in [
        ("by agent", "agent"),
        ("by agent × channel", "agent,channel"),
    ] {
        let path = format!(
            "/api/v1/sites/{}/scores?from={from}&to={today}&bucket=week&group_by={group_by}",
            site.key
        );
        let key = key.clone();
        let timings = tokio::task::spawn_blocking(move || {
            let _ = get(port, &path, &key);
            let mut times: Vec<(Duration, usize)> =
                (0..CALLS).map(|_| get(port, &path, &key)).collect();
            times.sort();
            times
        })
        .await?;
        let sorted: Vec<Duration> = timings.iter().map(|t| t.0).collect();
        println!(
            "90-day weekly report {name}: p50 {:.1} ms, p99 {:.1} ms over {CALLS} calls ({} bytes of JSON)",
            percentile(&sorted, 0.5).as_secs_f64() * 1000.0,
            percentile(&sorted, 0.99).as_secs_f64() * 1000.0,
            timings[0].1
        );
    }
    drop(storage);
    Ok(())
}
