//! Interaction facts: the service side of support, sent by a site's backend — when an
//! interaction opened, was first answered and resolved, how often it was reopened, how many
//! contacts it took, whether a bot or people handled it and which agents did the work.
//! `PUT /api/v1/sites/{site}/interactions/{interaction}` carries one [`FactsBody`]; a
//! [`BatchBody`] carries up to [`MAX_BATCH`].
//!
//! A PUT changes only the fields it names, so a backend may send what it knows when it knows
//! it (last write wins per field). For every field:
//! - absent: what is stored stays;
//! - `null`: what is stored is cleared, unknown again — `"resolved_at": null` when a resolved
//!   issue is reopened;
//! - a value: replaces what is stored (`agents` as a whole list).
//!
//! In Rust each field is an `Option<Option<T>>`: `None` absent, `Some(None)` null,
//! `Some(Some(v))` a value ([`double_option`] reads it; serde alone would read `null` as
//! absent).
//!
//! Times travel as RFC 3339 text with an offset (`2026-11-30T14:05:00+09:00`, `…Z`), as
//! helpdesks export them. This crate keeps them as text, free of date libraries for the wasm
//! build; the collector parses them and checks their order (a first response before the
//! interaction opened is refused, naming the field).

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

use crate::{AgentId, Channel, CustomerId, InteractionId, ParseError, TeamId};

/// Longest topic accepted, in characters.
pub const MAX_TOPIC_CHARS: usize = 64;
/// Most agents one interaction may list.
pub const MAX_AGENTS: usize = 20;
/// Most interactions one batch may carry.
pub const MAX_BATCH: usize = 1000;

/// The helpdesk's category for an interaction ("billing", "配送"): printable, 1–64 characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Topic(String);

impl Topic {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Topic {
    type Error = ParseError;

    /// The rules of the ids ([`crate::ids`]) with a shorter limit: a topic is shown in report
    /// tables and group-by headings.
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let chars = raw.chars().count();
        if chars == 0 {
            return Err(ParseError::new("topic", "must not be empty"));
        }
        if chars > MAX_TOPIC_CHARS {
            return Err(ParseError::new(
                "topic",
                format!("must be at most {MAX_TOPIC_CHARS} characters, got {chars}"),
            ));
        }
        if raw.chars().any(char::is_control) {
            return Err(ParseError::new(
                "topic",
                "must not contain control characters",
            ));
        }
        if raw.chars().all(char::is_whitespace) {
            return Err(ParseError::new("topic", "must not be only whitespace"));
        }
        Ok(Self(raw))
    }
}

impl TryFrom<&str> for Topic {
    type Error = ParseError;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        Self::try_from(raw.to_owned())
    }
}

impl From<Topic> for String {
    fn from(topic: Topic) -> String {
        topic.0
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(feature = "openapi")]
crate::openapi::schema!(
    Topic,
    crate::openapi::string(
        1,
        MAX_TOPIC_CHARS,
        crate::openapi::ID_PATTERN,
        "`topic`: 1–64 characters, not only whitespace, no control characters",
    )
);

/// Who handled an interaction: people, a bot, or a bot that handed over to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum HandledBy {
    Human,
    Bot,
    BotThenHuman,
}

impl HandledBy {
    pub const ALL: &'static [Self] = &[Self::Human, Self::Bot, Self::BotThenHuman];

    /// The name used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Human => "human",
            Self::Bot => "bot",
            Self::BotThenHuman => "bot_then_human",
        }
    }
}

impl FromStr for HandledBy {
    type Err = ParseError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|h| h.as_str() == raw)
            .ok_or_else(|| {
                ParseError::new(
                    "handled_by",
                    format!(
                        "must be one of human, bot, bot_then_human, got {:?}",
                        raw.chars().take(40).collect::<String>()
                    ),
                )
            })
    }
}

impl TryFrom<String> for HandledBy {
    type Error = ParseError;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        raw.parse()
    }
}

