//! When an imported answer was given: a timestamp with an offset (RFC 3339, `…Z`), or a local
//! date and time read in the site's time zone, or a given `strftime` format (`--date-format`).

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::fmt::strtime;

use super::values::shown;
use crate::sites::SiteTimeZone;

/// Most characters of a time parser's own error a reason keeps (jiff quotes the input it could
/// not read, which may be a whole cell).
const PARSER_ERROR_CHARS: usize = 120;

/// How a file writes its times.
#[derive(Debug, Clone, Default)]
pub enum DateFormat {
    /// RFC 3339, `YYYY-MM-DD HH:MM[:SS]` or `YYYY-MM-DD` (local times in the site's zone).
    #[default]
    Usual,
    /// A `strftime` format, e.g. `%d/%m/%Y %H:%M`.
    Strftime(String),
}

/// Unix milliseconds of `text`, or why it is not a time.
pub fn parse(text: &str, format: &DateFormat, zone: &SiteTimeZone) -> Result<i64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("no date".into());
    }
    match format {
        DateFormat::Strftime(format) => {
            let parsed = strtime::parse(format, text).map_err(|e| {
                let e = super::clip(&e.to_string(), PARSER_ERROR_CHARS);
                format!("{} does not match {format:?}: {e}", shown(text))
            })?;
            if let Ok(at) = parsed.to_timestamp() {
                return Ok(at.as_millisecond());
            }
            let local = parsed
                .to_datetime()
                .or_else(|_| parsed.to_date().map(|d| d.at(12, 0, 0, 0)))
                .map_err(|e| format!("{} does not name a day: {e}", shown(text)))?;
            in_zone(local, zone)
        }
        DateFormat::Usual => {
            if let Ok(at) = text.parse::<Timestamp>() {
                return Ok(at.as_millisecond());
            }
            if let Ok(local) = text.parse::<DateTime>() {
                return in_zone(local, zone);
            }
            if let Ok(day) = text.parse::<Date>() {
                return in_zone(day.at(12, 0, 0, 0), zone);
            }
            Err(format!(
                "{} is not a date: use RFC 3339 (2026-11-30T14:05:00+09:00), \
                 2026-11-30 14:05 (the site's time zone), or --date-format",
                shown(text)
            ))
        }
    }
}

fn in_zone(local: DateTime, zone: &SiteTimeZone) -> Result<i64, String> {
    zone.zone()
        .to_ambiguous_zoned(local)
        .compatible()
        .map(|z| z.timestamp().as_millisecond())
        .map_err(|e| format!("{local} is not a time in {}: {e}", zone.name()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_with_and_without_offsets() {
        let tokyo = SiteTimeZone::parse("Asia/Tokyo").unwrap();
        let z = parse("2026-11-30T05:00:00Z", &DateFormat::Usual, &tokyo).unwrap();
        assert_eq!(
            parse("2026-11-30 14:00:00", &DateFormat::Usual, &tokyo).unwrap(),
            z
        );
        assert_eq!(
            parse("2026-11-30T14:00", &DateFormat::Usual, &tokyo).unwrap(),
            z
        );
        let noon = parse("2026-11-30", &DateFormat::Usual, &tokyo).unwrap();
        assert_eq!(tokyo.local_date(noon).to_string(), "2026-11-30");
        let european = DateFormat::Strftime("%d/%m/%Y %H:%M".into());
        assert_eq!(parse("30/11/2026 14:00", &european, &tokyo).unwrap(), z);
        assert!(parse("yesterday", &DateFormat::Usual, &tokyo).is_err());
        assert!(parse("", &DateFormat::Usual, &tokyo).is_err());
    }
}
