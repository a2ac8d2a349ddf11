//! SQLite's side of the statements both backends share ([`Dialect`]): one `responses` table,
//! whose partial unique indexes keep one counted response per interaction and at most one
//! answer set aside beside it.

use crate::storage::sql::{self, Dialect, response_columns};

/// Anonymous `?`. SQLite takes `$n` too, but as a *named* parameter that is looked up by name
/// for every value bound: with the 900 parameters of a multi-row insert those lookups
/// (`sqlite3_bind_parameter_name`, a walk through the names) cost a third of SQLite's ingest.
impl Dialect for sqlx::Sqlite {
    fn parameter(_: usize) -> String {
        "?".to_owned()
    }

    fn insert_responses(rows: usize) -> String {
        sql::insert_rows::<Self>(rows, "FALSE")
            + " ON CONFLICT (site_id, interaction) WHERE NOT set_aside DO NOTHING \
               RETURNING id, site_id, interaction"
    }

    /// The unique index is on (site, interaction) itself. The row takes the new place in time
    /// too, so that one the migration could not move beside a response (its response was gone)
    /// ends up beside the interaction's new one.
    const KEEP_ONE_SET_ASIDE: &'static str = " ON CONFLICT (site_id, interaction) WHERE set_aside \
         DO UPDATE SET agent = excluded.agent, team = excluded.team, \
         channel = excluded.channel, verified = excluded.verified, csat = excluded.csat, \
         nps = excluded.nps, ces = excluded.ces, resolved = excluded.resolved, \
         comment = excluded.comment, reasons = excluded.reasons, locale = excluded.locale, \
         day = excluded.day, created_at_ms = excluded.created_at_ms, \
         updated_at_ms = excluded.updated_at_ms, client = excluded.client, \
         flagged = excluded.flagged, survey_version = excluded.survey_version, \
         question = excluded.question";

    const UPDATE_MOVED_RESPONSE: &'static str = sql::UPDATE_RESPONSE;

    const DELETE_INTERACTION: &'static str = concat!(
        "DELETE FROM responses WHERE site_id = $1 AND interaction = $2 RETURNING ",
        response_columns!()
    );

    const PURGE_RESPONSES: &'static str = "DELETE FROM responses WHERE id IN (SELECT id FROM \
         responses WHERE site_id = $1 AND created_at_ms < $2 AND day < $3 LIMIT $4) RETURNING id";

    /// The count and the insert after it are one statement, and SQLite runs one writer at a
    /// time.
    const LOCK_SITE: Option<&'static str> = None;
}
