//! The disk under the SQLite file fills up: submissions get `503` with `Retry-After` and change
//! nothing, the file stays sound (`PRAGMA integrity_check`), and writing resumes without a
//! restart once space returns. A read-only file or filesystem is refused at start with a clear
//! message, and harms nothing.
//!
//! Each test mounts a small tmpfs of its own, which needs root (CI runs as root); elsewhere the
//! tests say they were skipped.

mod support;

use std::path::Path;
use std::process::Command;

use sqlx::Connection as _;
use support::{Collector, add_site, drift, exchange, request};

/// A tmpfs mounted on a temporary directory, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .is_ok_and(|output| output.status.success());
        if !mounted {
            eprintln!("skipped: mounting a small tmpfs needs root");
            return None;
        }
        Some(Self { dir })
    }

    fn remount(&self, options: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(self.dir.path())
            .status()
            .unwrap();
        assert!(status.success(), "remount {options}");
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn url(&self) -> String {
        format!("sqlite://{}", self.path().join("koe.db").display())
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

fn post(port: u16, site: &str, interaction: &str, answer: &str) -> (u16, String, String) {
    let body =
        format!(r#"{{"site":"{site}","interaction":"{interaction}","agent":"agent-1",{answer}}}"#);
    exchange(
        port,
        "POST",
        "/api/v1/responses",
        "Content-Type: application/json\r\n",
        &body,
    )
    .expect("the collector answers")
}

/// A refusal a widget retries later, and nothing else.
fn assert_retry_later((status, head, body): &(u16, String, String)) {
    assert_eq!(*status, 503, "{head}\n{body}");
    assert!(head.to_ascii_lowercase().contains("retry-after:"), "{head}");
    let error: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(error["error"], "unavailable", "{body}");
}

async fn stored(url: &str) -> (String, Vec<(String, Option<i16>)>) {
    let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let rows = sqlx::query_as("SELECT interaction, nps FROM responses ORDER BY id")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    (integrity, rows)
}

#[tokio::test]
async fn a_full_disk_refuses_writes_until_space_returns() {
    // 2 MiB: the migrations' pages and the write-ahead log of `site add` take about 1 MiB
    // before the collector writes anything (21 migrations, 2026-12).
    let Some(disk) = SmallDisk::mount("2m") else {
        return;
    };
    let url = disk.url();
    let site = add_site(&url);
    let collector = Collector::start(&url);
    let port = collector.1;
    let comment = "x".repeat(300);

    let mut acknowledged = Vec::new();
    let refused = loop {
        let interaction = format!("i{}", acknowledged.len());
        let answer = post(
            port,
            &site,
            &interaction,
            &format!(r#""csat":4,"comment":"{comment}""#),
        );
        match answer.0 {
            201 => acknowledged.push(interaction),
            _ => {
                assert_retry_later(&answer);
                break interaction;
            }
        }
        assert!(acknowledged.len() < 20_000, "2 MiB never filled up");
    };
    // An edit of a stored response needs no new row: it may still fit in the pages SQLite has
    // already allocated (then it is acknowledged and must be kept), or it is refused the same
    // way. A second try of the refused new response is refused again.
    let edit = post(port, &site, &acknowledged[0], r#""nps":9"#);
    let edit_kept = edit.0 == 200;
    if !edit_kept {
        assert_retry_later(&edit);
    }
    assert_retry_later(&post(port, &site, &refused, r#""csat":4"#));
    assert_eq!(
        request(port, "GET", "/healthz", "").map(|(s, _)| s),
        Some(200)
    );

    disk.remount("size=16m");
    assert_eq!(
        post(port, &site, &refused, r#""csat":4"#).0,
        201,
        "space returned"
    );
    assert_eq!(post(port, &site, "after", r#""csat":5"#).0, 201);
    collector.stop();

    let (integrity, rows) = stored(&url).await;
    assert_eq!(integrity, "ok");
    let interactions: Vec<&str> = rows.iter().map(|(i, _)| i.as_str()).collect();
    let mut expected: Vec<&str> = acknowledged.iter().map(String::as_str).collect();
    expected.extend([refused.as_str(), "after"]);
    assert_eq!(interactions, expected, "every acknowledged answer, once");
    assert_eq!(
        rows[0].1,
        edit_kept.then_some(9),
        "the edit is stored if and only if it was acknowledged"
    );
    assert_eq!(drift(&url), serde_json::json!([]));
    eprintln!(
        "{} answers stored before the disk filled up",
        acknowledged.len()
    );
}

/// `koe serve` on a database it cannot write: refused at start, saying why.
fn refused_start(url: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_koe"))
        .env("KOE_CONFIG", "/nonexistent/koe.toml")
        .args(["serve", "--bind", "127.0.0.1:0", "--database", url])
        .output()
        .unwrap();
    assert!(!output.status.success(), "it must not start");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn a_read_only_filesystem_is_refused_at_start_and_nothing_is_harmed() {
    let Some(disk) = SmallDisk::mount("8m") else {
        return;
    };
    let url = disk.url();
    let site = add_site(&url);
    let running = Collector::start(&url);
    assert_eq!(post(running.1, &site, "before", r#""csat":5"#).0, 201);
    running.stop();
    assert!(
        !disk.path().join("koe.db-wal").exists(),
        "a clean stop folds the WAL back into the file"
    );

    // A cleanly closed file: SQLite cannot even open it there (it needs its -shm file).
    disk.remount("ro");
    let message = refused_start(&url);
    assert!(
        message.contains("could not open the database file") && message.contains("koe.db"),
        "{message}"
    );

    // After a crash the -wal and -shm files are left, and SQLite opens the file read-only:
    // the collector would acknowledge nothing, so it refuses to start.
    disk.remount("rw");
    let mut crashed = Collector::start(&url);
    assert_eq!(post(crashed.1, &site, "crashed", r#""csat":3"#).0, 201);
    crashed.0.kill().unwrap();
    crashed.0.wait().unwrap();
    disk.remount("ro");
    let message = refused_start(&url);
    assert!(
        message.contains("cannot be written") && message.contains("koe.db"),
        "{message}"
    );

    disk.remount("rw");
    let collector = Collector::start(&url);
    assert_eq!(post(collector.1, &site, "after", r#""csat":2"#).0, 201);
    collector.stop();

    let (integrity, rows) = stored(&url).await;
    assert_eq!(integrity, "ok");
    let interactions: Vec<&str> = rows.iter().map(|(i, _)| i.as_str()).collect();
    assert_eq!(interactions, ["before", "crashed", "after"]);
    assert_eq!(drift(&url), serde_json::json!([]));
}
