//! The answer to a site's own question (`Submission.question`): which question, and a 1–5
//! value for a scale or an option's id for a choice. Checked against the site's survey by
//! [`Survey::check_answer`](super::Survey::check_answer) where it arrives; stored as
//! `id:answer` (ids are slugs, so neither half holds a `:`).

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::Reason;

/// The highest value of a site's scale question (the lowest is 1).
pub const SCALE_MAX: u8 = 5;

/// `{"id": "clarity", "answer": 4}` or `{"id": "topic", "answer": "billing"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionAnswer {
    /// The question's id in the site's survey.
    #[serde(deserialize_with = "question_id")]
    pub id: Reason,
    pub answer: AnswerValue,
}

/// A scale's value (1–5) or a choice's option id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AnswerValue {
    Scale(u8),
    Choice(Reason),
}

impl AnswerValue {
    /// As stored and rolled up: `"4"`, `"billing"`.
    pub fn as_text(&self) -> String {
        match self {
            Self::Scale(value) => value.to_string(),
            Self::Choice(option) => option.as_str().to_owned(),
        }
    }

    /// From [`Self::as_text`]: digits are a scale's value, a slug an option's id.
    pub fn from_text(text: &str) -> Option<Self> {
        match text.parse::<u8>() {
            Ok(value) => (1..=SCALE_MAX)
                .contains(&value)
                .then_some(Self::Scale(value)),
            Err(_) => Reason::try_from(text).ok().map(Self::Choice),
        }
    }
}

impl QuestionAnswer {
    /// As the `responses.question` column keeps it.
    pub fn stored(&self) -> String {
        format!("{}:{}", self.id.as_str(), self.answer.as_text())
    }

    /// From [`Self::stored`].
    pub fn from_stored(stored: &str) -> Option<Self> {
        let (id, answer) = stored.split_once(':')?;
        Some(Self {
            id: Reason::try_from(id).ok()?,
            answer: AnswerValue::from_text(answer)?,
        })
    }
}

/// A question's id, refused by its own name (a `Reason`'s error would say `reasons`).
fn question_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Reason, D::Error> {
    let raw = String::deserialize(deserializer)?;
    Reason::try_from(raw.as_str()).map_err(|_| {
        de::Error::custom(format!(
            "question.id must be a slug of a-z, 0-9, _ and -, starting with a letter, at most \
             {} characters, got {:?}",
            crate::text::MAX_REASON_CHARS,
            raw.chars().take(40).collect::<String>()
        ))
    })
}

impl Serialize for AnswerValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Scale(value) => serializer.serialize_u8(*value),
            Self::Choice(option) => serializer.serialize_str(option.as_str()),
        }
    }
}

const EXPECTED: &str = "a whole number from 1 to 5 (a scale) or an option's id (a choice)";

impl<'de> Deserialize<'de> for AnswerValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Value;
        impl Visitor<'_> for Value {
            type Value = AnswerValue;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(EXPECTED)
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<AnswerValue, E> {
                u8::try_from(value)
                    .ok()
                    .filter(|v| (1..=SCALE_MAX).contains(v))
                    .map(AnswerValue::Scale)
                    .ok_or_else(|| {
                        E::custom(format!("question.answer must be {EXPECTED}, got {value}"))
                    })
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<AnswerValue, E> {
                match u64::try_from(value) {
                    Ok(value) => self.visit_u64(value),
                    Err(_) => Err(E::custom(format!(
                        "question.answer must be {EXPECTED}, got {value}"
                    ))),
                }
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<AnswerValue, E> {
                Reason::try_from(value)
                    .map(AnswerValue::Choice)
                    .map_err(|_| {
                        E::custom(format!(
                            "question.answer must be {EXPECTED}, got {:?}",
                            value.chars().take(40).collect::<String>()
                        ))
                    })
            }
        }
        deserializer.deserialize_any(Value)
    }
}

#[cfg(feature = "openapi")]
crate::openapi::schema!(
    AnswerValue,
    utoipa::openapi::schema::OneOfBuilder::new()
        .item(crate::openapi::integer_range(
            1,
            SCALE_MAX,
            "A scale question's answer: a whole number from 1 to 5",
        ))
        .item(<Reason as utoipa::PartialSchema>::schema())
        .description(Some(
            "A scale's value (1–5) or the id of one of a choice's options",
        ))
        .into()
);
