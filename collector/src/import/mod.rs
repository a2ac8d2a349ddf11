//! `koe import`: a team's history brought in from a file — Koe's own responses CSV (a round
//! trip), Chatwoot's CSAT report download, or any CSV with a column map. The file is read
//! twice: first every line is checked (a file with a bad line changes nothing, and `--dry-run`
//! stops there, listing the first bad lines with their column and why), then the answers are
//! committed in batches, each dated by its own timestamp (its day in the site's time zone),
//! marked `imported`, and counted in the rollups in the same transaction. An interaction already
//! stored is left as it is, so importing the same file twice changes nothing.
//!
//! Why twice, and why that is safe. Holding every checked answer until the end would make
//! memory grow with the file (and a private copy of the file would double its disk, or on a
//! tmpfs its memory); committing while checking would store the start of a file whose end is
//! bad. So the check pass writes down a SHA-256 digest of everything read up to each batch's
//! last line (and of the whole file) — the header, and each line's number and cells, all that
//! decides what is stored — and the import pass sends a batch to storage only once its own
//! digest at the same answer matches: a file changed between the passes stores nothing the
//! check did not pass, cell for cell, and the import stops there ([`ImportError::Changed`]).
//! What went in before stays in (it was checked, and importing the file again leaves it as it
//! is).
//!
//! Bounds, so memory and the report do not grow with the file: at most [`MAX_LINES`] lines; a
//! line of at most [`MAX_LINE_BYTES`] and a cell of at most [`MAX_CELL_BYTES`] (a longer one is a
//! bad line, and a line that never ends — a quote left open — stops the reading rather than
//! being buffered whole); interactions remembered as 16-byte digests; at most
//! [`MAX_BAD_LISTED`] bad lines listed (the rest counted), each echoing at most a short piece of
//! its cell.
//!
//! Interaction facts (`--format interactions`, the service side) come in through
//! [`interactions`]: the same bounds, but checked by the facts' rules and stored through
//! `crate::interactions::record`.

pub mod chatwoot;
mod columns;
pub mod dates;
pub mod interactions;
pub mod koe_csv;
pub mod mapped;
mod values;

use std::collections::HashSet;
use std::io;
use std::path::Path;

use koe_shared::text::MAX_COMMENT_CHARS;
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

/// Lines after the header one import reads at most. Why this many: the set of interactions
/// already read (16 bytes each, in a table that doubles) stays within 2²¹ slots — about 36 MB,
/// 54 MB while it last grows — up to 1.83 M lines, and the benchmark's million fits with room.
/// A longer history splits into files that import as the whole would: an interaction a later
/// part repeats is found stored and left as it is, as a repeat within one file is skipped.
pub const MAX_LINES: u64 = 1_500_000;

/// Bad lines a summary lists; the others are only counted ([`ImportSummary::bad_lines`]), so a
/// report stays a page long however bad the file.
pub const MAX_BAD_LISTED: usize = 100;

/// Longest line (one CSV record, line breaks inside quotes included), in bytes: far above any
/// real answer, so a longer one is a broken file — most often a quote left open, which would make
/// the rest of the file one cell.
pub const MAX_LINE_BYTES: u64 = 64 * 1024;

/// Longest cell, in bytes, in any column (imported or not): room for the longest comment in any
/// script (its characters take at most 4 bytes each); a longer cell is a broken line.
pub const MAX_CELL_BYTES: usize = 8 * 1024;
const _: () = assert!(MAX_CELL_BYTES >= 4 * MAX_COMMENT_CHARS);

/// The CSV reader's buffer (csv's default, named here because the line bound counts in it).
const READ_BUFFER: usize = 8 * 1024;

/// Most characters of a bad line's column name, and of its reason, that a report keeps.
const MAX_COLUMN_CHARS: usize = 80;
const MAX_WHY_CHARS: usize = 300;

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
    /// The column and the reason are clipped (a header or a cell may be kilobytes long): a bad
    /// line is a pointer into the file, not a copy of it.
    pub fn new(line: u64, column: &str, why: impl Into<String>) -> Self {
        let why: String = why.into();
        Self {
            line,
            column: clip(column, MAX_COLUMN_CHARS),
            why: clip(&why, MAX_WHY_CHARS),
        }
    }
}

