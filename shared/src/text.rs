//! Free text from customers: the comment and the reason tags.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ParseError;

/// Longest comment accepted, in characters (after trimming).
pub const MAX_COMMENT_CHARS: usize = 2000;
/// Longest reason tag, in characters.
pub const MAX_REASON_CHARS: usize = 32;
/// Most reason tags one response may carry: as many as a site's survey may offer
/// (`survey::MAX_REASONS`), so a customer who picks every one is never refused.
pub const MAX_REASONS: usize = 12;

/// A customer's comment: trimmed, 1–2000 characters, no control characters except
/// line breaks (`\n`, `\r`) and tabs. Everything else — any script, emoji, RTL mark — is kept
/// exactly as written; escaping is the job of whoever displays it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Comment(String);

impl Comment {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `raw` without the characters a comment may not hold (control characters other than
    /// line breaks and tabs): what the widget sends, so a comment pasted with stray control
    /// characters is kept rather than refused.
    pub fn clean(raw: &str) -> String {
        raw.chars().filter(|c| !is_refused(*c)).collect()
    }
}

/// A character no comment may hold.
fn is_refused(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\r' | '\t')
}

impl TryFrom<String> for Comment {
    type Error = ParseError;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(ParseError::new(
                "comment",
                "must not be empty (leave it out instead)",
            ));
        }
        let chars = trimmed.chars().count();
        if chars > MAX_COMMENT_CHARS {
            return Err(ParseError::new(
                "comment",
                format!("must be at most {MAX_COMMENT_CHARS} characters, got {chars}"),
            ));
        }
        if let Some(bad) = trimmed.chars().find(|c| is_refused(*c)) {
            return Err(ParseError::new(
                "comment",
                format!(
                    "must not contain control character U+{:04X}",
                    u32::from(bad)
                ),
            ));
        }
        Ok(Self(if trimmed.len() == raw.len() {
            raw
        } else {
            trimmed.to_owned()
        }))
    }
}

impl TryFrom<&str> for Comment {
    type Error = ParseError;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        Self::try_from(raw.to_owned())
    }
}

impl From<Comment> for String {
    fn from(comment: Comment) -> String {
        comment.0
    }
}

/// A reason tag the customer picked ("slow_reply", "not_resolved"): a slug of lowercase
/// ASCII letters, digits, `_` and `-`, starting with a letter, at most 32 characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Reason(String);

impl Reason {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Reason {
    type Error = ParseError;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let valid_chars = raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        let starts_with_letter = raw.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
        if raw.len() > MAX_REASON_CHARS || !valid_chars || !starts_with_letter {
            return Err(ParseError::new(
                "reasons",
                format!(
                    "entries must be slugs of a-z, 0-9, _ and - starting with a letter, at most {MAX_REASON_CHARS} characters, got {:?}",
                    raw.chars().take(40).collect::<String>()
                ),
            ));
        }
        Ok(Self(raw))
    }
}

impl TryFrom<&str> for Reason {
    type Error = ParseError;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        Self::try_from(raw.to_owned())
    }
}

