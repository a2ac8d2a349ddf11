//! Integrations: where support happens, connected to a site with no code on the site's side.
//! A helpdesk ([`chatwoot`], or any helpdesk through [`generic`]'s field mapping) tells Koe when
//! a conversation is resolved; Koe records the interaction's facts, applies the site's sample
//! and cooldown, and asks the customer in the conversation itself. A LINE channel ([`line`])
//! sends the taps on a rating card back as answers. Each adapter is thin: it reads its
//! platform's payload into what the domain already takes (`interactions::record`,
//! `links::issue`, `responses::submit`), and the calls it must make back wait in an outbox
//! ([`outbox`]) until they succeed.
//!
//! Here are the kinds, their settings (stored as JSON, nothing secret) and their credentials
//! (sealed with [`seal::SealKey`] before they are stored).

pub mod call;
pub mod chatwoot;
pub mod flex;
pub mod generic;
pub mod line;
pub mod manage;
pub mod outbox;
pub mod receive;
pub mod seal;

use std::collections::BTreeMap;

use koe_shared::{Channel, Locale};
use serde::{Deserialize, Serialize};

/// What a site may connect.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum IntegrationKind {
    Chatwoot,
    Line,
    Generic,
}

impl IntegrationKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// An integration's settings: what is not secret. Stored as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IntegrationConfig {
    Chatwoot(ChatwootConfig),
    Line(LineConfig),
    Generic(Box<GenericConfig>),
}

impl IntegrationConfig {
    pub fn kind(&self) -> IntegrationKind {
        match self {
            Self::Chatwoot(_) => IntegrationKind::Chatwoot,
            Self::Line(_) => IntegrationKind::Line,
            Self::Generic(_) => IntegrationKind::Generic,
        }
    }
}

/// A Chatwoot account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatwootConfig {
    /// The installation's address, e.g. `https://chat.example` (where messages are posted).
    pub url: String,
    pub account_id: u64,
    /// The channel each inbox is (by inbox id); an inbox not named goes by its kind
    /// (email, voice, a messaging app, else chat).
    #[serde(default)]
    pub inboxes: BTreeMap<u64, Channel>,
    /// The language of a contact whose own is not known.
    pub locale: Locale,
}

/// A LINE Messaging API channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineConfig {
    /// After a rating, ask "was your issue resolved?" as quick replies.
    pub ask_resolved: bool,
    /// The Messaging API's address: `https://api.line.me` (another only for a test receiver
    /// or a proxy the operator runs).
    pub api_base: String,
}

/// The default address of LINE's Messaging API.
pub const LINE_API: &str = "https://api.line.me";

/// Any helpdesk's "ticket solved" webhook, read through a field mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenericConfig {
    pub mapping: generic::FieldMapping,
    /// What the hook answers: the rating links, or only a record of the interaction.
    pub respond: generic::Respond,
    /// How the helpdesk proves it is the helpdesk.
    pub auth: generic::Auth,
}

/// An integration's credentials, sealed before they are stored and never listed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Credentials {
    Chatwoot {
        /// An agent bot's or user's access token (`api_access_token`).
        api_token: String,
        /// The webhook's signing secret, for Chatwoot versions that sign.
        webhook_secret: Option<String>,
    },
    Line {
        channel_secret: String,
        access_token: String,
    },
    Generic {
        /// Signs the hook's body (HMAC-SHA256), or is the Basic auth password.
        secret: String,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials([redacted])")
    }
}

/// Bytes of lowercase or uppercase hex (a signature header's), if it is hex.
fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}
