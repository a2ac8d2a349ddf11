//! A site's own survey: its wording in each language, its reasons, one question of its own and
//! its look. [`SurveyDefinition`] is what a site owner writes (TOML for `koe survey set`, JSON
//! for the API, the dashboard's form); [`Survey`] is one that passed every check
//! (`check.rs`); [`ResolvedSurvey`] is what a customer sees in one language (`resolved.rs`),
//! the same for the widget, the hosted page, the rating email and LINE's card.

pub mod answer;
mod check;
pub mod language;
pub mod look;
mod resolved;
pub mod texts;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use answer::{AnswerValue, QuestionAnswer, SCALE_MAX};
pub use check::Problem;
pub use language::LanguageTag;
pub use look::Look;
pub use resolved::{
    PageLook, ResolvedOption, ResolvedQuestion, ResolvedReason, ResolvedScales, ResolvedSurvey,
};
pub use texts::TextKey;

use crate::{Locale, Reason};

/// Most languages one survey speaks.
pub const MAX_LANGUAGES: usize = 10;
/// Most reasons a survey offers.
pub const MAX_REASONS: usize = 12;
/// Most options of the site's own choice question, and the fewest.
pub const MAX_OPTIONS: usize = 8;
pub const MIN_OPTIONS: usize = 2;
/// Longest reason label, option label and scale-end label, in characters.
pub const MAX_LABEL_CHARS: usize = 40;
/// Longest text of the site's own question.
pub const MAX_QUESTION_CHARS: usize = 200;

/// A survey as its site owner writes it: every field optional, every value raw, so that
/// [`SurveyDefinition::check`] can name each problem at once. What it leaves out is Koe's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SurveyDefinition {
    /// The languages it speaks, the first one its default (`["en", "ja"]` when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    /// Per language, per text key (`csat_question`), the site's own text.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub texts: BTreeMap<String, BTreeMap<String, String>>,
    /// The reasons offered; absent: Koe's five.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasons: Option<Vec<ReasonDefinition>>,
    /// Reasons an earlier version offered and this one does not: kept by Koe so that answers
    /// that chose them are still reported under their label. Whatever a definition sends here
    /// is replaced when it is published.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retired_reasons: Vec<ReasonDefinition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<QuestionDefinition>,
    #[serde(default, skip_serializing_if = "LookDefinition::is_empty")]
    pub look: LookDefinition,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReasonDefinition {
    pub id: String,
    /// `unhappy` (the default), `happy` or `always`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub label: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuestionDefinition {
    pub id: String,
    /// `scale` (1–5) or `choice` (one of 2–8 options).
    pub kind: String,
    #[serde(default)]
    pub text: BTreeMap<String, String>,
    /// The scale's ends (1 and 5).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub low: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub high: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<OptionDefinition>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OptionDefinition {
    pub id: String,
    #[serde(default)]
    pub label: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LookDefinition {
    /// `#rgb` or `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Corners in pixels, 0–24.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radius: Option<i64>,
    /// `system` or `host` (the page's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub font: Option<String>,
    /// `auto`, `light` or `dark`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
    /// `bottom-right` or `bottom-left`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
}

impl LookDefinition {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A label in each of the survey's languages.
pub type Labels = BTreeMap<LanguageTag, String>;

/// Which answers a reason is offered after.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReasonWhen {
    /// After CSAT ≤ 2, NPS ≤ 6 or "not resolved".
    #[default]
    Unhappy,
    /// After any other answer.
    Happy,
    Always,
}

impl ReasonWhen {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unhappy => "unhappy",
            Self::Happy => "happy",
            Self::Always => "always",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        [Self::Unhappy, Self::Happy, Self::Always]
            .into_iter()
            .find(|w| w.as_str() == raw)
    }
}

/// A reason a customer may pick: a stable id (reports follow it, so a new label keeps one
/// series) and its label per language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonOption {
    pub id: Reason,
    pub when: ReasonWhen,
    pub label: Labels,
}

/// Koe's reasons, with their English and Japanese labels.
pub const KOE_REASONS: [(&str, &str, &str); 5] = [
    ("slow_reply", "Slow reply", "返信が遅い"),
    ("not_resolved", "Not resolved", "解決しなかった"),
    ("unfriendly", "Unfriendly", "対応が不親切"),
    (
        "hard_to_understand",
        "Hard to understand",
        "説明がわかりにくい",
    ),
    ("other", "Something else", "その他"),
];

