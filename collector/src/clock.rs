//! Wall-clock time: as a `jiff::Timestamp` for records and pages, and in the milliseconds the
//! database keeps and the write path computes with.

use std::time::{SystemTime, UNIX_EPOCH};

use jiff::Timestamp;

/// Now, to the millisecond: the precision the database keeps, so a record made now equals
/// the same record read back.
pub fn now() -> Timestamp {
    Timestamp::from_millisecond(now_ms()).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A stored time (Unix milliseconds) as a timestamp; `None` outside the years jiff represents
/// (−9999 to 9999), which no time Koe stores reaches.
pub fn from_ms(ms: i64) -> Option<Timestamp> {
    Timestamp::from_millisecond(ms).ok()
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
