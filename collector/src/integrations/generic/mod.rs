//! Any helpdesk's "ticket solved" webhook (Zendesk, Freshdesk, Intercom, one's own): the site
//! says where each field sits in the helpdesk's JSON (a JSON Pointer, RFC 6901, per field) and
//! how the helpdesk proves itself (an HMAC-SHA256 signature of the body, or Basic auth with the
//! integration's secret as the password).

pub mod receive;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Sha256;

/// Where each field sits in the helpdesk's JSON. Only `interaction` is required; a pointer
/// that finds nothing (or `null`) leaves its field out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldMapping {
    pub interaction: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// The customer, for the cooldown (kept only as a keyed hash).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// The customer's email: their identity for the cooldown when `customer` is not mapped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<String>,
}

/// The fields a mapping names, for messages.
pub const FIELDS: [&str; 11] = [
    "interaction",
    "agent",
    "team",
    "channel",
    "topic",
    "customer",
    "email",
    "locale",
    "opened_at",
    "first_response_at",
    "resolved_at",
];

/// Why a mapping cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("the mapping needs `interaction`: where the ticket's id sits")]
    NoInteraction,
    #[error("`{0}` must be a JSON Pointer: empty, or starting with `/` (e.g. /ticket/id)")]
    NotAPointer(&'static str),
    #[error("unknown field `{0}`: the mapping takes {fields}", fields = FIELDS.join(", "))]
    Unknown(String),
}

impl FieldMapping {
    /// Reads `field=/pointer` pairs (`koe integration add generic --map …`).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = &'a str>) -> Result<Self, MappingError> {
        let mut mapping = Self::default();
        for pair in pairs {
            let (field, pointer) = pair.split_once('=').unwrap_or((pair, ""));
            let slot = match field.trim() {
                "interaction" => {
                    mapping.interaction = pointer.trim().to_owned();
                    continue;
                }
                "agent" => &mut mapping.agent,
                "team" => &mut mapping.team,
                "channel" => &mut mapping.channel,
                "topic" => &mut mapping.topic,
                "customer" => &mut mapping.customer,
                "email" => &mut mapping.email,
                "locale" => &mut mapping.locale,
                "opened_at" => &mut mapping.opened_at,
                "first_response_at" => &mut mapping.first_response_at,
                "resolved_at" => &mut mapping.resolved_at,
                other => return Err(MappingError::Unknown(other.to_owned())),
            };
            *slot = Some(pointer.trim().to_owned());
        }
        mapping.check()?;
        Ok(mapping)
    }

    /// Every pointer well formed, and the interaction mapped.
    pub fn check(&self) -> Result<(), MappingError> {
        if self.interaction.is_empty() {
            return Err(MappingError::NoInteraction);
        }
        let named = [
            ("interaction", Some(&self.interaction)),
            ("agent", self.agent.as_ref()),
            ("team", self.team.as_ref()),
            ("channel", self.channel.as_ref()),
            ("topic", self.topic.as_ref()),
            ("customer", self.customer.as_ref()),
            ("email", self.email.as_ref()),
            ("locale", self.locale.as_ref()),
            ("opened_at", self.opened_at.as_ref()),
            ("first_response_at", self.first_response_at.as_ref()),
            ("resolved_at", self.resolved_at.as_ref()),
        ];
        for (field, pointer) in named {
            if let Some(pointer) = pointer
                && !pointer.starts_with('/')
            {
                return Err(MappingError::NotAPointer(field));
            }
        }
        Ok(())
    }
}

/// The text at `pointer` in `body`: a string as it is, a number written out; nothing for
/// `null`, an object, an array or a missing field.
pub fn text_at(body: &Value, pointer: Option<&str>) -> Option<String> {
    match body.pointer(pointer?)? {
        Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_owned()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// What the hook answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::EnumString)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Respond {
    /// The rating links (for helpdesks that can put a webhook's answer into their message).
    Links,
    /// Only that the interaction is recorded (a later `koe('show')` or link surveys it).
    Record,
}

/// How the helpdesk proves itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::EnumString)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Auth {
    /// `X-Koe-Timestamp: <Unix seconds>` and `X-Koe-Signature: sha256=<hex of
    /// HMAC-SHA256(secret, "<timestamp>.<body>")>`, the timestamp within [`MAX_SKEW_S`] of the
    /// server's clock (so a body seen on the way cannot be sent again later).
    Hmac,
    /// `Authorization: Basic base64(<any user>:<secret>)` (Zendesk's webhooks offer it).
    Basic,
}

/// How far a signed request's timestamp may be from the server's clock.
pub const MAX_SKEW_S: i64 = 300;

/// The credentials a request presented.
#[derive(Clone, Copy, Default)]
pub struct Presented<'a> {
    pub timestamp: Option<&'a str>,
    pub signature: Option<&'a str>,
    pub authorization: Option<&'a str>,
}