impl From<HandledBy> for &'static str {
    fn from(value: HandledBy) -> &'static str {
        value.as_str()
    }
}

impl fmt::Display for HandledBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(feature = "openapi")]
crate::openapi::schema!(
    HandledBy,
    crate::openapi::string_enum(
        &["human", "bot", "bot_then_human"],
        "`handled_by`: people, a bot, or a bot that handed over to people",
    )
);

/// One agent who worked on an interaction, as the wire lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentShare {
    pub agent: AgentId,
    /// This agent's part of the work, from 0 to 1 (the shares of one interaction add up to at
    /// most 1). Agents listed without one split what the others leave equally; it matters
    /// only to sites that credit by share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
}

impl AgentShare {
    /// An agent listed without a share.
    pub fn new(agent: AgentId) -> Self {
        Self { agent, share: None }
    }
}

/// The body of `PUT /api/v1/sites/{site}/interactions/{interaction}`: the facts of one
/// interaction, every field optional — absent keeps what is stored, `null` clears it, a value
/// replaces it (the module documentation says more). Unknown fields are refused, and so is
/// anything but a JSON object (serde's derive would also read a struct from an array:
/// `[null, null]` as two cleared fields).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, remote = "Self")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FactsBody {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "double_option"
    )]
    pub channel: Option<Option<Channel>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "double_option"
    )]
    pub team: Option<Option<TeamId>>,
    /// The helpdesk's category.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "double_option"
    )]
    pub topic: Option<Option<Topic>>,
    /// The customer, as the site knows them: the collector keeps only a keyed hash, as for
    /// the survey cooldown.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "double_option"
    )]
    pub customer: Option<Option<CustomerId>>,
    /// When the customer's first contact arrived (RFC 3339, with an offset).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "double_option"
    )]
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub opened_at: Option<Option<String>>,
    /// When a person or bot first answered (RFC 3339); not before `opened_at`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "double_option"
    )]
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub first_response_at: Option<Option<String>>,
    /// When the issue was resolved (RFC 3339); not before `opened_at`. Absent while open;
    /// `null` when a resolved issue is reopened.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "double_option"
    )]
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub resolved_at: Option<Option<String>>,
    /// How many times the issue was reopened after being resolved.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "double_option"
    )]
    pub reopened: Option<Option<u32>>,
    /// How many contacts the issue took, the first one included (at least 1).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "double_option"
    )]
    pub contacts: Option<Option<u32>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "double_option"
    )]
    pub handled_by: Option<Option<HandledBy>>,
    /// The people who worked on the interaction, in the order they took part (bots are not
    /// listed: `handled_by` tells their part), each at most once, at most 20. Replaced as a
    /// whole; `null` and `[]` both clear it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "double_option"
    )]
    pub agents: Option<Option<Vec<AgentShare>>>,
}

impl Serialize for FactsBody {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        FactsBody::serialize(self, serializer)
    }
}

impl<'de> Deserialize<'de> for FactsBody {
    /// An object only, read by the derived code (`remote = "Self"` makes it the inherent
    /// `FactsBody::deserialize`).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectOnly;
        impl<'de> serde::de::Visitor<'de> for ObjectOnly {
            type Value = FactsBody;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of interaction facts")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<FactsBody, A::Error> {
                FactsBody::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        deserializer.deserialize_map(ObjectOnly)
    }
}

/// Reads a field that may be absent, `null` or a value as `Option<Option<T>>`: use with
/// `#[serde(default, deserialize_with = "double_option")]`, so that an absent field is `None`
/// (the `default`), `null` is `Some(None)` and a value `Some(Some(v))`. Serializing needs no
/// helper: `skip_serializing_if = "Option::is_none"` leaves `None` out and `Some(None)` is
/// written as `null`.
pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// One interaction of a batch: its id and its facts, as a PUT of its own would send them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FactsEntry {
    pub interaction: InteractionId,
    pub facts: FactsBody,
}

