//! `cargo xtask bench --against REV [--rounds N] [koe-bench options]`: the same measurements
//! for two revisions in one run, so a change's effect is read beside the machine's noise rather
//! than from two runs an hour apart.
//!
//! The other revision is checked out into its own worktree and built into its own target
//! folder (`target/ab/`); this one is built as usual. Then the two `koe-bench` binaries run
//! alternately — A B A B …, `--rounds` times each (default 3), each preparing its databases the
//! same way — and every table they print is compared cell by cell: a column that reads the same
//! in every run (a label: the server, the traffic, the connections) is kept as it is; a number
//! that moves becomes "A's median → B's median, B ÷ A, and the spread of each". The table goes to
//! stdout and `target/ab/AB.md`; BENCHMARKS.md is left alone (it is rewritten by a full
//! `cargo xtask bench`).

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{cargo, step, target_dir, workspace_root};

/// `--against REV` and what is left for `koe-bench`.
pub struct Plan {
    pub against: String,
    pub rounds: usize,
    pub bench_args: Vec<String>,
}

impl Plan {
    /// Takes `--against REV` and `--rounds N` out of `args`; `None` without `--against`.
    pub fn from_args(args: &[String]) -> Result<Option<Self>, String> {
        let mut against = None;
        let mut rounds = 3;
        let mut bench_args = Vec::new();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--against" => {
                    against = Some(args.next().ok_or("--against needs a git revision")?.clone());
                }
                "--rounds" => {
                    rounds = args
                        .next()
                        .and_then(|n| n.parse().ok())
                        .filter(|n| (1..=20).contains(n))
                        .ok_or("--rounds needs a number from 1 to 20")?;
                }
                _ => bench_args.push(arg.clone()),
            }
        }
        Ok(against.map(|against| Self {
            against,
            rounds,
            bench_args,
        }))
    }
}

