//! Any CSV: `--map csat=Rating,comment=Feedback,agent=Agent,created_at=Date,interaction=Ticket`
//! names the column each of Koe's fields comes from; `--date-format` reads its times. Without an
//! interaction column each line gets an id derived from its content, so importing the same file
//! again finds it stored.

use super::columns::{Columns, FIELDS};
use super::{ImportError, Line, LineReader, ReadOptions, derived_interaction};

/// `field=Column` pairs, as given.
#[derive(Debug, Clone, Default)]
pub struct ColumnMap(pub Vec<(String, String)>);

impl ColumnMap {
    pub fn parse(text: &str) -> Result<Self, String> {
        let pairs = text
            .split(',')
            .filter(|p| !p.trim().is_empty())
            .map(|pair| {
                let (field, column) = pair.split_once('=').ok_or_else(|| {
                    format!(
                        "{pair:?} is not field=Column (fields: {})",
                        FIELDS.join(", ")
                    )
                })?;
                Ok((field.trim().to_ascii_lowercase(), column.trim().to_owned()))
            })
            .collect::<Result<Vec<_>, String>>()?;
        if pairs.is_empty() {
            return Err("--map names no column".into());
        }
        Ok(Self(pairs))
    }
}

#[derive(Debug)]
pub struct Mapped {
    columns: Columns,
    options: ReadOptions,
}

impl Mapped {
    pub fn new(
        header: &csv::StringRecord,
        map: &ColumnMap,
        options: ReadOptions,
    ) -> Result<Self, ImportError> {
        let mut columns = Columns::default();
        for (field, column) in &map.0 {
            columns.bind(header, field, column)?;
        }
        columns.check()?;
        Ok(Self { columns, options })
    }
}

impl LineReader for Mapped {
    fn read(&self, line: u64, record: &csv::StringRecord) -> Line {
        let derived = || Ok(derived_interaction("import", record));
        match self.columns.answer(line, record, &self.options, derived) {
            Ok(answer) => Line::Answer(Box::new(answer)),
            Err(bad) => Line::Bad(bad),
        }
    }
}
