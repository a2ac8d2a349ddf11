//! What reports read: rollups summed by group and bucket, the standings' CSAT counts, reasons,
//! the answers to a site's own question, and a page of responses — the capability's trait ([`ReportStore`]) and its one
//! implementation for both backends (the `report_store!` macro, on the backend's read pool:
//! PostgreSQL's replica when one is set), and the statements (`Reads`). How each statement is
//! built lives beside it: `report_read.rs`, `standings_read.rs`, `question_read.rs`,
//! `response_page.rs`, and the
//! reasons' statement here.

use super::sql::for_koe_databases;
use std::future::Future;

use sqlx::{Database, FromRow};

use super::rows::{QuestionRow, ResponseRow, question_row};
use super::sql::{Bind, Statement, attribution_filters, bind_all};
use super::{ReasonCount, ResponseFilter, StorageError, StoredResponse};
use crate::ids::SiteId;
use crate::report::{AgentCounts, GroupedRollup, ReportQuery};
use crate::rollup::QuestionKey;
use koe_shared::{AgentId, Channel, Reason};

/// Reads for reports, standings, reasons and the response list.
pub trait ReportStore: Clone + Send + Sync + 'static {
    /// A site's rollups in the query's range and filters, bucketed and summed by its groups in
    /// the database, so about one row per group and bucket travels (a summary read at its own
    /// grain may give a group two rows; `report::build` adds up rows of one group).
    fn report_rollups(
        &self,
        site_id: SiteId,
        query: &ReportQuery,
    ) -> impl Future<Output = Result<Vec<GroupedRollup>, StorageError>> + Send;

    /// Each (agent, team)'s CSAT answers (satisfied, answered, last day) in the query's range
    /// and filters but the team (every team's rows: `report::standings::by_agent` chooses
    /// one per agent), from `rollups`.
    fn agent_csat(
        &self,
        site_id: SiteId,
        query: &ReportQuery,
    ) -> impl Future<Output = Result<Vec<AgentCounts>, StorageError>> + Send;

    /// Unhappy responses per reason in a report's range and filters, grouped by its agent
    /// and channel groups (a team cannot be asked for: reasons are not kept per team).
    fn reason_counts(
        &self,
        site_id: SiteId,
        query: &ReportQuery,
    ) -> impl Future<Output = Result<Vec<ReasonCount>, StorageError>> + Send;

    /// The answers to one of the site's questions in a report's range and filters, per day
    /// and the report's groups (`''` for one not grouped by).
    fn question_counts(
        &self,
        site_id: SiteId,
        query: &ReportQuery,
        question: &str,
    ) -> impl Future<Output = Result<Vec<(QuestionKey, i64)>, StorageError>> + Send;

    /// A page of a site's responses, newest first.
    fn response_page(
        &self,
        site_id: SiteId,
        filter: &ResponseFilter,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<StoredResponse>, StorageError>> + Send;
}

