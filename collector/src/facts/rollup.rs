//! What one interaction's facts add to the service rollups, and what an answer joined to them
//! adds to the drivers: pure functions the write path sums per row and moves in the write's
//! own transaction (a change moves the rows by the difference of what the facts added before
//! and add now).
//!
//! An interaction counts on one local day (its opening's, else the day its facts first
//! arrived: `day_of`), under its team, channel and topic, and for the agents its site's
//! crediting rule names, each with their weight (no agent: under agent `''`, weight 1). Every
//! counter is a weight, so the counters of one interaction add up to one interaction over its
//! agents.

use std::collections::BTreeMap;

use jiff::civil::Date;
use koe_shared::facts::HandledBy;

use super::frt::{self, Histogram};
use super::{Credit, InteractionFacts};
use crate::responses::ResponseState;
use crate::rollup::RollupKey;

/// A service rollup row's key; storage writes `None` as `''`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServiceKey {
    pub day: Date,
    pub agent: String,
    pub team: String,
    pub channel: String,
    pub topic: String,
}

/// A service rollup row's counters, each a weight (see the module documentation).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceCounters {
    /// Interactions (opened on the day).
    pub handled: f64,
    /// …of them resolved.
    pub resolved: f64,
    /// …resolved with the number of contacts known: FCR's denominator.
    pub fcr_known: f64,
    /// …of those, resolved in one contact and never reopened.
    pub fcr: f64,
    /// Interactions reopened at least once.
    pub reopened: f64,
    /// Contacts the interactions took (1 where not told).
    pub contacts: f64,
    pub by_human: f64,
    pub by_bot: f64,
    pub by_bot_then_human: f64,
    /// Interactions with a first response time.
    pub frt_n: f64,
    pub frt: Histogram,
}

/// The counter columns in storage order (the histogram's after them).
pub const SERVICE_COLUMNS: [&str; 10] = [
    "handled",
    "resolved",
    "fcr_known",
    "fcr",
    "reopened",
    "contacts",
    "by_human",
    "by_bot",
    "by_bot_then_human",
    "frt_n",
];

/// The histogram's column of a bucket.
pub fn frt_column(bucket: usize) -> String {
    format!("frt_{bucket:02}")
}

impl ServiceCounters {
    /// The plain counters in [`SERVICE_COLUMNS`] order.
    pub fn plain(&self) -> [f64; 10] {
        [
            self.handled,
            self.resolved,
            self.fcr_known,
            self.fcr,
            self.reopened,
            self.contacts,
            self.by_human,
            self.by_bot,
            self.by_bot_then_human,
            self.frt_n,
        ]
    }

    /// Counters from the plain ones in [`SERVICE_COLUMNS`] order and the histogram.
    pub fn from_columns(plain: [f64; 10], frt: Histogram) -> Self {
        let [
            handled,
            resolved,
            fcr_known,
            fcr,
            reopened,
            contacts,
            by_human,
            by_bot,
            by_bot_then_human,
            frt_n,
        ] = plain;
        Self {
            handled,
            resolved,
            fcr_known,
            fcr,
            reopened,
            contacts,
            by_human,
            by_bot,
            by_bot_then_human,
            frt_n,
            frt,
        }
    }

    /// Adds `other` times `sign` (1 or −1).
    pub fn add_scaled(&mut self, other: &Self, sign: f64) {
        let theirs = other.plain();
        let mut mine = self.plain();
        for (m, t) in mine.iter_mut().zip(theirs) {
            *m += sign * t;
        }
        let mut frt = self.frt.clone();
        for (m, t) in frt.0.iter_mut().zip(other.frt.0.iter()) {
            *m += sign * t;
        }
        *self = Self::from_columns(mine, frt);
    }

    pub fn add(&mut self, other: &Self) {
        self.add_scaled(other, 1.0);
    }

