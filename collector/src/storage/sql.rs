//! The SQL both backends run. The dialects agree on everything here (`$n` parameters,
//! `ON CONFLICT`, `RETURNING`); the only difference, row locking, is a macro argument.
//!
//! `queries!` expands to the same functions for each backend's concrete connection type, so
//! the write path is written once and each backend only decides how transactions are run.
//! How rollup changes are written is in `rollup_sql.rs`, the batch path in `batch_sql.rs`,
//! the report read in `report_sql.rs`.

use std::sync::LazyLock;

use crate::rollup::COUNTER_COLUMNS;

pub(super) const SITE_COLUMNS: &str =
    "id, site_key, name, origins, timezone, strict, secret_digest, low_n_threshold, created_at_ms";

pub(super) const RESPONSE_COLUMNS: &str = "id, interaction, agent, team, channel, verified, csat, nps, ces, resolved, comment, reasons, locale, day, created_at_ms, updated_at_ms, client, flagged";

/// Rows per multi-row statement: far below both databases' bound-parameter limits (SQLite
/// 32 766, PostgreSQL 65 535) at ≤ 35 parameters a row, and small enough that a statement's
/// bound values (copied per statement by sqlx) stay small: at 400 rows a SQLite batch's
/// statements held the collector's peak RSS near 70 MiB, at 100 about 42 MiB, as fast.
pub(super) const ROWS_PER_STATEMENT: usize = 100;

pub(super) static SELECT_ROLLUPS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT day, agent, team, channel, {} FROM rollups WHERE site_id = $1 ORDER BY day, agent, team, channel",
        COUNTER_COLUMNS.join(", ")
    )
});

pub(super) static SELECT_SITES: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {SITE_COLUMNS} FROM sites ORDER BY id"));

pub(super) static SELECT_SITE_BY_KEY: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {SITE_COLUMNS} FROM sites WHERE site_key = $1"));

pub(super) static SELECT_RESPONSES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {RESPONSE_COLUMNS} FROM responses WHERE site_id = $1 ORDER BY created_at_ms, id"
    )
});

pub(super) const INSERT_SITE: &str = "INSERT INTO sites (site_key, name, origins, timezone, strict, secret_digest, created_at_ms, low_n_threshold) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";

pub(super) const INSERT_API_KEY: &str = "INSERT INTO api_keys (site_id, role, key_digest, key_prefix, created_at_ms) \
     VALUES ($1, $2, $3, $4, $5) RETURNING id";

pub(super) const SELECT_API_KEY_BY_DIGEST: &str =
    "SELECT id, site_id, role, key_prefix FROM api_keys WHERE key_digest = $1";

/// The columns `bind_response_columns` binds, in its order.
pub(super) const WRITTEN_RESPONSE_COLUMNS: &str = "agent, team, channel, verified, csat, nps, ces, resolved, comment, reasons, locale, day, created_at_ms, updated_at_ms, client, flagged";

/// Columns 1–16 bound by `bind_response_columns`, then site and interaction.
pub(super) const INSERT_RESPONSE: &str = "INSERT INTO responses (agent, team, channel, verified, csat, nps, ces, resolved, comment, reasons, locale, day, created_at_ms, updated_at_ms, client, flagged, site_id, interaction) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
     ON CONFLICT (site_id, interaction) DO NOTHING RETURNING id";

/// Columns 1–16 bound by `bind_response_columns`, then the response id.
pub(super) const UPDATE_RESPONSE: &str = "UPDATE responses SET agent = $1, team = $2, channel = $3, verified = $4, csat = $5, nps = $6, ces = $7, resolved = $8, comment = $9, reasons = $10, locale = $11, day = $12, created_at_ms = $13, updated_at_ms = $14, client = $15, flagged = $16 \
     WHERE id = $17";

pub(super) const INSERT_IMPRESSION: &str = "INSERT INTO impressions (site_id, interaction, agent, team, channel, day, created_at_ms) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (site_id, interaction) DO NOTHING";

