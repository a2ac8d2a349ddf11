//! `koe import`: a team's history brought in from a file — Koe's own responses CSV (a round
//! trip), Chatwoot's CSAT report download, or any CSV with a column map. The file is read
//! twice: first every line is checked (a file with a bad line changes nothing, and `--dry-run`
//! stops there, listing each bad line with its column and why), then the answers are committed
//! in batches, each dated by its own timestamp (its day in the site's time zone), marked
//! `imported`, and counted in the rollups in the same transaction. An interaction already stored
//! is left as it is, so importing the same file twice changes nothing.

pub mod chatwoot;
mod columns;
pub mod dates;
pub mod koe_csv;
pub mod mapped;
mod values;

use std::collections::HashSet;
use std::path::Path;

use koe_shared::{Channel, InteractionId};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::audit::{Actor, AuditAction, AuditEntry};
use crate::responses::{Answers, Attribution, Client, ResponseState, Source};
use crate::sites::{Site, SiteTimeZone};
use crate::storage::{AccessStore, AnswerStore, StorageError};
pub use dates::DateFormat;
pub use mapped::ColumnMap;

/// Answers per committed batch.
pub const BATCH: usize = 5_000;

/// Which kind of file.
#[derive(Debug, Clone)]
pub enum Format {
    /// Koe's responses CSV (`GET …/responses?format=csv`).
    Koe,
    /// Chatwoot's CSAT report download.
    Chatwoot,
    /// Any CSV, its columns named by a map.
    Csv(ColumnMap),
}

/// What the readers need besides the line.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    pub zone: SiteTimeZone,
    pub dates: DateFormat,
    /// The channel of answers whose file gives none.
    pub channel: Option<Channel>,
}

/// One answer read from a file.
#[derive(Debug, Clone)]
pub struct ImportedAnswer {
    pub interaction: InteractionId,
    pub attribution: Attribution,
    pub answers: Answers,
    pub at_ms: i64,
    /// Flagged in Koe's own export (a suspected scanner's): kept, never counted.
    pub flagged: bool,
}

impl ImportedAnswer {
    fn state(&self, zone: &SiteTimeZone) -> ResponseState {
        ResponseState {
            attribution: self.attribution.clone(),
            answers: self.answers.clone(),
            source: Source {
                client: Client::Imported,
                flagged: self.flagged,
            },
            day: zone.local_date(self.at_ms),
            created_at_ms: self.at_ms,
            updated_at_ms: self.at_ms,
        }
    }
}

/// A line that cannot be imported: where, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadLine {
    pub line: u64,
    pub column: String,
    pub why: String,
}

impl BadLine {
    pub fn new(line: u64, column: &str, why: impl Into<String>) -> Self {
        Self {
            line,
            column: column.to_owned(),
            why: why.into(),
        }
    }
}

/// What one line of a file holds.
#[derive(Debug)]
pub enum Line {
    Answer(Box<ImportedAnswer>),
    /// Not an answer, and not wrong: a report's trailing period line, an answer Koe's export
    /// lists beside another (set aside).
    Skipped,
    Bad(BadLine),
}

/// Reads the lines of one format, once its header is known.
pub trait LineReader {
    fn read(&self, line: u64, record: &csv::StringRecord) -> Line;
}

