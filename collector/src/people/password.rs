//! Passwords, as NIST SP 800-63B asks of a verifier: at least 12 characters, at most 128, any
//! characters (spaces and emoji too; no rule about classes of characters), compared after
//! Unicode NFKC so the same password typed on two keyboards is one; refused when it is common
//! (a bundled list), made of the account's own address, or one character repeated. Kept only as
//! an argon2id hash ([`PARAMS`], stated in SECURITY.md), checked in constant time by the crate.
//!
//! The list (`common_passwords.txt`) is the 10 000 most frequent passwords of the list zxcvbn
//! bundles (MIT, © 2016 Joshua Holmer, from Dropbox's zxcvbn, built from leaked password
//! sets), and every one of its 30 000 that has 12 characters or more. A password is refused
//! when it is on the list, or is an entry repeated, or an entry followed by digits and
//! punctuation (`password1234!`).

use std::collections::HashSet;
use std::sync::LazyLock;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use unicode_normalization::UnicodeNormalization as _;

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 128;

/// argon2id, 19 MiB, 2 passes, 1 lane: OWASP's first recommended setting (about 30 ms here).
pub const PARAMS: (u32, u32, u32) = (19 * 1024, 2, 1);

static COMMON: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("common_passwords.txt").lines().collect());

/// Why a password cannot be chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("a password has at least {MIN_CHARS} characters")]
    TooShort,
    #[error("a password has at most {MAX_CHARS} characters")]
    TooLong,
    #[error("this password is one of the most common ones; choose another")]
    Common,
    #[error("a password cannot be made of your email address")]
    Email,
    #[error("a password cannot be one character repeated")]
    Repeated,
}

/// A password as typed, normalised (NFKC). Never printed.
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

impl Password {
    /// A password as typed at sign-in: only normalised, never judged (the rules are for
    /// choosing one).
    pub fn typed(raw: &str) -> Self {
        Self(raw.nfkc().collect())
    }

    /// A new password for the account of `email`, if it follows the rules.
    pub fn choose(raw: &str, email: &str) -> Result<Self, PasswordProblem> {
        let password = Self::typed(raw);
        let chars = password.0.chars().count();
        if chars < MIN_CHARS {
            return Err(PasswordProblem::TooShort);
        }
        if chars > MAX_CHARS {
            return Err(PasswordProblem::TooLong);
        }
        let lower = password.0.to_lowercase();
        let first = lower.chars().next().unwrap_or_default();
        if lower.chars().all(|c| c == first) {
            return Err(PasswordProblem::Repeated);
        }
        let local = email.split('@').next().unwrap_or_default();
        if lower.contains(email)
            || (local.chars().count() >= 4
                && lower.starts_with(local)
                && is_padding(&lower[local.len()..]))
        {
            return Err(PasswordProblem::Email);
        }
        if is_common(&lower) {
            return Err(PasswordProblem::Common);
        }
        Ok(password)
    }

    /// The argon2id hash to keep (a PHC string with its own random salt).
    pub fn hash(&self) -> String {
        let salt = SaltString::encode_b64(&crate::secrets::random_key()[..16])
            .expect("16 bytes are a valid salt");
        hasher()
            .hash_password(self.0.as_bytes(), &salt)
            .expect("argon2 hashes any password within its limits")
            .to_string()
    }

    /// Whether this is the password `stored` is the hash of. A stored value that is not a hash
    /// matches nothing.
    pub fn matches(&self, stored: &str) -> bool {
        PasswordHash::new(stored)
            .is_ok_and(|hash| hasher().verify_password(self.0.as_bytes(), &hash).is_ok())
    }
}

/// Checking a password against this costs what checking a real one does, so that an address
/// without an account answers no faster than one with (no way to tell which addresses have
/// accounts from the time a refusal takes).
pub fn dummy_hash() -> &'static str {
    static DUMMY: LazyLock<String> =
        LazyLock::new(|| Password::typed("no account has this password").hash());
    &DUMMY
}

fn hasher() -> Argon2<'static> {
    let (memory, passes, lanes) = PARAMS;
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(memory, passes, lanes, None).expect("valid argon2 parameters"),
    )
}

/// Digits, punctuation and spaces: what people add to a common word to pass a length rule.
fn is_padding(rest: &str) -> bool {
    rest.chars()
        .all(|c| c.is_ascii_digit() || c.is_ascii_punctuation() || c == ' ')
}

fn is_common(lower: &str) -> bool {
    if COMMON.contains(lower) {
        return true;
    }
    // An entry followed by padding (`password1234!`).
    let base = lower
        .trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation() || c == ' ');
    if base.len() >= 4 && base.len() < lower.len() && COMMON.contains(base) {
        return true;
    }
    // An entry repeated (`monkeymonkey`, `qwertyqwerty`).
    (1..=lower.len() / 2).any(|n| {
        lower.len().is_multiple_of(n)
            && lower.is_char_boundary(n)
            && COMMON.contains(&lower[..n])
            && lower
                .as_bytes()
                .chunks(n)
                .all(|c| c == &lower.as_bytes()[..n])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rules_are_length_and_the_list_never_composition() {
        let email = "ayumi@example.com";
        assert!(Password::choose("correct horse battery", email).is_ok());
        assert!(
            Password::choose("すずしいかぜがふくあきのよる", email).is_ok(),
            "any script"
        );
        assert_eq!(
            Password::choose("short pass", email).unwrap_err(),
            PasswordProblem::TooShort
        );
        assert_eq!(
            Password::choose(&"ab".repeat(65), email).unwrap_err(),
            PasswordProblem::TooLong
        );
        for common in [
            "qwerty123456",
            "1qaz2wsx3edc",
            "password1234!",
            "monkeymonkey",
            "Baseball2024",
        ] {
            assert_eq!(
                Password::choose(common, email).unwrap_err(),
                PasswordProblem::Common,
                "{common}"
            );
        }
        assert_eq!(
            Password::choose("aaaaaaaaaaaaaa", email).unwrap_err(),
            PasswordProblem::Repeated
        );
        assert_eq!(
            Password::choose("ayumi@example.com", email).unwrap_err(),
            PasswordProblem::Email
        );
        assert_eq!(
            Password::choose("ayumi2024!!!!", email).unwrap_err(),
            PasswordProblem::Email
        );
    }

    #[test]
    fn a_hash_matches_its_password_only() {
        let password = Password::choose("correct horse battery", "a@example.com").unwrap();
        let hash = password.hash();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(password.matches(&hash));
        assert!(!Password::typed("correct horse batterz").matches(&hash));
        assert!(!password.matches("not a hash"));
        // The same password typed full-width is the same password.
        assert!(Password::typed("ｃｏｒｒｅｃｔ ｈｏｒｓｅ ｂａｔｔｅｒｙ").matches(&hash));
    }
}
