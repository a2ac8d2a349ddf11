//! Sites: who may send responses, from which origins, signed with which secret. The list the
//! server keeps in memory is [`directory`]; creating sites and keys is [`registration`].

pub mod directory;
pub mod fatigue;
pub mod registration;
pub mod settings;
pub mod survey;
pub mod survey_publish;

use std::fmt;

use jiff::tz::TimeZone;
use koe_shared::token::{self, AttributionClaims, TokenError};
use koe_shared::{AttributionToken, SiteKey};

use crate::ids::SiteId;

/// A site as the collector knows it.
#[derive(Clone)]
pub struct Site {
    pub id: SiteId,
    pub key: SiteKey,
    pub name: String,
    pub origins: Vec<Origin>,
    pub timezone: SiteTimeZone,
    /// Strict sites accept attribution only when a valid token covers it.
    pub strict: bool,
    /// SHA-256 of the signing secret; HMAC gives the same MACs with it (see `shared/docs`).
    pub secret_digest: [u8; 32],
    /// The secret before the last rotation, while tokens signed with it still verify.
    pub previous_secret: Option<PreviousSecret>,
    /// Report rows resting on fewer responses than this are marked "low n".
    pub low_n_threshold: u32,
    pub created_at: jiff::Timestamp,
    /// Raw responses (and their comments) older than this many days are purged; rollups stay.
    /// `None`: keep everything.
    pub retention_days: Option<u32>,
    /// Raw responses answered before this day have been purged (only ever moves forward).
    pub purged_before: Option<jiff::civil::Date>,
    /// Which interactions are surveyed, and how long a surveyed customer is spared.
    pub fatigue: fatigue::Fatigue,
    /// The survey its customers see now (its wording, reasons, own question, look).
    pub survey: std::sync::Arc<survey::PublishedSurvey>,
}

/// A rotated-out signing secret: tokens and rating links signed with it verify until
/// `until`, then fail as signed with a retired secret.
#[derive(Clone, PartialEq, Eq)]
pub struct PreviousSecret {
    pub digest: [u8; 32],
    pub until: jiff::Timestamp,
}

impl fmt::Debug for PreviousSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreviousSecret")
            .field("digest", &"[redacted]")
            .field("until", &self.until)
            .finish()
    }
}

/// Why a token does not verify for a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SiteTokenError {
    #[error(transparent)]
    Token(#[from] TokenError),
    /// Signed with the site's previous secret after its grace period ended.
    #[error("the token was signed with a secret this site has retired")]
    SecretRetired,
}

impl fmt::Debug for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Site")
            .field("id", &self.id)
            .field("key", &self.key)
            .field("name", &self.name)
            .field("origins", &self.origins)
            .field("timezone", &self.timezone)
            .field("strict", &self.strict)
            .field("secret_digest", &"[redacted]")
            .field("previous_secret", &self.previous_secret)
            .finish()
    }
}

impl Site {
    /// Today in the site's time zone: where a report's range ends by default.
    pub fn today(&self) -> jiff::civil::Date {
        self.timezone.local_date(crate::clock::now_ms())
    }

    /// The first day whose raw responses may be recomputed from (`koe verify`): the day its
    /// purges have reached, or every day when nothing was purged.
    pub fn first_whole_day(&self) -> Option<jiff::civil::Date> {
        self.purged_before
    }

    /// Verifies a token against the site's secret, or during a rotation's grace period its
    /// previous one, at `now_ms`.
    pub fn verify_token(
        &self,
        token: &AttributionToken,
        now_ms: i64,
    ) -> Result<AttributionClaims, SiteTokenError> {
        let now = u64::try_from(now_ms / 1000).unwrap_or(0);
        match token::verify(&self.secret_digest, token, now) {
            Err(TokenError::BadSignature) => {
                let Some(previous) = &self.previous_secret else {
                    return Err(TokenError::BadSignature.into());
                };
                let claims = token::verify(&previous.digest, token, now)?;
                match now_ms <= previous.until.as_millisecond() {
                    true => Ok(claims),
                    false => Err(SiteTokenError::SecretRetired),
                }
            }
            verified => Ok(verified?),
        }
    }