/// At most `max_chars` characters of `text`, with `…` where it was cut.
fn clip(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        None => text.to_owned(),
        Some((end, _)) => format!("{}…", &text[..end]),
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

/// Why a file cannot be read, or an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {error}")]
    File { path: String, error: csv::Error },
    #[error("{0}")]
    Header(String),
    #[error(
        "{path} has more than {max} lines after its header, more than one import reads: split it \
         into files of at most {max} lines, each starting with the header line, and import them \
         one after another (an interaction a later part repeats is found stored and left as it \
         is, as a repeat within one file would be)"
    )]
    TooManyLines { path: String, max: u64 },
    #[error(
        "{path} changed while it was imported: the first {handled} answers, from lines the check \
         had passed, are in (stored now or already there) and nothing after them is; check the \
         file again (--dry-run) and import it again (answers already stored are left as they are)"
    )]
    Changed { path: String, handled: u64 },
    /// The storing side stopped (its error is the one reported), so the reading side stops too.
    #[error("the import stopped before the file was read to its end")]
    Stopped,
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
    /// The first [`MAX_BAD_LISTED`] bad lines, in file order.
    pub bad: Vec<BadLine>,
    /// Bad lines in all, listed or not.
    pub bad_lines: u64,
    /// Answers stored now.
    pub imported: u64,
    /// Answers whose interaction the site already had (left as they were).
    pub already_stored: u64,
    pub dry_run: bool,
}

impl ImportSummary {
    /// Counts a bad line, and lists it while fewer than [`MAX_BAD_LISTED`] are.
    fn bad_line(&mut self, bad: BadLine) {
        self.bad_lines += 1;
        if self.bad.len() < MAX_BAD_LISTED {
            self.bad.push(bad);
        }
    }
}

/// What the check pass read, for the import pass to compare with.
#[derive(Debug, Clone)]
struct Checked {
    /// The digest of everything read up to each full batch's last line.
    batches: Vec<[u8; 32]>,
    /// The digest of the whole file.
    whole: [u8; 32],
}

/// The file under the CSV reader, counting the bytes the reader takes while it reads one line:
/// past [`MAX_LINE_BYTES`] and a buffer it gives no more, so a line that never ends (a quote
/// left open) is refused rather than read whole into memory. The reader takes a buffer at a time,
/// so the count runs up to a buffer ahead of (or behind) the line itself — hence the buffer's
/// room here, and the exact bound checked on each line read whole.
#[derive(Debug)]
struct Bounded<R> {
    inner: R,
    /// Bytes taken since the reader began the line it is on.
    taken: u64,
    /// A read was refused: a line ran past the bound.
    overflowed: bool,
}

impl<R> Bounded<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            taken: 0,
            overflowed: false,
        }
    }
}

impl<R: io::Read> io::Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.taken > MAX_LINE_BYTES + READ_BUFFER as u64 {
            self.overflowed = true;
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "a line runs past {} KiB (a quote left open?)",
                    MAX_LINE_BYTES / 1024
                ),
            ));
        }
        let taken = self.inner.read(buf)?;
        self.taken += taken as u64;
        Ok(taken)
    }
}

fn open(path: &Path) -> Result<std::fs::File, ImportError> {
    std::fs::File::open(path).map_err(|error| ImportError::File {
        path: path.display().to_string(),
        error: error.into(),
    })
}

/// The reader of `format`'s lines, once the file's header is known.
fn line_reader(
    format: &Format,
    header: &csv::StringRecord,
    options: &ReadOptions,
) -> Result<Box<dyn LineReader>, ImportError> {
    let lines: Box<dyn LineReader> = match format {
        Format::Koe => Box::new(koe_csv::KoeCsv::new(header, options.clone())?),
        Format::Chatwoot => Box::new(chatwoot::Chatwoot::new(header, options.clone())?),
        Format::Csv(map) => Box::new(mapped::Mapped::new(header, map, options.clone())?),
    };
    Ok(lines)
}

/// Adds one record to a pass's digest: its line, then each cell after its length, so two
/// different files cannot digest alike by moving a comma.
fn digest_record(digest: &mut Sha256, line: u64, record: &csv::StringRecord) {
    digest.update(line.to_le_bytes());
    digest.update((record.len() as u64).to_le_bytes());
    for cell in record {
        digest.update((cell.len() as u64).to_le_bytes());
        digest.update(cell.as_bytes());
    }
}

