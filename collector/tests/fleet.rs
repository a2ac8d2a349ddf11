//! A fleet: three `koe serve` processes on one PostgreSQL and one Redis, behind a "load
//! balancer" (the client spreads its requests over all of them). One client's per-IP quota is
//! enforced once across the fleet, not three times; under load from many clients, one collector
//! killed with -9 mid-load loses nothing it acknowledged, every acknowledged answer is stored
//! once, and `koe verify` is clean.
//!
//! Needs `KOE_TEST_POSTGRES_URL` and a Redis (127.0.0.1:6379 or `KOE_TEST_REDIS_URL`); without
//! them the test says so and passes (under CI, which provides both, it fails instead).

mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use sqlx::Connection as _;
use support::{Collector, PgDatabase, add_site, drift, exchange};

const THREADS: usize = 6;

fn redis_url() -> Option<String> {
    let url =
        std::env::var("KOE_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let address = url
        .trim_start_matches("redis://")
        .trim_end_matches('/')
        .to_owned();
    match std::net::TcpStream::connect(&address) {
        Ok(_) => Some(url),
        Err(_) if std::env::var("CI").is_ok() => panic!("CI must run Redis at {url}"),
        Err(_) => {
            eprintln!("skipped: no Redis at {url}");
            None
        }
    }
}

/// A submission from client `ip` (the proxy in front says so in `X-Forwarded-For`).
fn submit(port: u16, site: &str, interaction: &str, ip: &str) -> Option<u16> {
    let body = format!(
        r#"{{"site":"{site}","interaction":"{interaction}","agent":"a{}","csat":4}}"#,
        interaction.len() % 3
    );
    let headers = format!("Content-Type: application/json\r\nX-Forwarded-For: {ip}\r\n");
    exchange(port, "POST", "/api/v1/responses", &headers, &body).map(|(status, _, _)| status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_enforces_one_quota_and_loses_nothing_to_a_kill_9() {
    let Some(redis) = redis_url() else {
        return;
    };
    let Some(db) = PgDatabase::create("fleet").await else {
        return;
    };
    let database = db.url.clone();
    let site = Arc::new(add_site(&database));
    let prefix = format!("koe-fleet-{}:", std::process::id());
    let env = [
        ("KOE_RATE_LIMIT_ENABLED", "true"),
        ("KOE_RATE_LIMIT_IP_PER_MINUTE", "6"),
        ("KOE_RATE_LIMIT_IP_BURST", "30"),
        ("KOE_RATE_LIMIT_SITE_PER_SECOND", "100000"),
        ("KOE_RATE_LIMIT_SITE_BURST", "100000"),
        ("KOE_TRUSTED_PROXIES", "127.0.0.1/32"),
        ("KOE_REDIS_URL", redis.as_str()),
        ("KOE_REDIS_KEY_PREFIX", prefix.as_str()),
    ];
    let mut fleet: Vec<Collector> = (0..3)
        .map(|_| Collector::start_with_env(&database, &env))
        .collect();
    let ports: Vec<u16> = fleet.iter().map(|c| c.1).collect();

    // One client, its requests spread over the three: one burst of 30, not 90.
    let accepted = (0..60)
        .filter(|n| submit(ports[n % 3], &site, &format!("quota-{n}"), "203.0.113.7") == Some(201))
        .count();
    assert!(
        (30..=31).contains(&accepted),
        "{accepted} of 60 accepted: the quota is the fleet's, not each collector's"
    );

    // Many clients, a collector killed mid-load.
    let next = Arc::new(AtomicUsize::new(0));
    let killed = Arc::new(AtomicBool::new(false));
    let ports = Arc::new(ports);
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let (site, next, killed, ports) = (
                Arc::clone(&site),
                Arc::clone(&next),
                Arc::clone(&killed),
                Arc::clone(&ports),
            );
            std::thread::spawn(move || {
                let mut acknowledged = Vec::new();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= 1_500 {
                        break acknowledged;
                    }
                    let interaction = format!("load-{n}");
                    // A client per 20 answers: well inside its quota.
                    let ip = format!("198.51.100.{}", (n / 20) % 250 + 1);
                    let mut port = ports[(n + t) % 3];
                    if killed.load(Ordering::Relaxed) && port == ports[1] {
                        port = ports[0]; // the balancer stops sending to the dead one
                    }
                    if let Some(201) = submit(port, &site, &interaction, &ip) {
                        acknowledged.push(interaction);
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(400));
    let mut victim = fleet.remove(1);
    victim.0.kill().unwrap(); // SIGKILL mid-load
    victim.0.wait().unwrap();
    killed.store(true, Ordering::Relaxed);
    let acknowledged: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("a load thread"))
        .collect();
    for collector in fleet {
        collector.stop();
    }
    assert!(
        acknowledged.len() > 1_000,
        "{} acknowledged",
        acknowledged.len()
    );

    let mut conn = sqlx::PgConnection::connect(&database).await.unwrap();
    let stored: Vec<(String,)> =
        sqlx::query_as("SELECT interaction FROM responses WHERE interaction LIKE 'load-%'")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    drop(conn);
    let stored: Vec<String> = stored.into_iter().map(|(i,)| i).collect();
    let unique: HashSet<&String> = stored.iter().collect();
    assert_eq!(unique.len(), stored.len(), "every answer stored once");
    let missing: Vec<&String> = acknowledged
        .iter()
        .filter(|i| !unique.contains(i))
        .collect();
    assert!(
        missing.is_empty(),
        "acknowledged but not stored: {missing:?}"
    );
    assert_eq!(
        drift(&database),
        serde_json::json!([]),
        "koe verify is clean"
    );
    db.drop_now().await;
}
