//! `koe import --format interactions`: a helpdesk's history of interaction facts brought in from
//! a CSV file, one row per interaction, its columns named as the API's fields —
//! `interaction` (required), `channel`, `team`, `topic`, `customer`, `opened_at`,
//! `first_response_at`, `resolved_at` (RFC 3339 with an offset), `reopened`, `contacts`,
//! `handled_by` (`human`, `bot`, `bot_then_human`) and `agents` (ids separated by `|`, each
//! with an optional `:share`, as `aiko:0.7|ken:0.3`). An empty cell leaves the field as it is
//! stored (absent, as in a PUT); a column the file does not have is the same.
//!
//! [`read`] is pure: CSV in, each row an API [`FactsEntry`] checked by the API's rules
//! ([`InteractionFacts::parse`]), or every bad row with its line and field (the first
//! [`MAX_BAD_LISTED`] listed, the rest counted). [`run`] reads the whole file that way before it
//! stores anything — a file with a bad row stores nothing, and `--dry-run` stops there — then
//! records the rows in order through [`interactions::record`], [`MAX_BATCH`] per transaction.
//!
//! The rows are held in memory between the two steps (the answers import reads its file twice
//! instead): the same bounds as that import keep it finite — at most [`MAX_LINES`] rows, a line
//! of at most [`MAX_LINE_BYTES`], a cell of at most [`MAX_CELL_BYTES`] — and a row's facts are a
//! few hundred bytes, so a file of the most rows takes some hundreds of MB while it imports.
//!
//! A row can pass the check and still be refused when stored: its facts merge with those already
//! stored for its interaction (a first response earlier than the stored opening). Then the
//! batches before its own are in and nothing from its batch on; importing the file again is
//! harmless (a row writes the same facts again), so fixing the row and running again finishes it.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::io;
use std::path::Path;

use koe_shared::facts::{AgentShare, FactsBody, FactsEntry, HandledBy, MAX_BATCH, Topic};
use koe_shared::{AgentId, Channel, CustomerId, InteractionId, ParseError, TeamId};
use serde::Serialize;

use super::values::shown;
use super::{
    Bounded, MAX_BAD_LISTED, MAX_CELL_BYTES, MAX_LINE_BYTES, MAX_LINES, READ_BUFFER, clip, seen_key,
};
use crate::audit::{Actor, AuditAction, AuditEntry};
use crate::clock;
use crate::facts::InteractionFacts;
use crate::interactions::{self, RecordError};
use crate::sites::Site;
use crate::storage::{AccessStore, CustomerStore, FactsStore, StorageError};
use crate::surveying;

/// The columns an interactions file may have: the API's fields, `interaction` first.
pub const COLUMNS: [&str; 12] = [
    "interaction",
    "channel",
    "team",
    "topic",
    "customer",
    "opened_at",
    "first_response_at",
    "resolved_at",
    "reopened",
    "contacts",
    "handled_by",
    "agents",
];

/// Most characters of the header a refusal quotes (a header is a line, up to 64 KiB).
const SHOWN_HEADER_CHARS: usize = 300;

/// A row that cannot be imported: its line in the file (the header is line 1), the field to
/// fix (`None`: the line as a whole) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadRow {
    pub line: u64,
    pub field: Option<&'static str>,
    pub why: String,
}

impl BadRow {
    /// The reason clipped as the answers import clips its own: a pointer into the file, not a
    /// copy of it.
    pub fn new(line: u64, field: Option<&'static str>, why: impl Into<String>) -> Self {
        Self {
            line,
            field,
            why: clip(&why.into(), 300),
        }
    }
}

/// One interaction of the file and the line it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub line: u64,
    pub entry: FactsEntry,
}

/// A file read whole with no bad row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadFile {
    /// Rows after the header, blank ones included.
    pub rows: u64,
    /// Rows with no cell filled in, passed over.
    pub blank: u64,
    /// The interactions, in file order.
    pub interactions: Vec<Row>,
}