/// The digest of what a pass has read so far.
fn sealed(digest: &Sha256) -> [u8; 32] {
    let mut sealed = [0u8; 32];
    sealed.copy_from_slice(&digest.clone().finalize());
    sealed
}

/// An interaction as the set of those already read keeps it: 16 bytes of its SHA-256 rather
/// than the id (up to 128 characters), so the set's size depends on the number of lines only.
/// Two ids share a key with odds of about n²/2¹²⁹ — never, in practice, and not by a crafted file
/// either (a repeat is dropped, so a shared key would lose an answer).
fn seen_key(interaction: &InteractionId) -> u128 {
    let digest = Sha256::digest(interaction.as_str().as_bytes());
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    u128::from_le_bytes(key)
}

/// Reads every line of `source` (at most `max_lines`), giving each answer (first of its
/// interaction) to `on_answer` with the digest of everything read up to its line; gives the
/// digest of the whole file. The digest covers the header and each line's number and cells —
/// everything that decides which answers a file gives.
fn each_line<R: io::Read>(
    format: &Format,
    source: R,
    name: &str,
    options: &ReadOptions,
    max_lines: u64,
    summary: &mut ImportSummary,
    mut on_answer: impl FnMut(ImportedAnswer, &Sha256) -> Result<(), ImportError>,
) -> Result<[u8; 32], ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .buffer_capacity(READ_BUFFER)
        .from_reader(Bounded::new(source));
    let header = reader
        .headers()
        .map_err(|error| ImportError::File {
            path: name.to_owned(),
            error,
        })?
        .clone();
    let lines = line_reader(format, &header, options)?;
    let mut digest = Sha256::new();
    digest_record(&mut digest, 0, &header);
    let mut seen: HashSet<u128> = HashSet::new();
    let mut record = csv::StringRecord::new();
    loop {
        reader.get_mut().taken = 0;
        let (line, start) = (reader.position().line(), reader.position().byte());
        let read = reader.read_record(&mut record);
        if matches!(read, Ok(false)) {
            break;
        }
        summary.lines += 1;
        if summary.lines > max_lines {
            return Err(ImportError::TooManyLines {
                path: name.to_owned(),
                max: max_lines,
            });
        }
        if let Err(error) = read {
            // A line the parser refused counts in the digest too (a length no record has), so
            // the import pass cannot meet another line in its place unnoticed.
            digest.update(line.to_le_bytes());
            digest.update(u64::MAX.to_le_bytes());
            if reader.get_ref().overflowed {
                summary.bad_line(BadLine::new(
                    line,
                    "",
                    format!(
                        "this line runs past {} KiB (a quote left open?): the rest of the file \
                         was not read",
                        MAX_LINE_BYTES / 1024
                    ),
                ));
                break;
            }
            summary.bad_line(BadLine::new(line, "", format!("not CSV: {error}")));
            continue;
        }
        let line = record.position().map_or(line, |p| p.line());
        digest_record(&mut digest, line, &record);
        let bytes = reader.position().byte() - start;
        if bytes > MAX_LINE_BYTES {
            summary.bad_line(BadLine::new(
                line,
                "",
                format!(
                    "this line holds {} KiB; a line may hold at most {} KiB",
                    bytes / 1024,
                    MAX_LINE_BYTES / 1024
                ),
            ));
            continue;
        }
        if let Some((i, cell)) = record
            .iter()
            .enumerate()
            .find(|(_, cell)| cell.len() > MAX_CELL_BYTES)
        {
            summary.bad_line(BadLine::new(
                line,
                header.get(i).unwrap_or_default().trim(),
                format!(
                    "this cell holds {} bytes; a cell may hold at most {} KiB (a comment at most \
                     {MAX_COMMENT_CHARS} characters)",
                    cell.len(),
                    MAX_CELL_BYTES / 1024
                ),
            ));
            continue;
        }
        if record.iter().all(|cell| cell.trim().is_empty()) {
            summary.skipped += 1;
            continue;
        }
        match lines.read(line, &record) {
            Line::Answer(answer) => {
                if seen.insert(seen_key(&answer.interaction)) {
                    summary.answers += 1;
                    on_answer(*answer, &digest)?;
                } else {
                    summary.repeated += 1;
                }
            }
            Line::Skipped => summary.skipped += 1,
            Line::Bad(bad) => summary.bad_line(bad),
        }
    }
    Ok(sealed(&digest))
}

