//! The terminal tables of `koe followup list` and `koe report --followups`.

use crate::followups::load::FollowupReport;
use crate::followups::view::FollowupView;
use crate::report::table::{Column, aligned};

/// `koe followup list` as a terminal table.
pub(super) fn list(views: &[FollowupView]) -> String {
    let head = [
        "id", "status", "due", "owner", "agent", "channel", "answer", "comment",
    ];
    let mut rows: Vec<Vec<String>> = vec![head.map(str::to_owned).to_vec()];
    for v in views {
        let a = &v.answer;
        let mut answer = Vec::new();
        if let Some(csat) = a.csat {
            answer.push(format!("CSAT {csat}"));
        }
        if let Some(nps) = a.nps {
            answer.push(format!("NPS {nps}"));
        }
        if a.resolved == Some(false) {
            answer.push("not resolved".into());
        }
        rows.push(vec![
            v.id.to_string(),
            if v.overdue {
                "OVERDUE".into()
            } else {
                v.status.clone()
            },
            v.due_at.clone(),
            v.owner.clone().unwrap_or_else(|| "-".into()),
            v.agent.clone().unwrap_or_else(|| "-".into()),
            v.channel.clone().unwrap_or_else(|| "-".into()),
            answer.join(", "),
            super::shown(a.comment.as_deref().unwrap_or("")),
        ]);
    }
    let l = Column::LEFT;
    let comment = Column {
        max_width: Some(40),
        ..Column::LEFT
    };
    aligned(&rows, &[l, l, l, l, l, l, l, comment])
}

/// `koe report --followups` as a terminal table.
pub(super) fn report(report: &FollowupReport) -> String {
    let percent = |e: &Option<koe_shared::metrics::Estimate>| {
        e.map_or_else(
            || "-".into(),
            |e| format!("{:.0} % ({:.0}–{:.0}, n {})", e.value, e.low, e.high, e.n),
        )
    };
    let hours = |e: &Option<koe_shared::metrics::Estimate>| {
        e.map_or_else(
            || "-".into(),
            |e| {
                format!(
                    "{:.1} h ({:.1}–{:.1}, n {})",
                    e.value / 3600.0,
                    e.low / 3600.0,
                    e.high / 3600.0,
                    e.n
                )
            },
        )
    };
    let head = [
        "period",
        "group",
        "opened",
        "overdue",
        "in SLA",
        "first contact",
        "recovered",
        "causes",
    ];
    let mut rows: Vec<Vec<String>> = vec![head.map(str::to_owned).to_vec()];
    let mut line =
        |period: String, group: String, n: &crate::followups::numbers::FollowupNumbers| {
            let causes: Vec<String> = n
                .causes
                .iter()
                .map(|c| format!("{} {}", c.cause, c.count))
                .collect();
            rows.push(vec![
                period,
                group,
                n.opened.to_string(),
                n.overdue.to_string(),
                percent(&n.contacted_within_sla),
                hours(&n.median_first_contact_secs),
                percent(&n.recovery_rate),
                causes.join(", "),
            ]);
        };
    for row in &report.rows {
        let group: Vec<&str> = [&row.agent, &row.team, &row.channel]
            .into_iter()
            .filter_map(|g| g.as_deref())
            .collect();
        line(
            row.period.clone().unwrap_or_else(|| "all".into()),
            if group.is_empty() {
                "-".into()
            } else {
                group.join(" / ")
            },
            &row.numbers,
        );
    }
    line("total".into(), "-".into(), &report.total);
    let mut out = format!("Follow-ups opened {} to {}\n", report.from, report.to);
    let l = Column::LEFT;
    out.push_str(&aligned(&rows, &[l, l, l, l, l, l, l, l]));
    out
}