impl From<Reason> for String {
    fn from(reason: Reason) -> String {
        reason.0
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The reason tags of one response: at most 12, no repeats, kept sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Vec<Reason>", into = "Vec<Reason>")]
pub struct Reasons(Vec<Reason>);

impl Reasons {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Reason> {
        self.0.iter()
    }
}

impl TryFrom<Vec<Reason>> for Reasons {
    type Error = ParseError;

    /// At most [`MAX_REASONS`] entries as sent (a repeat counts, then is dropped): a rule a
    /// client can check by length alone, as the API's schema states it.
    fn try_from(mut reasons: Vec<Reason>) -> Result<Self, Self::Error> {
        if reasons.len() > MAX_REASONS {
            return Err(ParseError::new(
                "reasons",
                format!(
                    "must hold at most {MAX_REASONS} tags, got {}",
                    reasons.len()
                ),
            ));
        }
        reasons.sort();
        reasons.dedup();
        Ok(Self(reasons))
    }
}

impl From<Reasons> for Vec<Reason> {
    fn from(reasons: Reasons) -> Self {
        reasons.0
    }
}

#[cfg(feature = "openapi")]
crate::openapi::schema!(
    Comment,
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some(crate::openapi::COMMENT_PATTERN))
        .description(Some(
            "The customer's comment: at most 2000 characters once surrounding whitespace is \
             trimmed, not only whitespace, no control characters but line breaks and tabs",
        ))
        .into()
);

#[cfg(feature = "openapi")]
crate::openapi::schema!(
    Reason,
    crate::openapi::string(
        1,
        MAX_REASON_CHARS,
        crate::openapi::REASON_PATTERN,
        "A reason tag: a-z, 0-9, `_` and `-`, starting with a letter",
    )
);

#[cfg(feature = "openapi")]
crate::openapi::schema!(
    Reasons,
    crate::openapi::set_of(
        <Reason as utoipa::PartialSchema>::schema(),
        MAX_REASONS,
        "Reason tags the customer picked, at most 12 (a repeat is dropped)",
    )
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn comments_are_trimmed_and_bounded() {
        assert_eq!(
            Comment::try_from("  thanks!\n").unwrap().as_str(),
            "thanks!"
        );
        assert!(Comment::try_from("").is_err());
        assert!(Comment::try_from(" \n\t ").is_err());
        assert!(Comment::try_from("x".repeat(2000)).is_ok());
        assert!(Comment::try_from("x".repeat(2001)).is_err());
        assert!(
            Comment::try_from("あ".repeat(2000)).is_ok(),
            "the limit counts characters"
        );
        assert!(
            Comment::try_from(format!("  {}  ", "x".repeat(2000))).is_ok(),
            "counted after trimming"
        );
    }

    #[test]
    fn cleaning_removes_exactly_what_a_comment_refuses() {
        let pasted = "line one\nline\ttwo\u{0}\u{1b}[31m red\u{7f}";
        let cleaned = Comment::clean(pasted);
        assert_eq!(cleaned, "line one\nline\ttwo[31m red");
        assert!(Comment::try_from(cleaned).is_ok());
        assert!(Comment::try_from(pasted).is_err());
    }

    #[test]
    fn comments_keep_line_breaks_and_refuse_other_controls() {
        assert!(Comment::try_from("line one\r\nline two\tend").is_ok());
        let err = Comment::try_from("nul\u{0}byte").unwrap_err().to_string();
        assert_eq!(err, "comment must not contain control character U+0000");
        assert!(Comment::try_from("bell\u{7}").is_err());
        assert!(Comment::try_from("c1\u{85}end").is_err());
        assert!(Comment::try_from("rtl \u{202E}text and zero\u{200B}width").is_ok());
        assert!(
            Comment::try_from("<script>alert(1)</script>").is_ok(),
            "stored as text, escaped on display"
        );
    }

    #[test]
    fn reasons_are_slugs() {
        assert!(Reason::try_from("slow_reply").is_ok());
        assert!(Reason::try_from("not-resolved2").is_ok());
        for bad in ["", "Slow", "1st", "a b", "é", "_x", &"a".repeat(33)] {
            assert!(Reason::try_from(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn reasons_are_deduplicated_sorted_and_capped() {
        let json = r#"["slow","rude","slow"]"#;
        let reasons: Reasons = serde_json::from_str(json).unwrap();
        assert_eq!(
            serde_json::to_string(&reasons).unwrap(),
            r#"["rude","slow"]"#
        );
        let thirteen: Vec<String> = (0..13).map(|i| format!("r{i}")).collect();
        let err = serde_json::from_str::<Reasons>(&serde_json::to_string(&thirteen).unwrap())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("reasons must hold at most 12"), "{err}");
        assert_eq!(
            crate::survey::MAX_REASONS,
            MAX_REASONS,
            "an answer may carry every reason a survey offers"
        );
    }

    proptest! {
        #[test]
        fn accepted_comments_are_trimmed_and_within_limits(raw in "\\PC{0,2100}") {
            match Comment::try_from(raw.clone()) {
                Ok(c) => {
                    prop_assert_eq!(c.as_str(), raw.trim());
                    prop_assert!((1..=MAX_COMMENT_CHARS).contains(&c.as_str().chars().count()));
                }
                Err(_) => {
                    let n = raw.trim().chars().count();
                    prop_assert!(n == 0 || n > MAX_COMMENT_CHARS);
                }
            }
        }
    }
}
