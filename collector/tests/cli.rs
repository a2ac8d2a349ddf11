//! The `koe` binary as an operator uses it: sites, keys, verify, settings and serve.

mod support;

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{json_of, koe_in};

/// Every byte SQLite keeps for a database (the file and its WAL).
fn database_bytes(dir: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for name in ["koe.db", "koe.db-wal"] {
        if let Ok(mut file) = std::fs::File::open(dir.join(name)) {
            file.read_to_end(&mut bytes).unwrap();
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn sites_and_keys_are_created_and_only_their_hashes_stored() {
    let dir = tempfile::tempdir().unwrap();
    let site = json_of(&koe_in(
        dir.path(),
        &[
            "site",
            "add",
            "--name",
            "Shop",
            "--origin",
            "https://shop.example",
            "--timezone",
            "Asia/Tokyo",
            "--strict",
            "--json",
        ],
    ));
    let site_key = site["site_key"].as_str().unwrap();
    let secret = site["signing_secret"].as_str().unwrap();
    assert!(site_key.starts_with("site_") && secret.starts_with("koe_ss_"));
    assert_eq!(
        (site["strict"].as_bool(), site["timezone"].as_str()),
        (Some(true), Some("Asia/Tokyo"))
    );

    let key = json_of(&koe_in(
        dir.path(),
        &[
            "key", "create", "--site", site_key, "--role", "admin", "--json",
        ],
    ));
    let api_key = key["api_key"].as_str().unwrap();
    assert!(api_key.starts_with("koe_admin_"));

    let bytes = database_bytes(dir.path());
    assert!(contains(&bytes, site_key), "the public key is stored as is");
    assert!(
        !contains(&bytes, secret),
        "the signing secret is not stored"
    );
    assert!(!contains(&bytes, api_key), "the API key is not stored");

    let human = koe_in(
        dir.path(),
        &[
            "site",
            "add",
            "--name",
            "Second",
            "--origin",
            "https://b.example",
        ],
    );
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(
        text.contains("signing secret") && text.contains("shown once"),
        "{text}"
    );

    let verify = koe_in(dir.path(), &["verify"]);
    assert!(verify.status.success());
    assert!(String::from_utf8_lossy(&verify.stdout).contains("rollups match"));
}

#[test]
fn bad_input_is_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (
            &["site", "add", "--name", "x", "--origin", "shop.example"],
            "not a URL",
        ),
        (
            &[
                "site",
                "add",
                "--name",
                "x",
                "--origin",
                "https://shop.example/path",
            ],
            "without a path",
        ),
        (
            &[
                "site",
                "add",
                "--name",
                "x",
                "--origin",
                "https://a.example",
                "--timezone",
                "Mars/Base",
            ],
            "IANA",
        ),
        (
            &["key", "create", "--site", "site_missing", "--role", "read"],
            "no site has the key",
        ),
        (
            &["verify", "--database", "mysql://nope"],
            "sqlite: or postgres://",
        ),
    ];
    for (args, expected) in cases {
        let output = koe_in(dir.path(), args);
        assert!(!output.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    let role = koe_in(
        dir.path(),
        &["key", "create", "--site", "s", "--role", "owner"],
    );
    assert!(!role.status.success());
}

#[test]
fn settings_come_from_the_file_then_the_environment_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("koe.toml"),
        "database_url = \"sqlite://from-file.db\"\n",
    )
    .unwrap();
    assert!(koe_in(dir.path(), &["verify"]).status.success());
    assert!(
        dir.path().join("from-file.db").exists(),
        "the file's URL is used"
    );

    let env = Command::new(env!("CARGO_BIN_EXE_koe"))
        .current_dir(dir.path())
        .env("KOE_DATABASE_URL", "sqlite://from-env.db")
        .arg("verify")
        .output()
        .unwrap();
    assert!(env.status.success());
    assert!(
        dir.path().join("from-env.db").exists(),
        "the environment beats the file"
    );

    assert!(
        koe_in(
            dir.path(),
            &["verify", "--database", "sqlite://from-flag.db"]
        )
        .status
        .success()
    );
    assert!(
        dir.path().join("from-flag.db").exists(),
        "the flag beats both"
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

#[test]
fn serve_answers_ready_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_koe"))
        .current_dir(dir.path())
        .env_remove("KOE_DATABASE_URL")
        .env("RUST_LOG", "info")
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let ready = loop {
        if let Some(response) = get(port, "/readyz") {
            break response;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the collector never answered"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    assert!(
        dir.path().join("koe.db").exists(),
        "the default database is created"
    );

    let term = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let status = server.wait().unwrap();
    assert!(
        status.success(),
        "graceful shutdown exits 0, got {status:?}"
    );
    let mut log = String::new();
    server
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(
        log.contains("path=/readyz") && log.contains("status=200"),
        "one log line per request: {log}"
    );
    assert!(
        !log.contains('\u{1b}'),
        "no colour codes when the log is not a terminal"
    );
}