/// Why a file cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {error}")]
    File { path: String, error: csv::Error },
    #[error("{0}")]
    Header(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What an import found and did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportSummary {
    /// Lines after the header.
    pub lines: u64,
    /// Answers read (after dropping repeats of an interaction within the file).
    pub answers: u64,
    /// Later lines of an interaction already read from this file (the first one counts).
    pub repeated: u64,
    /// Lines that are not answers and not wrong (e.g. a report's period line).
    pub skipped: u64,
    pub bad: Vec<BadLine>,
    /// Answers stored now.
    pub imported: u64,
    /// Answers whose interaction the site already had (left as they were).
    pub already_stored: u64,
    pub dry_run: bool,
}

fn reader_for(
    format: &Format,
    path: &Path,
    options: &ReadOptions,
) -> Result<(csv::Reader<std::fs::File>, Box<dyn LineReader>), ImportError> {
    let file_error = |error| ImportError::File {
        path: path.display().to_string(),
        error,
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(file_error)?;
    let header = reader.headers().map_err(file_error)?.clone();
    let lines: Box<dyn LineReader> = match format {
        Format::Koe => Box::new(koe_csv::KoeCsv::new(&header, options.clone())?),
        Format::Chatwoot => Box::new(chatwoot::Chatwoot::new(&header, options.clone())?),
        Format::Csv(map) => Box::new(mapped::Mapped::new(&header, map, options.clone())?),
    };
    Ok((reader, lines))
}

/// Reads every line, giving each answer (first of its interaction) to `on_answer`.
fn each_line(
    format: &Format,
    path: &Path,
    options: &ReadOptions,
    summary: &mut ImportSummary,
    mut on_answer: impl FnMut(ImportedAnswer),
) -> Result<(), ImportError> {
    let (mut reader, lines) = reader_for(format, path, options)?;
    let mut seen: HashSet<InteractionId> = HashSet::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line() + 1;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                summary.lines += 1;
                summary
                    .bad
                    .push(BadLine::new(line, "", format!("not CSV: {error}")));
                continue;
            }
        }
        summary.lines += 1;
        let line = record.position().map_or(line, |p| p.line());
        if record.iter().all(|cell| cell.trim().is_empty()) {
            summary.skipped += 1;
            continue;
        }
        match lines.read(line, &record) {
            Line::Answer(answer) => {
                if seen.insert(answer.interaction.clone()) {
                    summary.answers += 1;
                    on_answer(*answer);
                } else {
                    summary.repeated += 1;
                }
            }
            Line::Skipped => summary.skipped += 1,
            Line::Bad(bad) => summary.bad.push(bad),
        }
    }
    Ok(())
}

/// Checks the whole file, then (unless `dry_run`, and only when no line is bad) imports it
/// in batches of [`BATCH`] — read on a blocking thread while the previous batch commits —
/// calling `progress` with how many answers are done of how many. Audited.
#[tracing::instrument(name = "import::run", skip_all)]
pub async fn run<S: AnswerStore + AccessStore>(
    storage: &S,
    site: &Site,
    format: &Format,
    path: &Path,
    options: &ReadOptions,
    dry_run: bool,
    progress: impl Fn(u64, u64),
) -> Result<ImportSummary, ImportError> {
    let mut checked = ImportSummary {
        dry_run,
        ..ImportSummary::default()
    };
    each_line(format, path, options, &mut checked, drop)?;
    if dry_run || !checked.bad.is_empty() {
        return Ok(checked);
    }
    let total = checked.answers;
    let (batches, mut ready) = tokio::sync::mpsc::channel::<Vec<(InteractionId, ResponseState)>>(2);
    let (format, path_buf, options) = (format.clone(), path.to_owned(), options.clone());
    let reading = tokio::task::spawn_blocking(move || {
        let mut summary = ImportSummary::default();
        let mut batch = Vec::with_capacity(BATCH);
        each_line(&format, &path_buf, &options, &mut summary, |answer| {
            batch.push((answer.interaction.clone(), answer.state(&options.zone)));
            if batch.len() == BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                let _ = batches.blocking_send(full);
            }
        })?;
        if !batch.is_empty() {
            let _ = batches.blocking_send(batch);
        }
        Ok::<_, ImportError>(summary)
    });
    let (mut imported, mut done) = (0u64, 0u64);
    while let Some(rows) = ready.recv().await {
        done += rows.len() as u64;
        imported += storage.import_responses(site.id, rows).await?;
        progress(done, total);
    }
    let mut summary = reading
        .await
        .map_err(|e| ImportError::Header(format!("the file reader stopped: {e}")))??;
    summary.dry_run = false;
    summary.imported = imported;
    summary.already_stored = done - imported;
    if imported > 0 {
        let entry = AuditEntry {
            site_id: site.id,
            actor: Actor::Cli,
            action: AuditAction::ResponsesImported,
            detail: format!(
                "{imported} responses imported from {} ({} already stored)",
                path.file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
                summary.already_stored
            ),
            at: crate::clock::now(),
        };
        storage.record_audit(entry).await?;
    }
    Ok(summary)
}

/// An interaction id for a line whose file has none: the same line always gives the same id,
/// so a second import of the file finds it stored.
pub fn derived_interaction(prefix: &str, record: &csv::StringRecord) -> InteractionId {
    let mut hash = Sha256::new();
    for cell in record {
        hash.update(cell.as_bytes());
        hash.update([0x1f]);
    }
    let digest = hash.finalize();
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    InteractionId::try_from(format!("{prefix}-{hex}").as_str()).expect("a short ASCII id is valid")
}
