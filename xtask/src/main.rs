//! Koe's build pipeline, as `cargo xtask <command>`:
//!
//! - `serve`: builds the widget, runs the collector on the SQLite default (`koe.db`) with the
//!   demo page at `/demo`.
//! - `widget`, `size`: builds the widget into `build/widget`; prints its sizes.
//! - `bench`: ingest, edits, reports at scale, widget weight and footprint, measured side by
//!   side into `BENCHMARKS.md`; `bench --against REV`: the same for REV and this tree,
//!   alternately, compared figure by figure (`ab.rs`).
//! - `fuzz [SECONDS]`: the libFuzzer targets in `fuzz/`, a bounded time each.
//! - `test`: everything CI checks — formatting, clippy, the wasm32 build of `shared`, and all
//!   tests on SQLite and (when a server answers, always under `CI=true`) PostgreSQL.
#![forbid(unsafe_code)]

mod ab;
mod bench;
mod browser;
mod fuzz;
mod schemathesis;
mod serve;
mod short_imports;
mod size;
mod test;
mod toolchain;
mod widget;

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve::run(&args[1..]),
        Some("test") => test::run(&args[1..]),
        Some("widget") => widget::build().map(drop),
        Some("size") => widget::build().and_then(|_| size::run()),
        Some("screenshot") => screenshot(),
        Some("bench") => bench::run(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <serve|test|bench|fuzz|widget|size|screenshot> [args]\n\n  serve       run the collector on sqlite://koe.db with a demo site\n  test        fmt, clippy, wasm32 build of shared, all tests (SQLite and PostgreSQL)\n  bench       measure ingest, reports, widget weight, footprint into BENCHMARKS.md\n              (--against REV [--rounds N] [--only …]: REV and this tree, A B A B …, compared)\n  fuzz        run the libFuzzer targets in fuzz/ (SECONDS each, default 60)\n  widget      build the widget into build/widget\n  size        the widget's weight, raw / gzip / brotli\n  screenshot  photograph the widget, the dashboard and the email in Chromium"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Photographs the widget in English and Japanese, every dashboard page in both languages
/// (and on a 360 px phone) with seeded data, the rating email and the hosted survey page, in
/// headless Chromium (the browser tests that take them), into `build/screenshots/`.
fn screenshot() -> Result<(), String> {
    widget::build()?;
    let chromedriver = browser::find_chromedriver()?;
    if chromedriver.is_empty() {
        return Err("screenshots need Chromium".into());
    }
    step(
        cargo()
            .current_dir(workspace_root())
            .env("KOE_CHROMEDRIVER", chromedriver)
            .args([
                "test",
                "--package",
                "koe-tests",
                "--test",
                "browser",
                "--",
                "language::",
                "dashboard::",
                "rating_links::the_email",
                "service_page::",
            ]),
        "photograph the widget and the dashboard",
    )?;
    eprintln!(
        "screenshots in build/screenshots/: widget-en.png, widget-ja.png, dashboard-PAGE-en.png and -ja.png (overview, agents, agent, channels, comments, service), dashboard-overview-phone-ja.png, email-en.png, email-ja.png, survey-page-en.png, survey-page-ja.png"
    );
    Ok(())
}

/// `cargo`, as the one running this xtask.
fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Runs a command to completion, failing with its description if it fails.
fn step(command: &mut Command, what: &str) -> Result<(), String> {
    eprintln!("\n==> {what}");
    let status = command
        .status()
        .map_err(|e| format!("{what}: could not start: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

/// Cargo's target folder (`CARGO_TARGET_DIR`, else `target/` in the workspace).
fn target_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace_root().join("target"), Into::into)
}

/// The workspace root (xtask lives one level below it).
fn workspace_root() -> std::path::PathBuf {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}
