//! The terminal table of `koe report --question`, in the house format of the score table
//! (`table.rs`): a line naming the site, the range and the question, then one row per group
//! and bucket — `n`, a scale's mean with its 95 % interval, then each answer's count and share
//! (`請求 3 (60.0 %)`) — lined up by terminal columns, so Japanese labels keep the columns
//! after them in line.

use koe_shared::metrics::Estimate;

use super::GroupBy;
use super::question::{QuestionReport, QuestionRow};
use super::table::aligned;

fn group(row: &QuestionRow, by: GroupBy) -> &str {
    let value = match by {
        GroupBy::Agent => &row.agent,
        GroupBy::Team => &row.team,
        GroupBy::Channel => &row.channel,
    };
    value.as_deref().unwrap_or("(none)")
}

fn mean(e: Option<&Estimate>) -> String {
    match e {
        Some(e) => format!("{:.2} ({:.2}–{:.2})", e.value, e.low, e.high),
        None => "–".into(),
    }
}

pub fn table(report: &QuestionReport) -> String {
    let Some(question) = &report.question else {
        return format!(
            "{} · {} to {} · the site's survey asks no question of its own: add one with `koe \
             survey set` (docs/survey.md), or name an earlier one with --question ID\n",
            report.site, report.from, report.to
        );
    };
    let scale = question.kind == "scale";
    let mut header: Vec<String> = report
        .group_by
        .iter()
        .map(|g| g.as_str().to_owned())
        .collect();
    header.extend(["bucket", "n"].map(str::to_owned));
    if scale {
        header.push("mean".into());
    }
    header.extend(question.answers.iter().map(|a| a.label.clone()));
    let mut rows = vec![header];
    for row in &report.rows {
        let mut cells: Vec<String> = report
            .group_by
            .iter()
            .map(|g| group(row, *g).to_owned())
            .collect();
        cells.push(row.bucket.clone());
        cells.push(row.n.to_string());
        if scale {
            cells.push(mean(row.mean.as_ref()));
        }
        cells.extend(row.answers.iter().map(|a| match &a.share {
            Some(share) => format!("{} ({:.1} %)", a.count, share.value),
            None => a.count.to_string(),
        }));
        rows.push(cells);
    }
    let mut out = format!(
        "{} · {} to {} · by {} · {} ({}{}) · {} rows (shares of n; the mean's interval is 95 %)\n",
        report.site,
        report.from,
        report.to,
        report.bucket.as_str(),
        question.text,
        question.id,
        if question.asked {
            ""
        } else {
            ", not asked now"
        },
        report.rows.len(),
    );
    out.push_str(&aligned(&rows, &[]));
    if report.rows.is_empty() {
        out.push_str("No answers to this question in this range.\n");
    }
    out
}
