//! Reading a report's summed rows, each `[bucket, the grouped columns…, every counter…,
//! help-center resolved yes, no]`: folded by the database into one JSON array of arrays
//! ([`parse`], SQLite), or as rows ([`from_row`], PostgreSQL) — see
//! `ReportDialect::rows_as_json`. Each row is read straight into its [`GroupedRollup`],
//! without a JSON tree in between.

use std::fmt;

use serde::de::{self, DeserializeSeed, SeqAccess, Visitor};

use super::StorageError;
use crate::report::{GroupBy, GroupedRollup};
use crate::rollup::{COUNTERS, RollupCounters};

/// Numbers per row: every counter, then help-center "resolved?" yes and no.
pub(super) const COUNTS: usize = COUNTERS + 2;

/// Reads one row of a report read grouped by `groups` (in the order they were selected).
/// Values are decoded without sqlx's per-value type check (the statement selects text and
/// `BIGINT` columns only; a value of another width still fails to decode): the checks took
/// half the time the rows took to read.
pub(super) fn from_row<R: sqlx::Row>(
    row: &R,
    groups: &[GroupBy],
) -> Result<GroupedRollup, StorageError>
where
    usize: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let width = 1 + groups.len() + COUNTS;
    if row.len() != width {
        return Err(StorageError::Corrupt(format!(
            "a report row of {} columns, not {width}",
            row.len()
        )));
    }
    let mut rollup = GroupedRollup {
        bucket_start: row.try_get_unchecked(0)?,
        agent: None,
        channel: None,
        team: None,
        counters: RollupCounters::default(),
        self_resolved: [0; 2],
    };
    for (i, group) in groups.iter().enumerate() {
        let value = Some(row.try_get_unchecked(1 + i)?);
        match group {
            GroupBy::Agent => rollup.agent = value,
            GroupBy::Channel => rollup.channel = value,
            GroupBy::Team => rollup.team = value,
        }
    }
    let first = 1 + groups.len();
    let mut counters = [0; COUNTERS];
    for (i, slot) in counters.iter_mut().enumerate() {
        *slot = row.try_get_unchecked(first + i)?;
    }
    for (i, slot) in rollup.self_resolved.iter_mut().enumerate() {
        *slot = row.try_get_unchecked(first + COUNTERS + i)?;
    }
    rollup.counters = RollupCounters::from_values(counters);
    Ok(rollup)
}

/// Parses the rows of a report read grouped by `groups` (in the order they were selected).
pub(super) fn parse(json: &str, groups: &[GroupBy]) -> Result<Vec<GroupedRollup>, StorageError> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let rows = Rows(groups)
        .deserialize(&mut deserializer)
        .and_then(|rows| deserializer.end().map(|()| rows))
        .map_err(|e| StorageError::Corrupt(format!("a report row: {e}")))?;
    Ok(rows)
}

struct Rows<'a>(&'a [GroupBy]);

impl<'de> DeserializeSeed<'de> for Rows<'_> {
    type Value = Vec<GroupedRollup>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Rows<'_> {
    type Value = Vec<GroupedRollup>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of report rows")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(row) = seq.next_element_seed(Row(self.0))? {
            rows.push(row);
        }
        Ok(rows)
    }
}

struct Row<'a>(&'a [GroupBy]);

impl<'de> DeserializeSeed<'de> for Row<'_> {
    type Value = GroupedRollup;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Row<'_> {
    type Value = GroupedRollup;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a row of {} texts and {COUNTS} numbers",
            1 + self.0.len()
        )
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let missing = || de::Error::invalid_length(0, &self);
        let mut row = GroupedRollup {
            bucket_start: seq.next_element()?.ok_or_else(missing)?,
            agent: None,
            channel: None,
            team: None,
            counters: RollupCounters::default(),
            self_resolved: [0; 2],
        };
        for group in self.0 {
            let value = Some(seq.next_element()?.ok_or_else(missing)?);
            match group {
                GroupBy::Agent => row.agent = value,
                GroupBy::Channel => row.channel = value,
                GroupBy::Team => row.team = value,
            }
        }
        let mut counters = [0; COUNTERS];
        for slot in counters.iter_mut().chain(row.self_resolved.iter_mut()) {
            *slot = seq.next_element()?.ok_or_else(missing)?;
        }
        row.counters = RollupCounters::from_values(counters);
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_length(2 + self.0.len() + COUNTS, &self));
        }
        Ok(row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_by_position() {
        let counts: Vec<String> = (1..=COUNTS).map(|n| n.to_string()).collect();
        let json = format!(r#"[["2026-11-23","aiko","chat",{}]]"#, counts.join(","));
        let rows = parse(&json, &[GroupBy::Agent, GroupBy::Channel]).unwrap();
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(row.bucket_start, "2026-11-23");
        assert_eq!(row.agent.as_deref(), Some("aiko"));
        assert_eq!(row.channel.as_deref(), Some("chat"));
        assert_eq!(row.team, None);
        assert_eq!(row.counters.csat[0], 1);
        assert_eq!(row.self_resolved, [COUNTS as i64 - 1, COUNTS as i64]);
        assert!(parse("[]", &[]).unwrap().is_empty());
    }

    #[test]
    fn a_row_of_the_wrong_shape_is_an_error() {
        for json in [
            r#"[["2026-11-23", 1]]"#,
            r#"[["2026-11-23","aiko"]]"#,
            r#"{"rows": []}"#,
            r#"[["2026-11-23"]] x"#,
        ] {
            assert!(
                parse(json, &[GroupBy::Agent]).is_err(),
                "{json} must not parse"
            );
        }
        let too_long = format!(r#"[["2026-11-23",{}]]"#, vec!["0"; COUNTS + 1].join(","));
        assert!(parse(&too_long, &[]).is_err());
    }
}
