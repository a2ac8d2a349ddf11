//! The read side's tables: reports and the dashboard at scale, the service reports over
//! interaction facts, and `koe import`.

use std::fmt::Write as _;

use super::{Summary, ms, verdict};
use crate::reports::ReportTiming;

impl Summary {
    pub(super) fn report_table(&self, md: &mut String) {
        md.push_str(
            "## Reports at scale\n\n200 agents in 10 teams (one team each), 6 channels, 365 days, bulk-loaded, the \
             same rows into each backend; the 90-day weekly report over HTTP, JSON included, 30 calls after one \
             warm-up.\n\n\
             | backend | responses | report | rows | JSON bytes | p50 ms | p99 ms |\n|---|---:|---|---:|---:|---:|---:|\n",
        );
        for size in &self.reports {
            for t in &size.timings {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} |",
                    size.backend,
                    size.responses,
                    timing_cells(t)
                );
            }
        }
        md.push('\n');
        for size in &self.reports {
            let _ = write!(
                md,
                "- {}: {} responses loaded (bulk path, rollups rebuilt in SQL) in {:.1} s",
                size.backend,
                size.responses,
                size.load_time.as_secs_f64()
            );
            match size.drift {
                Some(drift) => {
                    let _ = writeln!(
                        md,
                        "; rollup rows differing from the collector's recomputation: {drift}."
                    );
                }
                None => md.push_str(".\n"),
            }
        }
        md.push('\n');
    }

    pub(super) fn facts_tables(&self, md: &mut String) {
        if self.facts_ingest.is_empty() && self.facts_reports.is_empty() {
            return;
        }
        let _ = write!(
            md,
            "## Service facts\n\nFacts over HTTP: one `PUT …/interactions/{{id}}` per interaction with \
             a write key (times, contacts, topic, team, one agent), {} s per run; every acknowledged \
             interaction looked up afterwards. Target: at least 10 000 a second on SQLite at 256 \
             connections.\n\n| backend | connections | facts/s | p50 ms | p99 ms | not 2xx | acknowledged | missing |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
            self.seconds
        );
        for ingest in &self.facts_ingest {
            for (connections, outcome) in &ingest.runs {
                let _ = writeln!(
                    md,
                    "| {} | {connections} | {:.0} | {} | {} | {} | {} | {} |",
                    ingest.backend,
                    outcome.per_second(),
                    ms(outcome.percentile(0.5)),
                    ms(outcome.percentile(0.99)),
                    outcome.failed + outcome.limited + outcome.unanswered,
                    ingest.acknowledged,
                    ingest.missing
                );
            }
        }
        md.push_str(
            "\nService reports over interactions bulk-loaded into SQLite (200 agents in 10 teams, 6 \
             channels, 8 topics, 365 days; rollups built in SQL), 90 days by week over HTTP, 30 \
             calls after one warm-up. Target: the dashboard's 150 ms.\n\n| interactions | report | rows | JSON bytes | p50 ms | p99 ms |\n|---:|---|---:|---:|---:|---:|\n",
        );
        for size in &self.facts_reports {
            for t in &size.timings {
                let _ = writeln!(md, "| {} | {} |", size.interactions, timing_cells(t));
            }
        }
        md.push('\n');
        for size in &self.facts_reports {
            let _ = write!(
                md,
                "- {} interactions loaded in {:.1} s",
                size.interactions,
                size.load_time.as_secs_f64()
            );
            match size.drift {
                Some(drift) => {
                    let _ = writeln!(
                        md,
                        "; service rollup rows differing from the collector's own re-count: {drift}."
                    );
                }
                None => md.push_str(".\n"),
            }
        }
        md.push('\n');
    }

    pub(super) fn import_table(&self, md: &mut String) {
        let Some(run) = &self.import else {
            return;
        };
        let _ = writeln!(
            md,
            "## Import\n\n`koe import --format koe` of {} answers into a fresh SQLite site, beside \
             the check pass alone (every line read and parsed, nothing stored) in the same run.\n\n\
             | pass | time | answers/s | |\n|---|---|---|---|\n\
             | check only (`--dry-run`) | {:.2} s | {:.0} | baseline |\n\
             | import (check, then batches of {}) | {:.2} s | {:.0} | ×{:.2} the check's time; target ≥ 50 000/s {} |\n",
            run.rows,
            run.check.as_secs_f64(),
            run.check_per_second(),
            koe_collector::import::BATCH,
            run.import.as_secs_f64(),
            run.per_second(),
            run.import.as_secs_f64() / run.check.as_secs_f64().max(1e-9),
            verdict(run.per_second() >= 50_000.0),
        );
    }
}

/// One timed call's cells of a report table: report, rows, JSON bytes, p50 and p99 in ms.
fn timing_cells(t: &ReportTiming) -> String {
    format!(
        "{} | {} | {} | {} | {}",
        t.name,
        t.rows,
        t.bytes,
        ms(t.p50),
        ms(t.p99)
    )
}