/// The check pass: every line of `source` read into `summary`, nothing stored; the digests the
/// import pass must meet.
fn check<R: io::Read>(
    format: &Format,
    source: R,
    name: &str,
    options: &ReadOptions,
    summary: &mut ImportSummary,
    max_lines: u64,
) -> Result<Checked, ImportError> {
    let mut batches = Vec::new();
    let mut in_batch = 0;
    let whole = each_line(
        format,
        source,
        name,
        options,
        max_lines,
        summary,
        |_, so_far| {
            in_batch += 1;
            if in_batch == BATCH {
                in_batch = 0;
                batches.push(sealed(so_far));
            }
            Ok(())
        },
    )?;
    Ok(Checked { batches, whole })
}

/// The import pass: `source` read again, each full batch given to `send` only once the digest
/// of everything read up to its last line is the check's at the same point, and the last batch
/// only once the whole file's is — so nothing the check did not pass is ever sent. `send` says
/// whether the storing side took the batch.
fn send_checked<R: io::Read>(
    format: &Format,
    source: R,
    name: &str,
    options: &ReadOptions,
    checked: &Checked,
    mut send: impl FnMut(Vec<(InteractionId, ResponseState)>) -> bool,
) -> Result<ImportSummary, ImportError> {
    let changed = || ImportError::Changed {
        path: name.to_owned(),
        handled: 0,
    };
    let mut summary = ImportSummary::default();
    let mut batch = Vec::with_capacity(BATCH);
    let mut full = 0;
    let whole = each_line(
        format,
        source,
        name,
        options,
        MAX_LINES,
        &mut summary,
        |answer, so_far| {
            let state = answer.state(&options.zone);
            batch.push((answer.interaction, state));
            if batch.len() < BATCH {
                return Ok(());
            }
            if checked.batches.get(full) != Some(&sealed(so_far)) {
                return Err(changed());
            }
            full += 1;
            match send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))) {
                true => Ok(()),
                false => Err(ImportError::Stopped),
            }
        },
    )
    .map_err(|error| match error {
        // The check read this file's header and counted its lines: it is another file now.
        ImportError::Header(_) | ImportError::TooManyLines { .. } => changed(),
        error => error,
    })?;
    // The same digest means the same lines, so the check's verdict (no bad line) holds; a line
    // that stopped the reading (one past the bound, after the lines the check read) is not in
    // the digest, hence the count as well.
    if whole != checked.whole || summary.bad_lines > 0 {
        return Err(changed());
    }
    if !batch.is_empty() && !send(batch) {
        return Err(ImportError::Stopped);
    }
    Ok(summary)
}

