//! Two collector processes on one PostgreSQL database, written to at once — the same
//! interactions edited through both — must leave rollups equal to a recomputation from the
//! raw responses (`koe verify`), with every acknowledged response stored once. Collectors
//! are stateless; this is what lets several run behind a load balancer.
//!
//! Needs `KOE_TEST_POSTGRES_URL` (set by `cargo xtask test` when a server answers); without
//! it the test says so and passes.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sqlx::Connection as _;

const INTERACTIONS: usize = 120;

/// A stored response's interaction, CSAT, NPS and comment.
type StoredAnswers = (String, Option<i16>, Option<i16>, Option<String>);
const THREADS: usize = 8;

fn koe(database: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_koe"))
        .env("KOE_CONFIG", "/nonexistent/koe.toml")
        .args(args)
        .args(["--database", database])
        .output()
        .expect("koe runs")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP/1.1 exchange on a fresh connection: the status and the body.
fn request(port: u16, method: &str, path: &str, body: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let status = answer.split(' ').nth(1)?.parse().ok()?;
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())?;
    Some((status, body))
}

struct Collector(Child, u16);

impl Collector {
    fn start(database: &str) -> Self {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_koe"))
            .env("KOE_CONFIG", "/nonexistent/koe.toml")
            .env("KOE_RATE_LIMIT_ENABLED", "false")
            .args(["serve", "--database", database, "--bind"])
            .arg(format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("koe serve starts");
        let started = Instant::now();
        while request(port, "GET", "/readyz", "").map(|(s, _)| s) != Some(200) {
            assert!(started.elapsed() < Duration::from_secs(30), "never ready");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self(child, port)
    }

    fn stop(mut self) {
        let term = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .unwrap();
        assert!(term.success());
        assert!(
            self.0.wait().unwrap().success(),
            "graceful shutdown exits 0"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_collectors_on_one_postgres_keep_rollups_exact() {
    let Ok(admin_url) = std::env::var("KOE_TEST_POSTGRES_URL") else {
        eprintln!("skipped: KOE_TEST_POSTGRES_URL is not set");
        return;
    };
    let name = format!("koe_test_two_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("PostgreSQL answers");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let mut url = url::Url::parse(&admin_url).unwrap();
    url.set_path(&name);
    let database = url.to_string();

    let site_add = koe(
        &database,
        &[
            "site",
            "add",
            "--name",
            "Two",
            "--origin",
            "https://two.example",
            "--json",
        ],
    );
    assert!(
        site_add.status.success(),
        "{}",
        String::from_utf8_lossy(&site_add.stderr)
    );
    let site: serde_json::Value = serde_json::from_slice(&site_add.stdout).unwrap();
    let site = Arc::new(site["site_key"].as_str().unwrap().to_owned());

    let collectors = [Collector::start(&database), Collector::start(&database)];
    let ports = [collectors[0].1, collectors[1].1];
    let next = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let (site, next) = (Arc::clone(&site), Arc::clone(&next));
            std::thread::spawn(move || {
                let mut acknowledged = Vec::new();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= INTERACTIONS * 3 {
                        break acknowledged;
                    }
                    // Each interaction gets a CSAT, an NPS and a comment, sent at the same moment
                    // by three threads through both collectors.
                    let i = n / 3;
                    let answer = match n % 3 {
                        0 => format!(r#""csat":{}"#, 1 + i % 5),
                        1 => format!(r#""nps":{}"#, i % 11),
                        _ => format!(r#""comment":"thread {t} was here""#),
                    };
                    let body = format!(
                        r#"{{"site":"{site}","interaction":"two-{i}","agent":"agent-{}","channel":"chat",{answer}}}"#,
                        i % 7
                    );
                    let port = ports[(n + t) % 2];
                    let (status, text) = request(port, "POST", "/api/v1/responses", &body)
                        .expect("the collector answers");
                    assert!(matches!(status, 200 | 201), "{status}: {text}");
                    acknowledged.push(i);
                }
            })
        })
        .collect();
    let mut acknowledged: Vec<usize> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("a load thread"))
        .collect();
    for collector in collectors {
        collector.stop();
    }
    assert_eq!(
        acknowledged.len(),
        INTERACTIONS * 3,
        "every submission was acknowledged"
    );
    acknowledged.sort_unstable();
    acknowledged.dedup();

    let mut conn = sqlx::PgConnection::connect(&database).await.unwrap();
    let stored: Vec<StoredAnswers> =
        sqlx::query_as("SELECT interaction, csat, nps, comment FROM responses")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(
        stored.len(),
        acknowledged.len(),
        "one response per interaction"
    );
    assert!(
        stored
            .iter()
            .all(|(_, csat, nps, comment)| csat.is_some() && nps.is_some() && comment.is_some()),
        "no answer was lost to a concurrent edit through the other collector"
    );
    drop(conn);

    let verify = koe(&database, &["verify", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&verify.stdout).unwrap();
    assert_eq!(
        report["drift"],
        serde_json::json!([]),
        "rollups equal the recomputation"
    );
    assert!(verify.status.success());

    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .unwrap();
}
