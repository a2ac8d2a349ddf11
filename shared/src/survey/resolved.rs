//! A survey as one customer sees it: one language, every text filled in (the site's, else
//! Koe's), `{brand}` replaced, the reasons and the site's question labelled, the colours
//! worked out. The collector sends it to the widget as JSON; the hosted page, the rating email
//! and LINE's card render from it, so every place reads the same words.

use std::collections::BTreeMap;

use serde::Serialize;

use super::look::{self, Font, Position, Theme};
use super::texts::{self, TextKey};
use super::{LanguageTag, QuestionKind, ReasonWhen, SCALE_MAX, Survey};

/// What the script tag of the page says about the look (`data-color`, `data-position`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageLook {
    pub color: Option<String>,
    pub position: Option<Position>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolvedSurvey {
    /// The published version (0: Koe's own, never published); answers record it.
    pub version: u32,
    pub lang: LanguageTag,
    /// Every text by key (`csat_question`), `{agent_display_name}` left for the page to fill.
    pub texts: BTreeMap<&'static str, String>,
    pub reasons: Vec<ResolvedReason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question: Option<ResolvedQuestion>,
    /// What each built-in scale offers, in the order shown.
    pub scales: ResolvedScales,
    pub look: ResolvedLook,
}

/// The built-in scales' options: each value as sent (`"4"`; "resolved?" sends `"1"` for yes
/// and `"0"` for no) and its accessible name (`"4 – Satisfied"`, `"0 – Not likely"`, `"7"`,
/// `"Yes"`). The widget draws them as they are; the hosted page words its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolvedScales {
    pub csat: Vec<ResolvedOption>,
    pub nps: Vec<ResolvedOption>,
    pub ces: Vec<ResolvedOption>,
    pub yes_no: Vec<ResolvedOption>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolvedReason {
    pub id: String,
    pub label: String,
    pub when: ReasonWhen,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolvedQuestion {
    pub id: String,
    /// `scale` or `choice`.
    pub kind: &'static str,
    pub text: String,
    /// A scale's ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub low: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high: Option<String>,
    /// What the customer picks from, in order: a scale's values `"1"`–`"5"` (the ends'
    /// labels `"1 – Unclear"`, `"5 – Clear"`, the rest the number) or a choice's options.
    pub options: Vec<ResolvedOption>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolvedOption {
    pub id: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolvedLook {
    /// The brand colour, darkened where needed, and the text colour that reads on it at AA.
    pub color: String,
    pub on_color: &'static str,
    pub radius: u8,
    pub font: Font,
    pub theme: Theme,
    pub position: Position,
}

impl Survey {
    /// This survey for a customer, in `lang` (one of its languages; see
    /// [`Survey::language_for`]). `{brand}` is the brand set for `lang`, else the one set for
    /// the survey's first language, else `site_name`.
    pub fn resolve(&self, version: u32, lang: &LanguageTag, site_name: &str) -> ResolvedSurvey {
        self.resolve_on_page(version, lang, site_name, &PageLook::default())
    }

    /// [`Self::resolve`] for a page whose script tag names a colour or a position: they stand
    /// where the survey sets none.
    pub fn resolve_on_page(
        &self,
        version: u32,
        lang: &LanguageTag,
        site_name: &str,
        page: &PageLook,
    ) -> ResolvedSurvey {
        // The brand of this language, else of the survey's first language, else the site's name.
        let own_brand = |l: &LanguageTag| {
            self.texts
                .get(l)
                .and_then(|t| t.get(&TextKey::Brand))
                .filter(|b| !b.is_empty())
        };
        let brand = own_brand(lang)
            .or_else(|| own_brand(&self.languages[0]))
            .map_or(site_name, String::as_str);
        let fill = |text: &str| texts::fill(text, texts::BRAND, brand);
        let label = |labels: &super::Labels| {
            labels
                .get(lang)
                .or_else(|| labels.values().next())
                .map(|l| fill(l))
                .unwrap_or_default()
        };
        let texts = TextKey::ALL
            .iter()
            .filter(|k| **k != TextKey::Brand)
            .map(|&k| (k.as_str(), fill(self.text(lang, k))))
            .collect();
        let reasons = self
            .reasons
            .iter()
            .map(|r| ResolvedReason {
                id: r.id.to_string(),
                label: label(&r.label),
                when: r.when,
            })
            .collect();
        let question = self.question.as_ref().map(|q| {
            let (kind, low, high, options) = match &q.kind {
                QuestionKind::Scale { low, high } => {
                    let (low, high) = (label(low), label(high));
                    let values = (1..=SCALE_MAX).map(|value| ResolvedOption {
                        id: value.to_string(),
                        label: match value {
                            1 => format!("1 – {low}"),
                            SCALE_MAX => format!("{value} – {high}"),
                            _ => value.to_string(),
                        },
                    });
                    (
                        "scale",
                        Some(low.clone()),
                        Some(high.clone()),
                        values.collect(),
                    )
                }
                QuestionKind::Choice { options } => (
                    "choice",
                    None,
                    None,
                    options
                        .iter()
                        .map(|o| ResolvedOption {
                            id: o.id.to_string(),
                            label: label(&o.label),
                        })
                        .collect(),
                ),
            };
            ResolvedQuestion {
                id: q.id.to_string(),
                kind,
                text: label(&q.text),
                low,
                high,
                options,
            }
        });
        let option = |id: String, label: String| ResolvedOption { id, label };
        // 0–10 or 1–7, each end named after its number.
        let numbered = |values: std::ops::RangeInclusive<u8>, low: TextKey, high: TextKey| {
            let (first, last) = (*values.start(), *values.end());
            values
                .map(|v| {
                    let label = match v {
                        v if v == first => format!("{v} – {}", fill(self.text(lang, low))),
                        v if v == last => format!("{v} – {}", fill(self.text(lang, high))),
                        v => v.to_string(),
                    };
                    option(v.to_string(), label)
                })
                .collect()
        };
        let scales = ResolvedScales {
            csat: (1..=5u8)
                .map(|v| {
                    let label = fill(self.text(lang, TextKey::csat(v)));
                    option(v.to_string(), format!("{v} – {label}"))
                })
                .collect(),
            nps: numbered(0..=10, TextKey::NpsLow, TextKey::NpsHigh),
            ces: numbered(1..=7, TextKey::CesLow, TextKey::CesHigh),
            yes_no: vec![
                option("1".into(), fill(self.text(lang, TextKey::Yes))),
                option("0".into(), fill(self.text(lang, TextKey::No))),
            ],
        };
        let color = self.look.color.as_deref().or(page.color.as_deref());
        let paint = look::paint(color, f64::powf);
        ResolvedSurvey {
            version,
            lang: lang.clone(),
            texts,
            reasons,
            question,
            scales,
            look: ResolvedLook {
                color: paint.background,
                on_color: paint.text,
                radius: self.look.radius,
                font: self.look.font,
                theme: self.look.theme,
                position: self.look.position.or(page.position).unwrap_or_default(),
            },
        }
    }
}

impl ResolvedSurvey {
    /// A text with `{agent_display_name}` filled: the agent's name, else the survey's
    /// `agent_fallback` ("our team"). For pages that show it on the server.
    pub fn text(&self, key: TextKey, agent: Option<&str>) -> String {
        let text = self.texts.get(key.as_str()).map_or("", String::as_str);
        let fallback = self.texts.get(TextKey::AgentFallback.as_str());
        let agent = agent.or(fallback.map(String::as_str)).unwrap_or_default();
        texts::fill(text, texts::AGENT, agent)
    }

    /// The CSAT labels 1–5.
    pub fn csat_labels(&self) -> [String; 5] {
        [1, 2, 3, 4, 5].map(|score| self.text(TextKey::csat(score), None))
    }
}
