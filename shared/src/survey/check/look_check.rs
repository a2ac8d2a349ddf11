//! A definition's look, checked: a colour, corners within their bounds, a font, a theme and a
//! position from their lists.

use super::Problems;
use crate::survey::LookDefinition;
use crate::survey::look::{self, Font, Look, Position, Theme};

pub(super) fn checked_look(raw: &LookDefinition, problems: &mut Problems) -> Look {
    let mut look = Look::default();
    if let Some(color) = &raw.color {
        match look::parse_hex(color) {
            Some((r, g, b)) => look.color = Some(format!("#{r:02x}{g:02x}{b:02x}")),
            None => problems.add(
                "look.color",
                format!("must be #rgb or #rrggbb, got {color:?}"),
            ),
        }
    }
    if let Some(radius) = raw.radius {
        match u8::try_from(radius) {
            Ok(r) if r <= look::MAX_RADIUS => look.radius = r,
            _ => problems.add(
                "look.radius",
                format!("must be 0 to {} pixels, got {radius}", look::MAX_RADIUS),
            ),
        }
    }
    fn pick<T>(
        field: &str,
        raw: &Option<String>,
        names: &[&str],
        parse: fn(&str) -> Option<T>,
        problems: &mut Problems,
    ) -> Option<T> {
        let raw = raw.as_deref()?;
        let parsed = parse(raw);
        if parsed.is_none() {
            problems.add(
                field,
                format!("must be one of {}, got {raw:?}", names.join(", ")),
            );
        }
        parsed
    }
    if let Some(font) = pick("look.font", &raw.font, Font::NAMES, Font::parse, problems) {
        look.font = font;
    }
    if let Some(theme) = pick(
        "look.theme",
        &raw.theme,
        Theme::NAMES,
        Theme::parse,
        problems,
    ) {
        look.theme = theme;
    }
    if let Some(position) = pick(
        "look.position",
        &raw.position,
        Position::NAMES,
        Position::parse,
        problems,
    ) {
        look.position = Some(position);
    }
    look
}