pub fn run(plan: &Plan) -> Result<(), String> {
    let ab = target_dir().join("ab");
    fs::create_dir_all(&ab).map_err(|e| e.to_string())?;
    let a = build_revision(&plan.against, &ab)?;
    let b = build_here(&ab)?;
    let mut runs_a = Vec::new();
    let mut runs_b = Vec::new();
    for round in 1..=plan.rounds {
        eprintln!(
            "\n==> round {round} of {}: A ({})",
            plan.rounds, plan.against
        );
        runs_a.push(measure(&a, &plan.bench_args)?);
        eprintln!("\n==> round {round} of {}: B (this tree)", plan.rounds);
        runs_b.push(measure(&b, &plan.bench_args)?);
    }
    let mut md = format!(
        "# A/B: {} (A) against this tree (B)\n\n`koe-bench {}`, A and B alternately, {} rounds \
         each. A number is shown as A's median → B's median, then B ÷ A and each side's range \
         (min–max): a ratio inside the ranges' overlap has not moved.\n",
        plan.against,
        plan.bench_args.join(" "),
        plan.rounds
    );
    md.push_str(&compare(&runs_a, &runs_b));
    let path = ab.join("AB.md");
    fs::write(&path, &md).map_err(|e| e.to_string())?;
    println!("{md}");
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// Builds `koe` and `koe-bench` of `rev` in a worktree of its own with a target folder of its
/// own; the folder holding both binaries.
fn build_revision(rev: &str, ab: &Path) -> Result<PathBuf, String> {
    let commit = git(&["rev-parse", "--verify", &format!("{rev}^{{commit}}")])?;
    let source = ab.join(format!("src-{}", &commit[..12]));
    if !source.exists() {
        step(
            Command::new("git")
                .current_dir(workspace_root())
                .args(["worktree", "add", "--detach", "--force"])
                .arg(&source)
                .arg(&commit),
            &format!("check out {rev} ({})", &commit[..12]),
        )?;
    }
    let target = ab.join("target-a");
    step(
        cargo()
            .current_dir(&source)
            .env("CARGO_TARGET_DIR", &target)
            .args(release_build()),
        &format!("build {rev} (release)"),
    )?;
    copy_binaries(&target.join("release"), &ab.join("a"))
}

/// Builds this tree's `koe` and `koe-bench`; the folder holding both.
fn build_here(ab: &Path) -> Result<PathBuf, String> {
    step(
        cargo().current_dir(workspace_root()).args(release_build()),
        "build this tree (release)",
    )?;
    copy_binaries(&target_dir().join("release"), &ab.join("b"))
}

fn release_build() -> [&'static str; 10] {
    [
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
    ]
}

/// `koe-bench` finds `koe` beside itself: each side gets a folder of its own.
fn copy_binaries(from: &Path, to: &Path) -> Result<PathBuf, String> {
    fs::create_dir_all(to).map_err(|e| e.to_string())?;
    for name in ["koe", "koe-bench"] {
        fs::copy(from.join(name), to.join(name))
            .map_err(|e| format!("copying {name} to {}: {e}", to.display()))?;
    }
    Ok(to.to_path_buf())
}

fn git(args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .current_dir(workspace_root())
        .args(args)
        .output()
        .map_err(|e| format!("git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// One run of a side's `koe-bench`: its Markdown.
fn measure(side: &Path, args: &[String]) -> Result<String, String> {
    let output = Command::new(side.join("koe-bench"))
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("koe-bench: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "koe-bench in {} failed ({})",
            side.display(),
            output.status
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// A table a run printed: under which heading, its header row, its rows of cells.
#[derive(Debug, Clone, PartialEq)]
struct Table {
    heading: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// The Markdown tables of one run, in order.
fn tables(markdown: &str) -> Vec<Table> {
    let mut found = Vec::new();
    let mut heading = String::new();
    let mut current: Option<Table> = None;
    for line in markdown.lines() {
        let line = line.trim();
        if let Some(title) = line.strip_prefix('#') {
            heading = title.trim_start_matches('#').trim().to_owned();
        }
        if !line.starts_with('|') {
            found.extend(current.take());
            continue;
        }
        let cells: Vec<String> = line
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_owned())
            .collect();
        if cells
            .iter()
            .all(|c| c.chars().all(|ch| matches!(ch, '-' | ':')) && !c.is_empty())
        {
            continue; // the separator under the header
        }
        match &mut current {
            Some(table) => table.rows.push(cells),
            None => {
                current = Some(Table {
                    heading: heading.clone(),
                    header: cells,
                    rows: Vec::new(),
                });
            }
        }
    }
    found.extend(current);
    found
}

/// A cell's number: digits with spaces or commas as thousands separators, an optional unit
/// after (`ms`, `%`, `s`, `MiB`); `None` for anything else.
fn number(cell: &str) -> Option<f64> {
    let cell = cell.trim_matches('*');
    let end = cell
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | ',' | ' ' | '-')))
        .unwrap_or(cell.len());
    let (digits, unit) = cell.split_at(end);
    let unit = unit.trim();
    if !matches!(unit, "" | "ms" | "%" | "s" | "MiB" | "KiB" | "B") {
        return None;
    }
    let digits: String = digits.chars().filter(|c| !matches!(c, ',' | ' ')).collect();
    if digits.is_empty() || digits == "-" {
        return None;
    }
    digits.parse().ok()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    match values.len() % 2 {
        1 => values[mid],
        _ => (values[mid - 1] + values[mid]) / 2.0,
    }
}

fn shown(value: f64) -> String {
    if value.abs() >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

/// Every table both sides printed alike (same heading, header and rows), cell by cell.
fn compare(runs_a: &[String], runs_b: &[String]) -> String {
    let parsed_a: Vec<Vec<Table>> = runs_a.iter().map(|r| tables(r)).collect();
    let parsed_b: Vec<Vec<Table>> = runs_b.iter().map(|r| tables(r)).collect();
    let mut md = String::new();
    let Some(first) = parsed_a.first() else {
        return md;
    };
    for (index, table) in first.iter().enumerate() {
        if table.rows.is_empty() {
            continue; // a part not measured in this run (`--only`)
        }
        let alike = |run: &Vec<Table>| {
            run.get(index).is_some_and(|t| {
                t.heading == table.heading
                    && t.header == table.header
                    && t.rows.len() == table.rows.len()
            })
        };
        if !parsed_a.iter().chain(&parsed_b).all(alike) {
            let _ = writeln!(
                md,
                "\n(The table under \"{}\" differs between the sides or runs: not compared.)",
                table.heading
            );
            continue;
        }
        let _ = writeln!(md, "\n## {}\n", table.heading);
        let _ = writeln!(md, "| {} |", table.header.join(" | "));
        let _ = writeln!(md, "|{}", "---|".repeat(table.header.len()));
        for (r, row) in table.rows.iter().enumerate() {
            let mut out = Vec::with_capacity(row.len());
            for (c, cell) in row.iter().enumerate() {
                let of = |runs: &[Vec<Table>]| -> Vec<String> {
                    runs.iter()
                        .map(|run| run[index].rows[r].get(c).cloned().unwrap_or_default())
                        .collect()
                };
                let (a, b) = (of(&parsed_a), of(&parsed_b));
                if a.iter().chain(&b).all(|x| x == cell) {
                    out.push(cell.clone());
                    continue;
                }
                let steady = a.iter().all(|x| *x == a[0]) && b.iter().all(|x| *x == b[0]);
                // With one run a side every number is "steady": compare it all the same.
                let one_run_of_numbers =
                    a.len() == 1 && number(&a[0]).is_some() && number(&b[0]).is_some();
                if steady && !one_run_of_numbers {
                    // Steady on each side but not the same: a label or a count that changed.
                    out.push(format!("A {} · B {}", a[0], b[0]));
                    continue;
                }
                let numbers = |cells: &[String]| -> Option<Vec<f64>> {
                    cells.iter().map(|x| number(x)).collect()
                };
                match (numbers(&a), numbers(&b)) {
                    (Some(mut a), Some(mut b)) => {
                        let range = |v: &[f64]| {
                            let min = v.iter().copied().fold(f64::INFINITY, f64::min);
                            let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                            format!("{}–{}", shown(min), shown(max))
                        };
                        let (range_a, range_b) = (range(&a), range(&b));
                        let (ma, mb) = (median(&mut a), median(&mut b));
                        let ratio = match ma {
                            0.0 => "–".to_owned(),
                            _ => format!("{:.2}", mb / ma),
                        };
                        out.push(format!(
                            "{} → {}, ×{ratio} (A {range_a}; B {range_b})",
                            shown(ma),
                            shown(mb)
                        ));
                    }
                    _ => out.push("(varies)".to_owned()),
                }
            }
            let _ = writeln!(md, "| {} |", out.join(" | "));
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUN_A1: &str = "## Ingest\n\n| server | connections | requests/s | p50 ms | missing |\n\
        |---|---:|---:|---:|---:|\n| SQLite | 256 | 10 000 | 20.00 | 0 |\n\
        | PostgreSQL | 256 | 5000 | 40.00 | 0 |\n\nDone.\n";
    const RUN_A2: &str = "## Ingest\n\n| server | connections | requests/s | p50 ms | missing |\n\
        |---|---:|---:|---:|---:|\n| SQLite | 256 | 12 000 | 18.00 | 0 |\n\
        | PostgreSQL | 256 | 5200 | 42.00 | 0 |\n";
    const RUN_B1: &str = "## Ingest\n\n| server | connections | requests/s | p50 ms | missing |\n\
        |---|---:|---:|---:|---:|\n| SQLite | 256 | 15 000 | 15.00 | 0 |\n\
        | PostgreSQL | 256 | 5100 | 41.00 | 0 |\n";
    const RUN_B2: &str = "## Ingest\n\n| server | connections | requests/s | p50 ms | missing |\n\
        |---|---:|---:|---:|---:|\n| SQLite | 256 | 17 000 | 13.00 | 0 |\n\
        | PostgreSQL | 256 | 5300 | 39.00 | 0 |\n";

    #[test]
    fn labels_stay_and_moving_numbers_get_medians_ratio_and_ranges() {
        let md = compare(
            &[RUN_A1.into(), RUN_A2.into()],
            &[RUN_B1.into(), RUN_B2.into()],
        );
        assert!(md.contains("## Ingest"), "{md}");
        assert!(
            md.contains("| SQLite | 256 | 11000 → 16000, ×1.45 (A 10000–12000; B 15000–17000) |"),
            "{md}"
        );
        assert!(md.contains("19.00 → 14.00, ×0.74"), "{md}");
        assert!(
            md.ends_with("| 0 |\n"),
            "a column alike in every run is kept: {md}"
        );
    }

    #[test]
    fn a_table_the_sides_print_differently_is_named_not_compared() {
        let other = RUN_B1.replace("| p50 ms |", "| p99 ms |");
        let md = compare(&[RUN_A1.into()], &[other]);
        assert!(md.contains("differs between the sides"), "{md}");
        assert!(!md.contains('×'), "{md}");
    }

    #[test]
    fn a_cell_steady_on_each_side_but_changed_is_shown_as_both_not_as_a_ratio() {
        let other = |run: &str| run.replace("| 256 |", "| 16 |");
        let md = compare(
            &[RUN_A1.into(), RUN_A2.into()],
            &[other(RUN_B1), other(RUN_B2)],
        );
        assert!(md.contains("| SQLite | A 256 · B 16 |"), "{md}");
        let once = compare(&[RUN_A1.into()], &[RUN_B1.into()]);
        assert!(
            once.contains("10000 → 15000, ×1.50"),
            "one run a side: numbers are compared, not listed: {once}"
        );
    }

    #[test]
    fn numbers_are_read_with_separators_and_units() {
        for (cell, expected) in [
            ("10 000", Some(10_000.0)),
            ("22,340", Some(22_340.0)),
            ("4.7 %", Some(4.7)),
            ("15.93 s", Some(15.93)),
            ("46.8 MiB", Some(46.8)),
            ("**missed**", None),
            ("×10.44 the check's time", None),
            ("new responses", None),
            ("", None),
        ] {
            assert_eq!(number(cell), expected, "{cell:?}");
        }
    }

    #[test]
    fn only_against_and_rounds_are_taken_from_the_arguments() {
        let args: Vec<String> = ["--only", "ingest", "--against", "HEAD~1", "--rounds", "2"]
            .map(String::from)
            .to_vec();
        let plan = Plan::from_args(&args).unwrap().unwrap();
        assert_eq!(plan.against, "HEAD~1");
        assert_eq!(plan.rounds, 2);
        assert_eq!(plan.bench_args, ["--only", "ingest"]);
        assert!(Plan::from_args(&["--only".into()]).unwrap().is_none());
        assert!(Plan::from_args(&["--against".into()]).is_err());
        assert!(
            Plan::from_args(&[
                "--against".into(),
                "x".into(),
                "--rounds".into(),
                "0".into()
            ])
            .is_err()
        );
    }
}
