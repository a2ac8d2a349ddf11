//! The languages a site's survey speaks: BCP 47 tags, and which of them a customer gets.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Locale, ParseError};

/// Longest language tag accepted (BCP 47's own advice for buffers is 35).
pub const MAX_TAG_CHARS: usize = 35;

/// A language tag (`ja`, `en`, `pt-BR`, `zh-Hant-TW`), in BCP 47's canonical case: the
/// language in lower case, a script in title case, a region in upper case. `_` is read as `-`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LanguageTag(String);

impl LanguageTag {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The language alone: `pt` of `pt-BR`.
    pub fn primary(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }

    /// Koe's own language for this tag, if Koe speaks it (its texts are the defaults).
    pub fn locale(&self) -> Option<Locale> {
        self.primary().parse().ok()
    }

    pub fn of_locale(locale: Locale) -> Self {
        Self(locale.as_str().to_owned())
    }

    /// This tag without its last subtag (`zh-Hant-TW` → `zh-Hant`), for lookup.
    fn shorter(&self) -> Option<Self> {
        self.0
            .rsplit_once('-')
            .map(|(head, _)| Self(head.to_owned()))
    }
}

impl TryFrom<String> for LanguageTag {
    type Error = ParseError;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let refuse = || {
            ParseError::new(
                "language",
                format!(
                    "must be a BCP 47 language tag such as ja, en or pt-BR (at most {MAX_TAG_CHARS} characters), got {:?}",
                    raw.chars().take(40).collect::<String>()
                ),
            )
        };
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.len() > MAX_TAG_CHARS {
            return Err(refuse());
        }
        let mut canonical = String::with_capacity(trimmed.len());
        for (i, subtag) in trimmed.split(['-', '_']).enumerate() {
            let letters = subtag.bytes().all(|b| b.is_ascii_alphabetic());
            let alnum = subtag.bytes().all(|b| b.is_ascii_alphanumeric());
            let fits = match i {
                0 => letters && (2..=3).contains(&subtag.len()),
                _ => alnum && (1..=8).contains(&subtag.len()),
            };
            if !fits {
                return Err(refuse());
            }
            if i > 0 {
                canonical.push('-');
            }
            match subtag.len() {
                4 if i > 0 && letters => {
                    canonical.push_str(&subtag[..1].to_ascii_uppercase());
                    canonical.push_str(&subtag[1..].to_ascii_lowercase());
                }
                2 if i > 0 && letters => canonical.push_str(&subtag.to_ascii_uppercase()),
                _ => canonical.push_str(&subtag.to_ascii_lowercase()),
            }
        }
        Ok(Self(canonical))
    }
}

impl TryFrom<&str> for LanguageTag {
    type Error = ParseError;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        Self::try_from(raw.to_owned())
    }
}

impl From<LanguageTag> for String {
    fn from(tag: LanguageTag) -> String {
        tag.0
    }
}

impl fmt::Display for LanguageTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(feature = "openapi")]
crate::openapi::schema!(
    LanguageTag,
    crate::openapi::string(
        2,
        MAX_TAG_CHARS,
        "^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$",
        "A BCP 47 language tag: `ja`, `en`, `pt-BR`."
    )
);

/// The customer's languages in the order they prefer them, from any number of sources, each
/// a tag or a list: `ja`, `ja-JP,en;q=0.8` (`Accept-Language`, ordered by its weights), `fr, de`.
/// Entries that are not tags (`*`, garbage) are left out.
pub fn preferences<'a>(sources: impl IntoIterator<Item = &'a str>) -> Vec<LanguageTag> {
    let mut tags = Vec::new();
    for source in sources {
        let mut weighted: Vec<(u16, LanguageTag)> = source
            .split(',')
            .filter_map(|entry| {
                let mut parts = entry.split(';');
                let tag = LanguageTag::try_from(parts.next()?.trim()).ok()?;
                let weight = parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(1000, |q| {
                        (q.trim().parse::<f32>().unwrap_or(0.0) * 1000.0) as u16
                    });
                (weight > 0).then_some((weight, tag))
            })
            .collect();
        // Stable: equal weights keep the order they were written in.
        weighted.sort_by_key(|(weight, _)| std::cmp::Reverse(*weight));
        tags.extend(weighted.into_iter().map(|(_, tag)| tag));
    }
    tags
}

/// Which of a survey's languages a customer gets. For each language the customer prefers, in
/// order: that tag exactly, then shorter forms of it (`zh-Hant-TW`, `zh-Hant`, `zh`), then any
/// of the survey's tags for the same language (`pt` finds `pt-BR`). When none of the
/// customer's languages is offered: the survey's first language, its default. `offered` is
/// never empty.
pub fn choose<'a>(offered: &'a [LanguageTag], wanted: &[LanguageTag]) -> &'a LanguageTag {
    for tag in wanted {
        let mut candidate = Some(tag.clone());
        while let Some(c) = candidate {
            if let Some(found) = offered.iter().find(|o| **o == c) {
                return found;
            }
            candidate = c.shorter();
        }
        if let Some(found) = offered.iter().find(|o| o.primary() == tag.primary()) {
            return found;
        }
    }
    &offered[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(raw: &str) -> LanguageTag {
        LanguageTag::try_from(raw).unwrap()
    }

    #[test]
    fn tags_are_kept_in_canonical_case() {
        assert_eq!(tag("JA").as_str(), "ja");
        assert_eq!(tag("pt_br").as_str(), "pt-BR");
        assert_eq!(tag("zh-hant-tw").as_str(), "zh-Hant-TW");
        assert_eq!(tag("es-419").as_str(), "es-419");
        assert_eq!(tag("pt-BR").primary(), "pt");
        assert_eq!(tag("ja-JP").locale(), Some(Locale::Ja));
        assert_eq!(tag("fr").locale(), None);
    }

    #[test]
    fn what_is_not_a_tag_is_refused_naming_the_field() {
        for bad in [
            "",
            " ",
            "j",
            "japanese",
            "ja--JP",
            "ja-",
            "1a",
            "ja-JP-toolongsubtag",
            "ja JP",
            "日本",
            "*",
        ] {
            let err = LanguageTag::try_from(bad).unwrap_err();
            assert_eq!(err.field(), "language", "{bad:?}");
        }
        assert!(LanguageTag::try_from("a".repeat(36)).is_err());
    }

    #[test]
    fn a_customer_gets_their_language_then_its_family_then_the_default() {
        let offered = [tag("ja"), tag("en"), tag("pt-BR"), tag("zh-Hant")];
        let pick = |wanted: &str| choose(&offered, &preferences([wanted])).as_str().to_owned();
        assert_eq!(pick("en-GB"), "en");
        assert_eq!(pick("pt"), "pt-BR", "a language finds its regional form");
        assert_eq!(pick("zh-Hant-TW"), "zh-Hant");
        assert_eq!(pick("fr, en;q=0.5"), "en", "the first offered preference");
        assert_eq!(pick("en;q=0.2, ja;q=0.9"), "ja", "by weight, not position");
        assert_eq!(
            pick("fr"),
            "ja",
            "none offered: the survey's first language"
        );
        assert_eq!(pick(""), "ja");
        let both = preferences(["fr", "ja-JP,en;q=0.8"]);
        assert_eq!(
            both.iter().map(LanguageTag::as_str).collect::<Vec<_>>(),
            ["fr", "ja-JP", "en"]
        );
    }
}