/// Koe's label of one of its reasons in a language it speaks.
pub fn koe_reason_label(id: &str, locale: Locale) -> Option<&'static str> {
    KOE_REASONS
        .iter()
        .find(|(koe, _, _)| *koe == id)
        .map(|(_, en, ja)| match locale {
            Locale::En => *en,
            Locale::Ja => *ja,
        })
}

/// The site's own question: asked after the built-in ones, before the comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomQuestion {
    pub id: Reason,
    pub text: Labels,
    pub kind: QuestionKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuestionKind {
    /// 1 to 5, with its ends named.
    Scale { low: Labels, high: Labels },
    /// One of 2–8 options.
    Choice { options: Vec<ChoiceOption> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoiceOption {
    pub id: Reason,
    pub label: Labels,
}

/// A survey every check passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    /// Never empty; the first is the default.
    pub languages: Vec<LanguageTag>,
    /// The texts the site set (the rest are Koe's, for the languages Koe speaks).
    pub texts: BTreeMap<LanguageTag, BTreeMap<TextKey, String>>,
    pub reasons: Vec<ReasonOption>,
    /// Whether `reasons` is the site's own list (else Koe's).
    pub own_reasons: bool,
    pub retired_reasons: Vec<ReasonOption>,
    pub question: Option<CustomQuestion>,
    pub look: Look,
}

impl Default for Survey {
    /// Koe's own survey.
    fn default() -> Self {
        SurveyDefinition::default()
            .check()
            .expect("Koe's own survey passes its checks")
    }
}

impl Survey {
    /// A text in one of the survey's languages: the site's, else Koe's in that language.
    pub fn text(&self, lang: &LanguageTag, key: TextKey) -> &str {
        self.texts
            .get(lang)
            .and_then(|texts| texts.get(&key))
            .map(String::as_str)
            .or_else(|| lang.locale().map(|locale| key.default_text(locale)))
            .unwrap_or_default()
    }

    /// A reason's label in a language, for reports too: from the reasons offered now, else
    /// the retired ones, else Koe's, else the survey's first language; the id when none has it.
    pub fn reason_label(&self, id: &str, lang: &LanguageTag) -> String {
        let known = self
            .reasons
            .iter()
            .chain(&self.retired_reasons)
            .find(|r| r.id.as_str() == id);
        known
            .and_then(|r| r.label.get(lang))
            .map(String::as_str)
            .or_else(|| lang.locale().and_then(|l| koe_reason_label(id, l)))
            .or_else(|| known.and_then(|r| r.label.values().next().map(String::as_str)))
            .unwrap_or(id)
            .to_owned()
    }

    /// Whether answers may carry this reason: one offered now or before.
    pub fn knows_reason(&self, id: &Reason) -> bool {
        self.reasons
            .iter()
            .chain(&self.retired_reasons)
            .any(|r| r.id == *id)
            || !self.own_reasons && KOE_REASONS.iter().any(|(koe, _, _)| *koe == id.as_str())
    }

    /// Whether `answer` answers the question this survey asks: its id, and a value of its
    /// scale or one of its options. The error names what is wrong, for the customer's page
    /// and the API's 422.
    pub fn check_answer(&self, answer: &QuestionAnswer) -> Result<(), String> {
        let Some(question) = &self.question else {
            return Err(format!(
                "question: the site's survey asks no question of its own, got an answer to {}",
                answer.id.as_str()
            ));
        };
        if question.id != answer.id {
            return Err(format!(
                "question.id: the site's survey asks {}, not {}",
                question.id.as_str(),
                answer.id.as_str()
            ));
        }
        match (&question.kind, &answer.answer) {
            (QuestionKind::Scale { .. }, AnswerValue::Scale(_)) => Ok(()),
            (QuestionKind::Choice { options }, AnswerValue::Choice(picked))
                if options.iter().any(|o| o.id == *picked) =>
            {
                Ok(())
            }
            (QuestionKind::Choice { options }, value) => {
                let ids: Vec<&str> = options.iter().map(|o| o.id.as_str()).collect();
                Err(format!(
                    "question.answer: {} is not one of {}'s options ({})",
                    value.as_text(),
                    question.id.as_str(),
                    ids.join(", ")
                ))
            }
            (QuestionKind::Scale { .. }, value) => Err(format!(
                "question.answer: {} is a scale from 1 to {SCALE_MAX}, got {:?}",
                question.id.as_str(),
                value.as_text()
            )),
        }
    }

    /// The language of these for a customer who prefers `wanted` (see [`language::choose`]).
    pub fn language_for(&self, wanted: &[LanguageTag]) -> &LanguageTag {
        language::choose(&self.languages, wanted)
    }

    /// The same survey as a definition a site owner can edit and send back.
    pub fn to_definition(&self) -> SurveyDefinition {
        let labels = |labels: &Labels| -> BTreeMap<String, String> {
            labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect()
        };
        let reason = |r: &ReasonOption| ReasonDefinition {
            id: r.id.to_string(),
            when: Some(r.when.as_str().to_owned()),
            label: labels(&r.label),
        };
        let look = &self.look;
        SurveyDefinition {
            languages: self.languages.iter().map(ToString::to_string).collect(),
            texts: self
                .texts
                .iter()
                .map(|(lang, texts)| {
                    let texts = texts
                        .iter()
                        .map(|(k, v)| (k.as_str().to_owned(), v.clone()));
                    (lang.to_string(), texts.collect())
                })
                .collect(),
            reasons: self
                .own_reasons
                .then(|| self.reasons.iter().map(reason).collect()),
            retired_reasons: self.retired_reasons.iter().map(reason).collect(),
            question: self.question.as_ref().map(|q| {
                let (kind, low, high, options) = match &q.kind {
                    QuestionKind::Scale { low, high } => {
                        ("scale", labels(low), labels(high), Vec::new())
                    }
                    QuestionKind::Choice { options } => (
                        "choice",
                        BTreeMap::new(),
                        BTreeMap::new(),
                        options
                            .iter()
                            .map(|o| OptionDefinition {
                                id: o.id.to_string(),
                                label: labels(&o.label),
                            })
                            .collect(),
                    ),
                };
                QuestionDefinition {
                    id: q.id.to_string(),
                    kind: kind.to_owned(),
                    text: labels(&q.text),
                    low,
                    high,
                    options,
                }
            }),
            look: LookDefinition {
                color: look.color.clone(),
                radius: Some(i64::from(look.radius)),
                font: Some(look.font.as_str().to_owned()),
                theme: Some(look.theme.as_str().to_owned()),
                position: look.position.map(|p| p.as_str().to_owned()),
            },
        }
    }

    /// Whether this survey may follow `previous`: a question it keeps the id of keeps its kind
    /// (a scale's 1–5 and a choice's options cannot share one series in the reports).
    pub fn may_follow(&self, previous: &Survey) -> Result<(), Problem> {
        match (&self.question, &previous.question) {
            (Some(now), Some(before))
                if now.id == before.id
                    && matches!(now.kind, QuestionKind::Scale { .. })
                        != matches!(before.kind, QuestionKind::Scale { .. }) =>
            {
                let kind = |k: &QuestionKind| match k {
                    QuestionKind::Scale { .. } => "a scale",
                    QuestionKind::Choice { .. } => "a choice",
                };
                Err(Problem {
                    field: "question.kind".into(),
                    reason: format!(
                        "{} is published as {}: {} needs an id of its own, so that each keeps \
                         its series",
                        now.id.as_str(),
                        kind(&before.kind),
                        kind(&now.kind)
                    ),
                })
            }
            _ => Ok(()),
        }
    }

    /// This survey as the next version after `previous`: the reasons `previous` offered (or
    /// had retired) that this one does not are kept as retired, with their last labels.
    pub fn succeeding(mut self, previous: &Survey) -> Self {
        let offered_before = previous.reasons.iter().chain(&previous.retired_reasons);
        let mut retired: Vec<ReasonOption> = Vec::new();
        for reason in offered_before {
            let still_offered = self.reasons.iter().any(|r| r.id == reason.id);
            if !still_offered && !retired.iter().any(|r| r.id == reason.id) {
                retired.push(reason.clone());
            }
        }
        self.retired_reasons = retired;
        self
    }
}