pub(super) const SELECT_IMPRESSIONS: &str =
    "SELECT agent, team, channel, day FROM impressions WHERE site_id = $1";

/// The write path and the reads, for one backend. `$lock` is appended to the read of the
/// response being merged (`" FOR UPDATE"` where writers run concurrently).
macro_rules! queries {
    ($db:ty, $lock:literal) => {
        use sqlx::{Database, Row};

        use crate::response::AnswerWrite;
        use crate::rollup::{RollupCounters, RollupDelta, RollupKey, response_deltas};
        use crate::site::{NewSite, Site};
        use crate::storage::records::{ApiKeyRecord, ImpressionWrite, NewApiKey, Saved, StoredResponse};
        use crate::storage::rows::{ApiKeyRow, ImpressionRow, ResponseColumns, ResponseRow, SiteRow, join_origins};
        use crate::storage::sql;
        use crate::storage::StorageError;

        type Conn = <$db as Database>::Connection;
        type Query<'q> = sqlx::query::Query<'q, $db, <$db as Database>::Arguments<'q>>;

        fn unique(error: sqlx::Error, what: &'static str) -> StorageError {
            match &error {
                sqlx::Error::Database(db) if db.is_unique_violation() => StorageError::Duplicate(what),
                _ => error.into(),
            }
        }

        pub(in crate::storage) async fn insert_site(conn: &mut Conn, site: &NewSite) -> Result<i64, StorageError> {
            sqlx::query_scalar(sql::INSERT_SITE)
                .bind(site.key.as_str())
                .bind(&site.name)
                .bind(join_origins(&site.origins))
                .bind(site.timezone.name())
                .bind(site.strict)
                .bind(&site.secret_digest[..])
                .bind(site.created_at_ms)
                .bind(i64::from(site.low_n_threshold))
                .fetch_one(conn)
                .await
                .map_err(|e| unique(e, "a site with this key"))
        }

        pub(in crate::storage) async fn select_sites(conn: &mut Conn) -> Result<Vec<Site>, StorageError> {
            let rows: Vec<SiteRow> = sqlx::query_as(&sql::SELECT_SITES).fetch_all(conn).await?;
            rows.into_iter().map(Site::try_from).collect()
        }

        pub(in crate::storage) async fn select_site_by_key(conn: &mut Conn, key: &str) -> Result<Option<Site>, StorageError> {
            let row: Option<SiteRow> = sqlx::query_as(&sql::SELECT_SITE_BY_KEY).bind(key).fetch_optional(conn).await?;
            row.map(Site::try_from).transpose()
        }

        pub(in crate::storage) async fn insert_api_key(conn: &mut Conn, key: &NewApiKey) -> Result<ApiKeyRecord, StorageError> {
            let id: i64 = sqlx::query_scalar(sql::INSERT_API_KEY)
                .bind(key.site_id)
                .bind(key.role.as_str())
                .bind(&key.digest[..])
                .bind(&key.prefix)
                .bind(key.created_at_ms)
                .fetch_one(conn)
                .await
                .map_err(|e| unique(e, "an API key with this digest"))?;
            Ok(ApiKeyRecord { id, site_id: key.site_id, role: key.role, prefix: key.prefix.clone() })
        }

        pub(in crate::storage) async fn select_api_key(conn: &mut Conn, digest: &[u8; 32]) -> Result<Option<ApiKeyRecord>, StorageError> {
            let row: Option<ApiKeyRow> = sqlx::query_as(sql::SELECT_API_KEY_BY_DIGEST)
                .bind(&digest[..])
                .fetch_optional(conn)
                .await?;
            row.map(ApiKeyRecord::try_from).transpose()
        }

        fn bind_response_columns<'q>(query: Query<'q>, c: &ResponseColumns<'q>) -> Query<'q> {
            query
                .bind(c.agent)
                .bind(c.team)
                .bind(c.channel)
                .bind(c.verified)
                .bind(c.csat)
                .bind(c.nps)
                .bind(c.ces)
                .bind(c.resolved)
                .bind(c.comment)
                .bind(c.reasons.clone())
                .bind(c.locale)
                .bind(c.day)
                .bind(c.created_at_ms)
                .bind(c.updated_at_ms)
                .bind(c.client)
                .bind(c.flagged)
        }

        pub(in crate::storage) async fn select_summary_rollups(
            conn: &mut Conn,
            site_id: i64,
            summary: crate::rollup::Summary,
        ) -> Result<Vec<(RollupKey, RollupCounters)>, StorageError> {
            let day = summary.day_column();
            let select = format!(
                "SELECT {day}, agent, '', channel, {} FROM {} WHERE site_id = $1 ORDER BY {day}, agent, channel",
                crate::rollup::COUNTER_COLUMNS.join(", "),
                summary.table()
            );
            let rows = sqlx::query(&select).bind(site_id).fetch_all(conn).await?;
            rollup_rows(&rows)
        }

        /// Merges one submission into its response and moves the rollups. The caller owns the
        /// transaction.
        pub(in crate::storage) async fn apply_answers(conn: &mut Conn, write: &AnswerWrite) -> Result<Saved, StorageError> {
            loop {
                let row: Option<ResponseRow> = sqlx::query_as(concat!(
                    "SELECT id, interaction, agent, team, channel, verified, csat, nps, ces, resolved, comment, reasons, locale, day, created_at_ms, updated_at_ms, client, flagged \
                     FROM responses WHERE site_id = $1 AND interaction = $2",
                    $lock
                ))
                .bind(write.site_id)
                .bind(write.interaction.as_str())
                .fetch_optional(&mut *conn)
                .await?;
                let before = row.map(StoredResponse::try_from).transpose()?;
                let before_state = before.as_ref().map(|r| &r.state);
                let after = write.apply_to(before_state)?;
                let columns = ResponseColumns::of(&after);
                let id = match &before {
                    Some(before) => {
                        bind_response_columns(sqlx::query(sql::UPDATE_RESPONSE), &columns)
                            .bind(before.id)
                            .execute(&mut *conn)
                            .await?;
                        before.id
                    }
                    None => {
                        let inserted: Option<i64> = bind_response_columns(sqlx::query(sql::INSERT_RESPONSE), &columns)
                            .bind(write.site_id)
                            .bind(write.interaction.as_str())
                            .try_map(|row: <$db as Database>::Row| row.try_get::<i64, _>(0))
                            .fetch_optional(&mut *conn)
                            .await?;
                        match inserted {
                            Some(id) => id,
                            // Another transaction created it since we looked: merge into that one.
                            None => continue,
                        }
                    }
                };
                apply_deltas(conn, &site_deltas(write.site_id, response_deltas(before_state, &after))).await?;
                return Ok(Saved { id, status: AnswerWrite::status(before_state) });
            }
        }

        /// Records an impression once per interaction. The caller owns the transaction.
        pub(in crate::storage) async fn apply_impression(conn: &mut Conn, write: &ImpressionWrite) -> Result<bool, StorageError> {
            let a = &write.attribution;
            let agent = a.agent.as_ref().map(|x| x.as_str());
            let team = a.team.as_ref().map(|x| x.as_str());
            let channel = a.channel.map(|c| c.as_str());
            let inserted = sqlx::query(sql::INSERT_IMPRESSION)
                .bind(write.site_id)
                .bind(write.interaction.as_str())
                .bind(agent)
                .bind(team)
                .bind(channel)
                .bind(&write.day)
                .bind(write.now_ms)
                .execute(&mut *conn)
                .await?
                .rows_affected()
                == 1;
            if inserted {
                let delta = RollupDelta {
                    key: RollupKey::new(&write.day, agent, team, channel),
                    counters: RollupCounters::impression(),
                };
                apply_deltas(conn, &site_deltas(write.site_id, vec![delta])).await?;
            }
            Ok(inserted)
        }

        pub(in crate::storage) async fn select_responses(conn: &mut Conn, site_id: i64) -> Result<Vec<StoredResponse>, StorageError> {
            let rows: Vec<ResponseRow> = sqlx::query_as(&sql::SELECT_RESPONSES).bind(site_id).fetch_all(conn).await?;
            rows.into_iter().map(StoredResponse::try_from).collect()
        }

        pub(in crate::storage) async fn select_impressions(conn: &mut Conn, site_id: i64) -> Result<Vec<RollupKey>, StorageError> {
            let rows: Vec<ImpressionRow> = sqlx::query_as(sql::SELECT_IMPRESSIONS).bind(site_id).fetch_all(conn).await?;
            Ok(rows.into_iter().map(RollupKey::from).collect())
        }

        pub(in crate::storage) async fn select_rollups(
            conn: &mut Conn,
            site_id: i64,
        ) -> Result<Vec<(RollupKey, RollupCounters)>, StorageError> {
            let rows = sqlx::query(&sql::SELECT_ROLLUPS).bind(site_id).fetch_all(conn).await?;
            rollup_rows(&rows)
        }

        /// Newest first, after the cursor, filtered; at most `limit`.
        pub(in crate::storage) async fn select_response_page(
            conn: &mut Conn,
            site_id: i64,
            filter: &crate::storage::ResponseFilter,
            limit: u32,
        ) -> Result<Vec<StoredResponse>, StorageError> {
            let mut query = sqlx::QueryBuilder::<$db>::new(format!("SELECT {} FROM responses WHERE site_id = ", sql::RESPONSE_COLUMNS));
            query.push_bind(site_id);
            let text_filters = [("day >= ", &filter.from_day), ("day <= ", &filter.to_day), ("agent = ", &filter.agent), ("channel = ", &filter.channel), ("team = ", &filter.team)];
            for (clause, value) in text_filters {
                if let Some(value) = value {
                    query.push(" AND ").push(clause).push_bind(value.clone());
                }
            }
            let score_filters = [("csat >= ", filter.min_csat), ("csat <= ", filter.max_csat), ("nps >= ", filter.min_nps), ("nps <= ", filter.max_nps)];
            for (clause, value) in score_filters {
                if let Some(value) = value {
                    query.push(" AND ").push(clause).push_bind(i16::from(value));
                }
            }
            if let Some(flagged) = filter.flagged {
                query.push(" AND flagged = ").push_bind(flagged);
            }
            if let Some((created_at_ms, id)) = filter.before {
                query.push(" AND (created_at_ms < ").push_bind(created_at_ms);
                query.push(" OR (created_at_ms = ").push_bind(created_at_ms).push(" AND id < ").push_bind(id).push("))");
            }
            query.push(" ORDER BY created_at_ms DESC, id DESC LIMIT ").push_bind(i64::from(limit));
            let rows: Vec<ResponseRow> = query.build_query_as().fetch_all(conn).await?;
            rows.into_iter().map(StoredResponse::try_from).collect()
        }

        fn rollup_rows(rows: &[<$db as Database>::Row]) -> Result<Vec<(RollupKey, RollupCounters)>, StorageError> {
            rows.iter()
                .map(|row| {
                    let key = RollupKey {
                        day: row.try_get(0)?,
                        agent: row.try_get(1)?,
                        team: row.try_get(2)?,
                        channel: row.try_get(3)?,
                    };
                    let mut counters = RollupCounters::default();
                    for (i, value) in counters.0.iter_mut().enumerate() {
                        *value = row.try_get(4 + i)?;
                    }
                    Ok((key, counters))
                })
                .collect::<Result<_, sqlx::Error>>()
                .map_err(StorageError::from)
        }
    };
}

pub(super) use queries;