/// The facts of up to [`MAX_BATCH`] interactions in one call, each interaction at most once
/// (so that one batch is one write per interaction, in any order). An empty batch is
/// accepted and changes nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawBatch")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchBody {
    /// At most 1000, each interaction once.
    #[cfg_attr(feature = "openapi", schema(max_items = 1000))]
    interactions: Vec<FactsEntry>,
}

impl BatchBody {
    pub fn entries(&self) -> &[FactsEntry] {
        &self.interactions
    }

    pub fn into_entries(self) -> Vec<FactsEntry> {
        self.interactions
    }
}

impl TryFrom<Vec<FactsEntry>> for BatchBody {
    type Error = ParseError;

    fn try_from(interactions: Vec<FactsEntry>) -> Result<Self, Self::Error> {
        if interactions.len() > MAX_BATCH {
            return Err(ParseError::new(
                "interactions",
                format!(
                    "must hold at most {MAX_BATCH} entries, got {} (send the rest in another batch)",
                    interactions.len()
                ),
            ));
        }
        let mut seen = HashSet::with_capacity(interactions.len());
        if let Some(twice) = interactions
            .iter()
            .find(|entry| !seen.insert(&entry.interaction))
        {
            return Err(ParseError::new(
                "interactions",
                format!(
                    "lists {:?} twice: send each interaction once per batch",
                    twice.interaction.as_str()
                ),
            ));
        }
        Ok(Self { interactions })
    }
}

/// A batch as it arrives, before its size and duplicates are checked.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBatch {
    interactions: Vec<FactsEntry>,
}

impl TryFrom<RawBatch> for BatchBody {
    type Error = ParseError;

    fn try_from(raw: RawBatch) -> Result<Self, Self::Error> {
        Self::try_from(raw.interactions)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn facts_are_an_object_never_an_array() {
        let refused = serde_json::from_str::<FactsBody>("[null, null]").unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("an object of interaction facts"),
            "{refused}"
        );
        let entry = r#"{"interaction": "0", "facts": [null, null]}"#;
        assert!(serde_json::from_str::<FactsEntry>(entry).is_err());
        let body: FactsBody = serde_json::from_str(r#"{"channel": null}"#).unwrap();
        assert_eq!(body.channel, Some(None));
        assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"channel":null}"#);
    }

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn topics_take_one_to_64_printable_characters() {
        let cases = [
            ("empty", String::new(), false),
            ("one character", "a".into(), true),
            ("64 characters", "a".repeat(64), true),
            ("65 characters", "a".repeat(65), false),
            ("64 characters of three bytes", "配".repeat(64), true),
            ("only whitespace", "  \u{3000}".into(), false),
            ("a NUL", "bill\u{0}ing".into(), false),
            ("a line break", "billing\nrefunds".into(), false),
            ("words and spaces", "配送 / 返品".into(), true),
        ];
        for (what, raw, ok) in cases {
            assert_eq!(Topic::try_from(raw.as_str()).is_ok(), ok, "{what}");
        }
        let err = Topic::try_from("a".repeat(65)).unwrap_err().to_string();
        assert_eq!(err, "topic must be at most 64 characters, got 65");
    }

