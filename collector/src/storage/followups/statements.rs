//! The statements the write path runs in an answer's transaction: what a site's answers are
//! checked against (its webhooks and its follow-up rule, in one read), its team leads, the
//! follow-ups a batch opens (one multi-row upsert per chunk: one per interaction, a concurrent
//! second insert finds the first and does nothing) and withdraws (one update per site and
//! chunk), and follow-ups erased or purged with their answers.

use sqlx::Database;

use crate::alerts::{AlertRule, Condition, parse_events};
use crate::followups::{FollowupRule, FollowupSettings, FollowupWrite};
use crate::ids::{SiteId, WebhookId};
use crate::sites::SiteTimeZone;
use crate::storage::StorageError;
use crate::storage::sql::{Dialect, ROWS_PER_STATEMENT, for_koe_databases};

/// The site's zone and follow-up settings, with one row per live webhook (none: one row of
/// nulls).
const SELECT_RULES: &str = "SELECT s.timezone, f.settings, w.id, w.condition, w.events \
     FROM sites s LEFT JOIN followup_settings f ON f.site_id = s.id \
     LEFT JOIN webhooks w ON w.site_id = s.id AND w.removed_at_ms IS NULL \
     WHERE s.id = $1 ORDER BY w.id";
const SELECT_LEADS: &str = "SELECT m.user_id, u.email, m.teams FROM memberships m \
     JOIN users u ON u.id = m.user_id WHERE m.site_id = $1 AND m.role = 'team_lead' \
     ORDER BY m.user_id";
/// Each opened row's columns: `open_sql` numbers them and `open_followups` binds them, in its
/// INSERT's column order.
const OPEN_COLUMNS: usize = 9;
const ERASE: &str = "DELETE FROM followups WHERE site_id = $1 AND interaction = $2";
/// A purge goes by the answer's day, as the raw responses' does; the follow-up events sent
/// about them (which quote the comment) first.
const PURGE_EVENTS: &str = "DELETE FROM webhook_deliveries WHERE site_id = $1 AND interaction IN \
     (SELECT interaction FROM followups WHERE site_id = $1 AND day < $2)";
const PURGE: &str = "DELETE FROM followups WHERE site_id = $1 AND day < $2";

/// Opens `rows` follow-ups, or reopens those Koe withdrew; an open or worked one is left as it
/// is. Gives `id, site_id, interaction` of each that opened.
fn open_sql<P: Dialect>(rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|row| {
            let cells: Vec<String> = (1..=OPEN_COLUMNS)
                .map(|c| P::parameter(row * OPEN_COLUMNS + c))
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO followups (site_id, interaction, day, agent, team, channel, opened_at_ms, \
         due_at_ms, owner_user_id) VALUES {} \
         ON CONFLICT (site_id, interaction) DO UPDATE SET status = 'open', day = excluded.day, \
         agent = excluded.agent, team = excluded.team, channel = excluded.channel, \
         owner_user_id = excluded.owner_user_id, opened_at_ms = excluded.opened_at_ms, \
         due_at_ms = excluded.due_at_ms, closed_at_ms = NULL, overdue_noticed_at_ms = NULL \
         WHERE followups.status = 'withdrawn' RETURNING id, site_id, interaction",
        values.join(", ")
    )
}

/// Withdraws a site's open follow-ups nobody has acted on, of `rows` interactions.
fn withdraw_sql<P: Dialect>(rows: usize) -> String {
    let list: Vec<String> = (0..rows).map(|i| P::parameter(i + 3)).collect();
    format!(
        "UPDATE followups SET status = 'withdrawn', closed_at_ms = {} WHERE site_id = {} \
         AND interaction IN ({}) AND status = 'open' AND acted_at_ms IS NULL",
        P::parameter(1),
        P::parameter(2),
        list.join(", ")
    )
}

/// A site's team leads: (account, address, teams comma-separated).
pub(in crate::storage) type Leads = Vec<(i64, String, String)>;

/// What a site's answers are checked against as they are written.
pub(in crate::storage) type AnswerRules = (Vec<AlertRule>, Option<FollowupRule>);

