//! The run's *Targets* table: each target with what was measured and met or missed.

use std::fmt::Write as _;
use std::time::Duration;

use super::{MIB, Summary, median, ms, verdict};
use crate::ingest::Traffic;

impl Summary {
    pub(super) fn targets(&self, md: &mut String) {
        md.push_str("## Targets\n\n| target | measured | |\n|---|---|---|\n");
        let mut row = |target: &str, measured: String, met: bool| {
            let _ = writeln!(md, "| {target} | {measured} | {} |", verdict(met));
        };
        if let Some(run) = self.run("SQLite", Traffic::Single, 256) {
            let rate = run.outcome.per_second();
            let ceiling = self.ceiling_at(256);
            row(
                "SQLite ingest ≥ 20 000 responses/s at 256 connections",
                format!("{rate:.0}/s"),
                rate >= 20_000.0,
            );
            // Where 50 % lies against what SQLite alone writes of Koe's rows on this machine.
            let floor = self.alone_at("SQLite", 256).map_or(String::new(), |bound| {
                format!(
                    "; SQLite alone writes {bound:.0} responses/s of Koe's rows, no HTTP \
                     ({:.0} % of the ceiling)",
                    100.0 * bound / ceiling.max(1.0),
                )
            });
            row(
                "SQLite ingest ≥ 50 % of the bare endpoint (256 connections)",
                format!(
                    "{:.1} % of {ceiling:.0}/s{floor}",
                    100.0 * rate / ceiling.max(1.0)
                ),
                rate >= ceiling / 2.0,
            );
        }
        if let Some(run) = self.run("SQLite", Traffic::Single, 16) {
            let p99 = run.outcome.percentile(0.99);
            row(
                "SQLite p99 ≤ 10 ms at 16 connections",
                format!("{} ms", ms(p99)),
                p99 <= Duration::from_millis(10),
            );
        }
        if let Some(run) = self.run("PostgreSQL", Traffic::Single, 256) {
            let rate = run.outcome.per_second();
            row(
                "PostgreSQL ingest ≥ 10 000 responses/s (256 connections)",
                format!("{rate:.0}/s"),
                rate >= 10_000.0,
            );
        }
        for ingest in &self.ingest {
            for connections in crate::ingest::CONNECTIONS {
                let (Some(run), Some(bound)) = (
                    self.run(ingest.backend, Traffic::Single, connections),
                    self.alone_at(ingest.backend, connections as u64),
                ) else {
                    continue;
                };
                let rate = run.outcome.per_second();
                row(
                    &format!(
                        "{} ingest ≥ 80 % of {0} alone with Koe's rows ({connections} connection{})",
                        ingest.backend,
                        if connections == 1 { "" } else { "s" }
                    ),
                    format!(
                        "{rate:.0}/s = {:.0} % of {bound:.0}/s",
                        100.0 * rate / bound.max(1.0)
                    ),
                    rate >= 0.8 * bound,
                );
            }
        }
        for ingest in &self.ingest {
            row(
                &format!("{}: every 2xx committed", ingest.backend),
                format!(
                    "{} acknowledged, {} missing",
                    ingest.acknowledged, ingest.missing
                ),
                ingest.missing == 0,
            );
        }
        let largest = self.reports.iter().map(|r| r.responses).max().unwrap_or(0);
        let smallest = self.reports.iter().map(|r| r.responses).min().unwrap_or(0);
        for backend in ["SQLite", "PostgreSQL"] {
            for (name, limit) in [("by agent", 20), ("by agent × channel", 100)] {
                if let Some(t) = self.report(backend, largest, name) {
                    row(
                        &format!(
                            "{backend}: 90-day weekly report {name} over {largest} responses: p50 ≤ {limit} ms"
                        ),
                        format!("{} ms", ms(t.p50)),
                        t.p50 <= Duration::from_millis(limit),
                    );
                }
                if let (Some(small), Some(large)) = (
                    self.report(backend, smallest, name),
                    self.report(backend, largest, name),
                ) && smallest != largest
                {
                    let ratio = large.p50.as_secs_f64() / small.p50.as_secs_f64().max(1e-9);
                    row(
                        &format!("{backend}: {name}: {largest} within 1.5× of {smallest}"),
                        format!("{ratio:.2}×"),
                        ratio <= 1.5,
                    );
                }
            }
        }
        for backend in ["SQLite", "PostgreSQL"] {
            let pages = self
                .reports
                .iter()
                .filter(|r| r.backend == backend && r.responses == largest)
                .flat_map(|r| r.timings.iter())
                .filter(|t| t.name.starts_with("dashboard"));
            if let Some(slowest) = pages.max_by_key(|t| t.p50) {
                row(
                    &format!(
                        "{backend}: every dashboard page over {largest} responses: p50 ≤ 150 ms"
                    ),
                    format!("{} ms ({})", ms(slowest.p50), slowest.name),
                    slowest.p50 <= Duration::from_millis(150),
                );
            }
        }
        if let Some(peak) = self.ingest.iter().map(|i| i.rss_peak).max() {
            row(
                "collector RSS ≤ 64 MiB at peak",
                format!("{:.1} MiB", peak as f64 / MIB),
                peak as f64 <= 64.0 * MIB,
            );
        }
        if let (Some(alone), Some((beside, probes))) = (
            self.run("SQLite", Traffic::Single, 256),
            &self.readyz_beside,
        ) {
            let (alone, beside) = (alone.outcome.per_second(), beside.outcome.per_second());
            row(
                "SQLite ingest at 256 connections with 2 000 `/readyz` per second beside it ≥ 90 % of ingest alone",
                format!(
                    "{beside:.0}/s with {:.0} probes/s, {:.0} % of {alone:.0}/s",
                    probes.per_second(),
                    100.0 * beside / alone
                ),
                beside >= 0.9 * alone,
            );
        }
        if let Some(median) = median(&self.start_to_ready) {
            row(
                "start to ready ≤ 200 ms on an existing database",
                format!(
                    "{} ms (median of {})",
                    ms(median),
                    self.start_to_ready.len()
                ),
                median <= Duration::from_millis(200),
            );
        }
        md.push_str(
            "\nWidget targets (≤ 60 KiB brotli in total, loader ≤ 1 KiB): see *Widget weight*.\n\n",
        );
    }
}
