//! One cell of an imported file, parsed into Koe's types: the same rules as the API, with
//! the column named in every error.

use koe_shared::{
    AgentId, CesScore, Channel, Comment, CsatScore, NpsScore, ParseError, Reason, Reasons,
    Resolved, TeamId,
};

use super::BadLine;

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
        .map_err(|_| format!("{cell:?} is not a number"))?;
    if value.fract() != 0.0 || !(0.0..=255.0).contains(&value) {
        return Err(format!("{cell:?} is not a whole score"));
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
        _ => Err(format!("{cell:?} is not true/false or yes/no")),
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
