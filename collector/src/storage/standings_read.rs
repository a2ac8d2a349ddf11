//! The statement behind the agent standings: each (agent, team)'s CSAT answers in a range —
//! satisfied and answered, and the last day with any — summed from `rollups` (the only table
//! with a team and a day). Every team's rows are read, a team filter or not: `report::standings`
//! lists an agent once, under the team with most of their answers, so it needs them all (the
//! filter is applied to that choice, in `report::load_standings`). Two sums instead of a
//! report's thirty-odd counters turned into JSON: the Agents page over 10 M responses took
//! 205 ms through the report path and 71 ms with this statement (`koe-bench --only reports`, docs/scaling.md "Stop 13"); a per-(agent, team)
//! summary table made it 34 ms but cost every write 10–14 %. The same text on both backends.

use super::sql::{self, Bind, Statement};
use crate::ids::SiteId;
use crate::report::ReportQuery;

pub(super) fn statement(site_id: SiteId, query: &ReportQuery) -> Statement {
    let answered = "csat_1 + csat_2 + csat_3 + csat_4 + csat_5";
    let mut s = Statement::new(format!(
        "SELECT agent, team, CAST(SUM(csat_4 + csat_5) AS BIGINT), \
         CAST(SUM({answered}) AS BIGINT), MAX(day) FROM rollups WHERE site_id = "
    ));
    s.bind(Bind::Int(site_id.get()));
    s.push(" AND day >= ")
        .bind(Bind::Text(query.from.to_string()));
    s.push(" AND day <= ")
        .bind(Bind::Text(query.to.to_string()));
    s.push(" AND agent <> ''");
    // No team condition: see above.
    let filters = sql::attribution_filters(query.agent.as_ref(), query.channel, None);
    for (column, value) in filters {
        if let Some(value) = value {
            s.push(&format!(" AND {column} = "))
                .bind(Bind::Text(value.to_owned()));
        }
    }
    s.push(&format!(
        " GROUP BY agent, team HAVING SUM({answered}) > 0 ORDER BY agent, team"
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Bucket;

    #[test]
    fn filters_become_conditions_and_only_csat_is_summed() {
        let query = ReportQuery {
            from: "2026-11-01".parse().unwrap(),
            to: "2026-11-30".parse().unwrap(),
            bucket: Bucket::All,
            group_by: Vec::new(),
            agent: None,
            channel: Some(koe_shared::Channel::Email),
            team: Some(koe_shared::TeamId::try_from("tokyo").unwrap()),
            compare: None,
        };
        let s = statement(SiteId::new(7), &query);
        assert!(
            !s.sql.contains("team ="),
            "every team's rows are read, to list each agent under one: {}",
            s.sql
        );
        assert!(s.sql.contains("MAX(day)"), "{}", s.sql);
        assert!(
            s.sql.contains("AND channel = $4 GROUP BY agent, team"),
            "{}",
            s.sql
        );
        assert!(!s.sql.contains("nps_"), "{}", s.sql);
        assert_eq!(
            s.binds,
            [
                Bind::Int(7),
                Bind::Text("2026-11-01".into()),
                Bind::Text("2026-11-30".into()),
                Bind::Text("email".into())
            ]
        );
    }
}