/// The statements, on the caller's transaction.
pub(in crate::storage) trait Followups: Database {
    /// The site's webhooks and its follow-up rule in its time zone (`None`: no such site, or
    /// settings another version wrote, which open no follow-up and stop no answer).
    async fn answer_rules(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<AnswerRules, StorageError>;

    async fn team_leads(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Leads, StorageError>;

    /// Opens these follow-ups (distinct interactions, each with its owner); gives the id, site
    /// and interaction of each that opened.
    async fn open_followups(
        conn: &mut Self::Connection,
        opens: &[(&FollowupWrite, Option<i64>)],
    ) -> Result<Vec<(i64, SiteId, String)>, StorageError>;

    /// Withdraws the open follow-ups nobody acted on of these interactions of one site.
    async fn withdraw_followups(
        conn: &mut Self::Connection,
        site_id: SiteId,
        interactions: &[&str],
        at_ms: i64,
    ) -> Result<(), StorageError>;

    async fn erase_followups(
        conn: &mut Self::Connection,
        site_id: SiteId,
        interaction: &str,
    ) -> Result<(), StorageError>;

    /// Deletes the follow-ups (with their notes and the webhook events about them) of answers
    /// counted before `day` (retention).
    async fn purge_followups(
        conn: &mut Self::Connection,
        site_id: SiteId,
        day: &str,
    ) -> Result<(), StorageError>;
}

type RuleRow = (
    String,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

for_koe_databases! {
    impl Followups {
    async fn answer_rules(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<AnswerRules, StorageError> {
        let rows: Vec<RuleRow> = sqlx::query_as(SELECT_RULES)
            .bind(site_id)
            .fetch_all(conn)
            .await?;
        let Some((zone, settings, ..)) = rows.first() else {
            return Ok((Vec::new(), None));
        };
        let mut alerts = Vec::new();
        for (_, _, id, condition, events) in &rows {
            let (Some(id), Some(condition), Some(events)) = (id, condition, events) else {
                continue;
            };
            let (answers, followups) = parse_events(events)
                .ok_or_else(|| StorageError::Corrupt(format!("webhook events {events:?}")))?;
            alerts.push(AlertRule {
                webhook_id: WebhookId::new(*id),
                condition: Condition::parse(condition)
                    .map_err(|e| StorageError::Corrupt(e.to_string()))?,
                answers,
                followups,
            });
        }
        let zone = SiteTimeZone::parse(zone).map_err(|e| StorageError::Corrupt(e.0))?;
        // Settings are checked before they are stored; should a stored row ever not make a
        // rule (written by another version), answers are still saved — without follow-ups.
        let rule = FollowupSettings::from_stored(settings.as_deref())
            .and_then(|s| s.rule().map_err(|e| e.to_string()));
        let followup = match rule {
            Ok(rule) => Some(rule.in_zone(zone.zone().clone())),
            Err(error) => {
                tracing::warn!(%site_id, %error, "follow-up settings unreadable: none opened");
                None
            }
        };
        Ok((alerts, followup))
    }

    async fn team_leads(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Leads, StorageError> {
        Ok(sqlx::query_as(SELECT_LEADS).bind(site_id).fetch_all(conn).await?)
    }

    async fn open_followups(
        conn: &mut Self::Connection,
        opens: &[(&FollowupWrite, Option<i64>)],
    ) -> Result<Vec<(i64, SiteId, String)>, StorageError> {
        let mut opened = Vec::new();
        for chunk in opens.chunks(ROWS_PER_STATEMENT) {
            let sql = open_sql::<Self>(chunk.len());
            let mut query = sqlx::query_as::<_, (i64, i64, String)>(&sql);
            for (write, owner) in chunk {
                query = query
                    .bind(write.site_id)
                    .bind(write.interaction.as_str())
                    .bind(write.day.as_str())
                    .bind(write.agent.as_deref())
                    .bind(write.team.as_deref())
                    .bind(write.channel.as_deref())
                    .bind(write.at_ms)
                    .bind(write.due_ms)
                    .bind(*owner);
            }
            for (id, site, interaction) in query.fetch_all(&mut *conn).await? {
                opened.push((id, SiteId::new(site), interaction));
            }
        }
        Ok(opened)
    }

    async fn withdraw_followups(
        conn: &mut Self::Connection,
        site_id: SiteId,
        interactions: &[&str],
        at_ms: i64,
    ) -> Result<(), StorageError> {
        for chunk in interactions.chunks(ROWS_PER_STATEMENT) {
            let sql = withdraw_sql::<Self>(chunk.len());
            let mut query = sqlx::query(&sql).bind(at_ms).bind(site_id);
            for interaction in chunk {
                query = query.bind(*interaction);
            }
            query.execute(&mut *conn).await?;
        }
        Ok(())
    }

    async fn erase_followups(
        conn: &mut Self::Connection,
        site_id: SiteId,
        interaction: &str,
    ) -> Result<(), StorageError> {
        sqlx::query(ERASE).bind(site_id).bind(interaction).execute(conn).await?;
        Ok(())
    }

    async fn purge_followups(
        conn: &mut Self::Connection,
        site_id: SiteId,
        day: &str,
    ) -> Result<(), StorageError> {
        sqlx::query(PURGE_EVENTS).bind(site_id).bind(day).execute(&mut *conn).await?;
        sqlx::query(PURGE).bind(site_id).bind(day).execute(conn).await?;
        Ok(())
    }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_bind_order_on_both_backends() {
        let pg = open_sql::<sqlx::Postgres>(2);
        assert!(
            pg.contains("($1, $2, $3, $4, $5, $6, $7, $8, $9), ($10, $11, $12"),
            "{pg}"
        );
        assert!(pg.contains("$18)") && !pg.contains("$19"), "{pg}");
        let withdraw = withdraw_sql::<sqlx::Postgres>(3);
        assert!(
            withdraw
                .contains("closed_at_ms = $1 WHERE site_id = $2 AND interaction IN ($3, $4, $5)"),
            "{withdraw}"
        );
        // SQLite's markers are positional: their count is what must match the binds.
        assert_eq!(open_sql::<sqlx::Sqlite>(3).matches('?').count(), 27);
        assert_eq!(withdraw_sql::<sqlx::Sqlite>(3).matches('?').count(), 5);
    }
}
