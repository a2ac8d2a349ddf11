//! Customers as the cooldown knows them: only a keyed hash, never the id.

/// A customer as stored: HMAC-SHA256(key, site id ‖ customer id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CustomerHash(pub [u8; 32]);

/// Whom an impression or a link asks, for the cooldown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomerCheck {
    pub customer: CustomerHash,
    /// Asked within this long (ms) before: not asked again. `None`: only remembered.
    pub cooldown_ms: Option<i64>,
}