/// Checks the whole file, then (unless `dry_run`, and only when no line is bad) imports it
/// in batches of [`BATCH`] — read again on a blocking thread while the previous batch commits,
/// each batch sent only if its lines are the ones checked — calling `progress` with how many
/// answers are done of how many. Audited, also when it stops part way.
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
    let name = path.display().to_string();
    let mut checked = ImportSummary {
        dry_run,
        ..ImportSummary::default()
    };
    let digests = check(format, open(path)?, &name, options, &mut checked, MAX_LINES)?;
    if dry_run || checked.bad_lines > 0 {
        return Ok(checked);
    }
    let total = checked.answers;
    let (batches, mut ready) = tokio::sync::mpsc::channel::<Vec<(InteractionId, ResponseState)>>(2);
    let (format, path_buf, options, reading_name) = (
        format.clone(),
        path.to_owned(),
        options.clone(),
        name.clone(),
    );
    let reading = tokio::task::spawn_blocking(move || -> Result<ImportSummary, ImportError> {
        let source = open(&path_buf)?;
        send_checked(&format, source, &reading_name, &options, &digests, |rows| {
            batches.blocking_send(rows).is_ok()
        })
    });
    let (mut imported, mut done) = (0u64, 0u64);
    let mut stored: Result<(), ImportError> = Ok(());
    while let Some(rows) = ready.recv().await {
        let count = rows.len() as u64;
        match storage.import_responses(site.id, rows).await {
            Ok(new) => {
                imported += new;
                done += count;
                progress(done, total);
            }
            Err(error) => {
                stored = Err(error.into());
                break;
            }
        }
    }
    // The reader may be waiting to send a batch nobody will take: letting go of the channel
    // stops it.
    drop(ready);
    let read = match reading.await {
        Ok(read) => read,
        Err(e) => Err(ImportError::Header(format!("the file reader stopped: {e}"))),
    };
    let already_stored = done - imported;
    if imported > 0 {
        let stopped = match (&stored, &read) {
            (Ok(()), Ok(_)) => "",
            (Ok(()), Err(ImportError::Changed { .. })) => " before the file changed",
            _ => " before the import stopped",
        };
        let entry = AuditEntry {
            site_id: site.id,
            actor: Actor::Cli,
            action: AuditAction::ResponsesImported,
            detail: format!(
                "{imported} responses imported from {}{stopped} ({already_stored} already stored)",
                path.file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            ),
            at: crate::clock::now(),
        };
        let audited = storage.record_audit(entry).await.map_err(ImportError::from);
        stored = stored.and(audited);
    }
    stored?;
    let mut summary = match read {
        Ok(summary) => summary,
        Err(ImportError::Changed { path, .. }) => {
            return Err(ImportError::Changed {
                path,
                handled: done,
            });
        }
        Err(error) => return Err(error),
    };
    summary.dry_run = false;
    summary.imported = imported;
    summary.already_stored = already_stored;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> ReadOptions {
        ReadOptions {
            zone: SiteTimeZone::parse("Asia/Tokyo").unwrap(),
            dates: DateFormat::Usual,
            channel: None,
        }
    }

    fn tickets_format() -> Format {
        Format::Csv(ColumnMap::parse("interaction=Ticket,csat=Rating,created_at=Date").unwrap())
    }

    /// A mapped CSV of `n` answers, `T-0` to `T-{n-1}`, each rated 4.
    fn tickets(n: usize) -> String {
        let mut file = String::from("Ticket,Rating,Date\n");
        for i in 0..n {
            file.push_str(&format!("T-{i},4,2026-10-30T09:00:00Z\n"));
        }
        file
    }

    #[test]
    fn a_file_changed_between_check_and_import_sends_only_lines_the_check_passed() {
        let n = 2 * BATCH + 10;
        let original = tickets(n);
        let rated = |i: usize, rating: &str| {
            original.replace(&format!("\nT-{i},4,"), &format!("\nT-{i},{rating},"))
        };
        let mut shorter = original.clone();
        shorter.truncate(original.trim_end().rfind('\n').unwrap() + 1);
        let cases = [
            ("unchanged", original.clone(), true, n),
            ("a line of the first batch changed", rated(7, "5"), false, 0),
            (
                "a line of the second batch changed",
                rated(BATCH + 5, "5"),
                false,
                BATCH,
            ),
            (
                "a line of the last batch changed",
                rated(2 * BATCH + 3, "5"),
                false,
                2 * BATCH,
            ),
            (
                "a line of the last batch made bad",
                rated(2 * BATCH + 3, "nine"),
                false,
                2 * BATCH,
            ),
            ("a line added at the end", tickets(n + 1), false, 2 * BATCH),
            ("the last line taken away", shorter, false, 2 * BATCH),
            (
                "the header changed",
                original.replacen("Ticket,Rating,Date", "Ticket,Rating,Date,", 1),
                false,
                0,
            ),
        ];
        for (what, changed, ok, sent_lines) in cases {
            let mut checked = ImportSummary::default();
            let digests = check(
                &tickets_format(),
                original.as_bytes(),
                "tickets.csv",
                &options(),
                &mut checked,
                MAX_LINES,
            )
            .unwrap();
            assert_eq!(
                (checked.answers, checked.bad_lines),
                (n as u64, 0),
                "{what}"
            );
            let mut sent = Vec::new();
            let imported = send_checked(
                &tickets_format(),
                changed.as_bytes(),
                "tickets.csv",
                &options(),
                &digests,
                |rows| {
                    sent.extend(rows.into_iter().map(|(id, _)| id.as_str().to_owned()));
                    true
                },
            );
            assert_eq!(imported.is_ok(), ok, "{what}: {imported:?}");
            if !ok {
                assert!(
                    matches!(imported, Err(ImportError::Changed { .. })),
                    "{what}: {imported:?}"
                );
            }
            let first: Vec<String> = (0..sent_lines).map(|i| format!("T-{i}")).collect();
            assert!(
                sent == first,
                "{what}: {} sent, not the first {sent_lines}",
                sent.len()
            );
        }
    }

    #[test]
    fn a_file_longer_than_one_import_reads_is_refused_whole_with_how_to_split_it() {
        let read = |n: usize| {
            check(
                &tickets_format(),
                tickets(n).as_bytes(),
                "history.csv",
                &options(),
                &mut ImportSummary::default(),
                3,
            )
        };
        assert!(read(3).is_ok(), "as many lines as one import reads");
        let error = read(4).unwrap_err();
        assert!(
            matches!(error, ImportError::TooManyLines { max: 3, .. }),
            "{error}"
        );
        assert!(
            error
                .to_string()
                .contains("split it into files of at most 3 lines"),
            "{error}"
        );
    }

    #[test]
    fn a_file_of_bad_lines_lists_the_first_hundred_and_counts_the_rest() {
        let bad = tickets(10_000).replace(",4,", ",nine,");
        let mut summary = ImportSummary::default();
        check(
            &tickets_format(),
            bad.as_bytes(),
            "bad.csv",
            &options(),
            &mut summary,
            MAX_LINES,
        )
        .unwrap();
        assert_eq!(
            (summary.bad.len(), summary.bad_lines),
            (MAX_BAD_LISTED, 10_000)
        );
        assert_eq!(summary.bad[0].line, 2, "in file order, from the first");
    }

    #[test]
    fn a_cell_or_a_line_past_its_bound_is_a_bad_line_naming_where() {
        let header = "Ticket,Rating,Date,Notes\nT-1,4,2026-10-30T09:00:00Z,fine\n";
        let after = "T-9,4,2026-10-30T09:00:00Z,fine\n";
        let cases = [
            (
                "a cell over 8 KiB, in a column not imported",
                format!(
                    "{header}T-2,4,2026-10-30T09:00:00Z,{}\n{after}",
                    "n".repeat(9_000)
                ),
                "Notes",
                "8 KiB",
            ),
            (
                "a line over 64 KiB, quotes closed",
                format!(
                    "{header}T-2,4,2026-10-30T09:00:00Z,\"{}\"\n{after}",
                    "a few words,".repeat(6_000)
                ),
                "",
                "64 KiB",
            ),
            (
                "a quote left open: the rest of the file one cell",
                format!(
                    "{header}T-2,4,2026-10-30T09:00:00Z,\"open\n{}",
                    after.repeat(10_000)
                ),
                "",
                "64 KiB",
            ),
        ];
        for (what, file, column, bound) in cases {
            let mut summary = ImportSummary::default();
            let read = check(
                &tickets_format(),
                file.as_bytes(),
                "notes.csv",
                &options(),
                &mut summary,
                MAX_LINES,
            );
            assert!(read.is_ok(), "{what}: {read:?}");
            assert_eq!(summary.bad_lines, 1, "{what}: {:?}", summary.bad);
            let bad = &summary.bad[0];
            assert_eq!(
                (bad.line, bad.column.as_str()),
                (3, column),
                "{what}: {bad:?}"
            );
            assert!(bad.why.contains(bound), "{what}: {bad:?}");
        }
    }

    #[test]
    fn repeats_of_an_interaction_are_found_by_their_key_and_the_first_is_kept() {
        let file = "Ticket,Rating,Date\nT-1,4,2026-10-30T09:00:00Z\nT-2,5,2026-10-30T09:00:00Z\n\
                    T-1,1,2026-10-31T09:00:00Z\n";
        let mut summary = ImportSummary::default();
        let mut ratings = Vec::new();
        each_line(
            &tickets_format(),
            file.as_bytes(),
            "repeats.csv",
            &options(),
            MAX_LINES,
            &mut summary,
            |answer, _| {
                ratings.push((answer.interaction.as_str().to_owned(), answer.answers.csat));
                Ok(())
            },
        )
        .unwrap();
        assert_eq!((summary.answers, summary.repeated), (2, 1));
        assert_eq!(ratings[0].0, "T-1");
        assert_eq!(
            ratings[0].1.map(u8::from),
            Some(4),
            "the first line of T-1 is kept"
        );
    }
}
