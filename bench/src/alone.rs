//! Each database alone writing Koe's rows: the bound the HTTP ingest figures are judged
//! against. No Koe code, no HTTP: plain multi-row statements on Koe's schema (migrated by the
//! collector), with the collector's durability (SQLite: WAL, `synchronous=FULL`;
//! PostgreSQL: the server's `synchronous_commit`, `on` by default). Each commit inserts
//! `batch` responses — CSAT and NPS for `batch` of 200 agents on one day and channel — and adds
//! them to `rollups` and the four summary tables, as an answer the collector takes does.
//!
//! Measured at the batch sizes the bench's connections can form (1, 16, 256 answers waiting),
//! from one connection and, on PostgreSQL, from as many as the collector's writers (each then
//! commits its share of the waiting answers).

use std::str::FromStr as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use koe_collector::ids::SiteId;
use koe_collector::rollup::{COUNTER_COLUMNS, Summary};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions as _, Connection, Database, Encode, QueryBuilder, Type};

use crate::target::Target;

const RUN: Duration = Duration::from_secs(3);
/// The answers waiting at once: one connection's, sixteen's, 256's.
pub const BATCHES: [u64; 3] = [1, 16, 256];
/// The collector's PostgreSQL writers with the default pool of 8 (`max_connections / 2`).
pub const POSTGRES_WRITERS: u64 = 4;

/// One measured bound.
#[derive(Debug, Clone)]
pub struct Bound {
    pub backend: &'static str,
    /// Answers committed together (in all connections at once).
    pub batch: u64,
    pub connections: u64,
    pub per_second: f64,
    /// The median time of one commit, its statements included.
    pub commit_p50: Duration,
}

/// Every bound: SQLite from one connection; PostgreSQL from one and from the writers' count
/// (`postgres` `None` when no server answered).
pub async fn measure(dir: &std::path::Path, postgres: &str) -> anyhow::Result<Vec<Bound>> {
    let mut bounds = Vec::new();
    let target = Target::sqlite(dir, "alone.db").await?;
    for batch in BATCHES {
        let url = target.url.clone();
        bounds.push(
            run("SQLite", batch, 1, target.site.id, move || {
                let url = url.clone();
                async move {
                    Ok(Conn::Sqlite(
                        SqliteConnectOptions::from_str(&url)?
                            .journal_mode(SqliteJournalMode::Wal)
                            .synchronous(SqliteSynchronous::Full)
                            .connect()
                            .await?,
                    ))
                }
            })
            .await?,
        );
    }
    if let Some(target) = Target::postgres(postgres).await? {
        for connections in [1, POSTGRES_WRITERS] {
            // One answer waiting is one connection's work.
            for batch in BATCHES.into_iter().filter(|&b| b >= connections) {
                let url = target.url.clone();
                bounds.push(
                    run(
                        "PostgreSQL",
                        batch,
                        connections,
                        target.site.id,
                        move || {
                            let url = url.clone();
                            async move { Ok(Conn::Postgres(sqlx::PgConnection::connect(&url).await?)) }
                        },
                    )
                    .await?,
                );
            }
        }
        target.drop_database().await?;
    }
    Ok(bounds)
}

