//! One cell of an imported file, parsed into Koe's types: the same rules as the API, with
//! the column named in every error.

use koe_shared::{
    AgentId, CesScore, Channel, Comment, CsatScore, NpsScore, ParseError, Reason, Reasons,
    Resolved, TeamId,
};

use super::{BadLine, clip};

/// Most characters of a cell a reason quotes: enough to find it in the file.
pub const SHOWN_CHARS: usize = 80;

/// `cell` quoted for a bad line's reason: whole if short, else its start and its length, so a
/// reason stays a line long however long the cell.
pub fn shown(cell: &str) -> String {
    let start = clip(cell, SHOWN_CHARS);
    if start == cell {
        format!("{cell:?}")
    } else {
        format!("{start:?} ({} characters)", cell.chars().count())
    }
}

/// Parses with `parse` unless the cell is empty (`None`), naming the line and column on error.
pub fn optional<T>(
    line: u64,
    column: &str,
    cell: &str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Option<T>, BadLine> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Ok(None);
    }
    parse(cell)
        .map(Some)
        .map_err(|why| BadLine::new(line, column, why))
}

/// Koe's CSV writes a cell a spreadsheet would run as a formula with a leading `'`: read back
/// from Koe's own export, it is the value again (other files keep their cells as written).
pub fn undefuse(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => cell,
    }
}

fn number<T: TryFrom<u8, Error = ParseError>>(cell: &str) -> Result<T, String> {
    let value: f64 = cell
        .parse()
        .map_err(|_| format!("{} is not a number", shown(cell)))?;
    if value.fract() != 0.0 || !(0.0..=255.0).contains(&value) {
        return Err(format!("{} is not a whole score", shown(cell)));
    }
    T::try_from(value as u8).map_err(|e| e.to_string())
}

pub fn csat(cell: &str) -> Result<CsatScore, String> {
    number(cell)
}

pub fn nps(cell: &str) -> Result<NpsScore, String> {
    number(cell)
}

pub fn ces(cell: &str) -> Result<CesScore, String> {
    number(cell)
}

pub fn resolved(cell: &str) -> Result<Resolved, String> {
    match cell.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "resolved" => Ok(Resolved::Yes),
        "false" | "no" | "0" | "unresolved" => Ok(Resolved::No),
        _ => Err(format!("{} is not true/false or yes/no", shown(cell))),
    }
}

pub fn agent(cell: &str) -> Result<AgentId, String> {
    AgentId::try_from(cell).map_err(|e| e.to_string())
}

pub fn team(cell: &str) -> Result<TeamId, String> {
    TeamId::try_from(cell).map_err(|e| e.to_string())
}

pub fn channel(cell: &str) -> Result<Channel, String> {
    cell.parse().map_err(|e: ParseError| e.to_string())
}

pub fn comment(cell: &str) -> Result<Comment, String> {
    Comment::try_from(cell).map_err(|e| e.to_string())
}

/// The answer to a site's own question as Koe's export writes it: `id:answer` (`clarity:4`,
/// `topic:billing`).
pub fn question(cell: &str) -> Result<koe_shared::survey::QuestionAnswer, String> {
    koe_shared::survey::QuestionAnswer::from_stored(cell.trim()).ok_or_else(|| {
        "must be a question's id and its answer, `id:answer` (`clarity:4`, `topic:billing`)"
            .to_owned()
    })
}

/// Reason tags separated by spaces or commas.
pub fn reasons(cell: &str) -> Result<Reasons, String> {
    let tags = cell
        .split([' ', ','])
        .filter(|t| !t.is_empty())
        .map(Reason::try_from)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    Reasons::try_from(tags).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_cell_is_quoted_in_its_reason_by_its_start_and_its_length() {
        let long = "x".repeat(10_000);
        let zone = crate::sites::SiteTimeZone::parse("Asia/Tokyo").unwrap();
        let european = crate::import::DateFormat::Strftime("%d/%m/%Y".into());
        let cases: [(&str, Result<(), String>); 5] = [
            ("a score", csat(&long).map(drop)),
            (
                "a whole score",
                nps(&format!("1.5{}", "0".repeat(10_000))).map(drop),
            ),
            ("resolved", resolved(&long).map(drop)),
            (
                "a date",
                crate::import::dates::parse(&long, &Default::default(), &zone).map(drop),
            ),
            (
                "a date in a given format",
                crate::import::dates::parse(&format!("30/11/2026{long}"), &european, &zone)
                    .map(drop),
            ),
        ];
        for (what, result) in cases {
            let why = result.expect_err(what);
            assert!(
                why.chars().count() < 300 && why.contains("characters)"),
                "{what}: {why}"
            );
        }
        assert_eq!(
            shown("5 stars"),
            "\"5 stars\"",
            "a short cell is quoted whole"
        );
    }
}
