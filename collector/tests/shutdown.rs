//! SIGTERM while answers arrive: the collector stops taking connections, finishes the requests
//! it is in the middle of (one of them still sending its body), answers each only after its
//! commit, closes the database and exits 0. Everything acknowledged is stored, rollups equal
//! the raw responses. On SQLite and on PostgreSQL (with `KOE_TEST_POSTGRES_URL`).

mod support;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sqlx::Connection as _;
use support::{Collector, PgDatabase, add_site, drift, request};

const SENDERS: usize = 4;

/// Posts CSAT answers from several threads until the collector stops answering; returns the
/// interactions that got a 2xx.
fn send_until_refused(port: u16, site: &str, stop: &Arc<AtomicBool>) -> Vec<String> {
    let next = Arc::new(AtomicUsize::new(0));
    let senders: Vec<_> = (0..SENDERS)
        .map(|_| {
            let (next, stop, site) = (Arc::clone(&next), Arc::clone(stop), site.to_owned());
            std::thread::spawn(move || {
                let mut acknowledged = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let interaction = format!("load-{}", next.fetch_add(1, Ordering::Relaxed));
                    let body =
                        format!(r#"{{"site":"{site}","interaction":"{interaction}","csat":4}}"#);
                    match request(port, "POST", "/api/v1/responses", &body) {
                        Some((201, _)) => acknowledged.push(interaction),
                        _ => break,
                    }
                }
                acknowledged
            })
        })
        .collect();
    senders
        .into_iter()
        .flat_map(|s| s.join().expect("a sender"))
        .collect()
}

/// Runs the scenario and returns what must be stored.
fn terminate_under_load(database: &str) -> Vec<String> {
    let site = add_site(database);
    let mut collector = Collector::start(database);
    let port = collector.1;

    // A request in flight when the signal comes: its headers and half its body are sent.
    let body =
        format!(r#"{{"site":"{site}","interaction":"in-flight","csat":5,"comment":"slow"}}"#);
    let (first, rest) = body.split_at(body.len() / 2);
    let mut slow = TcpStream::connect(("127.0.0.1", port)).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        slow,
        "POST /api/v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{first}",
        body.len()
    )
    .unwrap();
    slow.flush().unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let load = {
        let (site, stop) = (site.clone(), Arc::clone(&stop));
        std::thread::spawn(move || send_until_refused(port, &site, &stop))
    };
    std::thread::sleep(Duration::from_millis(400));
    let term = Command::new("kill")
        .args(["-TERM", &collector.0.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let signalled = Instant::now();
    std::thread::sleep(Duration::from_millis(50));
    let late = std::thread::spawn(move || request(port, "GET", "/healthz", ""));

    std::thread::sleep(Duration::from_millis(200));
    slow.write_all(rest.as_bytes()).unwrap();
    let mut answer = String::new();
    slow.read_to_string(&mut answer).unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 201"),
        "the request in flight is finished: {answer}"
    );

    let status = collector.0.wait().unwrap();
    assert!(
        status.success(),
        "graceful shutdown exits 0, got {status:?}"
    );
    let stopped_in = signalled.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut acknowledged = load.join().unwrap();
    assert!(!acknowledged.is_empty(), "the load was acknowledged");
    eprintln!(
        "{} answers acknowledged; stopped {stopped_in:?} after SIGTERM",
        acknowledged.len()
    );
    assert_eq!(
        late.join().unwrap(),
        None,
        "a connection opened after the signal is not served"
    );
    acknowledged.push("in-flight".to_owned());
    acknowledged.sort();
    acknowledged
}

fn assert_stored(mut acknowledged: Vec<String>, mut stored: Vec<String>, database: &str) {
    stored.sort();
    let before = stored.len();
    stored.dedup();
    assert_eq!(before, stored.len(), "no response stored twice");
    acknowledged.retain(|a| stored.binary_search(a).is_err());
    assert!(
        acknowledged.is_empty(),
        "acknowledged and lost: {acknowledged:?}"
    );
    assert_eq!(drift(database), serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_finishes_in_flight_requests_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("koe.db");
    let url = format!("sqlite://{}", path.display());
    let acknowledged = terminate_under_load(&url);
    assert!(
        !dir.path().join("koe.db-wal").exists(),
        "the database was closed cleanly (its WAL folded back into the file)"
    );
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let stored = sqlx::query_scalar("SELECT interaction FROM responses")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert_stored(acknowledged, stored, &url);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_finishes_in_flight_requests_on_sigterm() {
    let Some(db) = PgDatabase::create("shutdown").await else {
        return;
    };
    let acknowledged = terminate_under_load(&db.url);
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let stored = sqlx::query_scalar("SELECT interaction FROM responses")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    assert_stored(acknowledged, stored, &db.url);
    db.drop_now().await;
}