/// Why a file of interactions was not imported.
#[derive(Debug, thiserror::Error)]
pub enum InteractionsError {
    #[error("cannot read {path}: {error}")]
    File { path: String, error: io::Error },
    #[error("cannot read the file's header line: {0}")]
    Unreadable(csv::Error),
    #[error("{0}")]
    Header(String),
    #[error(
        "the file has more than {max} rows after its header, more than one import reads: split \
         it into files of at most {max} rows, each starting with the header line, and import \
         them one after another"
    )]
    TooManyLines { max: u64 },
    /// Rows that break a rule; nothing was stored.
    #[error("{count} bad row(s): nothing imported")]
    BadRows {
        /// Rows after the header.
        rows: u64,
        /// The first [`MAX_BAD_LISTED`], in file order.
        bad: Vec<BadRow>,
        /// Bad rows in all, listed or not.
        count: u64,
    },
    /// Storage failed part way: the first `stored` interactions are in.
    #[error("the import stopped after storing {stored} interactions: {error}")]
    Stopped {
        stored: u64,
        #[source]
        error: StorageError,
    },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What an import of interactions found and did (`koe import --json` prints it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct InteractionsSummary {
    /// Rows after the header, blank ones included.
    pub rows: u64,
    /// Rows with no cell filled in, passed over.
    pub blank: u64,
    /// Interactions read and checked.
    pub interactions: u64,
    /// The first [`MAX_BAD_LISTED`] bad rows, in file order.
    pub bad: Vec<BadRow>,
    /// Bad rows in all, listed or not.
    pub bad_rows: u64,
    /// Interactions that had no facts before.
    pub created: u64,
    /// Interactions whose stored facts the file's rows were written over (the same facts again
    /// when a file is imported twice).
    pub updated: u64,
    pub dry_run: bool,
}

/// Which field each column of the header holds.
#[derive(Debug)]
struct Layout {
    /// By column index.
    fields: Vec<&'static str>,
}

impl Layout {
    /// The header's columns as fields: names compared without surrounding spaces, a byte-order
    /// mark or ASCII case; an unknown or repeated column is refused, naming it.
    fn new(header: &csv::StringRecord) -> Result<Self, InteractionsError> {
        let listed = || COLUMNS.join(", ");
        let mut fields = Vec::with_capacity(header.len());
        let mut unknown = Vec::new();
        for name in header {
            let name = name.trim_start_matches('\u{feff}').trim();
            match COLUMNS.iter().find(|c| c.eq_ignore_ascii_case(name)) {
                Some(field) if fields.contains(field) => {
                    return Err(InteractionsError::Header(format!(
                        "the column {field:?} appears twice in the header: give each field one \
                         column"
                    )));
                }
                Some(field) => fields.push(*field),
                None => {
                    unknown.push(format!("{:?}", clip(name, 40)));
                    fields.push("");
                }
            }
        }
        if !unknown.is_empty() {
            return Err(InteractionsError::Header(clip(
                &format!(
                    "the file has columns an interactions file does not: {} (the columns are \
                     named as the API's fields: {}; leave the others out)",
                    unknown.join(", "),
                    listed()
                ),
                SHOWN_HEADER_CHARS + 200,
            )));
        }
        if !fields.contains(&"interaction") {
            return Err(InteractionsError::Header(format!(
                "the file has no \"interaction\" column: every row names its interaction (the \
                 columns: {})",
                listed()
            )));
        }
        Ok(Self { fields })
    }

    /// The field of column `index`, when the header has that column.
    fn field(&self, index: usize) -> Option<&'static str> {
        self.fields.get(index).copied()
    }

    /// A field's cell on a row, without surrounding spaces; `None` when empty or not in the
    /// file.
    fn cell<'r>(&self, record: &'r csv::StringRecord, field: &str) -> Option<&'r str> {
        self.fields
            .iter()
            .position(|f| *f == field)
            .and_then(|i| record.get(i))
            .map(str::trim)
            .filter(|cell| !cell.is_empty())
    }

    /// A field of a row: absent when its cell is empty, else `parse`d (a value: `Some(Some)`),
    /// or the bad row naming the field.
    fn value<T>(
        &self,
        line: u64,
        record: &csv::StringRecord,
        field: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<Option<T>>, BadRow> {
        match self.cell(record, field) {
            None => Ok(None),
            Some(cell) => parse(cell)
                .map(|value| Some(Some(value)))
                .map_err(|why| BadRow::new(line, Some(field), why)),
        }
    }

    /// The interaction a row names.
    fn interaction(&self, line: u64, record: &csv::StringRecord) -> Result<InteractionId, BadRow> {
        let cell = self.cell(record, "interaction").ok_or_else(|| {
            BadRow::new(
                line,
                Some("interaction"),
                "interaction is empty: every row names its interaction",
            )
        })?;
        InteractionId::try_from(cell)
            .map_err(|e| BadRow::new(line, Some("interaction"), e.to_string()))
    }

    /// A row's facts, as a PUT would send them, checked by the API's rules.
    fn facts(&self, line: u64, record: &csv::StringRecord) -> Result<FactsBody, BadRow> {
        let text = |cell: &str| -> Result<String, String> { Ok(cell.to_owned()) };
        let body = FactsBody {
            channel: self.value(line, record, "channel", |c| {
                c.parse::<Channel>().map_err(|e: ParseError| e.to_string())
            })?,
            team: self.value(line, record, "team", |c| {
                TeamId::try_from(c).map_err(|e| e.to_string())
            })?,
            topic: self.value(line, record, "topic", |c| {
                Topic::try_from(c).map_err(|e| e.to_string())
            })?,
            customer: self.value(line, record, "customer", |c| {
                CustomerId::try_from(c).map_err(|e| e.to_string())
            })?,
            opened_at: self.value(line, record, "opened_at", text)?,
            first_response_at: self.value(line, record, "first_response_at", text)?,
            resolved_at: self.value(line, record, "resolved_at", text)?,
            reopened: self.value(line, record, "reopened", |c| count("reopened", c))?,
            contacts: self.value(line, record, "contacts", |c| count("contacts", c))?,
            handled_by: self.value(line, record, "handled_by", |c| {
                c.parse::<HandledBy>()
                    .map_err(|e: ParseError| e.to_string())
            })?,
            agents: self.value(line, record, "agents", agents)?,
        };
        InteractionFacts::parse(&body)
            .map_err(|error| BadRow::new(line, Some(error.field()), error.to_string()))?;
        Ok(body)
    }
}

