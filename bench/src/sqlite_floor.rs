//! What SQLite itself does on this machine with the collector's durability settings (WAL,
//! `synchronous=FULL`), with no HTTP and no Koe code: the physical bound the SQLite ingest
//! figures are compared against. Also the collector's storage layer alone (group commit,
//! no HTTP), so the cost of each layer shows.

use std::path::Path;
use std::str::FromStr as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::target::Target;
use koe_collector::responses::{AnswerWrite, Answers, Attribution, Source};
use koe_collector::storage::prelude::*;
use koe_collector::storage::{PgStorage, SqliteStorage, StorageOptions};
use koe_shared::{AgentId, Channel, CsatScore, InteractionId, NpsScore};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions as _, Connection as _};

const RUN: Duration = Duration::from_secs(3);
const BATCH: u64 = 256;

#[derive(Debug, Clone, Copy)]
pub struct Floor {
    /// Transactions per second, one small insert each: one fsync per commit.
    pub commits_per_second: f64,
    /// Rows per second, 256 rows per commit in one multi-row insert plus two multi-row upserts.
    pub batched_rows_per_second: f64,
    /// Koe's own rows, SQLite alone: responses per second when each commit inserts 256
    /// responses into Koe's schema and adds them to `rollups` and the four summary tables
    /// (200 agents), with plain multi-row statements from one connection — no Koe code, no
    /// group commit, no HTTP. The most one SQLite writer can take of Koe's data model here.
    pub koe_rows_per_second: f64,
    /// The collector's storage layer, 256 concurrent writers, no HTTP.
    pub storage_layer_per_second: f64,
    /// The same on PostgreSQL (`None` when no server answered).
    pub postgres_storage_layer_per_second: Option<f64>,
}

