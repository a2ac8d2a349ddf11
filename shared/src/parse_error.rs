//! The one error every domain type returns when a raw value does not fit it.

use std::fmt;

/// Why a raw value was refused, naming the field it was meant for
/// (`"nps must be a whole number from 0 to 10, got 11"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    field: &'static str,
    reason: String,
}

impl ParseError {
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }

    /// The wire name of the field the value was meant for.
    pub fn field(&self) -> &'static str {
        self.field
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field, self.reason)
    }
}

impl std::error::Error for ParseError {}