/// A connection of either database.
enum Conn {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl Conn {
    /// One transaction: [`statements`] for the answers `numbers`.
    async fn commit(
        &mut self,
        site_id: SiteId,
        run_id: &str,
        numbers: std::ops::Range<u64>,
    ) -> anyhow::Result<()> {
        match self {
            Self::Sqlite(conn) => {
                let mut tx = conn.begin().await?;
                for mut statement in statements::<sqlx::Sqlite>(site_id, run_id, numbers, false) {
                    statement.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
            Self::Postgres(conn) => {
                let mut tx = conn.begin().await?;
                for mut statement in statements::<sqlx::Postgres>(site_id, run_id, numbers, true) {
                    statement.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
        }
        Ok(())
    }
}

/// `connections` tasks, each committing its share of `batch` answers per transaction for
/// [`RUN`].
async fn run<C, F>(
    backend: &'static str,
    batch: u64,
    connections: u64,
    site_id: SiteId,
    connect: C,
) -> anyhow::Result<Bound>
where
    C: Fn() -> F,
    F: Future<Output = anyhow::Result<Conn>>,
{
    let share = (batch / connections).max(1);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    let run_id = format!("{backend}-{batch}-{connections}");
    for _ in 0..connections {
        let mut conn = connect().await?;
        let (next, run_id) = (Arc::clone(&next), run_id.clone());
        tasks.push(tokio::spawn(async move {
            let mut commits = Vec::new();
            while started.elapsed() < RUN {
                let first = next.fetch_add(share, Ordering::Relaxed);
                let began = Instant::now();
                conn.commit(site_id, &run_id, first..first + share).await?;
                commits.push(began.elapsed());
            }
            Ok::<_, anyhow::Error>(commits)
        }));
    }
    let mut commits = Vec::new();
    for task in tasks {
        commits.extend(task.await??);
    }
    let elapsed = started.elapsed();
    commits.sort_unstable();
    Ok(Bound {
        backend,
        batch: share * connections,
        connections,
        per_second: (commits.len() as u64 * share) as f64 / elapsed.as_secs_f64(),
        commit_p50: commits.get(commits.len() / 2).copied().unwrap_or_default(),
    })
}

/// One transaction's statements: the answers `numbers` inserted (their keys claimed first on
/// PostgreSQL, as the collector does), then added to `rollups` and each summary, one multi-row
/// upsert each with rows in key order (so concurrent connections wait for each other, never
/// deadlock).
fn statements<DB>(
    site_id: SiteId,
    run_id: &str,
    numbers: std::ops::Range<u64>,
    claims_keys: bool,
) -> Vec<QueryBuilder<'static, DB>>
where
    DB: Database,
    String: Encode<'static, DB> + Type<DB>,
    i64: Encode<'static, DB> + Type<DB>,
    i16: Encode<'static, DB> + Type<DB>,
    bool: Encode<'static, DB> + Type<DB>,
    &'static str: Encode<'static, DB> + Type<DB>,
    Option<String>: Encode<'static, DB> + Type<DB>,
{
    let id = site_id.get();
    let now_ms = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis(),
    )
    .unwrap_or(i64::MAX);
    let mut statements = Vec::new();
    if claims_keys {
        let mut keys = QueryBuilder::<DB>::new(
            "INSERT INTO response_keys (site_id, interaction, created_at_ms) ",
        );
        keys.push_values(numbers.clone(), |mut row, n| {
            row.push_bind(id)
                .push_bind(format!("{run_id}-{n}"))
                .push_bind(now_ms);
        });
        statements.push(keys);
    }
    let mut insert = QueryBuilder::<DB>::new(
        "INSERT INTO responses (site_id, interaction, agent, team, channel, verified, csat, \
         nps, reasons, locale, day, created_at_ms, updated_at_ms, client, flagged) ",
    );
    insert.push_values(numbers.clone(), |mut row, n| {
        row.push_bind(id)
            .push_bind(format!("{run_id}-{n}"))
            .push_bind(format!("agent-{:03}", n % 200))
            .push_bind(None::<String>)
            .push_bind("chat")
            .push_bind(false)
            .push_bind(5_i16)
            .push_bind(10_i16)
            .push_bind("")
            .push_bind("en")
            .push_bind("2026-11-26")
            .push_bind(now_ms)
            .push_bind(now_ms)
            .push_bind("widget")
            .push_bind(false);
    });
    statements.push(insert);
    let mut agents: Vec<u64> = numbers.map(|n| n % 200).collect();
    agents.sort_unstable();
    agents.dedup();
    for (table, keys) in tables() {
        let mut upsert = QueryBuilder::<DB>::new(format!(
            "INSERT INTO {table} ({keys}, {}) ",
            COUNTER_COLUMNS.join(", ")
        ));
        let weekly = table.contains("weekly");
        upsert.push_values(&agents, |mut row, agent| {
            row.push_bind(id)
                .push_bind(if weekly { "2026-11-23" } else { "2026-11-26" })
                .push_bind(format!("agent-{agent:03}"));
            if table == "rollups" {
                row.push_bind("");
            }
            row.push_bind("chat");
            for column in COUNTER_COLUMNS {
                row.push_bind(i64::from(matches!(
                    column,
                    "csat_5" | "nps_10" | "responses"
                )));
            }
        });
        upsert.push(format!(
            " ON CONFLICT ({keys}) DO UPDATE SET {}",
            COUNTER_COLUMNS
                .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
                .join(", ")
        ));
        statements.push(upsert);
    }
    statements
}

/// `rollups` and each summary table, with its key columns.
fn tables() -> Vec<(String, String)> {
    std::iter::once((
        "rollups".to_owned(),
        "site_id, day, agent, team, channel".to_owned(),
    ))
    .chain(Summary::ALL.map(|s| {
        (
            s.table().to_owned(),
            format!("site_id, {}, agent, channel", s.day_column()),
        )
    }))
    .collect()
}
