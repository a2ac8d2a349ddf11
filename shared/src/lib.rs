//! The types and rules the Koe widget and collector must agree on.
//!
//! Everything here is pure Rust + serde and builds for `wasm32-unknown-unknown`:
//! - [`score`]: survey answers that cannot hold an invalid value;
//! - [`ids`], [`channel`], [`text`]: the attribution and free-text types;
//! - [`wire`]: what travels between widget (or email page) and collector;
//! - [`facts`]: the service facts of an interaction a site's backend sends (opened, first
//!   response, resolved, contacts, agents);
//! - [`token`]: the signed attribution token a site's backend issues;
//! - [`metrics`]: CSAT %, NPS, CES, FCR and their 95 % intervals;
//! - [`survey`]: a site's own survey — its wording per language, reasons, one question of its
//!   own, its look — checked, and resolved for one customer's language.
//!
//! Every type is parsed once at the edge (`TryFrom`, or serde, which uses the same rules),
//! so code holding one never checks it again.
#![forbid(unsafe_code)]

pub mod channel;
pub mod compare;
pub mod facts;
pub mod ids;
pub mod metrics;
#[cfg(feature = "openapi")]
mod openapi;
pub mod parse_error;
pub mod score;
pub mod survey;
pub mod text;
pub mod token;
pub mod wire;

pub use channel::{Channel, Locale};
pub use ids::{AgentId, CustomerId, InteractionId, SiteKey, TeamId};
pub use parse_error::ParseError;
pub use score::{CesScore, CsatScore, NpsScore, Resolved};
pub use text::{Comment, Reason, Reasons};
pub use token::{AttributionClaims, AttributionToken, Offer, OfferedQuestion, TokenError};
pub use wire::{
    ApiError, Declined, Impression, ImpressionReceipt, Submission, SubmissionReceipt,
    SubmissionStatus,
};
