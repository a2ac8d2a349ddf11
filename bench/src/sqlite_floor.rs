//! What SQLite itself does on this machine with the collector's durability settings (WAL,
//! `synchronous=FULL`), with no HTTP and no Koe code, on a table of its own: what one commit
//! and one multi-row commit cost on this disk. (Koe's own rows, each database alone, are
//! `alone.rs`.) Also the collector's storage layer alone (group commit, no HTTP), so the cost
//! of each layer shows.

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
    /// The collector's storage layer, 256 concurrent writers, no HTTP.
    pub storage_layer_per_second: f64,
    /// The same on PostgreSQL (`None` when no server answered).
    pub postgres_storage_layer_per_second: Option<f64>,
}

pub async fn measure(dir: &Path, postgres: Option<&str>) -> anyhow::Result<Floor> {
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

    let sqlite = Target::sqlite(dir, "storage-layer.db").await?;
    let storage_layer_per_second = storage_layer(
        SqliteStorage::connect(&sqlite.url, &StorageOptions::default()).await?,
        sqlite.site.id,
    )
    .await?;
    let postgres = match postgres {
        Some(url) => Target::postgres(url).await?,
        None => None,
    };
    let postgres_storage_layer_per_second = match postgres {
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
        storage_layer_per_second,
        postgres_storage_layer_per_second,
    })
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
