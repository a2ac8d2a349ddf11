//! A call Koe makes back to a platform (a message into a Chatwoot conversation, a LINE reply
//! or push), as an adapter asks for it and the outbox stores it until it is made.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A call to make back: a path on the platform's API and its JSON body. The address and the
/// credentials come from the integration when the call is made (a new token is used at once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub path: String,
    pub body: Value,
    /// Not made this long after its event (a LINE reply token's life); else 24 hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_after_ms: Option<i64>,
    /// Sent as `X-Line-Retry-Key` with every attempt: LINE sends a push once however often it
    /// is retried, and answers 409 to a repeat of one it accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_key: Option<String>,
}
