//! Each database alone writing Koe's rows: the bound the HTTP ingest figures are judged
//! against. No Koe code, no HTTP: plain multi-row statements on Koe's schema (migrated by the
//! collector), with the collector's durability (SQLite: WAL, `synchronous=FULL`;
//! PostgreSQL: the server's `synchronous_commit`, read and shown). Each commit inserts `batch`
//! responses — the HTTP rows' answers: CSAT `1 + n % 5` and NPS `n % 11` for agent `n % 200`
//! on one day and channel — adds them to `rollups` and the four summary tables, and opens a
//! follow-up for each the default rule calls unhappy (CSAT ≤ 2 or NPS ≤ 6), as the collector
//! does for the bench's answers.
//!
//! Measured right after each HTTP row it bounds ([`Alone::beside`]): at the answers that row's
//! connections keep waiting (1, 16, 256), from one connection and, on PostgreSQL, from as many
//! as the collector's writers (each then commits its share), and at the batch the collector's
//! commits actually carried in that row (`koe_write_batch_size`).
//!
//! A model of the collector's writes, not a copy: the collector also reads before it writes
//! (the site's rules, the interaction's facts and earlier answer), sends rollup changes its own
//! way (a temporary table on SQLite, one JSON parameter on PostgreSQL) and inserts 50 responses
//! a statement.

mod statements;

use std::str::FromStr as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use koe_collector::ids::SiteId;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions as _, Connection};

use crate::target::Target;
use statements::statements;

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
    /// The durability it ran with (PostgreSQL's `synchronous_commit` as the server reports it).
    pub durability: String,
}

/// Each database alone, kept open beside the HTTP rows: a row's bound is measured right after
/// the row, so both see the same minute of this shared machine (measured minutes apart, the
/// bound moved by more than the 80 % targets' margin).
pub struct Alone {
    sqlite: Target,
    /// The database and its durability as the server reports it.
    postgres: Option<(Target, String)>,
}

impl Alone {
    /// SQLite in `dir`; PostgreSQL when `postgres` is given and a server answers there.
    pub async fn open(dir: &std::path::Path, postgres: Option<&str>) -> anyhow::Result<Self> {
        let sqlite = Target::sqlite(dir, "alone.db").await?;
        let postgres = match postgres {
            Some(url) => match Target::postgres(url).await? {
                Some(target) => match synchronous_commit(&target).await {
                    Ok(setting) => Some((target, format!("synchronous_commit={setting}"))),
                    Err(error) => {
                        target.drop_database().await?;
                        return Err(error);
                    }
                },
                None => None,
            },
            None => None,
        };
        Ok(Self { sqlite, postgres })
    }

    /// The bounds of an HTTP row of `backend` at `connections`: that many answers per commit
    /// (from one connection, and on PostgreSQL from its writers' count too), then the batch
    /// the row's commits carried ([`formed`] from `per_commit`) when it is another.
    pub async fn beside(
        &self,
        backend: &'static str,
        connections: u64,
        per_commit: Option<f64>,
    ) -> anyhow::Result<Vec<Bound>> {
        let mut shapes: Vec<(u64, u64)> = match backend {
            "SQLite" => vec![(connections, 1)],
            // One answer waiting is one connection's work.
            _ => [1, POSTGRES_WRITERS]
                .into_iter()
                .filter(|&writers| connections >= writers)
                .map(|writers| (connections, writers))
                .collect(),
        };
        if let Some(shape) = per_commit.map(|writes| formed(backend, writes))
            && !shapes.contains(&shape)
        {
            shapes.push(shape);
        }
        let mut bounds = Vec::new();
        for (batch, connections) in shapes {
            bounds.push(self.bound(backend, batch, connections).await?);
        }
        Ok(bounds)
    }

    async fn bound(
        &self,
        backend: &'static str,
        batch: u64,
        connections: u64,
    ) -> anyhow::Result<Bound> {
        if backend == "SQLite" {
            let url = self.sqlite.url.clone();
            let connect = move || {
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
            };
            let (site, durability) = (self.sqlite.site.id, "WAL, synchronous=FULL");
            return run(backend, batch, connections, site, connect, durability).await;
        }
        let (target, durability) = self
            .postgres
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("no PostgreSQL to measure alone"))?;
        let url = target.url.clone();
        let connect = move || {
            let url = url.clone();
            async move { Ok(Conn::Postgres(sqlx::PgConnection::connect(&url).await?)) }
        };
        run(
            backend,
            batch,
            connections,
            target.site.id,
            connect,
            durability,
        )
        .await
    }

    /// Drops PostgreSQL's database (SQLite's file goes with the bench's folder).
    pub async fn close(self) -> anyhow::Result<()> {
        if let Some((target, _)) = self.postgres {
            target.drop_database().await?;
        }
        Ok(())
    }
}

/// The batch and connections of the collector's commits on `backend` when each carried
/// `per_commit` writes: SQLite's one writer, or PostgreSQL's [`POSTGRES_WRITERS`] each
/// committing that many at once.
pub fn formed(backend: &str, per_commit: f64) -> (u64, u64) {
    let each = (per_commit.round() as u64).max(1);
    match backend {
        "SQLite" => (each, 1),
        _ => (each * POSTGRES_WRITERS, POSTGRES_WRITERS),
    }
}

/// Every bound at [`BATCHES`] (`koe-bench --only storage`): SQLite from one connection;
/// PostgreSQL from one and from the writers' count when `postgres` is given and a server
/// answers there.
pub async fn measure(dir: &std::path::Path, postgres: Option<&str>) -> anyhow::Result<Vec<Bound>> {
    let alone = Alone::open(dir, postgres).await?;
    let measured = async {
        let mut bounds = Vec::new();
        for batch in BATCHES {
            bounds.extend(alone.beside("SQLite", batch, None).await?);
        }
        if alone.postgres.is_some() {
            for batch in BATCHES {
                bounds.extend(alone.beside("PostgreSQL", batch, None).await?);
            }
        }
        Ok::<_, anyhow::Error>(bounds)
    }
    .await;
    // Dropped whether or not the measurement went through.
    alone.close().await?;
    measured
}

async fn synchronous_commit(target: &Target) -> anyhow::Result<String> {
    let mut conn = sqlx::PgConnection::connect(&target.url).await?;
    let (setting,): (String,) = sqlx::query_as("SHOW synchronous_commit")
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    Ok(setting)
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
    durability: &str,
) -> anyhow::Result<Bound>
where
    C: Fn() -> F,
    F: Future<Output = anyhow::Result<Conn>>,
{
    let share = (batch / connections).max(1);
    let next = Arc::new(AtomicU64::new(0));
    // Unique per run: a shape can be measured twice (a formed batch equal to a nominal one).
    static RUNS: AtomicU64 = AtomicU64::new(0);
    let run_id = format!(
        "{backend}-{batch}-{connections}-{}",
        RUNS.fetch_add(1, Ordering::Relaxed)
    );
    let mut conns = Vec::new();
    for _ in 0..connections {
        conns.push(connect().await?);
    }
    // The clock starts once every connection is open.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for mut conn in conns {
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
        durability: durability.to_owned(),
    })
}