/// A whole number of 0 or more (`2`, or `2.0` as spreadsheets write it).
fn count(field: &str, cell: &str) -> Result<u32, String> {
    cell.parse::<u32>()
        .ok()
        .or_else(|| {
            cell.parse::<f64>()
                .ok()
                .filter(|v| v.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(v))
                .map(|v| v as u32)
        })
        .ok_or_else(|| {
            format!(
                "{field} must be a whole number of 0 or more, got {}",
                shown(cell)
            )
        })
}

/// Agent ids separated by `|`, each with an optional `:share` (`aiko:0.7|ken:0.3`): the text
/// after an id's last `:` is its share, so an id holding a `:` is listed with one.
fn agents(cell: &str) -> Result<Vec<AgentShare>, String> {
    cell.split('|')
        .map(|part| -> Result<AgentShare, String> {
            let part = part.trim();
            let (agent, share) = match part.rsplit_once(':') {
                None => (part, None),
                Some((agent, share)) => {
                    let share = share.trim().parse::<f64>().map_err(|_| {
                        format!(
                            "agents: in {}, the text after ':' must be a share from 0 to 1, like \
                             aiko:0.7 (an agent id with a ':' in it needs a share after it)",
                            shown(part)
                        )
                    })?;
                    (agent.trim(), Some(share))
                }
            };
            let agent = AgentId::try_from(agent).map_err(|e| {
                format!(
                    "agents: {e} (in {}; agents are separated by |)",
                    shown(part)
                )
            })?;
            Ok(AgentShare { agent, share })
        })
        .collect()
}