pub async fn measure(dir: &Path, postgres: &str) -> anyhow::Result<Floor> {
    let url = format!("sqlite://{}", dir.join("floor.db").display());
    let mut conn = SqliteConnectOptions::from_str(&url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .connect()
        .await?;
    sqlx::query(
        "CREATE TABLE facts (id INTEGER PRIMARY KEY, interaction TEXT UNIQUE, csat INTEGER);
         CREATE TABLE sums (day TEXT, agent TEXT, n INTEGER, PRIMARY KEY (day, agent)) WITHOUT ROWID;
         CREATE TABLE weekly (week TEXT, agent TEXT, n INTEGER, PRIMARY KEY (week, agent)) WITHOUT ROWID;",
    )
    .execute(&mut conn)
    .await?;

    let mut n = 0u64;
    let started = Instant::now();
    while started.elapsed() < RUN {
        sqlx::query("INSERT INTO facts (interaction, csat) VALUES (?1, 4)")
            .bind(format!("one-{n}"))
            .execute(&mut conn)
            .await?;
        n += 1;
    }
    let commits_per_second = n as f64 / started.elapsed().as_secs_f64();

    // The best case for one writer: each commit inserts 256 rows with one statement and
    // adds them to their daily and weekly rows with one multi-row upsert each.
    let mut rows = 0u64;
    let started = Instant::now();
    while started.elapsed() < RUN {
        let mut tx = conn.begin().await?;
        let batch: Vec<u64> = (rows..rows + BATCH).collect();
        let mut insert = sqlx::QueryBuilder::new("INSERT INTO facts (interaction, csat) ");
        insert.push_values(&batch, |mut row, n| {
            row.push_bind(format!("batch-{n}")).push_bind(4);
        });
        insert.build().execute(&mut *tx).await?;
        for table in ["sums", "weekly"] {
            let mut agents: Vec<u64> = batch.iter().map(|n| n % 200).collect();
            agents.sort_unstable();
            agents.dedup();
            let mut upsert = sqlx::QueryBuilder::new(format!("INSERT INTO {table} "));
            upsert.push_values(&agents, |mut row, agent| {
                row.push_bind("2026-11-23")
                    .push_bind(format!("agent-{agent:03}"))
                    .push_bind(1);
            });
            upsert.push(" ON CONFLICT DO UPDATE SET n = n + excluded.n");
            upsert.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        rows += BATCH;
    }
    let batched_rows_per_second = rows as f64 / started.elapsed().as_secs_f64();

    let koe_rows_per_second = koe_rows(dir).await?;
    let sqlite = Target::sqlite(dir, "storage-layer.db").await?;
    let storage_layer_per_second = storage_layer(
        SqliteStorage::connect(&sqlite.url, &StorageOptions::default()).await?,
        sqlite.site.id,
    )
    .await?;
    let postgres_storage_layer_per_second = match Target::postgres(postgres).await? {
        Some(target) => {
            let storage = PgStorage::connect(&target.url, &StorageOptions::default()).await?;
            let rate = storage_layer(storage.clone(), target.site.id).await?;
            storage.close().await;
            target.drop_database().await?;
            Some(rate)
        }
        None => None,
    };
    Ok(Floor {
        commits_per_second,
        batched_rows_per_second,
        koe_rows_per_second,
        storage_layer_per_second,
        postgres_storage_layer_per_second,
    })
}

/// See [`Floor::koe_rows_per_second`]. Each response answers CSAT and NPS for one of 200
/// agents on one day and channel, as in the storage-layer run, so a commit changes 200 rows
/// in each rollup table.
async fn koe_rows(dir: &Path) -> anyhow::Result<f64> {
    use koe_collector::rollup::{COUNTER_COLUMNS, Summary};

    let target = Target::sqlite(dir, "koe-rows.db").await?;
    let mut conn = SqliteConnectOptions::from_str(&target.url)?
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .pragma("cache_size", "-4096")
        .connect()
        .await?;
    let counters = COUNTER_COLUMNS.join(", ");
    let add = |table: &str| {
        COUNTER_COLUMNS
            .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
            .join(", ")
    };
    // Every counter 0 but CSAT 5, NPS 10 and the response count: what one such answer adds.
    let row_counters: Vec<i64> = COUNTER_COLUMNS
        .iter()
        .map(|c| i64::from(matches!(*c, "csat_5" | "nps_10" | "responses")))
        .collect();
    let tables: Vec<(String, String)> = std::iter::once((
        "rollups".to_owned(),
        "site_id, day, agent, team, channel".to_owned(),
    ))
    .chain(Summary::ALL.map(|s| {
        (
            s.table().to_owned(),
            format!("site_id, {}, agent, channel", s.day_column()),
        )
    }))
    .collect();

    let mut responses = 0u64;
    let started = Instant::now();
    while started.elapsed() < RUN {
        let mut tx = conn.begin().await?;
        let batch: Vec<u64> = (responses..responses + BATCH).collect();
        let mut insert = sqlx::QueryBuilder::new(
            "INSERT INTO responses (site_id, interaction, agent, team, channel, verified, csat, \
             nps, reasons, locale, day, created_at_ms, updated_at_ms, client, flagged) ",
        );
        insert.push_values(&batch, |mut row, n| {
            row.push_bind(target.site.id)
                .push_bind(format!("floor-{n}"))
                .push_bind(format!("agent-{:03}", n % 200))
                .push_bind(None::<String>)
                .push_bind("chat")
                .push_bind(false)
                .push_bind(5)
                .push_bind(10)
                .push_bind("")
                .push_bind("en")
                .push_bind("2026-11-26")
                .push_bind(0_i64)
                .push_bind(0_i64)
                .push_bind("widget")
                .push_bind(false);
        });
        insert.build().execute(&mut *tx).await?;
        for (table, keys) in &tables {
            let mut upsert =
                sqlx::QueryBuilder::new(format!("INSERT INTO {table} ({keys}, {counters}) "));
            upsert.push_values(0..200, |mut row, agent| {
                row.push_bind(target.site.id)
                    .push_bind(match table.contains("weekly") {
                        true => "2026-11-23",
                        false => "2026-11-26",
                    });
                row.push_bind(format!("agent-{agent:03}"));
                if table == "rollups" {
                    row.push_bind("");
                }
                row.push_bind("chat");
                for value in &row_counters {
                    row.push_bind(*value);
                }
            });
            upsert.push(format!(
                " ON CONFLICT ({keys}) DO UPDATE SET {}",
                add(table)
            ));
            upsert.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        responses += BATCH;
    }
    Ok(responses as f64 / started.elapsed().as_secs_f64())
}

/// `save_answers` from 256 tasks at once for `RUN`: group commit without HTTP in front.
async fn storage_layer<S: Storage + Clone + 'static>(
    storage: S,
    site_id: koe_collector::ids::SiteId,
) -> anyhow::Result<f64> {
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut writers = Vec::new();
    for _ in 0..256 {
        let (storage, next) = (storage.clone(), Arc::clone(&next));
        writers.push(tokio::spawn(async move {
            let mut saved = 0u64;
            while started.elapsed() < RUN {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let write = AnswerWrite {
                    site_id,
                    interaction: InteractionId::try_from(format!("s{i}"))?,
                    attribution: Attribution {
                        agent: Some(AgentId::try_from(format!("agent-{:03}", i % 200))?),
                        team: None,
                        channel: Some(Channel::ALL[0]),
                        verified: false,
                    },
                    answers: Answers {
                        csat: Some(CsatScore::try_from(1 + (i % 5) as u8)?),
                        nps: Some(NpsScore::try_from((i % 11) as u8)?),
                        ..Answers::default()
                    },
                    day: "2026-11-26".parse().unwrap(),
                    now_ms: 0,
                    edit_window_ms: i64::MAX,
                    source: Source::WIDGET,
                };
                storage.save_answers(write).await?;
                saved += 1;
            }
            Ok::<_, anyhow::Error>(saved)
        }));
    }
    let mut saved = 0;
    for writer in writers {
        saved += writer.await??;
    }
    Ok(saved as f64 / started.elapsed().as_secs_f64())
}
