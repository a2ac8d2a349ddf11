//! A definition checked whole: every problem found, each naming its field (`texts.ko.nps_low`)
//! and its reason, and nothing kept unless there are none.

use std::collections::BTreeMap;
use std::fmt;

use lists::{koe_reasons, options, reasons, reasons_unchecked};
use look_check::checked_look;

use super::texts::{self, TextKey};
use super::{
    CustomQuestion, Labels, LanguageTag, MAX_LABEL_CHARS, MAX_LANGUAGES, MAX_QUESTION_CHARS,
    MAX_REASONS, QuestionKind, Survey, SurveyDefinition,
};
use crate::Reason;

/// One thing wrong with a definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where: `languages`, `texts.ko.csat_question`, `reasons[2].id`, `question.options`.
    pub field: String,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.0.push(Problem {
            field: field.into(),
            reason: reason.into(),
        });
    }
}

impl SurveyDefinition {
    /// The survey, or every problem it has.
    pub fn check(&self) -> Result<Survey, Vec<Problem>> {
        let mut problems = Problems::default();
        let languages = languages(&self.languages, &mut problems);
        let texts = self.checked_texts(&languages, &mut problems);
        let (own_reasons, reasons) = match &self.reasons {
            Some(list) => (true, reasons("reasons", list, &languages, &mut problems)),
            None => (false, koe_reasons(&languages, &mut problems)),
        };
        if reasons.len() > MAX_REASONS {
            problems.add(
                "reasons",
                format!("at most {MAX_REASONS} reasons, got {}", reasons.len()),
            );
        }
        // Retired reasons keep whatever labels they had: only their ids must still parse.
        let retired_reasons = reasons_unchecked(&self.retired_reasons);
        let question = self.question.as_ref().and_then(|q| {
            let id = slug("question.id", &q.id, &mut problems)?;
            let text = labels(
                "question.text",
                &q.text,
                &languages,
                MAX_QUESTION_CHARS,
                &mut problems,
            );
            let kind = match q.kind.as_str() {
                "scale" => {
                    if !q.options.is_empty() {
                        problems.add(
                            "question.options",
                            "a scale has no options (its answers are 1–5)",
                        );
                    }
                    QuestionKind::Scale {
                        low: labels(
                            "question.low",
                            &q.low,
                            &languages,
                            MAX_LABEL_CHARS,
                            &mut problems,
                        ),
                        high: labels(
                            "question.high",
                            &q.high,
                            &languages,
                            MAX_LABEL_CHARS,
                            &mut problems,
                        ),
                    }
                }
                "choice" => QuestionKind::Choice {
                    options: options(&q.options, &languages, &mut problems),
                },
                other => {
                    problems.add(
                        "question.kind",
                        format!("must be scale or choice, got {other:?}"),
                    );
                    return None;
                }
            };
            Some(CustomQuestion { id, text, kind })
        });
        let look = checked_look(&self.look, &mut problems);
        if !problems.0.is_empty() {
            return Err(problems.0);
        }
        Ok(Survey {
            languages,
            texts,
            reasons,
            own_reasons,
            retired_reasons,
            question,
            look,
        })
    }

    fn checked_texts(
        &self,
        languages: &[LanguageTag],
        problems: &mut Problems,
    ) -> BTreeMap<LanguageTag, BTreeMap<TextKey, String>> {
        let mut checked = BTreeMap::new();
        for (raw_lang, texts) in &self.texts {
            let Some(lang) =
                survey_language(&format!("texts.{raw_lang}"), raw_lang, languages, problems)
            else {
                continue;
            };
            let mut own = BTreeMap::new();
            for (raw_key, text) in texts {
                let field = format!("texts.{raw_lang}.{raw_key}");
                let Some(key) = TextKey::parse(raw_key) else {
                    problems.add(
                        field,
                        "is not a text of the survey (see docs/survey.md for the keys)",
                    );
                    continue;
                };
                match texts::refusal(key, text.trim()) {
                    Some(reason) => problems.add(field, reason),
                    None => {
                        own.insert(key, text.trim().to_owned());
                    }
                }
            }
            checked.insert(lang, own);
        }
        // A language Koe does not speak needs every text from the site.
        for lang in languages.iter().filter(|l| l.locale().is_none()) {
            let own = checked.get(lang);
            for &key in TextKey::ALL {
                if key != TextKey::Brand && own.is_none_or(|own| !own.contains_key(&key)) {
                    problems.add(
                        format!("texts.{lang}.{}", key.as_str()),
                        format!("is missing: Koe has no {lang} text of its own, so every text of the survey is needed in {lang}"),
                    );
                }
            }
        }
        checked
    }
}