impl std::fmt::Debug for Presented<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Presented([redacted])")
    }
}

/// Whether the request proves it knows `secret`, the way `auth` asks (compared in constant
/// time); `now_s` is the server's clock.
pub fn authenticated(
    auth: Auth,
    secret: &str,
    body: &[u8],
    presented: Presented<'_>,
    now_s: i64,
) -> bool {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    match auth {
        Auth::Hmac => {
            let (Some(timestamp), Some(given)) = (
                presented.timestamp.map(str::trim),
                presented
                    .signature
                    .and_then(|s| s.trim().strip_prefix("sha256="))
                    .and_then(super::decode_hex),
            ) else {
                return false;
            };
            if timestamp
                .parse::<i64>()
                .map_or(true, |at| (now_s - at).abs() > MAX_SKEW_S)
            {
                return false;
            }
            mac.update(timestamp.as_bytes());
            mac.update(b".");
            mac.update(body);
            mac.verify_slice(&given).is_ok()
        }
        Auth::Basic => {
            let Some(password) = presented
                .authorization
                .and_then(|a| a.trim().strip_prefix("Basic "))
                .and_then(|b| STANDARD.decode(b.trim()).ok())
                .and_then(|pair| String::from_utf8(pair).ok())
                .and_then(|pair| pair.split_once(':').map(|(_, p)| p.to_owned()))
            else {
                return false;
            };
            // Both sides through the same MAC: equal digests, compared in constant time.
            let mut expected = mac.clone();
            expected.update(secret.as_bytes());
            mac.update(password.as_bytes());
            mac.verify(&expected.finalize().into_bytes()).is_ok()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_mapping_reads_pointers_and_refuses_what_is_not_one() {
        let mapping =
            FieldMapping::from_pairs(["interaction=/ticket/id", "agent=/ticket/assignee/name"])
                .unwrap();
        let body = json!({ "ticket": { "id": 123, "assignee": { "name": "Ayumi" } } });
        assert_eq!(
            text_at(&body, Some(&mapping.interaction)).as_deref(),
            Some("123")
        );
        assert_eq!(
            text_at(&body, mapping.agent.as_deref()).as_deref(),
            Some("Ayumi")
        );
        assert_eq!(text_at(&body, Some("/ticket/none")), None);
        assert_eq!(
            FieldMapping::from_pairs(["agent=/a"]),
            Err(MappingError::NoInteraction)
        );
        assert_eq!(
            FieldMapping::from_pairs(["interaction=ticket.id"]),
            Err(MappingError::NotAPointer("interaction"))
        );
        assert!(matches!(
            FieldMapping::from_pairs(["interaction=/id", "priority=/p"]),
            Err(MappingError::Unknown(_))
        ));
    }

    #[test]
    fn the_helpdesk_proves_the_secret_by_a_fresh_signature_or_basic_auth() {
        let body = br#"{"ticket":{"id":1}}"#;
        let now = 1_765_000_000;
        let sign = |at: i64| {
            let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret").unwrap();
            mac.update(format!("{at}.").as_bytes());
            mac.update(body);
            let hex: String = mac
                .finalize()
                .into_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            format!("sha256={hex}")
        };
        let signature = sign(now);
        let at = now.to_string();
        let hmac = |secret: &str, body: &[u8], p: Presented<'_>, clock: i64| {
            authenticated(Auth::Hmac, secret, body, p, clock)
        };
        fn signed<'a>(timestamp: &'a str, signature: &'a str) -> Presented<'a> {
            Presented {
                timestamp: Some(timestamp),
                signature: Some(signature),
                authorization: None,
            }
        }
        let fresh = signed(&at, &signature);
        assert!(hmac("s3cret", body, fresh, now + 10));
        assert!(
            !hmac("s3cret", body, fresh, now + MAX_SKEW_S + 1),
            "a replay later"
        );
        assert!(!hmac("other", body, fresh, now));
        assert!(!hmac("s3cret", b"{}", fresh, now));
        let moved = (now + 1).to_string();
        assert!(
            !hmac("s3cret", body, signed(&moved, &signature), now),
            "the time is signed"
        );
        let unsigned_time = Presented {
            timestamp: None,
            ..fresh
        };
        assert!(!hmac("s3cret", body, unsigned_time, now));
        let basic =
            |password: &str| format!("Basic {}", STANDARD.encode(format!("zendesk:{password}")));
        let (right, wrong) = (basic("s3cret"), basic("guess"));
        fn with(auth: &str) -> Presented<'_> {
            Presented {
                authorization: Some(auth),
                ..Presented::default()
            }
        }
        assert!(authenticated(
            Auth::Basic,
            "s3cret",
            body,
            with(&right),
            now
        ));
        assert!(!authenticated(
            Auth::Basic,
            "s3cret",
            body,
            with(&wrong),
            now
        ));
        assert!(!authenticated(Auth::Basic, "s3cret", body, fresh, now));
    }
}
