//! Interaction facts as storage takes and gives them.

use jiff::civil::Date;
use koe_shared::InteractionId;

use super::CustomerHash;
use crate::facts::rollup::{Cut, DriverCounters, ServiceCounters};
use crate::facts::{FactsError, FactsUpdate, InteractionFacts};
use crate::ids::SiteId;

/// One call's facts (a PUT: one entry; a batch: up to 1 000), applied in order in one
/// transaction, all or nothing.
#[derive(Debug, Clone)]
pub struct FactsWrite {
    pub site_id: SiteId,
    /// The site's time zone: an interaction counts on its opening's local day.
    pub zone: jiff::tz::TimeZone,
    pub now_ms: i64,
    pub entries: Vec<FactsEntryWrite>,
}

/// One interaction's update.
#[derive(Debug, Clone)]
pub struct FactsEntryWrite {
    pub interaction: InteractionId,
    pub update: FactsUpdate,
    /// The customer's keyed hash: `None` keeps, `Some(None)` clears.
    pub customer: Option<Option<CustomerHash>>,
}

/// What an entry left stored.
#[derive(Debug, Clone, PartialEq)]
pub struct FactsSaved {
    pub interaction: InteractionId,
    /// The interaction had no facts before.
    pub created: bool,
    pub facts: InteractionFacts,
    /// The local day it counts on.
    pub day: Date,
}

/// Why an entry was refused (the whole call then stores nothing).
#[derive(Debug, Clone, PartialEq)]
pub struct FactsRefusal {
    /// Its place in the call (0 for a PUT).
    pub index: usize,
    pub interaction: InteractionId,
    pub error: FactsError,
}

/// An interaction's facts as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFacts {
    pub facts: InteractionFacts,
    pub day: Date,
    pub customer: Option<CustomerHash>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// Service rollups summed by storage for one group and bucket (`None`: not grouped by it).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupedService {
    pub bucket_start: String,
    pub agent: Option<String>,
    pub team: Option<String>,
    pub channel: Option<String>,
    pub topic: Option<String>,
    pub counters: ServiceCounters,
}

/// A drivers cut's band with the answers counted in it over a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriverRow {
    pub cut: Cut,
    pub band: String,
    pub counters: DriverCounters,
}

/// A service report's filters (each `None`: not filtered by it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceFilter {
    pub agent: Option<String>,
    pub team: Option<String>,
    pub channel: Option<String>,
    pub topic: Option<String>,
}

/// What a facts call became: each entry's stored facts, or why the call stored nothing.
pub type FactsOutcome = Result<Vec<FactsSaved>, Vec<FactsRefusal>>;