fn languages(raw: &[String], problems: &mut Problems) -> Vec<LanguageTag> {
    if raw.is_empty() {
        return vec![
            LanguageTag::try_from("en").expect("a tag"),
            LanguageTag::try_from("ja").expect("a tag"),
        ];
    }
    if raw.len() > MAX_LANGUAGES {
        problems.add(
            "languages",
            format!("at most {MAX_LANGUAGES} languages, got {}", raw.len()),
        );
    }
    let mut tags: Vec<LanguageTag> = Vec::new();
    for (i, raw) in raw.iter().enumerate() {
        match LanguageTag::try_from(raw.as_str()) {
            Ok(tag) if tags.contains(&tag) => {
                problems.add(format!("languages[{i}]"), format!("{tag} is listed twice"));
            }
            Ok(tag) => tags.push(tag),
            Err(err) => problems.add(format!("languages[{i}]"), err.to_string()),
        }
    }
    if tags.is_empty() {
        // Problems were named; keep checking the rest against English.
        tags.push(LanguageTag::try_from("en").expect("a tag"));
    }
    tags
}

/// A language named as a key (`texts.ja`, `label.en`): a tag, and one of the survey's.
fn survey_language(
    field: &str,
    raw: &str,
    languages: &[LanguageTag],
    problems: &mut Problems,
) -> Option<LanguageTag> {
    match LanguageTag::try_from(raw) {
        Ok(tag) if languages.contains(&tag) => Some(tag),
        Ok(tag) => {
            let listed: Vec<&str> = languages.iter().map(LanguageTag::as_str).collect();
            problems.add(
                field,
                format!(
                    "{tag} is not one of the survey's languages ({})",
                    listed.join(", ")
                ),
            );
            None
        }
        Err(err) => {
            problems.add(field, err.to_string());
            None
        }
    }
}

/// A label in every language of the survey (`defaults` fills those Koe has one for).
fn labels_with(
    field: &str,
    raw: &BTreeMap<String, String>,
    languages: &[LanguageTag],
    max_chars: usize,
    default: impl Fn(&LanguageTag) -> Option<&'static str>,
    problems: &mut Problems,
) -> Labels {
    let mut labels = Labels::new();
    for (raw_lang, text) in raw {
        let at = format!("{field}.{raw_lang}");
        let Some(lang) = survey_language(&at, raw_lang, languages, problems) else {
            continue;
        };
        let text = text.trim();
        let chars = text.chars().count();
        if text.is_empty() {
            problems.add(at, "must not be empty");
        } else if chars > max_chars {
            problems.add(
                at,
                format!("must be at most {max_chars} characters, got {chars}"),
            );
        } else if let Some(reason) = texts::plain_text_refusal(text) {
            problems.add(at, reason);
        } else {
            labels.insert(lang, text.to_owned());
        }
    }
    for lang in languages {
        if !labels.contains_key(lang)
            && !raw
                .keys()
                .any(|k| LanguageTag::try_from(k.as_str()).ok().as_ref() == Some(lang))
        {
            match default(lang) {
                Some(text) => {
                    labels.insert(lang.clone(), text.to_owned());
                }
                None => problems.add(
                    format!("{field}.{lang}"),
                    format!("is missing: the survey speaks {lang}"),
                ),
            }
        }
    }
    labels
}

fn labels(
    field: &str,
    raw: &BTreeMap<String, String>,
    languages: &[LanguageTag],
    max_chars: usize,
    problems: &mut Problems,
) -> Labels {
    labels_with(field, raw, languages, max_chars, |_| None, problems)
}

fn slug(field: &str, raw: &str, problems: &mut Problems) -> Option<Reason> {
    Reason::try_from(raw)
        .map_err(|err| {
            let reason = err.to_string();
            let reason = reason.strip_prefix("reasons entries ").unwrap_or(&reason);
            problems.add(field, reason.to_owned());
        })
        .ok()
}

mod lists;
mod look_check;

#[cfg(test)]
mod tests;