/// Bad rows as they are found: the first [`MAX_BAD_LISTED`] kept, all counted.
#[derive(Debug, Default)]
struct BadRows {
    listed: Vec<BadRow>,
    count: u64,
}

impl BadRows {
    fn push(&mut self, bad: BadRow) {
        self.count += 1;
        if self.listed.len() < MAX_BAD_LISTED {
            self.listed.push(bad);
        }
    }
}

/// Reads and checks a whole file of interactions: every row, or every bad row (see the module
/// documentation). Pure: `source` is all it reads.
pub fn read<R: io::Read>(source: R) -> Result<ReadFile, InteractionsError> {
    read_at_most(source, MAX_LINES)
}

/// [`read`], with at most `max_rows` rows after the header.
fn read_at_most<R: io::Read>(source: R, max_rows: u64) -> Result<ReadFile, InteractionsError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .buffer_capacity(READ_BUFFER)
        .from_reader(Bounded::new(source));
    let header = reader
        .headers()
        .map_err(InteractionsError::Unreadable)?
        .clone();
    let layout = Layout::new(&header)?;
    let mut read = ReadFile::default();
    let mut bad = BadRows::default();
    // The line each interaction was first read on, by its key (as the answers import keeps
    // them: 16 bytes each, whatever the ids' length).
    let mut seen: HashMap<u128, u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        reader.get_mut().taken = 0;
        let (line, start) = (reader.position().line(), reader.position().byte());
        let outcome = reader.read_record(&mut record);
        if matches!(outcome, Ok(false)) {
            break;
        }
        read.rows += 1;
        if read.rows > max_rows {
            return Err(InteractionsError::TooManyLines { max: max_rows });
        }
        if let Err(error) = outcome {
            if reader.get_ref().overflowed {
                bad.push(BadRow::new(
                    line,
                    None,
                    format!(
                        "this line runs past {} KiB (a quote left open?): the rest of the file \
                         was not read",
                        MAX_LINE_BYTES / 1024
                    ),
                ));
                break;
            }
            bad.push(BadRow::new(line, None, format!("not CSV: {error}")));
            continue;
        }
        let line = record.position().map_or(line, |p| p.line());
        let bytes = reader.position().byte() - start;
        if bytes > MAX_LINE_BYTES {
            bad.push(BadRow::new(
                line,
                None,
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
            bad.push(BadRow::new(
                line,
                layout.field(i),
                format!(
                    "this cell holds {} bytes; a cell may hold at most {} KiB",
                    cell.len(),
                    MAX_CELL_BYTES / 1024
                ),
            ));
            continue;
        }
        if record.iter().all(|cell| cell.trim().is_empty()) {
            read.blank += 1;
            continue;
        }
        if record.len() > header.len() {
            bad.push(BadRow::new(
                line,
                None,
                format!(
                    "this row has {} cells and the header {}: a cell holding a comma needs \
                     double quotes around it",
                    record.len(),
                    header.len()
                ),
            ));
            continue;
        }
        let interaction = match layout.interaction(line, &record) {
            Ok(interaction) => interaction,
            Err(row) => {
                bad.push(row);
                continue;
            }
        };
        match seen.entry(seen_key(&interaction)) {
            Entry::Occupied(first) => {
                bad.push(BadRow::new(
                    line,
                    Some("interaction"),
                    format!(
                        "{} is also on line {}: list each interaction once, with all its facts \
                         on one row",
                        shown(interaction.as_str()),
                        first.get()
                    ),
                ));
                continue;
            }
            Entry::Vacant(slot) => {
                slot.insert(line);
            }
        }
        match layout.facts(line, &record) {
            // Once a row is bad nothing is stored: the others need not be kept.
            Ok(facts) if bad.count == 0 => read.interactions.push(Row {
                line,
                entry: FactsEntry { interaction, facts },
            }),
            Ok(_) => {}
            Err(row) => bad.push(row),
        }
    }
    if bad.count > 0 {
        return Err(InteractionsError::BadRows {
            rows: read.rows,
            bad: bad.listed,
            count: bad.count,
        });
    }
    Ok(read)
}

