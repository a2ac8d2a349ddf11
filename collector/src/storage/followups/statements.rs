//! The statements the write path runs in an answer's transaction: a site's follow-up rule and
//! team leads, a follow-up opened (one per interaction: a concurrent second insert finds the
//! first and does nothing) or withdrawn, and follow-ups erased or purged with their answers.

use sqlx::Database;

use crate::followups::{FollowupChange, FollowupRule, FollowupSettings, FollowupWrite};
use crate::ids::SiteId;
use crate::sites::SiteTimeZone;
use crate::storage::StorageError;
use crate::storage::sql::for_koe_databases;

const SELECT_RULE: &str = "SELECT s.timezone, f.settings FROM sites s \
     LEFT JOIN followup_settings f ON f.site_id = s.id WHERE s.id = $1";
const SELECT_LEADS: &str = "SELECT m.user_id, u.email, m.teams FROM memberships m \
     JOIN users u ON u.id = m.user_id WHERE m.site_id = $1 AND m.role = 'team_lead' \
     ORDER BY m.user_id";
/// Opens a follow-up, or reopens one Koe withdrew; an open or worked one is left as it is.
/// Gives the id when it opened.
const OPEN: &str = "INSERT INTO followups (site_id, interaction, day, agent, team, channel, \
     status, opened_at_ms, due_at_ms, owner_user_id) \
     VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9) \
     ON CONFLICT (site_id, interaction) DO UPDATE SET status = 'open', day = excluded.day, \
     agent = excluded.agent, team = excluded.team, channel = excluded.channel, \
     owner_user_id = excluded.owner_user_id, opened_at_ms = excluded.opened_at_ms, \
     due_at_ms = excluded.due_at_ms, closed_at_ms = NULL, overdue_noticed_at_ms = NULL \
     WHERE followups.status = 'withdrawn' RETURNING id";
/// Withdraws an open follow-up nobody has acted on.
const WITHDRAW: &str = "UPDATE followups SET status = 'withdrawn', closed_at_ms = $3 \
     WHERE site_id = $1 AND interaction = $2 AND status = 'open' AND acted_at_ms IS NULL";
const ERASE: &str = "DELETE FROM followups WHERE site_id = $1 AND interaction = $2";
/// A purge goes by the answer's day, as the raw responses' does; the follow-up events sent
/// about them (which quote the comment) first.
const PURGE_EVENTS: &str = "DELETE FROM webhook_deliveries WHERE site_id = $1 AND interaction IN \
     (SELECT interaction FROM followups WHERE site_id = $1 AND day < $2)";
const PURGE: &str = "DELETE FROM followups WHERE site_id = $1 AND day < $2";

/// A site's team leads: (account, address, teams comma-separated).
pub(in crate::storage) type Leads = Vec<(i64, String, String)>;

/// The statements, on the caller's transaction.
pub(in crate::storage) trait Followups: Database {
    /// The site's follow-up rule in its time zone; `None`: no such site.
    async fn followup_rule(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Option<FollowupRule>, StorageError>;

    async fn team_leads(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Leads, StorageError>;

    /// Opens or withdraws each; gives the id of each follow-up that opened, with its write's
    /// index.
    async fn write_followups(
        conn: &mut Self::Connection,
        writes: &[(FollowupWrite, Option<i64>)],
    ) -> Result<Vec<(usize, i64)>, StorageError>;

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

for_koe_databases! {
    impl Followups {
    async fn followup_rule(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Option<FollowupRule>, StorageError> {
        let row: Option<(String, Option<String>)> = sqlx::query_as(SELECT_RULE)
            .bind(site_id)
            .fetch_optional(conn)
            .await?;
        let Some((zone, settings)) = row else {
            return Ok(None);
        };
        let zone = SiteTimeZone::parse(&zone).map_err(|e| StorageError::Corrupt(e.0))?;
        // Settings are checked before they are stored; should a stored row ever not make a
        // rule (written by another version), answers are still saved — without follow-ups.
        let rule = FollowupSettings::from_stored(settings.as_deref())
            .and_then(|s| s.rule().map_err(|e| e.to_string()));
        match rule {
            Ok(rule) => Ok(Some(rule.in_zone(zone.zone().clone()))),
            Err(error) => {
                tracing::warn!(%site_id, %error, "follow-up settings unreadable: none opened");
                Ok(None)
            }
        }
    }

    async fn team_leads(
        conn: &mut Self::Connection,
        site_id: SiteId,
    ) -> Result<Leads, StorageError> {
        Ok(sqlx::query_as(SELECT_LEADS).bind(site_id).fetch_all(conn).await?)
    }

    async fn write_followups(
        conn: &mut Self::Connection,
        writes: &[(FollowupWrite, Option<i64>)],
    ) -> Result<Vec<(usize, i64)>, StorageError> {
        let mut opened = Vec::new();
        for (index, (write, owner)) in writes.iter().enumerate() {
            match write.change {
                FollowupChange::Open => {
                    let id: Option<(i64,)> = sqlx::query_as(OPEN)
                        .bind(write.site_id)
                        .bind(write.interaction.as_str())
                        .bind(write.day.as_str())
                        .bind(write.agent.as_deref())
                        .bind(write.team.as_deref())
                        .bind(write.channel.as_deref())
                        .bind(write.at_ms)
                        .bind(write.due_ms)
                        .bind(*owner)
                        .fetch_optional(&mut *conn)
                        .await?;
                    if let Some((id,)) = id {
                        opened.push((index, id));
                    }
                }
                FollowupChange::Withdraw => {
                    sqlx::query(WITHDRAW)
                        .bind(write.site_id)
                        .bind(write.interaction.as_str())
                        .bind(write.at_ms)
                        .execute(&mut *conn)
                        .await?;
                }
            }
        }
        Ok(opened)
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
