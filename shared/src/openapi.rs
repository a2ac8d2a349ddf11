//! The JSON Schemas of the wire types, for the collector's OpenAPI document (feature
//! `openapi`; the widget builds without it). Each schema states the same rule the type's
//! `TryFrom` enforces, taken from the same constants, so the document cannot promise more or
//! less than the parser accepts.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};

/// A whole number from `min` to `max`.
pub(crate) fn integer_range(min: u8, max: u8, description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(min))
        .maximum(Some(max))
        .description(Some(description))
        .into()
}

/// One of a fixed set of strings.
pub(crate) fn string_enum(values: &[&'static str], description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
        .description(Some(description))
        .into()
}

/// A string of `min..=max` characters matching `pattern` (ECMA-262, as OpenAPI reads it).
pub(crate) fn string(min: usize, max: usize, pattern: &str, description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(min))
        .max_length(Some(max))
        .pattern(Some(pattern))
        .description(Some(description))
        .into()
}

/// An identifier ([`crate::ids`]): at least one character that is neither whitespace nor a
/// control character, and no control character anywhere.
pub(crate) const ID_PATTERN: &str =
    r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$";

/// A comment ([`crate::text::Comment`]): something besides whitespace, and no control
/// character but the whitespace ones (tabs and line breaks anywhere; the others only where
/// trimming removes them, which a pattern cannot say, so it allows them everywhere).
pub(crate) const COMMENT_PATTERN: &str = concat!(
    r"^[^\x00-\x08\x0E-\x1F\x7F-\x84\x86-\x9F]*",
    r"[^\s\x00-\x1F\x7F-\x9F]",
    r"[^\x00-\x08\x0E-\x1F\x7F-\x84\x86-\x9F]*$"
);

/// A reason tag ([`crate::text::Reason`]).
pub(crate) const REASON_PATTERN: &str = "^[a-z][a-z0-9_-]*$";

/// A list of at most `max` distinct items.
pub(crate) fn set_of(item: RefOr<Schema>, max: usize, description: &str) -> RefOr<Schema> {
    ArrayBuilder::new()
        .items(item)
        .max_items(Some(max))
        .description(Some(description))
        .into()
}

/// Implements `ToSchema` for a type whose schema is built by hand.
macro_rules! schema {
    ($name:ident, $schema:expr) => {
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $schema
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }
    };
}
pub(crate) use schema;

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::{AgentId, Comment, Reason};

    /// Strings of the characters the rules treat specially: whitespace (inside and outside
    /// the control range), controls, a BOM, letters.
    fn tricky() -> impl Strategy<Value = String> {
        let chars = [
            "a", "あ", " ", "\u{a0}", "\u{3000}", "\u{85}", "\t", "\n", "\r", "\u{b}", "\u{1c}",
            "\u{7f}", "\u{0}", "\u{9f}", "\u{feff}", "\u{2028}", "-", "_", "Z", "1",
        ];
        proptest::collection::vec(proptest::sample::select(chars.to_vec()), 0..6)
            .prop_map(|parts| parts.concat())
    }

    fn matches(pattern: &str, value: &str) -> bool {
        regex::Regex::new(pattern).unwrap().is_match(value)
    }

    proptest! {
        #[test]
        fn the_id_schema_accepts_exactly_what_the_parser_accepts(raw in tricky()) {
            let by_schema = matches(ID_PATTERN, &raw) && raw.chars().count() <= 128;
            prop_assert_eq!(by_schema, AgentId::try_from(raw.as_str()).is_ok(), "{:?}", raw);
        }

        #[test]
        fn the_comment_schema_refuses_nothing_the_parser_accepts(raw in tricky()) {
            if Comment::try_from(raw.as_str()).is_ok() {
                prop_assert!(matches(COMMENT_PATTERN, &raw), "{:?}", raw);
            }
        }

        #[test]
        fn the_reason_schema_accepts_exactly_what_the_parser_accepts(raw in "[a-zA-Z0-9_ -]{0,34}") {
            let by_schema = matches(REASON_PATTERN, &raw) && raw.len() <= 32;
            prop_assert_eq!(by_schema, Reason::try_from(raw.as_str()).is_ok(), "{:?}", raw);
        }
    }
}
