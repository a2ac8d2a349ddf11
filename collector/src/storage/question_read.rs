//! The statement that reads a site's answers to one of its questions for a report: per day
//! and the report's groups (agent, team, channel), each answer's count, from
//! `question_rollups` — filtered by the report's range, agent, team and channel. Bucketed by
//! `report::question`, as few rows as the groups and days make.

use super::sql::{Bind, Statement, attribution_filters};
use crate::ids::SiteId;
use crate::report::{GroupBy, ReportQuery};

/// Gives (day, agent, team, channel, question, answer, answers), `''` for a group not asked.
pub(super) fn statement(site_id: SiteId, query: &ReportQuery, question: &str) -> Statement {
    let column = |group: GroupBy| match query.group_by.contains(&group) {
        true => group.as_str(),
        false => "''",
    };
    let mut s = Statement::new(format!(
        "SELECT day, {}, {}, {}, question, answer, CAST(SUM(answers) AS BIGINT) \
         FROM question_rollups WHERE site_id = ",
        column(GroupBy::Agent),
        column(GroupBy::Team),
        column(GroupBy::Channel),
    ));
    s.bind(Bind::Int(site_id.get()));
    s.push(" AND question = ")
        .bind(Bind::Text(question.to_owned()));
    s.push(" AND day >= ")
        .bind(Bind::Text(query.from.to_string()));
    s.push(" AND day <= ")
        .bind(Bind::Text(query.to.to_string()));
    for (name, value) in
        attribution_filters(query.agent.as_ref(), query.channel, query.team.as_ref())
    {
        if let Some(value) = value {
            s.push(&format!(" AND {name} = "))
                .bind(Bind::Text(value.to_owned()));
        }
    }
    s.push(" GROUP BY 1, 2, 3, 4, 5, 6 HAVING SUM(answers) > 0");
    s
}
