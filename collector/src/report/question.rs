//! The site's own question in a report: how its answers spread in a range, by agent, team,
//! channel and time — a scale's distribution and mean with its 95 % interval, a choice's
//! shares with their Wilson intervals. Read from `question_rollups`, so its cost follows the
//! rows in the range, not the number of responses. Counted by id: a relabelled option keeps
//! one series.

use std::collections::BTreeMap;

use koe_shared::metrics::{Estimate, proportion_percent, scale_mean};
use koe_shared::survey::{ResolvedQuestion, SCALE_MAX};
use serde::Serialize;

use super::{Bucket, GroupBy, ReportQuery};
use crate::rollup::QuestionKey;
use crate::sites::Site;
use crate::sites::survey::PublishedSurvey;
use crate::storage::{ReportStore, SiteStore, StorageError};

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

/// How many published versions a report looks back through for the words of a question, or
/// of an option, the survey no longer asks.
const VERSIONS_READ: u32 = 200;

/// The answers to `question` (else the one the site's survey asks now) in the query's range,
/// groups and filters, worded in the survey's language closest to `lang`. A question or an
/// option the survey no longer asks keeps the words of the last version that asked it.
#[tracing::instrument(name = "question::load", skip_all)]
pub async fn load<S: ReportStore + SiteStore>(
    storage: &S,
    site: &Site,
    query: &ReportQuery,
    question: Option<&str>,
    lang: &str,
) -> Result<QuestionReport, StorageError> {
    let asked_now = site.survey.survey.question.as_ref().map(|q| q.id.as_str());
    let Some(id) = question.or(asked_now) else {
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
    let counts = storage.question_counts(site.id, query, id).await?;
    let now = words_of(&site.survey, id, lang, &site.name);
    let listed = |words: &Option<ResolvedQuestion>, answer: &str| {
        words
            .as_ref()
            .is_some_and(|q| q.options.iter().any(|o| o.id == answer))
    };
    let mut words = Words {
        asked: now.is_some(),
        question: now,
        earlier: Vec::new(),
    };
    if words.question.is_none()
        || counts
            .iter()
            .any(|(k, _)| !listed(&words.question, &k.answer))
    {
        for version in storage.survey_versions(site.id, VERSIONS_READ).await? {
            let Ok(published) =
                PublishedSurvey::from_stored(version.version, Some(&version.definition))
            else {
                continue;
            };
            let Some(before) = words_of(&published, id, lang, &site.name) else {
                continue;
            };
            for option in &before.options {
                if !words.earlier.iter().any(|(a, _)| *a == option.id) {
                    words
                        .earlier
                        .push((option.id.clone(), option.label.clone()));
                }
            }
            words.question.get_or_insert(before);
        }
    }
    Ok(build(site, query, id, &words, counts))
}

/// `id` as `published` asks it, in its language closest to `lang`, `{brand}` filled in.
fn words_of(
    published: &PublishedSurvey,
    id: &str,
    lang: &str,
    site_name: &str,
) -> Option<ResolvedQuestion> {
    published
        .in_language(lang, site_name)
        .question
        .filter(|q| q.id == id)
}

/// The words a report labels a question with: as it is asked now, else as the latest version
/// that asked it; and the labels earlier versions gave its options, newest first.
#[derive(Debug, Default)]
pub struct Words {
    pub question: Option<ResolvedQuestion>,
    /// Whether the survey asks it now.
    pub asked: bool,
    pub earlier: Vec<(String, String)>,
}

/// The report from the stored counts (`question_counts`: per day and the query's groups).
pub fn build(
    site: &Site,
    query: &ReportQuery,
    id: &str,
    words: &Words,
    counts: Vec<(QuestionKey, i64)>,
) -> QuestionReport {
    let scale = match &words.question {
        Some(q) => q.kind == "scale",
        // Never asked in a version still kept: digits are a scale's values.
        None => {
            !counts.is_empty()
                && counts
                    .iter()
                    .all(|(k, _)| k.answer.bytes().all(|b| b.is_ascii_digit()))
        }
    };
    // The answers every row lists, in order, with their labels: the question's own, then any
    // answered that it no longer offers, by id.
    let mut listed: Vec<(String, String)> = match &words.question {
        Some(q) => q
            .options
            .iter()
            .map(|o| (o.id.clone(), o.label.clone()))
            .collect(),
        None if scale => (1..=SCALE_MAX)
            .map(|v| (v.to_string(), v.to_string()))
            .collect(),
        None => Vec::new(),
    };
    let mut unlisted: Vec<&str> = counts
        .iter()
        .map(|(k, _)| k.answer.as_str())
        .filter(|answer| !listed.iter().any(|(a, _)| a == answer))
        .collect();
    unlisted.sort_unstable();
    unlisted.dedup();
    for answer in unlisted {
        let label = words
            .earlier
            .iter()
            .find(|(a, _)| a == answer)
            .map_or(answer, |(_, label)| label.as_str());
        listed.push((answer.to_owned(), label.to_owned()));
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
            text: words
                .question
                .as_ref()
                .map_or_else(|| id.to_owned(), |q| q.text.clone()),
            asked: words.asked,
            answers: listed
                .into_iter()
                .map(|(answer, label)| AnswerLabel { answer, label })
                .collect(),
        }),
        rows,
    }
}
