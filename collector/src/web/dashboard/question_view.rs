//! The Overview's section on the site's own question, from its report (`report::question`):
//! the range's answers — each one's count and share with its interval, drawn as a bar — a
//! scale's mean, and each agent's row; absent when the site's survey asks no question.

use crate::report::question::{QuestionReport, QuestionRow};
use crate::texts::dashboard::Texts;

#[derive(Debug)]
pub struct QuestionView {
    /// The question in the page's language.
    pub text: String,
    /// A scale's answers and mean, `n 12 · 3.75 (1.75–5.00)`.
    pub summary: String,
    pub answers: Vec<ShareRow>,
    /// The columns of the agents' table after the agent and `n`: the mean, or each option.
    pub agent_columns: Vec<String>,
    pub agents: Vec<AgentRow>,
    pub csv_href: String,
}

#[derive(Debug)]
pub struct ShareRow {
    pub label: String,
    pub count: u64,
    /// `60.0 % (23.1–88.2)`, `–` without answers.
    pub share: String,
    /// The bar's length, 0–100.
    pub percent: u32,
}

#[derive(Debug)]
pub struct AgentRow {
    pub agent: String,
    pub n: u64,
    pub cells: Vec<String>,
}

fn mean(row: &QuestionRow, t: &Texts) -> String {
    row.mean.map_or_else(
        || t.none.to_owned(),
        |m| format!("{:.2} ({:.2}–{:.2})", m.value, m.low, m.high),
    )
}

/// The section, from the range's report (`whole`: one bucket, no group) and its report by
/// agent; `None` when the site asks no question of its own.
pub fn of(
    t: &Texts,
    whole: &QuestionReport,
    by_agent: &QuestionReport,
    csv_href: String,
) -> Option<QuestionView> {
    let question = whole.question.as_ref()?;
    let scale = question.kind == "scale";
    let total = whole.rows.first();
    let answers = question
        .answers
        .iter()
        .map(|listed| {
            let counted =
                total.and_then(|row| row.answers.iter().find(|a| a.answer == listed.answer));
            let share = counted.and_then(|a| a.share);
            ShareRow {
                label: listed.label.clone(),
                count: counted.map_or(0, |a| a.count),
                share: share.map_or_else(
                    || t.none.to_owned(),
                    |s| format!("{:.1} % ({:.1}–{:.1})", s.value, s.low, s.high),
                ),
                percent: share.map_or(0, |s| s.value.round().clamp(0.0, 100.0) as u32),
            }
        })
        .collect();
    let n = total.map_or(0, |row| row.n);
    let summary = match (scale, total) {
        (true, Some(row)) => format!("n {n} · {}", mean(row, t)),
        _ => format!("n {n}"),
    };
    let agent_columns = match scale {
        true => vec![t.question.mean.to_owned()],
        false => question.answers.iter().map(|a| a.label.clone()).collect(),
    };
    let agents = by_agent
        .rows
        .iter()
        .map(|row| AgentRow {
            agent: row.agent.clone().unwrap_or_else(|| t.none.to_owned()),
            n: row.n,
            cells: match scale {
                true => vec![mean(row, t)],
                false => row
                    .answers
                    .iter()
                    .take(question.answers.len())
                    .map(|a| {
                        a.share
                            .map_or_else(|| t.none.to_owned(), |s| format!("{:.1} %", s.value))
                    })
                    .collect(),
            },
        })
        .collect();
    Some(QuestionView {
        text: question.text.clone(),
        summary,
        answers,
        agent_columns,
        agents,
        csv_href,
    })
}
