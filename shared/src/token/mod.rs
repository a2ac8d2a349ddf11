//! Signed attribution: a site's backend vouches for who handled an interaction.
//!
//! The exact byte format is in `shared/docs/attribution-token.md`, so any language can
//! produce tokens; the test vector at the bottom of this file is the one quoted there.
//!
//! ```text
//! token   = base64url(payload) "." base64url(HMAC-SHA256(secret, payload))   (no padding)
//! payload = version:u8 (1; 2 with an offer; 3 with a customer) || expires_at:u64be (Unix s)
//!           || field(site) || field(interaction) || field(agent) || field(team) || field(channel)
//!           [version 2: || field(question: "csat" | "nps") || score:u8]
//!           [version 3: || field(customer)]
//! field   = length:u16be || UTF-8 bytes          (length 0: not given)
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::{
    AgentId, Channel, CsatScore, CustomerId, InteractionId, NpsScore, ParseError, SiteKey, TeamId,
};

type HmacSha256 = Hmac<Sha256>;

/// The payload version of attribution without an offer (widget tokens).
pub const TOKEN_VERSION: u8 = 1;
/// The payload version that adds the offered question and score (email, phone, SNS links).
pub const OFFER_TOKEN_VERSION: u8 = 2;
/// The payload version of widget attribution that names the customer (survey fatigue).
pub const CUSTOMER_TOKEN_VERSION: u8 = 3;
/// Longest token accepted, in bytes.
pub const MAX_TOKEN_LEN: usize = 2048;
const MAC_LEN: usize = 32;

/// What a token vouches for. `None` fields are not covered by the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributionClaims {
    pub site: SiteKey,
    pub interaction: InteractionId,
    pub agent: Option<AgentId>,
    pub team: Option<TeamId>,
    pub channel: Option<Channel>,
    /// Unix time in seconds after which the token is refused.
    pub expires_at: u64,
    /// The question and score a rating link offers (`None` for widget attribution).
    pub offer: Option<Offer>,
    /// Who is asked, for the site's cooldown (widget tokens only: a rating link's cooldown is
    /// checked when the link is made, so [`sign`] leaves it out of a token with an offer).
    pub customer: Option<CustomerId>,
}

/// The question a rating link asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferedQuestion {
    Csat,
    Nps,
}

impl OfferedQuestion {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Csat => "csat",
            Self::Nps => "nps",
        }
    }
}

/// "This link answers `question` with `score`"; the score is on the question's scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    question: OfferedQuestion,
    score: u8,
}

impl Offer {
    pub fn new(question: OfferedQuestion, score: u8) -> Result<Self, ParseError> {
        match question {
            OfferedQuestion::Csat => CsatScore::try_from(score).map(|_| ()),
            OfferedQuestion::Nps => NpsScore::try_from(score).map(|_| ()),
        }?;
        Ok(Self { question, score })
    }

    pub fn question(self) -> OfferedQuestion {
        self.question
    }

    pub fn score(self) -> u8 {
        self.score
    }
}

/// A token as it travels: base64url text, checked only for shape and size.
/// It proves nothing until [`verify`] has checked it against the site's secret.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AttributionToken(String);

impl AttributionToken {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AttributionToken {
    type Error = ParseError;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let shape_ok = raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if raw.is_empty() || raw.len() > MAX_TOKEN_LEN || !shape_ok {
            return Err(ParseError::new(
                "token",
                format!("must be 1–{MAX_TOKEN_LEN} characters of base64url and '.'"),
            ));
        }
        Ok(Self(raw))
    }
}

#[cfg(feature = "openapi")]
crate::openapi::schema!(
    AttributionToken,
    crate::openapi::string(
        1,
        MAX_TOKEN_LEN,
        "^[A-Za-z0-9_.-]+$",
        "Signed attribution from the site's backend (see the token format in the README)",
    )
);

impl From<AttributionToken> for String {
    fn from(token: AttributionToken) -> String {
        token.0
    }
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// Not two base64url parts, or a payload that does not decode.
    Malformed,
    /// The signature does not match: tampered, or signed with another site's secret.
    BadSignature,
    /// A payload version this build does not know.
    UnsupportedVersion(u8),
    /// Past its `expires_at`.
    Expired,
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Malformed => f.write_str("the token is not well formed"),
            Self::BadSignature => f.write_str("the token's signature does not match this site"),
            Self::UnsupportedVersion(v) => write!(f, "token version {v} is not supported"),
            Self::Expired => f.write_str("the token has expired"),
        }
    }
}

impl std::error::Error for TokenError {}

/// Signs `claims` with a site's secret.
pub fn sign(secret: &[u8], claims: &AttributionClaims) -> AttributionToken {
    let payload = encode_payload(claims);
    let mac = mac_for(secret, &payload).finalize().into_bytes();
    AttributionToken(format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(&payload),
        URL_SAFE_NO_PAD.encode(mac)
    ))
}

