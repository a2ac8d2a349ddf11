//! What `koe verify` finds beyond rollup drift: counted responses and their keys disagreeing.

/// A counted response and its key disagreeing (PostgreSQL's `response_keys`, `koe verify`): an
/// interaction that could be answered twice, or a response a write cannot find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDrift {
    pub site: String,
    pub interaction: String,
    pub problem: KeyProblem,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyProblem {
    /// A counted response without a key naming it.
    Unkeyed,
    /// A key naming no counted response.
    Dangling,
}

impl KeyProblem {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unkeyed => "counted response without its key",
            Self::Dangling => "key without its response",
        }
    }
}