/// Implements [`ReportStore`] for a backend's storage type over its sqlx database, on the read
/// pool field named, with the backend's report dialect.
macro_rules! report_store {
    ($storage:ty, $db:ty, $reads:ident, $dialect:expr) => {
        impl $crate::storage::ReportStore for $storage {
            #[tracing::instrument(name = "storage::report_rollups", level = "debug", skip_all)]
            async fn report_rollups(
                &self,
                site_id: $crate::ids::SiteId,
                query: &$crate::report::ReportQuery,
            ) -> Result<Vec<$crate::report::GroupedRollup>, $crate::storage::StorageError> {
                use $crate::storage::reports::Reads as _;
                let mut tx = self.$reads.begin_with($dialect.snapshot).await?;
                let rollups = <$db>::report_rollups(&mut tx, site_id, query, &$dialect).await?;
                tx.commit().await?;
                Ok(rollups)
            }

            #[tracing::instrument(name = "storage::agent_csat", level = "debug", skip_all)]
            async fn agent_csat(
                &self,
                site_id: $crate::ids::SiteId,
                query: &$crate::report::ReportQuery,
            ) -> Result<Vec<$crate::report::AgentCounts>, $crate::storage::StorageError> {
                use $crate::storage::reports::Reads as _;
                <$db>::agent_csat(&mut *self.$reads.acquire().await?, site_id, query).await
            }

            #[tracing::instrument(name = "storage::reason_counts", level = "debug", skip_all)]
            async fn reason_counts(
                &self,
                site_id: $crate::ids::SiteId,
                query: &$crate::report::ReportQuery,
            ) -> Result<Vec<$crate::storage::ReasonCount>, $crate::storage::StorageError> {
                use $crate::storage::reports::Reads as _;
                <$db>::reason_counts(&mut *self.$reads.acquire().await?, site_id, query).await
            }

            #[tracing::instrument(name = "storage::question_counts", level = "debug", skip_all)]
            async fn question_counts(
                &self,
                site_id: $crate::ids::SiteId,
                query: &$crate::report::ReportQuery,
                question: &str,
            ) -> Result<Vec<($crate::rollup::QuestionKey, i64)>, $crate::storage::StorageError>
            {
                use $crate::storage::reports::Reads as _;
                let mut conn = self.$reads.acquire().await?;
                <$db>::question_counts(&mut *conn, site_id, query, question).await
            }

            #[tracing::instrument(name = "storage::response_page", level = "debug", skip_all)]
            async fn response_page(
                &self,
                site_id: $crate::ids::SiteId,
                filter: &$crate::storage::ResponseFilter,
                limit: u32,
            ) -> Result<Vec<$crate::storage::StoredResponse>, $crate::storage::StorageError> {
                use $crate::storage::reports::Reads as _;
                <$db>::response_page(&mut *self.$reads.acquire().await?, site_id, filter, limit)
                    .await
            }
        }
    };
}
pub(super) use report_store;

/// Unhappy responses per reason in a report's range and filters, by its agent and channel
/// groups; gives (agent, channel, reason, count) with `''` for a column not grouped by.
fn select_reason_counts(site_id: SiteId, query: &ReportQuery) -> Statement {
    use crate::report::GroupBy;
    let column = |group: GroupBy, name: &str| match query.group_by.contains(&group) {
        true => name.to_owned(),
        false => "''".to_owned(),
    };
    let (agent, channel) = (
        column(GroupBy::Agent, "agent"),
        column(GroupBy::Channel, "channel"),
    );
    let mut s = Statement::new(format!(
        "SELECT {agent}, {channel}, reason, CAST(SUM(unhappy) AS BIGINT) FROM reason_rollups \
         WHERE site_id = "
    ));
    s.bind(Bind::Int(site_id.get()));
    s.push(" AND day >= ")
        .bind(Bind::Text(query.from.to_string()));
    s.push(" AND day <= ")
        .bind(Bind::Text(query.to.to_string()));
    // Reasons are not kept per team: a report asking for one is refused before it gets here.
    for (name, value) in attribution_filters(query.agent.as_ref(), query.channel, None) {
        if let Some(value) = value {
            s.push(&format!(" AND {name} = "))
                .bind(Bind::Text(value.to_owned()));
        }
    }
    s.push(" GROUP BY 1, 2, 3 HAVING SUM(unhappy) > 0");
    s
}

/// The statements, on one connection.
pub(super) trait Reads: Database {
    async fn response_page(
        conn: &mut Self::Connection,
        site_id: SiteId,
        filter: &ResponseFilter,
        limit: u32,
    ) -> Result<Vec<StoredResponse>, StorageError>;

    /// Unhappy responses per reason (`report::reasons`).
    async fn reason_counts(
        conn: &mut Self::Connection,
        site_id: SiteId,
        query: &ReportQuery,
    ) -> Result<Vec<ReasonCount>, StorageError>;

    /// The answers to one question (`report::question`).
    async fn question_counts(
        conn: &mut Self::Connection,
        site_id: SiteId,
        query: &ReportQuery,
        question: &str,
    ) -> Result<Vec<(QuestionKey, i64)>, StorageError>;

    /// Each (agent, team)'s CSAT answers in the query's range and filters but the team
    /// (`report::standings`).
    async fn agent_csat(
        conn: &mut Self::Connection,
        site_id: SiteId,
        query: &ReportQuery,
    ) -> Result<Vec<AgentCounts>, StorageError>;

    /// A report's rollups, filtered, bucketed and summed by the database (`report_read`),
    /// in this backend's dialect.
    async fn report_rollups(
        conn: &mut Self::Connection,
        site_id: SiteId,
        query: &ReportQuery,
        dialect: &super::report_read::ReportDialect,
    ) -> Result<Vec<GroupedRollup>, StorageError>;
}