/// Checks a token's signature (in constant time), then its version and expiry at `now`
/// (Unix seconds).
///
/// `secret` is the site's signing secret as given to the site owner, or its SHA-256 digest:
/// secrets are longer than SHA-256's 64-byte block, and HMAC uses the digest of such a key
/// in its place, so both give the same MAC. The collector stores only the digest.
pub fn verify(
    secret: &[u8],
    token: &AttributionToken,
    now: u64,
) -> Result<AttributionClaims, TokenError> {
    let (payload_b64, mac_b64) = token.0.split_once('.').ok_or(TokenError::Malformed)?;
    let payload = URL_SAFE_NO_PAD
        .decode(payload_b64)
        .map_err(|_| TokenError::Malformed)?;
    let mac = URL_SAFE_NO_PAD
        .decode(mac_b64)
        .map_err(|_| TokenError::Malformed)?;
    if mac.len() != MAC_LEN {
        return Err(TokenError::Malformed);
    }
    mac_for(secret, &payload)
        .verify_slice(&mac)
        .map_err(|_| TokenError::BadSignature)?;
    let claims = decode_payload(&payload)?;
    if now > claims.expires_at {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

fn mac_for(secret: &[u8], payload: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(payload);
    mac
}

fn encode_payload(claims: &AttributionClaims) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    let customer = claims.customer.as_ref().filter(|_| claims.offer.is_none());
    out.push(match (claims.offer, customer) {
        (Some(_), _) => OFFER_TOKEN_VERSION,
        (None, Some(_)) => CUSTOMER_TOKEN_VERSION,
        (None, None) => TOKEN_VERSION,
    });
    out.extend_from_slice(&claims.expires_at.to_be_bytes());
    let fields = [
        Some(claims.site.as_str()),
        Some(claims.interaction.as_str()),
        claims.agent.as_ref().map(AgentId::as_str),
        claims.team.as_ref().map(TeamId::as_str),
        claims.channel.map(Channel::as_str),
    ];
    for field in fields {
        push_field(&mut out, field.unwrap_or(""));
    }
    if let Some(offer) = claims.offer {
        push_field(&mut out, offer.question.as_str());
        out.push(offer.score);
    }
    if let Some(customer) = customer {
        push_field(&mut out, customer.as_str());
    }
    out
}

fn push_field(out: &mut Vec<u8>, value: &str) {
    // Ids are at most 128 characters (512 bytes), far below u16::MAX.
    let len = u16::try_from(value.len()).expect("claim fields are short");
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(value.as_bytes());
}

/// The site a token names, read without checking its signature — only to find which site's
/// secret to [`verify`] it with.
pub fn unverified_site(token: &AttributionToken) -> Option<SiteKey> {
    let payload = URL_SAFE_NO_PAD.decode(token.0.split_once('.')?.0).ok()?;
    let mut reader = Reader(&payload);
    reader.byte().ok()?;
    reader.take(8).ok()?;
    SiteKey::try_from(reader.field().ok()??).ok()
}

fn decode_payload(payload: &[u8]) -> Result<AttributionClaims, TokenError> {
    let mut reader = Reader(payload);
    let version = reader.byte()?;
    if ![TOKEN_VERSION, OFFER_TOKEN_VERSION, CUSTOMER_TOKEN_VERSION].contains(&version) {
        return Err(TokenError::UnsupportedVersion(version));
    }
    let expires_at = u64::from_be_bytes(
        reader
            .take(8)?
            .try_into()
            .map_err(|_| TokenError::Malformed)?,
    );
    let site = reader.field()?.ok_or(TokenError::Malformed)?;
    let interaction = reader.field()?.ok_or(TokenError::Malformed)?;
    let agent = reader.field()?;
    let team = reader.field()?;
    let channel = reader.field()?;
    let parse = |_: ParseError| TokenError::Malformed;
    let offer = if version == OFFER_TOKEN_VERSION {
        let question = match reader.field()? {
            Some("csat") => OfferedQuestion::Csat,
            Some("nps") => OfferedQuestion::Nps,
            _ => return Err(TokenError::Malformed),
        };
        Some(Offer::new(question, reader.byte()?).map_err(parse)?)
    } else {
        None
    };
    let customer = match version {
        CUSTOMER_TOKEN_VERSION => Some(reader.field()?.ok_or(TokenError::Malformed)?),
        _ => None,
    };
    if !reader.0.is_empty() {
        return Err(TokenError::Malformed);
    }
    Ok(AttributionClaims {
        site: SiteKey::try_from(site).map_err(parse)?,
        interaction: InteractionId::try_from(interaction).map_err(parse)?,
        agent: agent.map(AgentId::try_from).transpose().map_err(parse)?,
        team: team.map(TeamId::try_from).transpose().map_err(parse)?,
        channel: channel
            .map(|c| c.parse::<Channel>())
            .transpose()
            .map_err(parse)?,
        expires_at,
        offer,
        customer: customer
            .map(CustomerId::try_from)
            .transpose()
            .map_err(parse)?,
    })
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], TokenError> {
        if self.0.len() < n {
            return Err(TokenError::Malformed);
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    fn byte(&mut self) -> Result<u8, TokenError> {
        Ok(self.take(1)?[0])
    }

    /// A length-prefixed UTF-8 field; `None` when its length is 0.
    fn field(&mut self) -> Result<Option<&'a str>, TokenError> {
        let len = self.take(2)?;
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        let bytes = self.take(len)?;
        if bytes.is_empty() {
            return Ok(None);
        }
        std::str::from_utf8(bytes)
            .map(Some)
            .map_err(|_| TokenError::Malformed)
    }
}

#[cfg(test)]
mod tests;
