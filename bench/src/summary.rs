//! Everything one bench run measured, and its Markdown: each target stated as met or not.

use std::fmt::Write as _;
use std::time::Duration;

use crate::flood::{FLOOD_CONNECTIONS, Flood, QUIET_PAUSE};
use crate::ingest::{Run, Traffic};
use crate::reports::ReportTiming;
use crate::sqlite_floor::Floor;

#[derive(Debug)]
pub struct Ingest {
    pub backend: &'static str,
    pub runs: Vec<Run>,
    /// Interactions whose every submission was answered 2xx.
    pub acknowledged: u64,
    /// Responses in the database afterwards.
    pub stored: u64,
    /// Acknowledged interactions not found in the database.
    pub missing: u64,
    pub rss_idle: u64,
    pub rss_peak: u64,
}

#[derive(Debug)]
pub struct ReportSize {
    /// `SQLite` or `PostgreSQL`.
    pub backend: &'static str,
    pub responses: u64,
    pub load_time: Duration,
    /// Rollup rows differing from the recomputation (checked at the first size only).
    pub drift: Option<usize>,
    pub timings: Vec<ReportTiming>,
}

#[derive(Debug)]
pub struct Summary {
    pub seconds: u64,
    pub ceiling: Vec<Run>,
    pub ingest: Vec<Ingest>,
    pub floor: Option<Floor>,
    /// Each database alone writing Koe's rows (`alone.rs`).
    pub alone: Vec<crate::alone::Bound>,
    pub flood: Option<Flood>,
    pub start_to_ready: Vec<Duration>,
    /// SQLite new responses at 256 connections with `/readyz` probes beside, and the probes.
    pub readyz_beside: Option<(Run, crate::load::Outcome)>,
    pub reports: Vec<ReportSize>,
    pub widget: Option<String>,
    pub import: Option<crate::import::ImportRun>,
    pub fleet: Option<Vec<crate::fleet::FleetRun>>,
    pub facts_ingest: Vec<crate::facts::FactsIngest>,
    pub facts_reports: Vec<crate::facts::FactsReports>,
    pub notes: Vec<String>,
}

const MIB: f64 = 1024.0 * 1024.0;

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "**missed**" }
}

