//! `cargo xtask fuzz [SECONDS]`: runs every libFuzzer target in `fuzz/` for SECONDS each
//! (default 60) with cargo-fuzz on nightly, growing the corpus kept in `fuzz/corpus/`.
//! Installs what it needs (the nightly toolchain, cargo-fuzz) when missing. A crash stops
//! the run; its input is in `fuzz/artifacts/<target>/` — reproduce it, fix it, and add it to
//! `shared/tests/fuzz_corpus.rs`' inputs so it stays fixed.

use std::process::Command;

use crate::{step, workspace_root};

const TARGETS: [&str; 3] = ["submission", "token", "token_payload"];

pub fn run(args: &[String]) -> Result<(), String> {
    let seconds: u64 = match args.first() {
        Some(s) => s.parse().map_err(|_| format!("seconds, not {s:?}"))?,
        None => 60,
    };
    let has = |program: &str, args: &[&str]| {
        rustup_proxy(program)
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !has("cargo", &["+nightly", "--version"]) {
        step(
            Command::new("rustup").args([
                "toolchain",
                "install",
                "nightly",
                "--profile",
                "minimal",
            ]),
            "install the nightly toolchain (libFuzzer needs its sanitizer flags)",
        )?;
    }
    if !has("cargo", &["fuzz", "--version"]) {
        step(
            rustup_proxy("cargo").args(["install", "cargo-fuzz", "--locked"]),
            "install cargo-fuzz",
        )?;
    }
    let fuzz = workspace_root().join("fuzz");
    for target in TARGETS {
        let corpus = fuzz.join("corpus").join(target);
        std::fs::create_dir_all(&corpus).map_err(|e| e.to_string())?;
        step(
            rustup_proxy("cargo")
                .current_dir(&fuzz)
                .args(["+nightly", "fuzz", "run", target])
                .arg(&corpus)
                .arg("--")
                .arg(format!("-max_total_time={seconds}"))
                .arg("-max_len=4096"),
            &format!("fuzz {target} for {seconds} s"),
        )?;
    }
    Ok(())
}

/// `program` through rustup's proxy, free of the toolchain this xtask was started with (so
/// `+nightly` picks nightly).
fn rustup_proxy(program: &str) -> Command {
    let mut command = Command::new(program);
    command.env_remove("RUSTUP_TOOLCHAIN").env_remove("CARGO");
    command
}
