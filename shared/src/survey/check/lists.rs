//! The lists of a definition, each entry a stable id with a label in every language: its
//! reasons (or Koe's five), the retired ones it carries, the options of its own question.

use std::collections::BTreeSet;

use super::{Problems, labels, labels_with, slug};
use crate::Reason;
use crate::survey::{
    ChoiceOption, KOE_REASONS, LanguageTag, MAX_LABEL_CHARS, MAX_OPTIONS, MIN_OPTIONS,
    OptionDefinition, ReasonDefinition, ReasonOption, ReasonWhen, koe_reason_label,
};

pub(super) fn reasons(
    field: &str,
    list: &[ReasonDefinition],
    languages: &[LanguageTag],
    problems: &mut Problems,
) -> Vec<ReasonOption> {
    let mut seen = BTreeSet::new();
    let mut reasons = Vec::new();
    for (i, raw) in list.iter().enumerate() {
        let at = format!("{field}[{i}]");
        let Some(id) = slug(&format!("{at}.id"), &raw.id, problems) else {
            continue;
        };
        if !seen.insert(id.clone()) {
            problems.add(format!("{at}.id"), format!("{id} is listed twice"));
            continue;
        }
        let when = match raw.when.as_deref() {
            None => ReasonWhen::default(),
            Some(w) => ReasonWhen::parse(w).unwrap_or_else(|| {
                problems.add(
                    format!("{at}.when"),
                    format!("must be unhappy, happy or always, got {w:?}"),
                );
                ReasonWhen::default()
            }),
        };
        let koe = |lang: &LanguageTag| lang.locale().and_then(|l| koe_reason_label(id.as_str(), l));
        let label = labels_with(
            &format!("{at}.label"),
            &raw.label,
            languages,
            MAX_LABEL_CHARS,
            koe,
            problems,
        );
        reasons.push(ReasonOption { id, when, label });
    }
    reasons
}

/// Koe's five reasons; a language Koe does not speak has no labels for them.
pub(super) fn koe_reasons(languages: &[LanguageTag], problems: &mut Problems) -> Vec<ReasonOption> {
    let missing: Vec<&LanguageTag> = languages.iter().filter(|l| l.locale().is_none()).collect();
    if let Some(lang) = missing.first() {
        problems.add(
            "reasons",
            format!("is missing: Koe's reasons have no {lang} labels, so the survey needs its own list of reasons with {lang} labels"),
        );
    }
    KOE_REASONS
        .iter()
        .map(|(id, _, _)| ReasonOption {
            id: Reason::try_from(*id).expect("Koe's reason ids are slugs"),
            when: ReasonWhen::Unhappy,
            label: languages
                .iter()
                .filter_map(|l| Some((l.clone(), koe_reason_label(id, l.locale()?)?.to_owned())))
                .collect(),
        })
        .collect()
}

pub(super) fn reasons_unchecked(list: &[ReasonDefinition]) -> Vec<ReasonOption> {
    list.iter()
        .filter_map(|raw| {
            Some(ReasonOption {
                id: Reason::try_from(raw.id.as_str()).ok()?,
                when: raw
                    .when
                    .as_deref()
                    .and_then(ReasonWhen::parse)
                    .unwrap_or_default(),
                label: raw
                    .label
                    .iter()
                    .filter_map(|(l, t)| Some((LanguageTag::try_from(l.as_str()).ok()?, t.clone())))
                    .collect(),
            })
        })
        .collect()
}

pub(super) fn options(
    list: &[OptionDefinition],
    languages: &[LanguageTag],
    problems: &mut Problems,
) -> Vec<ChoiceOption> {
    if !(MIN_OPTIONS..=MAX_OPTIONS).contains(&list.len()) {
        problems.add(
            "question.options",
            format!(
                "a choice has {MIN_OPTIONS} to {MAX_OPTIONS} options, got {}",
                list.len()
            ),
        );
    }
    let mut seen = BTreeSet::new();
    let mut options = Vec::new();
    for (i, raw) in list.iter().enumerate() {
        let at = format!("question.options[{i}]");
        let Some(id) = slug(&format!("{at}.id"), &raw.id, problems) else {
            continue;
        };
        if !seen.insert(id.clone()) {
            problems.add(format!("{at}.id"), format!("{id} is listed twice"));
            continue;
        }
        let label = labels(
            &format!("{at}.label"),
            &raw.label,
            languages,
            MAX_LABEL_CHARS,
            problems,
        );
        options.push(ChoiceOption { id, label });
    }
    options
}