impl Summary {
    pub fn new(seconds: u64) -> Self {
        Self {
            seconds,
            ceiling: Vec::new(),
            ingest: Vec::new(),
            floor: None,
            alone: Vec::new(),
            flood: None,
            start_to_ready: Vec::new(),
            readyz_beside: None,
            reports: Vec::new(),
            widget: None,
            import: None,
            fleet: None,
            facts_ingest: Vec::new(),
            facts_reports: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn ceiling_at(&self, connections: usize) -> f64 {
        self.ceiling
            .iter()
            .find(|r| r.connections == connections)
            .map_or(0.0, |r| r.outcome.per_second())
    }

    fn run(&self, backend: &str, traffic: Traffic, connections: usize) -> Option<&Run> {
        self.ingest
            .iter()
            .find(|i| i.backend == backend)?
            .runs
            .iter()
            .find(|r| r.traffic == traffic && r.connections == connections)
    }

    fn report(&self, backend: &str, responses: u64, name: &str) -> Option<&ReportTiming> {
        self.reports
            .iter()
            .find(|r| r.backend == backend && r.responses == responses)?
            .timings
            .iter()
            .find(|t| t.name == name)
    }

    pub fn markdown(&self) -> String {
        let mut md = String::new();
        self.targets(&mut md);
        self.ingest_tables(&mut md);
        self.report_table(&mut md);
        self.facts_tables(&mut md);
        self.import_table(&mut md);
        self.fleet_table(&mut md);
        if let Some(widget) = &self.widget {
            let _ = writeln!(md, "## Widget weight\n\n{widget}");
        }
        self.footprint(&mut md);
        self.flood(&mut md);
        if !self.notes.is_empty() {
            md.push_str("## Notes from this run\n\n");
            for note in &self.notes {
                let _ = writeln!(md, "- {note}");
            }
            md.push('\n');
        }
        md
    }

    fn fleet_table(&self, md: &mut String) {
        let Some(rows) = &self.fleet else {
            return;
        };
        md.push_str(
            "## A fleet on one PostgreSQL\n\nNew answers over HTTP, 256 connections split evenly \
             between the collectors (a load balancer's job), one PostgreSQL, this 2-core machine \
             (collectors, PostgreSQL and the load generator share its cores).\n\n\
             | collectors | answers/s | vs one | p99 ms | not 2xx |\n|---:|---:|---:|---:|---:|\n",
        );
        let one = rows.first().map_or(1.0, |r| r.per_second.max(1.0));
        for row in rows {
            let _ = writeln!(
                md,
                "| {} | {:.0} | ×{:.2} | {:.1} | {} |",
                row.collectors,
                row.per_second,
                row.per_second / one,
                row.p99_ms,
                row.not_ok
            );
        }
        md.push('\n');
    }

    fn import_table(&self, md: &mut String) {
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

    fn targets(&self, md: &mut String) {
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

    fn ingest_tables(&self, md: &mut String) {
        let _ = writeln!(
            md,
            "## Ingest over HTTP\n\nEach row: {} s of keep-alive connections on loopback, each sending its next \
             request as soon as the previous answer arrived; distinct interactions. \
             *vs ceiling*: responses/s as a share of the bare endpoint at the same connection count.\n",
            self.seconds
        );
        md.push_str(
            "| server | traffic | connections | requests/s | p50 ms | p99 ms | max ms | not 2xx | vs ceiling | vs alone |\n\
             |---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
        );
        let all = self.ceiling.iter().map(|r| ("bare endpoint", r)).chain(
            self.ingest
                .iter()
                .flat_map(|i| i.runs.iter().map(move |r| (i.backend, r))),
        );
        for (server, run) in all {
            let o = &run.outcome;
            let ratio = 100.0 * o.per_second() / self.ceiling_at(run.connections).max(1.0);
            let alone = match run.traffic {
                Traffic::Single => self.alone_at(server, run.connections as u64),
                Traffic::Edits => None,
            }
            .map_or("".to_owned(), |bound| {
                format!("{:.0} %", 100.0 * o.per_second() / bound.max(1.0))
            });
            let _ = writeln!(
                md,
                "| {server} | {} | {} | {:.0} | {} | {} | {} | {} | {ratio:.1} % | {alone} |",
                run.traffic.label(),
                run.connections,
                o.per_second(),
                ms(o.percentile(0.5)),
                ms(o.percentile(0.99)),
                ms(o.max()),
                o.failed + o.limited + o.unanswered,
            );
        }
        md.push('\n');
        for ingest in &self.ingest {
            let _ = writeln!(
                md,
                "- {}: {} interactions acknowledged (every submission 2xx), {} responses stored, \
                 {} acknowledged ones missing.",
                ingest.backend, ingest.acknowledged, ingest.stored, ingest.missing
            );
        }
        if let Some(floor) = &self.floor {
            let _ = writeln!(
                md,
                "- SQLite alone on this disk, WAL + `synchronous=FULL`, no Koe code: {:.0} commits/s \
                 with one row each (one fsync per commit); {:.0} rows/s with 256 rows per commit \
                 (one multi-row insert, two multi-row upserts into daily and weekly sums). The \
                 collector's storage layer alone (group commit, 256 concurrent writers, no HTTP): \
                 {:.0} responses/s on SQLite, {} on PostgreSQL.",
                floor.commits_per_second,
                floor.batched_rows_per_second,
                floor.storage_layer_per_second,
                floor
                    .postgres_storage_layer_per_second
                    .map_or("not measured".to_owned(), |r| format!("{r:.0} responses/s")),
            );
        }
        md.push('\n');
        self.alone_table(md);
    }

    /// Each database alone writing Koe's rows, the bound of the *vs alone* column.
    pub fn alone_table(&self, md: &mut String) {
        if self.alone.is_empty() {
            return;
        }
        md.push_str(
            "### Each database alone, writing Koe's rows\n\n\
             No HTTP and no Koe code: each commit inserts its answers into Koe's schema (claiming \
             their keys first on PostgreSQL, as the collector does) — the HTTP rows' answers — \
             adds them to `rollups` and the four summary tables with one multi-row upsert each \
             and opens a follow-up for each unhappy one, with the collector's durability. It does \
             not read before writing, as the collector must to merge an answer. \
             *Answers per commit* is how many answers the bench's connections keep waiting at once \
             (1, 16, 256); from more than one connection each commits its share, as the \
             collector's PostgreSQL writers do. The HTTP rows' *vs alone* is against the best \
             row here for the same backend and batch.\n\n\
             | database | durability | answers per commit | connections | responses/s | commit p50 ms |\n\
             |---|---|---:|---:|---:|---:|\n",
        );
        for bound in &self.alone {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {:.0} | {} |",
                bound.backend,
                bound.durability,
                bound.batch,
                bound.connections,
                bound.per_second,
                ms(bound.commit_p50),
            );
        }
        md.push('\n');
    }

    /// The best rate of `backend` alone with `batch` answers per commit.
    fn alone_at(&self, backend: &str, batch: u64) -> Option<f64> {
        self.alone
            .iter()
            .filter(|b| b.backend == backend && b.batch == batch)
            .map(|b| b.per_second)
            .reduce(f64::max)
    }

    fn report_table(&self, md: &mut String) {
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
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    size.backend,
                    size.responses,
                    t.name,
                    t.rows,
                    t.bytes,
                    ms(t.p50),
                    ms(t.p99)
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

    fn facts_tables(&self, md: &mut String) {
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
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | {} | {} |",
                    size.interactions,
                    t.name,
                    t.rows,
                    t.bytes,
                    ms(t.p50),
                    ms(t.p99)
                );
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

    fn footprint(&self, md: &mut String) {
        md.push_str("## Footprint\n\n| collector on | RSS idle | RSS peak (during ingest) |\n|---|---:|---:|\n");
        for i in &self.ingest {
            let _ = writeln!(
                md,
                "| {} | {:.1} MiB | {:.1} MiB |",
                i.backend,
                i.rss_idle as f64 / MIB,
                i.rss_peak as f64 / MIB
            );
        }
        let mut times = self.start_to_ready.clone();
        times.sort_unstable();
        let list: Vec<String> = times.iter().map(|d| ms(*d)).collect();
        let _ = writeln!(
            md,
            "\nStart to `/readyz` 200 on the SQLite file the ingest runs filled (process spawn \
             included), ms: {}.\n",
            list.join(", ")
        );
    }
}

impl Summary {
    fn flood(&self, md: &mut String) {
        let Some(flood) = &self.flood else { return };
        let ratio = flood.during.percentile(0.99).as_secs_f64()
            / flood.alone.percentile(0.99).as_secs_f64().max(1e-9);
        let _ = writeln!(
            md,
            "## A flood from one address (default limits: 600/min, burst 120 per IP)\n\n\
             {FLOOD_CONNECTIONS} connections from 127.0.0.1 as fast as they can, {} s, while a quiet \
             client on 127.0.0.2 sends one submission every {} ms (under its own limit).\n\n\
             | | requests | 2xx | 429 | other | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|---:|",
            self.seconds,
            QUIET_PAUSE.as_millis()
        );
        for (name, o) in [
            ("quiet client alone", &flood.alone),
            ("quiet client during the flood", &flood.during),
            ("flooder", &flood.flooder),
        ] {
            let _ = writeln!(
                md,
                "| {name} | {} | {} | {} | {} | {} | {} |",
                o.latencies.len(),
                o.ok,
                o.limited,
                o.failed + o.unanswered,
                ms(o.percentile(0.5)),
                ms(o.percentile(0.99))
            );
        }
        let _ = writeln!(
            md,
            "
The quiet client's p99 during the flood is {ratio:.2}× its p99 alone (target ≤ 2×: {}).
",
            verdict(ratio <= 2.0)
        );
    }
}

fn median(values: &[Duration]) -> Option<Duration> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len() / 2).copied()
}
