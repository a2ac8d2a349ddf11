//! `cargo xtask bench [--seconds N] [--sizes 1000000,10000000]`: builds the widget and the
//! release binaries, runs `koe-bench` (ingest, edits, reports at scale, footprint) and writes
//! `BENCHMARKS.md` with the machine it ran on. With `--against REV` it compares REV with this
//! tree instead (`ab.rs`).

use std::fmt::Write as _;
use std::fs;
use std::process::{Command, Stdio};

use crate::{browser, cargo, size, step, target_dir, widget, workspace_root};

pub fn run(args: &[String]) -> Result<(), String> {
    if let Some(plan) = crate::ab::Plan::from_args(args)? {
        return crate::ab::run(&plan);
    }
    widget::build()?;
    let widget_md = target_dir().join("bench-widget.md");
    let weights = size::markdown()? + &size::yew_floor_markdown()? + &show_latency()?;
    fs::write(&widget_md, weights).map_err(|e| e.to_string())?;
    step(
        cargo().current_dir(workspace_root()).args([
            "build",
            "--release",
            "--package",
            "koe-collector",
            "--bin",
            "koe",
            "--package",
            "koe-bench",
            "--bin",
            "koe-bench",
        ]),
        "build the collector and the bench (release)",
    )?;
    eprintln!("\n==> measure (a few minutes; progress below)");
    let output = Command::new(target_dir().join("release").join("koe-bench"))
        .arg("--widget")
        .arg(&widget_md)
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("koe-bench: {e}"))?;
    if !output.status.success() {
        return Err(format!("koe-bench failed ({})", output.status));
    }
    let mut md = header(args);
    md.push_str(&String::from_utf8_lossy(&output.stdout));
    let path = workspace_root().join("BENCHMARKS.md");
    let before = fs::read_to_string(&path).unwrap_or_default();
    md.push_str(&by_hand(&before));
    fs::write(&path, md).map_err(|e| e.to_string())?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// The time from `koe('show')` to a clickable survey in headless Chromium — cold, cached, after
/// `prepare`, shown again — from the ignored browser test that measures it; empty (with a
/// note) without Chromium.
fn show_latency() -> Result<String, String> {
    let chromedriver = browser::find_chromedriver()?;
    if chromedriver.is_empty() {
        return Ok(String::new());
    }
    let out = target_dir().join("bench-show-latency.md");
    step(
        cargo()
            .current_dir(workspace_root())
            .env("KOE_CHROMEDRIVER", chromedriver)
            .env("KOE_BENCH_OUT", &out)
            .args(["test", "--package", "koe-tests", "--test", "browser", "--"])
            .args([
                "--ignored",
                "--exact",
                "show_latency::measure_the_time_to_a_clickable_survey",
            ]),
        "time to a clickable survey (headless Chromium)",
    )?;
    let table = fs::read_to_string(&out).map_err(|e| format!("the show-latency table: {e}"))?;
    Ok(format!(
        "\n### Time to a clickable survey (headless Chromium)\n\nFrom `koe('show')` to the survey's first button in the page (`performance.now()` and a MutationObserver, in the page), median of 7, the demo-style page on its own origin, the collector a debug build on 127.0.0.1 (its answer to the impression sits on the path of every show but the prepared ones). Ratios against the cold show of the same run.\n\n{table}"
    ))
}

/// The line after which BENCHMARKS.md is written by hand (each performance pass's notes and
/// A/B tables): a new run rewrites what is above it and keeps the rest.
const BY_HAND: &str = "<!-- Written by hand below this line; `cargo xtask bench` keeps it. -->";

/// The hand-written end of the file `before` (from its [`BY_HAND`] line on), or none.
fn by_hand(before: &str) -> String {
    before
        .find(BY_HAND)
        .map_or_else(String::new, |at| format!("\n{}", &before[at..]))
}

fn header(args: &[String]) -> String {
    let read = |path: &str| fs::read_to_string(path).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map_or("unknown CPU", |v| v.trim_start_matches([' ', '\t', ':']));
    let memory = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse::<u64>().ok())
        .map_or(0.0, |kib| kib as f64 / 1024.0 / 1024.0);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let mut md = String::from("# Koe benchmarks\n\n");
    let _ = writeln!(
        md,
        "Measured {date} on {cores} cores ({cpu}), {memory:.0} GiB of memory, Linux {}, one \
         shared VM: the load generator, the collector and PostgreSQL share the same two cores.\n",
        read("/proc/sys/kernel/osrelease").trim()
    );
    let _ = writeln!(
        md,
        "Reproduce: `cargo xtask bench{}{}` (PostgreSQL from `KOE_TEST_POSTGRES_URL`, else \
         127.0.0.1:5432; `KOE_BENCH_KEEP=1` keeps the databases; `KOE_BENCH_LOG=FILE` keeps the collectors' logs, \
         at the level `RUST_LOG` sets). This file is written by that \
         command, down to the line that starts its hand-written notes (each performance \
         pass's findings and A/B tables), which it keeps.\n",
        if args.is_empty() { "" } else { " " },
        args.join(" ")
    );
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_run_keeps_the_hand_written_end_and_only_it() {
        let before = format!("# Koe benchmarks\n\nold rows\n\n{BY_HAND}\n\n## Pass 3\n\nnotes\n");
        let kept = by_hand(&before);
        assert!(kept.starts_with(&format!("\n{BY_HAND}")), "{kept}");
        assert!(kept.ends_with("## Pass 3\n\nnotes\n"), "{kept}");
        assert!(!kept.contains("old rows"), "{kept}");
        assert_eq!(by_hand("# Koe benchmarks\n\nrows only\n"), "");
    }
}
