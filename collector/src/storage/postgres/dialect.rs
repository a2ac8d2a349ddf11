//! PostgreSQL's side of the statements both backends share ([`Dialect`]). `responses` is
//! partitioned by the month its rows were first answered in, and a partitioned table enforces
//! uniqueness only within a partition: "one counted response per interaction" is kept in
//! `response_keys` instead, one row per counted response naming its creation time (and so its
//! partition). Every statement that creates, moves or removes a counted response keeps its key
//! in the same statement.

use crate::storage::sql::{self, Dialect, response_columns};

impl Dialect for sqlx::Postgres {
    fn parameter(n: usize) -> String {
        format!("${n}")
    }

    /// A response is created only where its key could be claimed: a key another writer holds
    /// (committed, or committing first) leaves its row out, as `ON CONFLICT DO NOTHING` does on
    /// one table — and so does a second row for the same interaction in the same statement
    /// (the first one stays).
    fn insert_responses(rows: usize) -> String {
        format!(
            "WITH new AS (SELECT DISTINCT ON (site_id, interaction) * FROM \
             (SELECT *, row_number() OVER () AS n FROM ({values}) AS v ({columns}, site_id, \
             interaction)) AS numbered ORDER BY site_id, interaction, n), \
             claimed AS (INSERT INTO response_keys (site_id, interaction, created_at_ms) \
             SELECT site_id, interaction, created_at_ms FROM new \
             ON CONFLICT (site_id, interaction) DO NOTHING RETURNING site_id, interaction) \
             INSERT INTO responses ({columns}, site_id, interaction, set_aside) \
             SELECT {columns}, site_id, interaction, FALSE FROM new \
             JOIN claimed USING (site_id, interaction) \
             RETURNING id, site_id, interaction",
            columns = sql::WRITTEN_RESPONSE_COLUMNS,
            values = sql::response_values::<Self>(rows, None),
        )
    }

    /// A unique index of a partitioned table must name its partition key, so the index of
    /// set-aside rows is on (site, interaction, creation time): one per interaction because an
    /// answer is kept aside at its response's creation time (`ResponseState::kept_beside`),
    /// which a counted response keeps. The update stays in the row's partition.
    const KEEP_ONE_SET_ASIDE: &'static str = concat!(
        " ON CONFLICT (site_id, interaction, created_at_ms) WHERE set_aside ",
        "DO UPDATE SET agent = excluded.agent, team = excluded.team, ",
        "channel = excluded.channel, verified = excluded.verified, csat = excluded.csat, ",
        "nps = excluded.nps, ces = excluded.ces, resolved = excluded.resolved, ",
        "comment = excluded.comment, reasons = excluded.reasons, locale = excluded.locale, ",
        "day = excluded.day, updated_at_ms = excluded.updated_at_ms, ",
        "client = excluded.client, flagged = excluded.flagged, ",
        "survey_version = excluded.survey_version, question = excluded.question"
    );

    /// The row moves to the month of its new creation time, and its key follows.
    const UPDATE_MOVED_RESPONSE: &'static str = concat!(
        "WITH moved AS (",
        "UPDATE responses SET agent = $1, team = $2, channel = $3, verified = $4, csat = $5, ",
        "nps = $6, ces = $7, resolved = $8, comment = $9, reasons = $10, locale = $11, ",
        "day = $12, created_at_ms = $13, updated_at_ms = $14, client = $15, flagged = $16, ",
        "survey_version = $17, question = $18 WHERE id = $19 AND created_at_ms = $20 ",
        "RETURNING site_id, interaction, created_at_ms) ",
        "UPDATE response_keys k SET created_at_ms = moved.created_at_ms FROM moved ",
        "WHERE k.site_id = moved.site_id AND k.interaction = moved.interaction"
    );

    const DELETE_INTERACTION: &'static str = concat!(
        "WITH gone AS (DELETE FROM responses WHERE site_id = $1 AND interaction = $2 RETURNING ",
        response_columns!(),
        "), unkeyed AS (DELETE FROM response_keys WHERE site_id = $1 AND interaction = $2) ",
        "SELECT * FROM gone"
    );

    /// The outer delete repeats the time bound so that it is planned on the partitions before
    /// it only.
    const PURGE_RESPONSES: &'static str = concat!(
        "WITH gone AS (DELETE FROM responses WHERE created_at_ms < $2 AND (id, created_at_ms) IN ",
        "(SELECT id, created_at_ms FROM responses WHERE site_id = $1 AND created_at_ms < $2 ",
        "AND day < $3 LIMIT $4) RETURNING id, interaction, set_aside), ",
        "unkeyed AS (DELETE FROM response_keys k USING gone WHERE k.site_id = $1 ",
        "AND k.interaction = gone.interaction AND NOT gone.set_aside) ",
        "SELECT id FROM gone"
    );

    /// Concurrent transactions read the count before either inserts (read committed): the
    /// site's row lock orders them. `NO KEY UPDATE`, so the foreign-key checks of the site's
    /// answers (`KEY SHARE`) are not held up meanwhile.
    const LOCK_SITE: Option<&'static str> =
        Some("SELECT id FROM sites WHERE id = $1 FOR NO KEY UPDATE");
}
