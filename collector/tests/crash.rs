//! `kill -9` while answers arrive: after a restart every answer that got a 2xx is stored,
//! once, and `koe verify` finds the rollups equal to the raw responses. Three crashes at
//! different moments, on SQLite and on PostgreSQL (with `KOE_TEST_POSTGRES_URL`).

mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use sqlx::Connection as _;
use support::{Collector, PgDatabase, add_site, drift, request};

const SENDERS: usize = 8;

/// What the senders were told: interactions whose CSAT got a 2xx, and those whose NPS did too.
#[derive(Default)]
struct Acknowledged {
    csat: Vec<String>,
    nps: Vec<String>,
}

/// Sends answers to `port` from several threads until the collector stops answering.
fn send_until_killed(port: u16, site: &str, round: usize) -> Acknowledged {
    let next = Arc::new(AtomicUsize::new(0));
    let dead = Arc::new(AtomicBool::new(false));
    let senders: Vec<_> = (0..SENDERS)
        .map(|_| {
            let (next, dead, site) = (Arc::clone(&next), Arc::clone(&dead), site.to_owned());
            std::thread::spawn(move || {
                let mut acknowledged = Acknowledged::default();
                while !dead.load(Ordering::Relaxed) {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let interaction = format!("r{round}-{n}");
                    let post = |answer: &str| {
                        let body = format!(
                            r#"{{"site":"{site}","interaction":"{interaction}","agent":"agent-{}",{answer}}}"#,
                            n % 5
                        );
                        request(port, "POST", "/api/v1/responses", &body).map(|(status, _)| status)
                    };
                    match post(&format!(r#""csat":{}"#, 1 + n % 5)) {
                        Some(200 | 201) => acknowledged.csat.push(interaction.clone()),
                        _ => break,
                    }
                    if n % 2 == 0 {
                        match post(&format!(r#""nps":{}"#, n % 11)) {
                            Some(200 | 201) => acknowledged.nps.push(interaction),
                            _ => break,
                        }
                    }
                }
                dead.store(true, Ordering::Relaxed);
                acknowledged
            })
        })
        .collect();
    senders
        .into_iter()
        .map(|s| s.join().expect("a sender"))
        .fold(Acknowledged::default(), |mut all, one| {
            all.csat.extend(one.csat);
            all.nps.extend(one.nps);
            all
        })
}

/// Crashes a collector three times mid-load and checks what survived.
async fn crash_rounds(database: &str, stored: impl AsyncFn() -> Vec<(String, Option<i16>)>) {
    let site = add_site(database);
    let mut acknowledged = Acknowledged::default();
    for (round, kill_after) in [150, 400, 900].into_iter().enumerate() {
        let mut collector = Collector::start(database);
        let port = collector.1;
        let killer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(kill_after));
            collector.0.kill().expect("SIGKILL");
            collector.0.wait().expect("reaped");
        });
        let round_acks = send_until_killed(port, &site, round);
        killer.join().unwrap();
        assert!(
            !round_acks.csat.is_empty(),
            "round {round} acknowledged nothing"
        );
        acknowledged.csat.extend(round_acks.csat);
        acknowledged.nps.extend(round_acks.nps);
    }
    // It starts again on what the crashes left, and stops cleanly.
    Collector::start(database).stop();

    let rows = stored().await;
    let interactions: HashSet<&str> = rows.iter().map(|(i, _)| i.as_str()).collect();
    assert_eq!(interactions.len(), rows.len(), "no response stored twice");
    for interaction in &acknowledged.csat {
        assert!(
            interactions.contains(interaction.as_str()),
            "{interaction} was acknowledged and lost"
        );
    }
    let with_nps: HashSet<&str> = rows
        .iter()
        .filter(|(_, nps)| nps.is_some())
        .map(|(i, _)| i.as_str())
        .collect();
    for interaction in &acknowledged.nps {
        assert!(
            with_nps.contains(interaction.as_str()),
            "{interaction}'s NPS was acknowledged and lost"
        );
    }
    eprintln!(
        "{} answers acknowledged across 3 crashes, {} responses stored",
        acknowledged.csat.len() + acknowledged.nps.len(),
        rows.len()
    );
    assert_eq!(
        drift(database),
        serde_json::json!([]),
        "rollups equal the raw responses"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keeps_every_acknowledged_answer_through_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("koe.db").display());
    let read = url.clone();
    crash_rounds(&url, async || {
        let mut conn = sqlx::SqliteConnection::connect(&read).await.unwrap();
        sqlx::query_as("SELECT interaction, nps FROM responses")
            .fetch_all(&mut conn)
            .await
            .unwrap()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_every_acknowledged_answer_through_kill_9() {
    let Some(db) = PgDatabase::create("crash").await else {
        return;
    };
    let read = db.url.clone();
    crash_rounds(&db.url, async || {
        let mut conn = sqlx::PgConnection::connect(&read).await.unwrap();
        sqlx::query_as("SELECT interaction, nps FROM responses")
            .fetch_all(&mut conn)
            .await
            .unwrap()
    })
    .await;
    db.drop_now().await;
}
