//! A LINE Flex Message rating card: the survey's CSAT question and five buttons, each a signed
//! rating link (opens the hosted survey page) or a postback carrying the signed token in its
//! `data` (the tap comes back to Koe's LINE webhook and is recorded as the answer). Built for
//! `koe link --format line-flex`, for a site that sends it through its own LINE bot, and for
//! Koe's LINE channel integration. LINE's limits (Messaging API reference) are checked here,
//! so a card that LINE would refuse is never printed or sent.

use koe_shared::survey::texts::CSAT_FACES;
use koe_shared::token::{Offer, OfferedQuestion};
use serde_json::{Value, json};

use crate::links::{LinkRequest, signed};
use crate::sites::Site;
use crate::sites::survey::QuestionWords;
use crate::texts::messaging;

/// A bubble's JSON may be at most 30 KB.
pub const MAX_BUBBLE_BYTES: usize = 30_000;
/// A postback action's `data`, in UTF-16 code units (the token is ASCII: bytes).
pub const MAX_POSTBACK_DATA: usize = 300;
/// A URI action's address.
pub const MAX_URI: usize = 1_000;
/// An action's label, in characters (LINE's limit for postback and URI actions).
pub const MAX_LABEL: usize = 20;

/// A button's label: the face and the site's label, cut to LINE's 20 characters with an
/// ellipsis when the site's label is longer (the whole label stays in the postback's
/// `displayText`, which may hold 300).
pub fn button_label(face: &str, label: &str) -> String {
    let full = format!("{face} {label}");
    if full.chars().count() <= MAX_LABEL {
        return full;
    }
    let mut cut: String = full.chars().take(MAX_LABEL - 1).collect();
    cut.push('…');
    cut
}
/// The prefix of a postback Koe made: `koe=<token>&l=<language>`.
pub const POSTBACK_PREFIX: &str = "koe=";

/// How the card's buttons answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardAnswer {
    /// Each button opens its signed rating link.
    Link,
    /// Each button is a postback with the signed token (needs Koe's LINE webhook).
    Postback,
}

/// Why a card cannot be made within LINE's limits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    #[error(
        "a postback's data is {0} characters, over LINE's {MAX_POSTBACK_DATA}: shorten the \
         interaction, agent or team ids, or use link buttons"
    )]
    PostbackTooLong(usize),
    #[error("a rating link is {0} characters, over LINE's {MAX_URI}")]
    UriTooLong(usize),
    #[error("the card is {0} bytes, over LINE's {MAX_BUBBLE_BYTES}")]
    TooLarge(usize),
}

/// The postback data that answers `request` with CSAT `score`.
pub fn postback_data(site: &Site, request: &LinkRequest, score: u8) -> Option<String> {
    let offer = Offer::new(OfferedQuestion::Csat, score).ok()?;
    Some(format!(
        "{POSTBACK_PREFIX}{}&l={}",
        signed(site, request, Some(offer)),
        request.locale.as_str()
    ))
}

/// The Flex message (`{"type": "flex", "altText", "contents": bubble}`) asking for CSAT.
/// `base` is the collector's public address (where link buttons point).
pub fn rating_card(
    site: &Site,
    base: &str,
    request: &LinkRequest,
    answer: CardAnswer,
) -> Result<Value, CardError> {
    let t = messaging::of(request.locale);
    let words = QuestionWords::of(&site.survey.in_language(request.locale.as_str(), &site.name));
    let links = crate::links::build(site, base, request);
    let mut buttons = Vec::with_capacity(5);
    for (index, (face, label)) in CSAT_FACES.iter().zip(&words.csat_labels).enumerate() {
        let score = u8::try_from(index + 1).unwrap_or(1);
        let full = format!("{face} {label}");
        let label = button_label(face, label);
        let action = match answer {
            CardAnswer::Link => {
                let uri = &links.csat[index].url;
                if uri.len() > MAX_URI {
                    return Err(CardError::UriTooLong(uri.len()));
                }
                json!({ "type": "uri", "label": label, "uri": uri })
            }
            CardAnswer::Postback => {
                let data = postback_data(site, request, score).unwrap_or_default();
                if data.len() > MAX_POSTBACK_DATA {
                    return Err(CardError::PostbackTooLong(data.len()));
                }
                json!({ "type": "postback", "label": label, "data": data, "displayText": full })
            }
        };
        buttons.push(json!({
            "type": "button",
            "style": if score >= 4 { "primary" } else { "secondary" },
            "height": "sm",
            "action": action,
        }));
    }
    let bubble = json!({
        "type": "bubble",
        "body": {
            "type": "box",
            "layout": "vertical",
            "spacing": "md",
            "contents": [
                { "type": "text", "text": words.csat_question, "wrap": true, "weight": "bold" },
            ],
        },
        "footer": {
            "type": "box",
            "layout": "vertical",
            "spacing": "sm",
            "contents": buttons,
        },
    });
    let size = bubble.to_string().len();
    if size > MAX_BUBBLE_BYTES {
        return Err(CardError::TooLarge(size));
    }
    Ok(json!({ "type": "flex", "altText": t.card_alt, "contents": bubble }))
}

/// A card as it reads: its question, its buttons (and which are primary), its alternative
/// text — read back from the card's own JSON, for a preview in the card's layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardPreview {
    pub question: String,
    pub buttons: Vec<(String, bool)>,
    pub alt: String,
}

impl CardPreview {
    pub fn of(card: &Value) -> Self {
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let bubble = &card["contents"];
        Self {
            question: text(&bubble["body"]["contents"][0]["text"]),
            buttons: bubble["footer"]["contents"]
                .as_array()
                .map(|buttons| {
                    buttons
                        .iter()
                        .map(|b| (text(&b["action"]["label"]), b["style"] == "primary"))
                        .collect()
                })
                .unwrap_or_default(),
            alt: text(&card["altText"]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A site's long CSAT label still makes a card LINE takes: the button's label is cut to 20
    /// characters.
    #[test]
    fn a_long_label_is_cut_to_lines_limit() {
        assert_eq!(button_label("😄", "Very satisfied"), "😄 Very satisfied");
        let long = button_label("😄", "Absolutely delighted with the help");
        assert_eq!(long.chars().count(), MAX_LABEL);
        assert!(
            long.ends_with('…') && long.starts_with("😄 Absolutely"),
            "{long}"
        );
    }
}