/// Reads and checks the file at `path`, then — unless `dry_run`, and only when no row is bad —
/// records its interactions in order, [`MAX_BATCH`] per transaction, calling `progress` with how
/// many are done of how many. The customer ids are hashed with the configured `customer_key`
/// (else the one the server keeps), as the API hashes them. Audited when anything was stored,
/// also when the import stopped part way.
#[tracing::instrument(name = "import::interactions", skip_all)]
pub async fn run<S: FactsStore + AccessStore + CustomerStore>(
    storage: &S,
    site: &Site,
    customer_key: Option<&str>,
    path: &Path,
    dry_run: bool,
    progress: impl Fn(u64, u64),
) -> Result<InteractionsSummary, InteractionsError> {
    let mut summary = InteractionsSummary {
        dry_run,
        ..InteractionsSummary::default()
    };
    let file = std::fs::File::open(path).map_err(|error| InteractionsError::File {
        path: path.display().to_string(),
        error,
    })?;
    let checked = match read(file) {
        Ok(checked) => checked,
        Err(InteractionsError::BadRows { rows, bad, count }) => {
            summary.rows = rows;
            summary.bad = bad;
            summary.bad_rows = count;
            return Ok(summary);
        }
        Err(error) => return Err(error),
    };
    summary.rows = checked.rows;
    summary.blank = checked.blank;
    summary.interactions = checked.interactions.len() as u64;
    if dry_run || checked.interactions.is_empty() {
        return Ok(summary);
    }
    let key = surveying::customer_key(customer_key, storage).await?;
    let total = summary.interactions;
    let mut rows = checked.interactions.into_iter();
    let mut stopped: Option<StorageError> = None;
    loop {
        let (lines, entries): (Vec<u64>, Vec<FactsEntry>) = rows
            .by_ref()
            .take(MAX_BATCH)
            .map(|row| (row.line, row.entry))
            .unzip();
        if entries.is_empty() {
            break;
        }
        match interactions::record(storage, site, &key, entries, clock::now()).await {
            Ok(saved) => {
                let created = saved.iter().filter(|s| s.created).count() as u64;
                summary.created += created;
                summary.updated += saved.len() as u64 - created;
                progress(summary.created + summary.updated, total);
            }
            Err(RecordError::Refused(refusals)) => {
                // Each row passed the check alone: what breaks a rule is its merge with the facts
                // already stored for its interaction.
                summary.bad_rows = refusals.len() as u64;
                summary.bad = refusals
                    .iter()
                    .take(MAX_BAD_LISTED)
                    .map(|refusal| {
                        BadRow::new(
                            lines.get(refusal.index).copied().unwrap_or_default(),
                            Some(refusal.error.field()),
                            format!(
                                "{} (with the facts already stored for {})",
                                refusal.error,
                                shown(refusal.interaction.as_str())
                            ),
                        )
                    })
                    .collect();
                break;
            }
            Err(RecordError::Storage(error)) => {
                stopped = Some(error);
                break;
            }
        }
    }
    let stored = summary.created + summary.updated;
    if stored > 0 {
        let how_far = match stored == total {
            true => "",
            false => " before the import stopped",
        };
        let entry = AuditEntry {
            site_id: site.id,
            actor: Actor::Cli,
            action: AuditAction::InteractionsImported,
            detail: format!(
                "{stored} interactions' facts imported from {}{how_far} ({} created, {} updated)",
                path.file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
                summary.created,
                summary.updated
            ),
            at: clock::now(),
        };
        let audited = storage.record_audit(entry).await;
        if let Some(error) = stopped {
            return Err(InteractionsError::Stopped { stored, error });
        }
        audited?;
    } else if let Some(error) = stopped {
        return Err(error.into());
    }
    Ok(summary)
}

#[cfg(test)]
#[path = "interactions_tests.rs"]
mod tests;
