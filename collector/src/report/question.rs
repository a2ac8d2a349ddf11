//! The site's own question in a report: how its answers spread in a range, by agent, team,
//! channel and time — a scale's distribution and mean with its 95 % interval, a choice's
//! shares with their Wilson intervals. Read from `question_rollups`, so its cost follows the
//! rows in the range, not the number of responses. Counted by id: a relabelled option keeps
//! one series.

use std::collections::BTreeMap;

use koe_shared::metrics::{Estimate, proportion_percent, scale_mean};
use koe_shared::survey::{LanguageTag, QuestionKind, SCALE_MAX, Survey};
use serde::Serialize;

use super::{Bucket, GroupBy, ReportQuery};
use crate::rollup::QuestionKey;
use crate::sites::Site;
use crate::storage::{ReportStore, StorageError};

/// The question a report is about.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReportedQuestion {
    pub id: String,
    /// `scale` (1–5) or `choice`.
    pub kind: &'static str,
    /// Its text in the report's language; the id when the survey no longer asks it.
    pub text: String,
    /// Whether the site's survey asks it now.
    pub asked: bool,
    /// What every row lists, in order: a scale's values 1–5, or a choice's options (then any
    /// answered that the survey no longer offers), each with its label.
    pub answers: Vec<AnswerLabel>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AnswerLabel {
    pub answer: String,
    pub label: String,
}

/// One group's answers in one bucket.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct QuestionRow {
    /// The bucket's first day.
    pub bucket: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Responses that answered it.
    pub n: u64,
    /// A scale's mean (1–5) with its Student-t 95 % interval.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean: Option<Estimate>,
    /// Every value of a scale, 1 first, or every option of a choice in the survey's order
    /// (then any the survey no longer offers), with its share of `n` in percent.
    pub answers: Vec<AnswerShare>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AnswerShare {
    /// A scale's value (`"4"`) or an option's id.
    pub answer: String,
    pub label: String,
    pub count: u64,
    /// `count` ÷ `n` in percent with its Wilson 95 % interval (absent when `n` is 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share: Option<Estimate>,
}

/// A range's answers to one question.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct QuestionReport {
    pub site: String,
    pub from: String,
    pub to: String,
    pub bucket: Bucket,
    pub group_by: Vec<GroupBy>,
    /// Absent when the site's survey asks no question and none was named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question: Option<ReportedQuestion>,
    pub rows: Vec<QuestionRow>,
}

/// The answers to `question` (else the one the site's survey asks now) in the query's range,
/// groups and filters, labelled in `lang` (else the survey's first language).
#[tracing::instrument(name = "question::load", skip_all)]
pub async fn load<S: ReportStore>(
    storage: &S,
    site: &Site,
    query: &ReportQuery,
    question: Option<&str>,
    lang: &str,
) -> Result<QuestionReport, StorageError> {
    let survey = &site.survey.survey;
    let lang = LanguageTag::try_from(lang).unwrap_or_else(|_| survey.languages[0].clone());
    let asked_now = survey.question.as_ref().map(|q| q.id.as_str().to_owned());
    let Some(id) = question.map(str::to_owned).or(asked_now) else {
        return Ok(QuestionReport {
            site: site.key.to_string(),
            from: query.from.to_string(),
            to: query.to.to_string(),
            bucket: query.bucket,
            group_by: query.group_by.clone(),
            question: None,
            rows: Vec::new(),
        });
    };
    let counts = storage.question_counts(site.id, query, &id).await?;
    Ok(build(site, query, survey, &lang, &id, counts))
}

