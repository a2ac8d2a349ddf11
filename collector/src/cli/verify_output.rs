//! What `koe verify` prints of its [`Findings`]: one JSON document (`--json`) or lines for a
//! person. The tally tables' rows (reasons, answers to the site's own question) are named on
//! stderr either way; the rest goes to stdout.

use jiff::civil::Date;
use koe_shared::{AgentId, Channel, SiteKey};
use serde_json::{Value, json};

use crate::rollup::{QuestionDrift, ReasonDrift};
use crate::verify::Findings;

/// `--json`: every finding, by kind (`drift` is the rollup and summary tables').
pub(super) fn json(findings: &Findings) -> Value {
    let drift: Vec<Value> = findings
        .rollups
        .iter()
        .map(|(site, d)| {
            json!({
                "site": site,
                "table": d.table,
                "day": d.key.day.to_string(),
                "agent": d.key.agent_column(),
                "team": d.key.team_column(),
                "channel": d.key.channel_column(),
                "differences": d.differences(),
            })
        })
        .collect();
    let keys: Vec<Value> = findings
        .keys
        .iter()
        .map(|d| json!({ "site": d.site, "interaction": d.interaction, "problem": d.problem.as_str() }))
        .collect();
    let reasons: Vec<Value> = findings.reasons.iter().map(reason_json).collect();
    let questions: Vec<Value> = findings.questions.iter().map(question_json).collect();
    json!({ "drift": drift, "keys": keys, "reasons": reasons, "questions": questions })
}

/// The stderr lines naming each tally row that differs.
pub(super) fn tally_lines(findings: &Findings) -> Vec<String> {
    let questions = findings.questions.iter().map(|(site, d)| {
        let k = &d.key;
        format!(
            "{site} question_rollups {} agent={:?} team={:?} channel={:?} {}={}: expected {}, found {}",
            k.day,
            agent_text(k.agent.as_ref()),
            k.team.as_ref().map_or("", |t| t.as_str()),
            k.channel.map_or("", |c| c.as_str()),
            k.question,
            k.answer,
            d.expected,
            d.actual
        )
    });
    let reasons = findings.reasons.iter().map(|(site, d)| {
        let k = &d.key;
        format!(
            "{site} reason_rollups {} agent={:?} channel={:?} reason={}: expected {}, found {}",
            k.day,
            agent_text(k.agent.as_ref()),
            k.channel.map_or("", |c| c.as_str()),
            k.reason,
            d.expected,
            d.actual
        )
    });
    questions.chain(reasons).collect()
}

/// Without `--json`: that all is well, or the response keys and rollup rows that differ.
pub(super) fn text(findings: &Findings) -> String {
    if findings.is_clean() {
        return "rollups match the raw responses and impressions\n".to_owned();
    }
    let mut out = String::new();
    if !findings.keys.is_empty() {
        out += &format!(
            "{} responses and their keys disagree:\n",
            findings.keys.len()
        );
        for d in &findings.keys {
            out += &format!(
                "  {} response_keys {}: {}\n",
                d.site,
                d.interaction,
                d.problem.as_str()
            );
        }
    }
    out += &format!(
        "{} rollup rows differ from the raw data:\n",
        findings.rollups.len()
    );
    for (site, d) in &findings.rollups {
        let k = &d.key;
        out += &format!(
            "  {site} {} {} agent={:?} team={:?} channel={:?}: {}\n",
            d.table,
            k.day,
            k.agent_column(),
            k.team_column(),
            k.channel_column(),
            d.differences().join(", ")
        );
    }
    out
}

fn reason_json((site, d): &(SiteKey, ReasonDrift)) -> Value {
    let k = &d.key;
    let mut row = tally_json(
        site,
        k.day,
        k.agent.as_ref(),
        k.channel,
        d.expected,
        d.actual,
    );
    row["reason"] = json!(k.reason);
    row
}

