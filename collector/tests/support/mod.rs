//! What the process-level tests share: the `koe` binary, a collector process, one HTTP
//! exchange on a fresh connection, a fresh PostgreSQL database.
#![allow(dead_code)] // each test binary uses a part

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use sqlx::Connection as _;

pub mod receiver;

/// `koe` run in `dir`, with the default settings (an SQLite file there).
pub fn koe_in(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_koe"))
        .current_dir(dir)
        .env_remove("KOE_DATABASE_URL")
        .env_remove("KOE_PUBLIC_URL")
        .args(args)
        .output()
        .expect("koe runs")
}

/// Every byte SQLite keeps for the database in `dir` (the file and its WAL).
pub fn database_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for name in ["koe.db", "koe.db-wal"] {
        if let Ok(mut file) = std::fs::File::open(dir.join(name)) {
            file.read_to_end(&mut bytes).unwrap();
        }
    }
    bytes
}

/// Whether `needle` is anywhere in `haystack`.
pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// `koe site add --json` in `dir` (Shop, https://shop.example): the new site's key.
pub fn shop_in(dir: &std::path::Path) -> String {
    let site = json_of(&koe_in(
        dir,
        &[
            "site",
            "add",
            "--name",
            "Shop",
            "--origin",
            "https://shop.example",
            "--json",
        ],
    ));
    site["site_key"].as_str().unwrap().to_owned()
}

/// The JSON a successful command printed.
pub fn json_of(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

pub fn koe(database: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_koe"))
        .env("KOE_CONFIG", "/nonexistent/koe.toml")
        .env_remove("KOE_PUBLIC_URL")
        .args(args)
        .args(["--database", database])
        .output()
        .expect("koe runs")
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP/1.1 exchange on a fresh connection: the status and the body.
pub fn request(port: u16, method: &str, path: &str, body: &str) -> Option<(u16, String)> {
    let (status, _, body) = exchange(
        port,
        method,
        path,
        "Content-Type: application/json\r\n",
        body,
    )?;
    Some((status, body))
}

/// One HTTP/1.1 exchange with extra header lines (each ending in CRLF): status, head, body.
pub fn exchange(
    port: u16,
    method: &str,
    path: &str,
    headers: &str,
    body: &str,
) -> Option<(u16, String, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let status = answer.split(' ').nth(1)?.parse().ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    Some((status, head.to_owned(), body.to_owned()))
}

/// A `koe serve` process and its port; killed if a test fails before stopping it.
pub struct Collector(pub Child, pub u16);

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Collector {
    pub fn start(database: &str) -> Self {
        Self::launch(database, Stdio::null(), &[])
    }

    /// Started with extra environment variables (settings as `KOE_*`).
    pub fn start_with_env(database: &str, env: &[(&str, &str)]) -> Self {
        Self::launch(database, Stdio::null(), env)
    }

    /// Started with the most detailed log level, its log going to `log`.
    pub fn start_logging(database: &str, log: impl Into<Stdio>) -> Self {
        Self::launch(database, log, &[])
    }

    fn launch(database: &str, log: impl Into<Stdio>, env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_koe"))
            .env("KOE_CONFIG", "/nonexistent/koe.toml")
            .env("KOE_RATE_LIMIT_ENABLED", "false")
            .env("RUST_LOG", "trace")
            .envs(env.iter().copied())
            .args(["serve", "--database", database, "--bind"])
            .arg(format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("koe serve starts");
        let started = Instant::now();
        while request(port, "GET", "/readyz", "").map(|(s, _)| s) != Some(200) {
            assert!(started.elapsed() < Duration::from_secs(30), "never ready");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self(child, port)
    }

    pub fn stop(mut self) {
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

/// A fresh PostgreSQL database on `KOE_TEST_POSTGRES_URL`'s server, dropped when this is.
pub struct PgDatabase {
    pub url: String,
    admin_url: String,
    name: String,
}

impl PgDatabase {
    /// `None` (the test says so) when `KOE_TEST_POSTGRES_URL` is not set.
    pub async fn create(purpose: &str) -> Option<Self> {
        let Ok(admin_url) = std::env::var("KOE_TEST_POSTGRES_URL") else {
            eprintln!("skipped on PostgreSQL: KOE_TEST_POSTGRES_URL is not set");
            return None;
        };
        let name = format!("koe_test_{purpose}_{}", std::process::id());
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .expect("PostgreSQL answers");
        for sql in [
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            format!("CREATE DATABASE {name}"),
        ] {
            sqlx::query(&sql).execute(&mut admin).await.unwrap();
        }
        let mut url = url::Url::parse(&admin_url).unwrap();
        url.set_path(&name);
        Some(Self {
            url: url.to_string(),
            admin_url,
            name,
        })
    }

    pub async fn drop_now(self) {
        let mut admin = sqlx::PgConnection::connect(&self.admin_url).await.unwrap();
        sqlx::query(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .execute(&mut admin)
        .await
        .unwrap();
    }
}

/// Registers a site through the CLI and returns its key.
pub fn add_site(database: &str) -> String {
    let output = koe(
        database,
        &[
            "site",
            "add",
            "--name",
            "Test",
            "--origin",
            "https://test.example",
            "--json",
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let site: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    site["site_key"].as_str().unwrap().to_owned()
}

/// `koe verify --json`: the rows where rollups differ from the raw responses.
pub fn drift(database: &str) -> serde_json::Value {
    let output = koe(database, &["verify", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stderr)));
    report["drift"].clone()
}