    /// Whether every counter is (about) zero: a change that moves nothing.
    pub fn is_zero(&self) -> bool {
        self.plain()
            .iter()
            .chain(self.frt.0.iter())
            .all(|v| v.abs() < 1e-12)
    }

    /// One whole interaction's counters (weight 1).
    fn of(facts: &InteractionFacts) -> Self {
        let mut counters = Self {
            handled: 1.0,
            contacts: f64::from(facts.contacts().unwrap_or(1)),
            ..Self::default()
        };
        if facts.resolved_at_ms().is_some() {
            counters.resolved = 1.0;
        }
        if let Some(fcr) = facts.first_contact_resolved() {
            counters.fcr_known = 1.0;
            counters.fcr = f64::from(u8::from(fcr));
        }
        if facts.reopened().unwrap_or(0) > 0 {
            counters.reopened = 1.0;
        }
        match facts.handled_by() {
            Some(HandledBy::Human) => counters.by_human = 1.0,
            Some(HandledBy::Bot) => counters.by_bot = 1.0,
            Some(HandledBy::BotThenHuman) => counters.by_bot_then_human = 1.0,
            None => {}
        }
        if let Some(ms) = facts.first_response_ms() {
            counters.frt_n = 1.0;
            counters.frt.0[frt::bucket_of(ms)] = 1.0;
        }
        counters
    }

    fn scaled(&self, weight: f64) -> Self {
        let mut scaled = Self::default();
        scaled.add_scaled(self, weight);
        scaled
    }
}

/// The local day an interaction counts on: the day it opened in the site's zone, else the day
/// its facts first arrived (`first_seen_day`).
pub fn day_of(facts: &InteractionFacts, zone: &jiff::tz::TimeZone, first_seen_day: Date) -> Date {
    facts
        .opened_at_ms()
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map_or(first_seen_day, |at| at.to_zoned(zone.clone()).date())
}

/// The rows one interaction adds to, with what it adds: one per credited agent.
pub fn contributions(
    facts: &InteractionFacts,
    day: Date,
    credit: Credit,
) -> Vec<(ServiceKey, ServiceCounters)> {
    let whole = ServiceCounters::of(facts);
    let key = |agent: &str| ServiceKey {
        day,
        agent: agent.to_owned(),
        team: facts
            .team()
            .map(|t| t.as_str().to_owned())
            .unwrap_or_default(),
        channel: facts
            .channel()
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default(),
        topic: facts
            .topic()
            .map(|t| t.as_str().to_owned())
            .unwrap_or_default(),
    };
    let credited = facts.credited(credit);
    if credited.is_empty() {
        return vec![(key(""), whole)];
    }
    credited
        .into_iter()
        .map(|(agent, weight)| (key(agent.as_str()), whole.scaled(weight)))
        .collect()
}

/// Service rollup changes per row, summed, in lock order.
pub type ServiceChanges = BTreeMap<ServiceKey, ServiceCounters>;

/// Adds to `changes` what replacing `before` by `after` moves (either may be absent: new,
/// erased), each an interaction's facts and its day.
pub fn add_service_changes(
    changes: &mut ServiceChanges,
    before: Option<(&InteractionFacts, Date)>,
    after: Option<(&InteractionFacts, Date)>,
    credit: Credit,
) {
    for (sign, side) in [(-1.0, before), (1.0, after)] {
        let Some((facts, day)) = side else { continue };
        for (key, counters) in contributions(facts, day, credit) {
            changes.entry(key).or_default().add_scaled(&counters, sign);
        }
    }
    changes.retain(|_, counters| !counters.is_zero());
}

/// The cuts the drivers read satisfaction by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cut {
    /// By first response time: the band is the FRT bucket's index, two digits.
    Frt,
    /// By contacts: `1`, `2`, `3+`.
    Contacts,
    HandledBy,
    Topic,
}

