//! Where an interaction happened, and which language the customer reads.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ParseError;

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal { $($variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "&'static str")]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The name used on the wire, in storage and in URLs.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire),+
                }
            }
        }

        impl FromStr for $name {
            type Err = ParseError;

            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                match raw {
                    $($wire => Ok(Self::$variant),)+
                    _ => Err(ParseError::new(
                        $field,
                        format!(
                            "must be one of {}, got {:?}",
                            [$($wire),+].join(", "),
                            raw.chars().take(40).collect::<String>()
                        ),
                    )),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = ParseError;

            fn try_from(raw: String) -> Result<Self, Self::Error> {
                raw.parse()
            }
        }

        impl From<$name> for &'static str {
            fn from(value: $name) -> &'static str {
                value.as_str()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum!(
    /// The support channel an interaction took place on.
    Channel, "channel" {
        Chat => "chat",
        Email => "email",
        Phone => "phone",
        Sns => "sns",
        HelpCenter => "help_center",
        Other => "other",
    }
);

wire_enum!(
    /// The languages Koe's surveys speak.
    Locale, "locale" {
        Ja => "ja",
        En => "en",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_channel_round_trips_through_its_wire_name() {
        for channel in Channel::ALL {
            let json = serde_json::to_string(channel).unwrap();
            assert_eq!(json, format!("\"{}\"", channel.as_str()));
            assert_eq!(&serde_json::from_str::<Channel>(&json).unwrap(), channel);
        }
        assert_eq!(Channel::ALL.len(), 6);
    }

    #[test]
    fn unknown_names_are_refused_with_the_field_named() {
        let err = serde_json::from_str::<Channel>("\"fax\"")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("channel must be one of chat, email"),
            "{err}"
        );
        assert!(
            "Chat".parse::<Channel>().is_err(),
            "names are case-sensitive"
        );
        assert!("fr".parse::<Locale>().is_err());
        assert_eq!("ja".parse::<Locale>(), Ok(Locale::Ja));
    }
}