    #[test]
    fn handled_by_travels_by_its_snake_case_name() {
        for handled_by in HandledBy::ALL {
            let json = serde_json::to_string(handled_by).unwrap();
            assert_eq!(json, format!("\"{}\"", handled_by.as_str()));
            assert_eq!(
                &serde_json::from_str::<HandledBy>(&json).unwrap(),
                handled_by
            );
        }
        assert_eq!(
            serde_json::to_string(&HandledBy::BotThenHuman).unwrap(),
            "\"bot_then_human\""
        );
        let err = serde_json::from_str::<HandledBy>("\"robot\"")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("handled_by must be one of human, bot"),
            "{err}"
        );
        assert!(
            "Human".parse::<HandledBy>().is_err(),
            "names are case-sensitive"
        );
    }

    #[test]
    fn a_full_body_parses() {
        let json = r#"{"channel":"chat","team":"t","topic":"billing","customer":"c-1",
            "opened_at":"2026-11-30T14:05:00+09:00","first_response_at":"2026-11-30T05:06:00Z",
            "resolved_at":"2026-11-30T05:30:00Z","reopened":0,"contacts":1,
            "handled_by":"bot_then_human","agents":[{"agent":"a","share":0.25},{"agent":"b"}]}"#;
        let body: FactsBody = serde_json::from_str(json).unwrap();
        assert_eq!(body.channel, Some(Some(Channel::Chat)));
        assert_eq!(body.topic.unwrap().unwrap().as_str(), "billing");
        assert_eq!(
            body.opened_at,
            Some(Some("2026-11-30T14:05:00+09:00".to_owned()))
        );
        assert_eq!(body.contacts, Some(Some(1)));
        assert_eq!(body.handled_by, Some(Some(HandledBy::BotThenHuman)));
        let agents = body.agents.unwrap().unwrap();
        assert_eq!(agents.len(), 2);
        assert_eq!(agents[0].share, Some(0.25));
        assert_eq!(agents[1], AgentShare::new(AgentId::try_from("b").unwrap()));
    }

    #[test]
    fn null_clears_and_absent_keeps() {
        let absent: FactsBody = serde_json::from_str("{}").unwrap();
        assert_eq!(absent, FactsBody::default());
        assert_eq!(absent.resolved_at, None);

        let cleared: FactsBody = serde_json::from_str(r#"{"resolved_at":null}"#).unwrap();
        assert_eq!(cleared.resolved_at, Some(None));
        assert_eq!(cleared.opened_at, None, "only the field named changes");

        let set: FactsBody =
            serde_json::from_str(r#"{"resolved_at":"2026-11-30T05:30:00Z"}"#).unwrap();
        assert_eq!(
            set.resolved_at,
            Some(Some("2026-11-30T05:30:00Z".to_owned()))
        );

        let every_null: FactsBody = serde_json::from_str(
            r#"{"channel":null,"team":null,"topic":null,"customer":null,"opened_at":null,
            "first_response_at":null,"resolved_at":null,"reopened":null,"contacts":null,
            "handled_by":null,"agents":null}"#,
        )
        .unwrap();
        assert_eq!(every_null.channel, Some(None));
        assert_eq!(every_null.topic, Some(None));
        assert_eq!(every_null.contacts, Some(None));
        assert_eq!(every_null.agents, Some(None));
    }

    #[test]
    fn bodies_round_trip_with_their_nulls() {
        let json = r#"{"topic":"billing","first_response_at":"2026-11-30T05:06:00Z","resolved_at":null,"reopened":1,"agents":[{"agent":"a","share":0.5},{"agent":"b"}]}"#;
        let body: FactsBody = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::to_string(&body).unwrap(), json);
        assert_eq!(serde_json::to_string(&FactsBody::default()).unwrap(), "{}");
    }

    #[test]
    fn bad_fields_are_refused_by_name() {
        let long_topic = format!(r#"{{"topic":"{}"}}"#, "a".repeat(65));
        let cases = [
            (
                "an unknown field",
                r#"{"mood":"great"}"#,
                "unknown field `mood`",
            ),
            (
                "an unknown field of an agent",
                r#"{"agents":[{"agent":"a","weight":1}]}"#,
                "unknown field `weight`",
            ),
            (
                "a topic too long",
                long_topic.as_str(),
                "topic must be at most 64",
            ),
            (
                "an empty topic",
                r#"{"topic":""}"#,
                "topic must not be empty",
            ),
            (
                "a control character in a topic",
                r#"{"topic":"a\u0007"}"#,
                "topic must not contain control",
            ),
            (
                "an unknown handler",
                r#"{"handled_by":"robot"}"#,
                "handled_by must be one of",
            ),
            (
                "an unknown channel",
                r#"{"channel":"fax"}"#,
                "channel must be one of",
            ),
            (
                "an empty agent",
                r#"{"agents":[{"agent":""}]}"#,
                "agent must not be empty",
            ),
            ("a negative count", r#"{"contacts":-1}"#, "invalid value"),
            ("a fractional count", r#"{"reopened":1.5}"#, "invalid type"),
            (
                "a time as a number",
                r#"{"opened_at":1764479100000}"#,
                "invalid type",
            ),
            (
                "a share as text",
                r#"{"agents":[{"agent":"a","share":"half"}]}"#,
                "invalid type",
            ),
        ];
        for (what, json, expected) in cases {
            let err = serde_json::from_str::<FactsBody>(json)
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{what}: {json}: {err}");
        }
    }

    fn entry(interaction: &str) -> FactsEntry {
        FactsEntry {
            interaction: InteractionId::try_from(interaction).unwrap(),
            facts: FactsBody::default(),
        }
    }

    #[test]
    fn a_batch_holds_up_to_1000_distinct_interactions() {
        let full: Vec<FactsEntry> = (0..MAX_BATCH).map(|i| entry(&format!("t-{i}"))).collect();
        assert_eq!(
            BatchBody::try_from(full.clone()).unwrap().entries().len(),
            1000
        );

        let mut over = full;
        over.push(entry("t-1000"));
        let err = BatchBody::try_from(over).unwrap_err().to_string();
        assert!(
            err.starts_with("interactions must hold at most 1000 entries, got 1001"),
            "{err}"
        );

        let err = BatchBody::try_from(vec![entry("a"), entry("b"), entry("a")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("lists \"a\" twice"), "{err}");

        assert!(
            BatchBody::try_from(Vec::<FactsEntry>::new())
                .unwrap()
                .entries()
                .is_empty()
        );
    }

    #[test]
    fn batches_are_read_and_refused_like_single_bodies() {
        let json = r#"{"interactions":[{"interaction":"t-1","facts":{"resolved_at":null,"contacts":2}},{"interaction":"t-2","facts":{}}]}"#;
        let batch: BatchBody = serde_json::from_str(json).unwrap();
        assert_eq!(batch.entries()[0].facts.contacts, Some(Some(2)));
        assert_eq!(batch.entries()[0].facts.resolved_at, Some(None));
        assert_eq!(serde_json::to_string(&batch).unwrap(), json);

        let cases = [
            (
                "an unknown top-level field",
                r#"{"interactions":[],"site":"s"}"#,
                "unknown field `site`",
            ),
            (
                "an unknown entry field",
                r#"{"interactions":[{"interaction":"t","facts":{},"x":1}]}"#,
                "unknown field `x`",
            ),
            (
                "an unknown fact",
                r#"{"interactions":[{"interaction":"t","facts":{"mood":1}}]}"#,
                "unknown field `mood`",
            ),
            (
                "an entry without facts",
                r#"{"interactions":[{"interaction":"t"}]}"#,
                "missing field `facts`",
            ),
            ("no interactions", r#"{}"#, "missing field `interactions`"),
            (
                "a repeated interaction",
                r#"{"interactions":[{"interaction":"t","facts":{}},{"interaction":"t","facts":{}}]}"#,
                "twice",
            ),
        ];
        for (what, json, expected) in cases {
            let err = serde_json::from_str::<BatchBody>(json)
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{what}: {json}: {err}");
        }
    }

    proptest! {
        #[test]
        fn a_topic_exists_exactly_for_1_to_64_characters_not_all_whitespace(raw in "\\PC{0,70}") {
            let chars = raw.chars().count();
            let expected = (1..=MAX_TOPIC_CHARS).contains(&chars)
                && !raw.chars().all(char::is_whitespace);
            match Topic::try_from(raw.clone()) {
                Ok(topic) => {
                    prop_assert!(expected, "{:?}", raw);
                    prop_assert_eq!(topic.as_str(), raw.as_str());
                    let json = serde_json::to_string(&topic).unwrap();
                    prop_assert_eq!(serde_json::from_str::<Topic>(&json).unwrap(), topic);
                }
                Err(_) => prop_assert!(!expected, "{:?}", raw),
            }
        }
    }
}