impl Cut {
    pub const ALL: [Self; 4] = [Self::Frt, Self::Contacts, Self::HandledBy, Self::Topic];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Frt => "frt",
            Self::Contacts => "contacts",
            Self::HandledBy => "handled_by",
            Self::Topic => "topic",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == raw)
    }
}

/// A drivers row's key: the answer's day, team and channel (`''` for none), a cut and a band.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DriverKey {
    pub day: Date,
    pub team: String,
    pub channel: String,
    pub cut: Cut,
    pub band: String,
}

/// Answers counted in a drivers row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DriverCounters {
    pub csat_n: i64,
    /// CSAT 4 or 5.
    pub csat_sat: i64,
    pub nps_n: i64,
    /// NPS 9–10.
    pub nps_pro: i64,
    /// NPS 0–6.
    pub nps_det: i64,
}

impl DriverCounters {
    /// What one counted answer adds: nothing while it is flagged or has no CSAT and no NPS.
    fn of(answer: &ResponseState) -> Self {
        if answer.source.flagged {
            return Self::default();
        }
        let mut counters = Self::default();
        if let Some(csat) = answer.answers.csat {
            counters.csat_n = 1;
            counters.csat_sat = i64::from(u8::from(csat) >= 4);
        }
        if let Some(nps) = answer.answers.nps {
            let nps = u8::from(nps);
            counters.nps_n = 1;
            counters.nps_pro = i64::from(nps >= 9);
            counters.nps_det = i64::from(nps <= 6);
        }
        counters
    }

    fn add_scaled(&mut self, other: &Self, sign: i64) {
        self.csat_n += sign * other.csat_n;
        self.csat_sat += sign * other.csat_sat;
        self.nps_n += sign * other.nps_n;
        self.nps_pro += sign * other.nps_pro;
        self.nps_det += sign * other.nps_det;
    }

    pub fn add(&mut self, other: &Self) {
        self.add_scaled(other, 1);
    }

    pub fn is_zero(&self) -> bool {
        *self == Self::default()
    }
}

/// The bands of each cut one interaction's facts fall into (a cut whose fact is unknown: none).
fn bands(facts: &InteractionFacts) -> Vec<(Cut, String)> {
    let mut bands = Vec::with_capacity(4);
    if let Some(ms) = facts.first_response_ms() {
        bands.push((Cut::Frt, format!("{:02}", frt::bucket_of(ms))));
    }
    if let Some(contacts) = facts.contacts() {
        let band = match contacts {
            1 => "1",
            2 => "2",
            _ => "3+",
        };
        bands.push((Cut::Contacts, band.to_owned()));
    }
    if let Some(handled_by) = facts.handled_by() {
        bands.push((Cut::HandledBy, handled_by.as_str().to_owned()));
    }
    if let Some(topic) = facts.topic() {
        bands.push((Cut::Topic, topic.as_str().to_owned()));
    }
    bands
}

/// Drivers changes per row, summed, in lock order.
pub type DriverChanges = BTreeMap<DriverKey, DriverCounters>;

/// Adds to `changes` what replacing (`facts_before`, `answer_before`) by (`facts_after`,
/// `answer_after`) moves: an answer counts in the drivers while its interaction has facts.
pub fn add_driver_changes(
    changes: &mut DriverChanges,
    before: (Option<&InteractionFacts>, Option<&ResponseState>),
    after: (Option<&InteractionFacts>, Option<&ResponseState>),
) {
    for (sign, side) in [(-1, before), (1, after)] {
        let (Some(facts), Some(answer)) = side else {
            continue;
        };
        let counters = DriverCounters::of(answer);
        if counters.is_zero() {
            continue;
        }
        let at = RollupKey::of_response(answer);
        for (cut, band) in bands(facts) {
            let key = DriverKey {
                day: at.day,
                team: at.team_column().to_owned(),
                channel: at.channel_column().to_owned(),
                cut,
                band,
            };
            changes.entry(key).or_default().add_scaled(&counters, sign);
        }
    }
    changes.retain(|_, counters| !counters.is_zero());
}
