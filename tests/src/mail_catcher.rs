//! A real SMTP server on loopback for the mail tests: Python's `aiosmtpd` (from `KOE_AIOSMTPD`,
//! which `cargo xtask test` installs beside Schemathesis), keeping every message it receives
//! in a Maildir the test reads.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `aiosmtpd`, stopped when dropped.
#[derive(Debug)]
pub struct MailCatcher {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl MailCatcher {
    /// A server on a free loopback port; `None` (the test is skipped) when `KOE_AIOSMTPD` is
    /// unset outside CI.
    pub async fn start() -> Option<Self> {
        let Ok(program) = std::env::var("KOE_AIOSMTPD").map(|p| p.trim().to_owned()) else {
            assert!(
                std::env::var("CI").map_or(true, |v| v != "true"),
                "CI=true needs KOE_AIOSMTPD (cargo xtask test sets it)"
            );
            eprintln!("skipped: KOE_AIOSMTPD is not set (cargo xtask test sets it)");
            return None;
        };
        if program.is_empty() {
            return None;
        }
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = tempfile::tempdir().expect("a Maildir folder");
        let child = Command::new(&program)
            .args(["-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir.path().join("maildir"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        let catcher = Self { child, dir, port };
        let started = Instant::now();
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "aiosmtpd did not listen on {port}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Some(catcher)
    }

    /// The `smtp_url` that reaches it (plain SMTP to loopback).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, its transfer encoding undone.
    pub fn messages(&self) -> Vec<String> {
        let new = self.dir.path().join("maildir/new");
        let Ok(entries) = std::fs::read_dir(new) else {
            return Vec::new();
        };
        entries
            .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
            .map(|raw| decoded(&raw))
            .collect()
    }

    /// Waits (up to 20 s) until `n` messages have arrived; gives them.
    pub async fn wait_for(&self, n: usize) -> Vec<String> {
        let started = Instant::now();
        loop {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{} of {n} mails arrived",
                messages.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for MailCatcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A message with a quoted-printable body turned back into its text (soft line breaks
/// joined, `=XX` decoded); any other message as it is.
fn decoded(raw: &str) -> String {
    if !raw.to_ascii_lowercase().contains("quoted-printable") {
        return raw.to_owned();
    }
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = (bytes[i] == b'=' && i + 2 < bytes.len())
            .then(|| std::str::from_utf8(&bytes[i + 1..i + 3]).ok())
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
