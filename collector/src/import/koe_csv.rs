//! Koe's own responses CSV (`GET /api/v1/sites/{site}/responses?format=csv`, the dashboard's
//! download): the round trip — export from one site, import into another, the same scores.
//! Answers set aside beside another (a scanner's click) are skipped; flagged ones stay flagged.

use super::columns::Columns;
use super::{ImportError, Line, LineReader, ReadOptions};

#[derive(Debug)]
pub struct KoeCsv {
    columns: Columns,
    flagged: Option<usize>,
    set_aside: Option<usize>,
    options: ReadOptions,
}

impl KoeCsv {
    pub fn new(header: &csv::StringRecord, options: ReadOptions) -> Result<Self, ImportError> {
        let mut columns = Columns {
            undefuse: true,
            ..Columns::default()
        };
        columns.bind_by_name(header);
        for required in ["interaction", "created_at", "csat"] {
            if !header.iter().any(|h| h.trim() == required) {
                return Err(ImportError::Header(format!(
                    "this is not Koe's responses CSV: it has no {required:?} column"
                )));
            }
        }
        let find = |name: &str| header.iter().position(|h| h.trim() == name);
        Ok(Self {
            flagged: find("flagged"),
            set_aside: find("set_aside"),
            columns,
            options,
        })
    }
}

impl LineReader for KoeCsv {
    fn read(&self, line: u64, record: &csv::StringRecord) -> Line {
        let yes = |column: Option<usize>| {
            column
                .and_then(|i| record.get(i))
                .is_some_and(|v| v.trim() == "true")
        };
        if yes(self.set_aside) {
            return Line::Skipped;
        }
        let no_id = || Err("no interaction id".to_owned());
        match self.columns.answer(line, record, &self.options, no_id) {
            Ok(mut answer) => {
                answer.flagged = yes(self.flagged);
                Line::Answer(Box::new(answer))
            }
            Err(bad) => Line::Bad(bad),
        }
    }
}
