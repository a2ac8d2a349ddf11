//! SQLite's side of the statements both backends share ([`Dialect`]): one `responses` table,
//! whose partial unique index keeps one counted response per interaction.

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