fn question_json((site, d): &(SiteKey, QuestionDrift)) -> Value {
    let k = &d.key;
    let mut row = tally_json(
        site,
        k.day,
        k.agent.as_ref(),
        k.channel,
        d.expected,
        d.actual,
    );
    row["team"] = json!(k.team.as_ref().map_or("", |t| t.as_str()));
    row["question"] = json!(k.question);
    row["answer"] = json!(k.answer);
    row
}

/// Where a tally row counts, and its count expected from the raw responses against found.
fn tally_json(
    site: &SiteKey,
    day: Date,
    agent: Option<&AgentId>,
    channel: Option<Channel>,
    expected: i64,
    found: i64,
) -> Value {
    json!({
        "site": site,
        "day": day.to_string(),
        "agent": agent_text(agent),
        "channel": channel.map_or("", |c| c.as_str()),
        "expected": expected,
        "found": found,
    })
}

fn agent_text(agent: Option<&AgentId>) -> &str {
    agent.map_or("", |a| a.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollup::{QuestionKey, ReasonKey};
    use crate::storage::{KeyDrift, KeyProblem};

    fn findings() -> Findings {
        let site = SiteKey::try_from("site_verifyOutput01").unwrap();
        let day: Date = "2026-12-07".parse().unwrap();
        let agent = Some(AgentId::try_from("aiko".to_owned()).unwrap());
        Findings {
            rollups: Vec::new(),
            reasons: vec![(
                site.clone(),
                ReasonDrift {
                    key: ReasonKey {
                        day,
                        agent: agent.clone(),
                        channel: Some(Channel::Chat),
                        reason: "slow".into(),
                    },
                    expected: 2,
                    actual: 1,
                },
            )],
            questions: vec![(
                site,
                QuestionDrift {
                    key: QuestionKey {
                        day,
                        agent,
                        team: None,
                        channel: None,
                        question: "topic".into(),
                        answer: "billing".into(),
                    },
                    expected: 0,
                    actual: 3,
                },
            )],
            keys: vec![KeyDrift {
                site: "site_verifyOutput01".into(),
                interaction: "chat-1".into(),
                problem: KeyProblem::Dangling,
            }],
        }
    }

    #[test]
    fn each_kind_of_drift_is_listed_in_the_json_with_where_it_counts() {
        let out = json(&findings());
        let reason = &out["reasons"][0];
        assert_eq!(reason["site"], "site_verifyOutput01");
        assert_eq!(reason["day"], "2026-12-07");
        assert_eq!(reason["agent"], "aiko");
        assert_eq!(reason["channel"], "chat");
        assert_eq!(reason["reason"], "slow");
        assert_eq!(
            (&reason["expected"], &reason["found"]),
            (&json!(2), &json!(1))
        );
        let question = &out["questions"][0];
        assert_eq!(question["team"], "");
        assert_eq!(question["channel"], "");
        assert_eq!(question["question"], "topic");
        assert_eq!(question["answer"], "billing");
        assert_eq!(
            (&question["expected"], &question["found"]),
            (&json!(0), &json!(3))
        );
        assert_eq!(out["keys"][0]["problem"], KeyProblem::Dangling.as_str());
        assert_eq!(out["drift"], json!([]));
    }

    #[test]
    fn a_person_reads_the_tally_rows_on_stderr_and_the_rest_on_stdout() {
        let findings = findings();
        let lines = tally_lines(&findings);
        assert_eq!(
            lines,
            [
                "site_verifyOutput01 question_rollups 2026-12-07 agent=\"aiko\" team=\"\" \
                 channel=\"\" topic=billing: expected 0, found 3",
                "site_verifyOutput01 reason_rollups 2026-12-07 agent=\"aiko\" channel=\"chat\" \
                 reason=slow: expected 2, found 1",
            ]
        );
        let out = text(&findings);
        assert!(
            out.starts_with("1 responses and their keys disagree:\n"),
            "{out}"
        );
        assert!(out.contains("0 rollup rows differ"), "{out}");
        assert_eq!(
            text(&Findings::default()),
            "rollups match the raw responses and impressions\n"
        );
    }
}
