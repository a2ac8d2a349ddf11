//! Everything one bench run measured, and its Markdown: each target stated as met or not
//! (`targets.rs`), then the tables of the write side (`writes.rs`) and of the read side
//! (`reads.rs`).

mod reads;
mod targets;
mod writes;

use std::fmt::Write as _;
use std::time::Duration;

use crate::flood::Flood;
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

    pub(super) fn ceiling_at(&self, connections: usize) -> f64 {
        self.ceiling
            .iter()
            .find(|r| r.connections == connections)
            .map_or(0.0, |r| r.outcome.per_second())
    }

    pub(super) fn run(&self, backend: &str, traffic: Traffic, connections: usize) -> Option<&Run> {
        self.ingest
            .iter()
            .find(|i| i.backend == backend)?
            .runs
            .iter()
            .find(|r| r.traffic == traffic && r.connections == connections)
    }

    pub(super) fn report(
        &self,
        backend: &str,
        responses: u64,
        name: &str,
    ) -> Option<&ReportTiming> {
        self.reports
            .iter()
            .find(|r| r.backend == backend && r.responses == responses)?
            .timings
            .iter()
            .find(|t| t.name == name)
    }

    /// The rate of `backend` alone at the batch a row's commits carried (`per_commit` each).
    pub(super) fn alone_formed(&self, backend: &str, per_commit: f64) -> Option<f64> {
        let (batch, connections) = crate::alone::formed(backend, per_commit);
        self.alone
            .iter()
            .find(|b| b.backend == backend && b.batch == batch && b.connections == connections)
            .map(|b| b.per_second)
    }

    /// The best rate of `backend` alone with `batch` answers per commit.
    pub(super) fn alone_at(&self, backend: &str, batch: u64) -> Option<f64> {
        self.alone
            .iter()
            .filter(|b| b.backend == backend && b.batch == batch)
            .map(|b| b.per_second)
            .reduce(f64::max)
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
}

fn median(values: &[Duration]) -> Option<Duration> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len() / 2).copied()
}