for_koe_databases! {
    impl Reads {
    async fn response_page(
        conn: &mut Self::Connection,
        site_id: SiteId,
        filter: &ResponseFilter,
        limit: u32,
    ) -> Result<Vec<StoredResponse>, StorageError> {
        let statement = super::response_page::statement(site_id, filter, limit);
        let rows = bind_all::<DB>(&statement).fetch_all(conn).await?;
        rows.iter()
            .map(|row| StoredResponse::try_from(ResponseRow::from_row(row)?))
            .collect()
    }

    async fn reason_counts(
        conn: &mut Self::Connection,
        site_id: SiteId,
        query: &ReportQuery,
    ) -> Result<Vec<ReasonCount>, StorageError> {
        let statement = select_reason_counts(site_id, query);
        let rows = bind_all::<DB>(&statement).fetch_all(conn).await?;
        let given = |v: String| Some(v).filter(|v| !v.is_empty());
        rows.iter()
            .map(|row| {
                let (agent, channel, reason, unhappy) =
                    <(String, String, String, i64)>::from_row(row)?;
                let corrupt = |what: &str| StorageError::Corrupt(format!("a reason row's {what}"));
                Ok(ReasonCount {
                    agent: given(agent)
                        .map(AgentId::try_from)
                        .transpose()
                        .map_err(|_| corrupt("agent"))?,
                    channel: given(channel)
                        .map(|c| c.parse::<Channel>())
                        .transpose()
                        .map_err(|_| corrupt("channel"))?,
                    reason: Reason::try_from(reason).map_err(|_| corrupt("reason"))?,
                    // The domain labels it (`report::reasons`): the site's survey holds them.
                    label: String::new(),
                    unhappy: u64::try_from(unhappy).unwrap_or(0),
                })
            })
            .collect()
    }

    async fn question_counts(
        conn: &mut Self::Connection,
        site_id: SiteId,
        query: &ReportQuery,
        question: &str,
    ) -> Result<Vec<(QuestionKey, i64)>, StorageError> {
        let statement = super::question_read::statement(site_id, query, question);
        let rows = bind_all::<DB>(&statement).fetch_all(conn).await?;
        rows.iter()
            .map(|row| question_row(QuestionRow::from_row(row)?))
            .collect()
    }

    async fn agent_csat(
        conn: &mut Self::Connection,
        site_id: SiteId,
        query: &ReportQuery,
    ) -> Result<Vec<AgentCounts>, StorageError> {
        let statement = super::standings_read::statement(site_id, query);
        let rows = bind_all::<DB>(&statement).fetch_all(conn).await?;
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        rows.iter()
            .map(|row| {
                let (agent, team, satisfied, answered, last_day) =
                    <(String, String, i64, i64, String)>::from_row(row)?;
                let last_day: jiff::civil::Date = last_day.parse().map_err(|_| {
                    StorageError::Corrupt(format!("a rollup's day {last_day:?}"))
                })?;
                Ok(AgentCounts {
                    agent,
                    team: Some(team).filter(|t| !t.is_empty()),
                    satisfied: count(satisfied),
                    answered: count(answered),
                    last_day,
                })
            })
            .collect()
    }

    async fn report_rollups(
        conn: &mut Self::Connection,
        site_id: SiteId,
        query: &ReportQuery,
        dialect: &super::report_read::ReportDialect,
    ) -> Result<Vec<GroupedRollup>, StorageError> {
        let mut rollups = Vec::new();
        for read in super::report_read::plan(query)? {
            let (statement, groups): (Statement, _) =
                super::report_read::statement(site_id, query, &read, dialect);
            let query = bind_all::<DB>(&statement);
            if dialect.rows_as_json {
                let row = query.fetch_one(&mut *conn).await?;
                let json: String = sqlx::Row::try_get(&row, 0)?;
                rollups.extend(super::report_rows::parse(&json, &groups)?);
            } else {
                let mut rows = query.fetch(&mut *conn);
                while let Some(row) = futures_util::TryStreamExt::try_next(&mut rows).await? {
                    rollups.push(super::report_rows::from_row(&row, &groups)?);
                }
            }
        }
        Ok(rollups)
    }
    }
}