    pub fn allows_origin(&self, origin: &Origin) -> bool {
        self.origins.contains(origin)
    }
}

/// What `koe site add` asks storage to create.
#[derive(Clone)]
pub struct NewSite {
    pub key: SiteKey,
    pub name: String,
    pub origins: Vec<Origin>,
    pub timezone: SiteTimeZone,
    pub strict: bool,
    pub secret_digest: [u8; 32],
    pub low_n_threshold: u32,
    pub created_at: jiff::Timestamp,
}

impl fmt::Debug for NewSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewSite")
            .field("key", &self.key)
            .field("name", &self.name)
            .field("secret_digest", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// A web origin, `scheme://host[:port]`, serialized as browsers send it in `Origin`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin(String);

/// Why a text is not an origin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OriginError {
    #[error("{raw:?} is not a URL: {reason}")]
    NotUrl {
        raw: String,
        reason: url::ParseError,
    },
    #[error("{0:?} must start with http:// or https://")]
    Scheme(String),
    #[error("{0:?} must name a host and no user")]
    Host(String),
    #[error("{0:?} must be an origin only, without a path")]
    NotOrigin(String),
}

impl Origin {
    /// Parses an origin a site owner typed (`https://Example.com/`) or a browser sent.
    pub fn parse(raw: &str) -> Result<Self, OriginError> {
        let url = url::Url::parse(raw.trim()).map_err(|reason| OriginError::NotUrl {
            raw: raw.to_owned(),
            reason,
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(OriginError::Scheme(raw.to_owned()));
        }
        if url.host().is_none() || !url.username().is_empty() || url.password().is_some() {
            return Err(OriginError::Host(raw.to_owned()));
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(OriginError::NotOrigin(raw.to_owned()));
        }
        Ok(Self(url.origin().ascii_serialization()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A site's IANA time zone: days in reports begin at its local midnight.
#[derive(Clone)]
pub struct SiteTimeZone {
    name: String,
    zone: TimeZone,
}

/// A name that is not an IANA time zone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an IANA time zone")]
pub struct UnknownTimeZone(pub String);

impl SiteTimeZone {
    pub fn parse(name: &str) -> Result<Self, UnknownTimeZone> {
        let zone = TimeZone::get(name).map_err(|_| UnknownTimeZone(name.to_owned()))?;
        Ok(Self {
            name: name.to_owned(),
            zone,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }

    /// The local date at a Unix time in milliseconds.
    pub fn local_date(&self, unix_ms: i64) -> jiff::civil::Date {
        jiff::Timestamp::from_millisecond(unix_ms)
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
            .to_zoned(self.zone.clone())
            .date()
    }

    /// The local date (`YYYY-MM-DD`) at a Unix time in milliseconds.
    pub fn local_day(&self, unix_ms: i64) -> String {
        self.local_date(unix_ms).to_string()
    }
}

impl fmt::Debug for SiteTimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalised_like_browsers_send_them() {
        assert_eq!(
            Origin::parse("https://Example.com/").unwrap().as_str(),
            "https://example.com"
        );
        assert_eq!(
            Origin::parse("https://example.com:443").unwrap().as_str(),
            "https://example.com"
        );
        assert_eq!(
            Origin::parse("http://localhost:8080").unwrap().as_str(),
            "http://localhost:8080"
        );
        for bad in [
            "example.com",
            "ftp://example.com",
            "https://example.com/path",
            "https://u:p@example.com",
            "null",
        ] {
            assert!(Origin::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn local_days_follow_the_site_time_zone() {
        let tokyo = SiteTimeZone::parse("Asia/Tokyo").unwrap();
        let utc = SiteTimeZone::parse("UTC").unwrap();
        // 2026-11-26T16:00:00Z is already the 27th in Tokyo (UTC+9).
        let ms = 1_795_708_800_000;
        assert_eq!(utc.local_day(ms), "2026-11-26");
        assert_eq!(tokyo.local_day(ms), "2026-11-27");
        assert!(SiteTimeZone::parse("Mars/Olympus").is_err());
    }
}
