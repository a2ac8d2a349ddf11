//! Identifiers a site owner (or Koe) chooses: printable, 1–128 characters.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ParseError;

/// Longest identifier accepted, in characters.
pub const MAX_ID_CHARS: usize = 128;

fn parse_id(field: &'static str, raw: String) -> Result<String, ParseError> {
    let chars = raw.chars().count();
    if chars == 0 {
        return Err(ParseError::new(field, "must not be empty"));
    }
    if chars > MAX_ID_CHARS {
        return Err(ParseError::new(
            field,
            format!("must be at most {MAX_ID_CHARS} characters, got {chars}"),
        ));
    }
    if raw.chars().any(char::is_control) {
        return Err(ParseError::new(
            field,
            "must not contain control characters",
        ));
    }
    if raw.chars().all(char::is_whitespace) {
        return Err(ParseError::new(field, "must not be only whitespace"));
    }
    Ok(raw)
}

macro_rules! identifier {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = ParseError;

            fn try_from(raw: String) -> Result<Self, Self::Error> {
                parse_id($field, raw).map(Self)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = ParseError;

            fn try_from(raw: &str) -> Result<Self, Self::Error> {
                Self::try_from(raw.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        #[cfg(feature = "openapi")]
        crate::openapi::schema!(
            $name,
            crate::openapi::string(
                1,
                MAX_ID_CHARS,
                crate::openapi::ID_PATTERN,
                concat!(
                    "`", $field, "`: 1–128 characters, not only whitespace, no control characters"
                ),
            )
        );
    };
}

identifier!(
    /// The public key of a site, printed by `koe site add`; safe to put in a page.
    SiteKey, "site"
);
identifier!(
    /// The site's own id for one conversation, ticket or call; one response per interaction.
    InteractionId, "interaction"
);
identifier!(
    /// The site's id for the agent who handled the interaction.
    AgentId, "agent"
);
identifier!(
    /// The site's id for the agent's team.
    TeamId, "team"
);
identifier!(
    /// The site's id for the customer, given only so Koe can spare them repeated surveys: the
    /// collector never stores it, only a keyed hash.
    CustomerId, "customer"
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ids_take_one_to_128_printable_characters() {
        assert!(AgentId::try_from("").is_err());
        assert!(AgentId::try_from("a").is_ok());
        assert!(AgentId::try_from("a".repeat(128)).is_ok());
        assert!(AgentId::try_from("a".repeat(129)).is_err());
        assert!(
            AgentId::try_from("あ".repeat(128)).is_ok(),
            "the limit counts characters, not bytes"
        );
        assert!(AgentId::try_from("   ").is_err());
        assert!(AgentId::try_from("a\u{0}b").is_err());
        assert!(AgentId::try_from("a\nb").is_err());
        assert!(AgentId::try_from("佐藤 花子").is_ok());
    }

    #[test]
    fn json_errors_name_the_field() {
        let err = serde_json::from_str::<InteractionId>("\"\"")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("interaction must not be empty"), "{err}");
        assert!(serde_json::from_str::<TeamId>("42").is_err());
    }

    proptest! {
        #[test]
        fn accepted_ids_round_trip_unchanged(raw in "\\PC{1,128}") {
            if let Ok(id) = SiteKey::try_from(raw.clone()) {
                prop_assert_eq!(id.as_str(), raw.as_str());
                let json = serde_json::to_string(&id).unwrap();
                prop_assert_eq!(serde_json::from_str::<SiteKey>(&json).unwrap(), id);
            } else {
                prop_assert!(raw.chars().all(char::is_whitespace));
            }
        }
    }
}