/// The report from the stored counts (`question_counts`: per day and the query's groups).
pub fn build(
    site: &Site,
    query: &ReportQuery,
    survey: &Survey,
    lang: &LanguageTag,
    id: &str,
    counts: Vec<(QuestionKey, i64)>,
) -> QuestionReport {
    let label = |labels: &koe_shared::survey::Labels| {
        labels
            .get(lang)
            .or_else(|| labels.values().next())
            .cloned()
            .unwrap_or_default()
    };
    let asked = survey.question.as_ref().filter(|q| q.id.as_str() == id);
    // The answers every row lists, in order, with their labels.
    let mut listed: Vec<(String, String)> = match asked.map(|q| &q.kind) {
        Some(QuestionKind::Scale { low, high }) => (1..=SCALE_MAX)
            .map(|v| {
                let end = match v {
                    1 => format!("1 – {}", label(low)),
                    SCALE_MAX => format!("{v} – {}", label(high)),
                    v => v.to_string(),
                };
                (v.to_string(), end)
            })
            .collect(),
        Some(QuestionKind::Choice { options }) => options
            .iter()
            .map(|o| (o.id.as_str().to_owned(), label(&o.label)))
            .collect(),
        None => Vec::new(),
    };
    let scale = match asked.map(|q| &q.kind) {
        Some(kind) => matches!(kind, QuestionKind::Scale { .. }),
        // A question not asked now: digits are a scale's values.
        None => {
            !counts.is_empty()
                && counts
                    .iter()
                    .all(|(k, _)| k.answer.bytes().all(|b| b.is_ascii_digit()))
        }
    };
    if scale && asked.is_none() {
        listed = (1..=SCALE_MAX)
            .map(|v| (v.to_string(), v.to_string()))
            .collect();
    }
    for (key, _) in &counts {
        if !listed.iter().any(|(a, _)| *a == key.answer) {
            listed.push((key.answer.clone(), key.answer.clone()));
        }
    }
    let grouped = |g: GroupBy| query.group_by.contains(&g);
    let mut groups: BTreeMap<_, BTreeMap<String, u64>> = BTreeMap::new();
    for (key, count) in counts {
        let bucket = query.bucket.start(key.day, query.from);
        let group = (
            bucket,
            grouped(GroupBy::Agent)
                .then(|| key.agent.map(|a| a.to_string()))
                .flatten(),
            grouped(GroupBy::Team)
                .then(|| key.team.map(|t| t.to_string()))
                .flatten(),
            grouped(GroupBy::Channel)
                .then(|| key.channel.map(|c| c.as_str().to_owned()))
                .flatten(),
        );
        *groups
            .entry(group)
            .or_default()
            .entry(key.answer)
            .or_default() += u64::try_from(count).unwrap_or(0);
    }
    let rows = groups
        .into_iter()
        .map(|((bucket, agent, team, channel), answered)| {
            let n: u64 = answered.values().sum();
            let answers: Vec<AnswerShare> = listed
                .iter()
                .map(|(answer, label)| {
                    let count = answered.get(answer).copied().unwrap_or(0);
                    AnswerShare {
                        answer: answer.clone(),
                        label: label.clone(),
                        count,
                        share: proportion_percent(count, n),
                    }
                })
                .collect();
            let mean = scale.then(|| {
                let histogram: Vec<u64> = (1..=SCALE_MAX)
                    .map(|v| answered.get(&v.to_string()).copied().unwrap_or(0))
                    .collect();
                scale_mean(&histogram)
            });
            QuestionRow {
                bucket: bucket.to_string(),
                agent,
                team,
                channel,
                n,
                mean: mean.flatten(),
                answers,
            }
        })
        .collect();
    QuestionReport {
        site: site.key.to_string(),
        from: query.from.to_string(),
        to: query.to.to_string(),
        bucket: query.bucket,
        group_by: query.group_by.clone(),
        question: Some(ReportedQuestion {
            id: id.to_owned(),
            kind: if scale { "scale" } else { "choice" },
            text: asked.map_or_else(|| id.to_owned(), |q| label(&q.text)),
            asked: asked.is_some(),
            answers: listed
                .into_iter()
                .map(|(answer, label)| AnswerLabel { answer, label })
                .collect(),
        }),
        rows,
    }
}
