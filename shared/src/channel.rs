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

        #[cfg(feature = "openapi")]
        crate::openapi::schema!(
            $name,
            crate::openapi::string_enum(&[$($wire),+], concat!("`", $field, "`"))
        );
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

impl Locale {
    /// The language to speak: the one asked for (`?lang=`, `data-lang`) if Koe speaks it, else
    /// the first of the visitor's preferred languages (`Accept-Language`, `navigator.language`)
    /// if Koe speaks it, else English. Only a language's primary subtag counts (`ja-JP` is
    /// `ja`), and of `Accept-Language` only its first entry.
    pub fn negotiate(requested: Option<&str>, preferred: Option<&str>) -> Self {
        [requested, preferred]
            .into_iter()
            .flatten()
            .find_map(Self::of_tag)
            .unwrap_or(Self::En)
    }

    /// The language of a tag, `ja`, `ja-JP`, `en_GB` or `ja,en;q=0.8`, if Koe speaks it.
    fn of_tag(tag: &str) -> Option<Self> {
        let primary = tag.split([',', ';', '-', '_']).next()?.trim();
        if primary.eq_ignore_ascii_case("ja") {
            Some(Self::Ja)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Self::En)
        } else {
            None
        }
    }
}

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
    fn the_language_comes_from_the_request_then_the_visitor_then_english() {
        assert_eq!(Locale::negotiate(Some("ja"), Some("en-US")), Locale::Ja);
        assert_eq!(Locale::negotiate(None, Some("ja-JP")), Locale::Ja);
        assert_eq!(Locale::negotiate(Some("fr"), Some("ja")), Locale::Ja);
        assert_eq!(Locale::negotiate(Some("fr"), Some("de-DE,ja")), Locale::En);
        assert_eq!(Locale::negotiate(None, Some("en-US,ja;q=0.9")), Locale::En);
        assert_eq!(Locale::negotiate(None, None), Locale::En);
        assert_eq!(Locale::negotiate(Some("EN_gb"), None), Locale::En);
        assert_eq!(Locale::negotiate(Some(""), Some(" ja")), Locale::Ja);
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
        assert_eq!(Locale::negotiate(None, Some("ja,en;q=0.8")), Locale::Ja);
        assert_eq!("ja".parse::<Locale>(), Ok(Locale::Ja));
    }
}
