//! LINE's Messaging API, as Koe's LINE channel integration reads and writes it: the webhook's
//! signature (`X-Line-Signature`: base64 of HMAC-SHA256 of the raw body with the channel
//! secret, compared in constant time), its events, the postback data of Koe's rating cards,
//! and the reply Koe makes (a thank-you, and the "resolved?" quick replies where the site asks).
//! Shapes from LINE's Messaging API reference; the tests keep its examples as fixtures.

pub mod push;
pub mod receive;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use koe_shared::Locale;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::Sha256;

use super::call::Call;
use super::flex::POSTBACK_PREFIX;
use crate::texts::messaging::MessagingTexts;

/// Where LINE takes a reply.
pub const REPLY_PATH: &str = "/v2/bot/message/reply";
/// Where LINE takes a push (costs the channel's monthly quota: only when asked).
pub const PUSH_PATH: &str = "/v2/bot/message/push";
/// A reply token lives about a minute: a reply is not retried past this.
pub const REPLY_LIFETIME_MS: i64 = 55_000;

/// Whether `signature` (the header, base64) signs `body` with `channel_secret`.
pub fn signature_ok(channel_secret: &str, body: &[u8], signature: Option<&str>) -> bool {
    let Some(given) = signature.and_then(|s| STANDARD.decode(s.trim()).ok()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(channel_secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

/// A webhook's body: `{"destination", "events": [...]}` (no events: LINE's "Verify" button).
#[derive(Debug, Deserialize)]
pub struct Webhook {
    #[serde(default)]
    pub events: Vec<Event>,
}

/// One webhook event; only what Koe acts on is read.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    #[serde(rename = "type")]
    pub kind: String,
    /// `standby` events come with no reply token: Koe records and does not reply.
    #[serde(default)]
    pub mode: Option<String>,
    /// The same on a redelivery: Koe acts on each id once.
    pub webhook_event_id: String,
    #[serde(default)]
    pub reply_token: Option<String>,
    #[serde(default)]
    pub postback: Option<Postback>,
}

#[derive(Debug, Deserialize)]
pub struct Postback {
    pub data: String,
}

/// A tap on one of Koe's cards: the signed token it carried, the language it was asked in,
/// and — on the follow-up's quick replies — whether the issue was resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tap {
    pub token: String,
    pub locale: Locale,
    pub resolved: Option<bool>,
}

impl Tap {
    /// Koe's postback data (`koe=<token>&l=<lang>[&r=1|0]`); `None` for anything else (another
    /// bot's postback on the same channel).
    pub fn parse(data: &str) -> Option<Self> {
        let rest = data.strip_prefix(POSTBACK_PREFIX)?;
        let mut parts = rest.split('&');
        let token = parts.next()?.to_owned();
        let (mut locale, mut resolved) = (Locale::En, None);
        for part in parts {
            match part.split_once('=') {
                Some(("l", lang)) => locale = lang.parse().ok()?,
                Some(("r", "1")) => resolved = Some(true),
                Some(("r", "0")) => resolved = Some(false),
                _ => return None,
            }
        }
        (!token.is_empty()).then_some(Self {
            token,
            locale,
            resolved,
        })
    }

    /// The data of the follow-up's answer `resolved`.
    pub fn resolved_data(&self, resolved: bool) -> String {
        format!(
            "{POSTBACK_PREFIX}{}&l={}&r={}",
            self.token,
            self.locale.as_str(),
            u8::from(resolved)
        )
    }
}

/// A text message, with quick replies when given.
fn text(text: &str, quick: Option<Value>) -> Value {
    let mut message = json!({ "type": "text", "text": text });
    if let Some(items) = quick {
        message["quickReply"] = json!({ "items": items });
    }
    message
}

/// What Koe says after a rating: thanks, and — when the site asks it — "resolved?" with yes
/// and no as quick replies (postbacks carrying the same token).
pub fn after_rating(t: &MessagingTexts, tap: &Tap, ask_resolved: bool) -> Vec<Value> {
    if !ask_resolved {
        return vec![text(t.thanks, None)];
    }
    let choice = |label: &str, resolved: bool| {
        json!({
            "type": "action",
            "action": {
                "type": "postback",
                "label": label,
                "data": tap.resolved_data(resolved),
                "displayText": label,
            },
        })
    };
    vec![
        text(t.thanks, None),
        text(
            t.resolved_question,
            Some(json!([choice(t.yes, true), choice(t.no, false)])),
        ),
    ]
}

/// A reply with `messages` (at most 5) to the event that gave `reply_token`.
pub fn reply(reply_token: &str, messages: Vec<Value>) -> Call {
    Call {
        path: REPLY_PATH.to_owned(),
        body: json!({ "replyToken": reply_token, "messages": messages }),
        expires_after_ms: Some(REPLY_LIFETIME_MS),
        retry_key: None,
    }
}

/// A push of `messages` to the LINE user `to` (costs quota: only when the site asks).
pub fn push(to: &str, messages: Vec<Value>) -> Call {
    Call {
        path: PUSH_PATH.to_owned(),
        body: json!({ "to": to, "messages": messages }),
        expires_after_ms: None,
        retry_key: Some(crate::secrets::uuid_v4()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_lines_documented_example() {
        // The example of LINE's "Verify the signature" documentation (tests/fixtures/line).
        let body = include_bytes!("../../../../tests/fixtures/line/webhook_verify.json");
        let secret = "8c570fa6dd201bb328f1c1eac23a96d8";
        let signature = "GhRKmvmHys4Pi8DxkF4+EayaH0OqtJtaZxgTD9fMDLs=";
        assert!(signature_ok(secret, body, Some(signature)));
        assert!(!signature_ok(secret, b"{}", Some(signature)));
        assert!(!signature_ok("another secret", body, Some(signature)));
        assert!(!signature_ok(secret, body, None));
        assert!(!signature_ok(secret, body, Some("not base64!")));
    }

    #[test]
    fn only_koes_postbacks_are_taps() {
        let tap = Tap::parse("koe=abc.def&l=ja").unwrap();
        assert_eq!(tap.locale, Locale::Ja);
        assert_eq!(tap.resolved, None);
        assert_eq!(
            Tap::parse(&tap.resolved_data(false)).unwrap().resolved,
            Some(false)
        );
        for other in ["action=buy&item=1", "koe=", "koe=abc&l=fr", "koe=abc&x=1"] {
            assert_eq!(Tap::parse(other), None, "{other}");
        }
    }

    #[test]
    fn the_fixture_webhooks_parse() {
        let postback: Webhook = serde_json::from_str(include_str!(
            "../../../../tests/fixtures/line/webhook_postback.json"
        ))
        .unwrap();
        assert_eq!(postback.events[0].kind, "postback");
        assert!(postback.events[0].reply_token.is_some());
        let verify: Webhook = serde_json::from_str(include_str!(
            "../../../../tests/fixtures/line/webhook_verify.json"
        ))
        .unwrap();
        assert!(verify.events.is_empty());
        let text: Webhook = serde_json::from_str(include_str!(
            "../../../../tests/fixtures/line/webhook_message_text.json"
        ))
        .unwrap();
        assert_eq!(text.events[0].kind, "message");
    }
}
