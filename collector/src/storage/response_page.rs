//! The statement behind a page of the response list: newest first, after the cursor,
//! filtered (flagged answers left out unless asked for), at most `limit` rows. The same text
//! on both backends.

use super::sql::{Bind, RESPONSE_COLUMNS, Statement, attribution_filters};
use super::{FlaggedFilter, ResponseCursor, ResponseFilter};
use crate::ids::SiteId;

pub(super) fn statement(site_id: SiteId, filter: &ResponseFilter, limit: u32) -> Statement {
    let mut s = Statement::new(format!(
        "SELECT {RESPONSE_COLUMNS} FROM responses WHERE site_id = "
    ));
    s.bind(Bind::Int(site_id.get()));
    for (clause, day) in [("day >= ", filter.from_day), ("day <= ", filter.to_day)] {
        if let Some(day) = day {
            s.push(" AND ")
                .push(clause)
                .bind(Bind::Text(day.to_string()));
        }
    }
    let filters = attribution_filters(filter.agent.as_ref(), filter.channel, filter.team.as_ref());
    for (column, value) in filters {
        if let Some(value) = value {
            s.push(" AND ")
                .push(column)
                .push(" = ")
                .bind(Bind::Text(value.to_owned()));
        }
    }
    let score_filters = [
        ("csat >= ", filter.min_csat),
        ("csat <= ", filter.max_csat),
        ("nps >= ", filter.min_nps),
        ("nps <= ", filter.max_nps),
    ];
    for (clause, value) in score_filters {
        if let Some(value) = value {
            s.push(" AND ")
                .push(clause)
                .bind(Bind::SmallInt(i16::from(value)));
        }
    }
    let flagged = match filter.flagged {
        FlaggedFilter::Hidden => Some(false),
        FlaggedFilter::Included => None,
        FlaggedFilter::Only => Some(true),
    };
    if let Some(flagged) = flagged {
        s.push(" AND flagged = ").bind(Bind::Bool(flagged));
    }
    if let Some(reason) = &filter.reason {
        // Reasons are stored comma-separated; fenced with commas, a slug matches only whole.
        let literal = reason
            .as_str()
            .replace('\\', "\\\\")
            .replace('_', "\\_")
            .replace('%', "\\%");
        s.push(" AND ',' || reasons || ',' LIKE ")
            .bind(Bind::Text(format!("%,{literal},%")))
            .push(" ESCAPE '\\'");
    }
    match filter.has_comment {
        Some(true) => {
            s.push(" AND comment IS NOT NULL");
        }
        Some(false) => {
            s.push(" AND comment IS NULL");
        }
        None => {}
    }
    if let Some(ResponseCursor { created_at_ms, id }) = filter.before {
        s.push(" AND (created_at_ms < ")
            .bind(Bind::Int(created_at_ms));
        s.push(" OR (created_at_ms = ")
            .bind(Bind::Int(created_at_ms));
        s.push(" AND id < ").bind(Bind::Int(id)).push("))");
    }
    s.push(" ORDER BY created_at_ms DESC, id DESC LIMIT ")
        .bind(Bind::Int(i64::from(limit)));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_given_filters_become_conditions() {
        let counted = statement(SiteId::new(7), &ResponseFilter::default(), 10);
        assert!(
            counted.sql.ends_with(
                "WHERE site_id = $1 AND flagged = $2 ORDER BY created_at_ms DESC, id DESC LIMIT $3"
            ),
            "flagged answers are left out unless asked for: {}",
            counted.sql
        );
        assert_eq!(
            counted.binds,
            [Bind::Int(7), Bind::Bool(false), Bind::Int(10)]
        );
        let any = ResponseFilter {
            flagged: FlaggedFilter::Included,
            ..ResponseFilter::default()
        };
        let all = statement(SiteId::new(7), &any, 10);
        assert!(
            all.sql
                .ends_with("WHERE site_id = $1 ORDER BY created_at_ms DESC, id DESC LIMIT $2")
        );
        let only = ResponseFilter {
            flagged: FlaggedFilter::Only,
            ..ResponseFilter::default()
        };
        let only = statement(SiteId::new(7), &only, 10);
        assert!(
            only.sql
                .contains("WHERE site_id = $1 AND flagged = $2 ORDER BY")
        );
        assert_eq!(only.binds[1], Bind::Bool(true));
        let low = ResponseFilter {
            max_csat: Some(2),
            before: Some(ResponseCursor {
                created_at_ms: 5,
                id: 9,
            }),
            ..ResponseFilter::default()
        };
        let s = statement(SiteId::new(7), &low, 10);
        assert!(
            s.sql.contains(
                "AND csat <= $2 AND flagged = $3 AND (created_at_ms < $4 OR (created_at_ms = $5 AND id < $6))"
            ),
            "{}",
            s.sql
        );
        assert_eq!(s.binds[1], Bind::SmallInt(2));
        let reason = ResponseFilter {
            reason: Some(koe_shared::Reason::try_from("slow_reply").unwrap()),
            has_comment: Some(true),
            ..ResponseFilter::default()
        };
        let s = statement(SiteId::new(7), &reason, 10);
        assert!(
            s.sql
                .contains("LIKE $3 ESCAPE '\\' AND comment IS NOT NULL"),
            "{}",
            s.sql
        );
        assert_eq!(
            s.binds[2],
            Bind::Text("%,slow\\_reply,%".into()),
            "_ is no wildcard"
        );
    }
}
