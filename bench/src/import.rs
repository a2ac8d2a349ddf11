//! `koe import` at scale: a million answers in Koe's own CSV format brought into a fresh SQLite
//! site, against the check pass alone (reading and parsing the file, nothing stored) measured in
//! the same run — the ratio says how much of an import is storage.

use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use koe_collector::import::{self, DateFormat, Format, ReadOptions};
use koe_collector::storage::prelude::*;
use koe_collector::storage::{SqliteStorage, StorageOptions};

#[derive(Debug)]
pub struct ImportRun {
    pub rows: u64,
    /// Reading and checking every line (`--dry-run`).
    pub check: Duration,
    /// The whole import (check, then storing in batches).
    pub import: Duration,
}

impl ImportRun {
    pub fn per_second(&self) -> f64 {
        self.rows as f64 / self.import.as_secs_f64().max(1e-9)
    }

    pub fn check_per_second(&self) -> f64 {
        self.rows as f64 / self.check.as_secs_f64().max(1e-9)
    }
}

/// Writes `rows` answers as Koe's responses CSV: five agents, four channels, a year of days,
/// a comment on every tenth.
fn write_file(path: &Path, rows: u64) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        out,
        "\u{feff}id,created_at,day,interaction,agent,team,channel,verified,csat,nps,ces,resolved,comment,reasons,locale,client,flagged,set_aside"
    )?;
    let start = jiff::Timestamp::from_second(1_764_547_200)?; // 2025-12-01T00:00:00Z
    let channels = ["chat", "email", "phone", "sns"];
    for n in 0..rows {
        let at = start.checked_add(jiff::SignedDuration::from_secs(
            (n as i64 * 31) % 31_536_000,
        ))?;
        let comment = if n % 10 == 0 { "slow reply" } else { "" };
        writeln!(
            out,
            "{n},{at},,import-{n},agent-{},,{},false,{},{},{},{},{comment},,en,widget,false,false",
            n % 5,
            channels[(n % 4) as usize],
            1 + n % 5,
            n % 11,
            1 + n % 7,
            n % 2 == 0,
        )?;
    }
    out.flush()?;
    Ok(())
}

pub async fn measure(dir: &Path, rows: u64) -> anyhow::Result<ImportRun> {
    let file = dir.join("import.csv");
    write_file(&file, rows)?;
    let url = format!("sqlite://{}", dir.join("import.db").display());
    let storage = SqliteStorage::connect(&url, &StorageOptions::default()).await?;
    let (site, _, _) = crate::target::register(&storage).await?;
    let options = ReadOptions {
        zone: site.timezone.clone(),
        dates: DateFormat::Usual,
        channel: None,
    };
    let started = Instant::now();
    let checked = import::run(
        &storage,
        &site,
        &Format::Koe,
        &file,
        &options,
        true,
        |_, _| {},
    )
    .await?;
    let check = started.elapsed();
    anyhow::ensure!(checked.bad.is_empty(), "the generated file has bad lines");
    let started = Instant::now();
    let done = import::run(
        &storage,
        &site,
        &Format::Koe,
        &file,
        &options,
        false,
        |_, _| {},
    )
    .await?;
    let import = started.elapsed();
    anyhow::ensure!(
        done.imported == rows,
        "imported {} of {rows}",
        done.imported
    );
    storage.close().await;
    Ok(ImportRun {
        rows,
        check,
        import,
    })
}
