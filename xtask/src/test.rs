//! `cargo xtask test`: the one command CI runs.

use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::browser;
use crate::schemathesis;
use crate::toolchain::{WASM_TARGET, ensure_wasm_target};
use crate::widget;
use crate::{cargo, step, workspace_root};

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

pub fn run(extra: &[String]) -> Result<(), String> {
    let root = workspace_root();
    ensure_wasm_target()?;
    step(
        cargo().current_dir(&root).args(["fmt", "--all", "--check"]),
        "cargo fmt --check",
    )?;
    // The collector embeds the built widget: build it before anything compiles the collector.
    widget::build()?;
    step(
        cargo().current_dir(&root).args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
        "cargo clippy -D warnings",
    )?;
    step(
        cargo().current_dir(&root).args([
            "build",
            "--package",
            "koe-shared",
            "--target",
            WASM_TARGET,
        ]),
        "koe-shared builds for wasm32",
    )?;
    // The browser tests need Chromium and ChromeDriver.
    let chromedriver = browser::find_chromedriver()?;
    // The API tests run schemathesis against a live collector, and send mail to aiosmtpd.
    let schemathesis = schemathesis::ensure()?;
    let mut tests = cargo();
    tests.env("KOE_CHROMEDRIVER", chromedriver);
    tests.env("KOE_AIOSMTPD", schemathesis::aiosmtpd(&schemathesis));
    tests.env("KOE_SCHEMATHESIS", schemathesis);
    tests.env("KOE_AXE", widget::axe_core(&root)?);
    tests
        .current_dir(&root)
        .args(["test", "--workspace"])
        .args(extra);
    match postgres_url()? {
        Some(url) => {
            eprintln!("PostgreSQL tests run against {url}");
            tests.env("KOE_TEST_POSTGRES_URL", url);
        }
        None => {
            eprintln!(
                "warning: no PostgreSQL answers on 127.0.0.1:5432 and KOE_TEST_POSTGRES_URL is unset: PostgreSQL tests are skipped"
            );
            tests.env_remove("KOE_TEST_POSTGRES_URL");
        }
    }
    step(&mut tests, "cargo test --workspace (SQLite and PostgreSQL)")
}

/// The PostgreSQL the tests should use: `KOE_TEST_POSTGRES_URL`, else a local server if one
/// answers. Under `CI=true` a missing server is an error, not a skip.
fn postgres_url() -> Result<Option<String>, String> {
    if let Ok(url) = std::env::var("KOE_TEST_POSTGRES_URL") {
        return Ok(Some(url));
    }
    let local: SocketAddr = ([127, 0, 0, 1], 5432).into();
    if TcpStream::connect_timeout(&local, Duration::from_secs(2)).is_ok() {
        return Ok(Some(DEFAULT_POSTGRES_URL.into()));
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        return Err("CI=true but no PostgreSQL answers on 127.0.0.1:5432 (set KOE_TEST_POSTGRES_URL or start it)".into());
    }
    Ok(None)
}
