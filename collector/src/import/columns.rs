//! Finding columns in a header by name, and reading a record's answer fields through them —
//! shared by the formats whose files name their columns.

use koe_shared::InteractionId;

use super::values::{self, optional};
use super::{BadLine, ImportError, ImportedAnswer, ReadOptions, dates};
use crate::responses::{Answers, Attribution};

/// Koe's fields, and the column each is read from (by index).
#[derive(Debug, Clone, Default)]
pub struct Columns {
    pub interaction: Option<(usize, String)>,
    pub created_at: Option<(usize, String)>,
    pub agent: Option<(usize, String)>,
    pub team: Option<(usize, String)>,
    pub channel: Option<(usize, String)>,
    pub csat: Option<(usize, String)>,
    pub nps: Option<(usize, String)>,
    pub ces: Option<(usize, String)>,
    pub resolved: Option<(usize, String)>,
    pub comment: Option<(usize, String)>,
    pub reasons: Option<(usize, String)>,
    /// The answer to the site's own question, `id:answer` (Koe's export writes it so).
    pub question: Option<(usize, String)>,
    /// Cells come from Koe's own export: a formula-defused cell is read back as it was.
    pub undefuse: bool,
}

/// The fields a column map may name.
pub const FIELDS: [&str; 12] = [
    "interaction",
    "created_at",
    "agent",
    "team",
    "channel",
    "csat",
    "nps",
    "ces",
    "resolved",
    "comment",
    "reasons",
    "question",
];

impl Columns {
    /// Sets `field` to the header's column named `name` (case and surrounding spaces ignored).
    pub fn bind(
        &mut self,
        header: &csv::StringRecord,
        field: &str,
        name: &str,
    ) -> Result<(), ImportError> {
        let index = header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                // Clipped: a header is a line, and a line may be 64 KiB.
                ImportError::Header(format!(
                    "the file has no column {name:?} (for {field}); its columns are: {}",
                    super::clip(&header.iter().collect::<Vec<_>>().join(", "), 300)
                ))
            })?;
        let slot = match field {
            "interaction" => &mut self.interaction,
            "created_at" => &mut self.created_at,
            "agent" => &mut self.agent,
            "team" => &mut self.team,
            "channel" => &mut self.channel,
            "csat" => &mut self.csat,
            "nps" => &mut self.nps,
            "ces" => &mut self.ces,
            "resolved" => &mut self.resolved,
            "comment" => &mut self.comment,
            "reasons" => &mut self.reasons,
            "question" => &mut self.question,
            other => {
                return Err(ImportError::Header(format!(
                    "{other:?} is not a field to import into; use {}",
                    FIELDS.join(", ")
                )));
            }
        };
        *slot = Some((index, header[index].trim().to_owned()));
        Ok(())
    }

    /// Binds every field whose own name is a column of the header.
    pub fn bind_by_name(&mut self, header: &csv::StringRecord) {
        for field in FIELDS {
            let _ = self.bind(header, field, field);
        }
    }

    /// Refuses a map that cannot give an answer.
    pub fn check(&self) -> Result<(), ImportError> {
        if self.created_at.is_none() {
            return Err(ImportError::Header(
                "say which column holds each answer's time (created_at)".into(),
            ));
        }
        if [&self.csat, &self.nps, &self.ces, &self.resolved]
            .iter()
            .all(|c| c.is_none())
        {
            return Err(ImportError::Header(
                "say which column holds a score (csat, nps, ces or resolved)".into(),
            ));
        }
        Ok(())
    }

    /// The answer on one line; `interaction` gives the id when the line names none (or says
    /// why it must).
    pub fn answer(
        &self,
        line: u64,
        record: &csv::StringRecord,
        options: &ReadOptions,
        interaction: impl FnOnce() -> Result<InteractionId, String>,
    ) -> Result<ImportedAnswer, BadLine> {
        fn cell<'a>(
            record: &'a csv::StringRecord,
            column: &'a Option<(usize, String)>,
        ) -> Option<(&'a str, &'a str)> {
            column
                .as_ref()
                .map(|(i, name)| (record.get(*i).unwrap_or_default(), name.as_str()))
        }
        let undefuse = self.undefuse;
        let cell = |column| {
            cell(record, column).map(|(text, name)| match undefuse {
                true => (values::undefuse(text.trim()), name),
                false => (text, name),
            })
        };
        macro_rules! field {
            ($column:expr, $parse:expr) => {
                match cell(&$column) {
                    Some((text, name)) => optional(line, name, text, $parse)?,
                    None => None,
                }
            };
        }
        let (text, name) = cell(&self.created_at).unwrap_or_default();
        let at_ms = dates::parse(text, &options.dates, &options.zone)
            .map_err(|why| BadLine::new(line, name, why))?;
        let interaction = match field!(self.interaction, |c| {
            InteractionId::try_from(c).map_err(|e| e.to_string())
        }) {
            Some(id) => id,
            None => interaction().map_err(|why| {
                let name = cell(&self.interaction).map_or("", |(_, name)| name);
                BadLine::new(line, name, why)
            })?,
        };
        let answers = Answers {
            csat: field!(self.csat, values::csat),
            nps: field!(self.nps, values::nps),
            ces: field!(self.ces, values::ces),
            resolved: field!(self.resolved, values::resolved),
            comment: field!(self.comment, values::comment),
            reasons: field!(self.reasons, values::reasons).unwrap_or_default(),
            locale: None,
            survey_version: None,
            question: field!(self.question, values::question),
        };
        if answers.csat.is_none()
            && answers.nps.is_none()
            && answers.ces.is_none()
            && answers.resolved.is_none()
        {
            let (_, name) = cell(&self.csat)
                .or(cell(&self.nps))
                .or(cell(&self.ces))
                .unwrap_or_default();
            return Err(BadLine::new(line, name, "no score on this line"));
        }
        Ok(ImportedAnswer {
            interaction,
            attribution: Attribution {
                agent: field!(self.agent, values::agent),
                team: field!(self.team, values::team),
                channel: field!(self.channel, values::channel).or(options.channel),
                verified: false,
            },
            answers,
            at_ms,
            flagged: false,
        })
    }
}
