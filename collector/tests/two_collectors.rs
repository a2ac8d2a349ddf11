//! Two collector processes on one PostgreSQL database, written to at once — the same
//! interactions edited through both — must leave rollups equal to a recomputation from the
//! raw responses (`koe verify`), with every acknowledged response stored once. Collectors
//! are stateless; this is what lets several run behind a load balancer.
//!
//! Needs `KOE_TEST_POSTGRES_URL` (set by `cargo xtask test` when a server answers); without
//! it the test says so and passes.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::Connection as _;
use support::{Collector, PgDatabase, add_site, drift, request};

const INTERACTIONS: usize = 120;
const THREADS: usize = 8;

/// A stored response's interaction, CSAT, NPS and comment.
type StoredAnswers = (String, Option<i16>, Option<i16>, Option<String>);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_collectors_on_one_postgres_keep_rollups_exact() {
    let Some(db) = PgDatabase::create("two").await else {
        return;
    };
    let database = db.url.clone();
    let site = Arc::new(add_site(&database));

    let collectors = [Collector::start(&database), Collector::start(&database)];
    let ports = [collectors[0].1, collectors[1].1];
    let next = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let (site, next) = (Arc::clone(&site), Arc::clone(&next));
            std::thread::spawn(move || {
                let mut acknowledged = Vec::new();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= INTERACTIONS * 3 {
                        break acknowledged;
                    }
                    // Each interaction gets a CSAT, an NPS and a comment, sent at the same moment
                    // by three threads through both collectors.
                    let i = n / 3;
                    let answer = match n % 3 {
                        0 => format!(r#""csat":{}"#, 1 + i % 5),
                        1 => format!(r#""nps":{}"#, i % 11),
                        _ => format!(r#""comment":"thread {t} was here""#),
                    };
                    let body = format!(
                        r#"{{"site":"{site}","interaction":"two-{i}","agent":"agent-{}","channel":"chat",{answer}}}"#,
                        i % 7
                    );
                    let port = ports[(n + t) % 2];
                    let (status, text) = request(port, "POST", "/api/v1/responses", &body)
                        .expect("the collector answers");
                    assert!(matches!(status, 200 | 201), "{status}: {text}");
                    acknowledged.push(i);
                }
            })
        })
        .collect();
    let mut acknowledged: Vec<usize> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("a load thread"))
        .collect();
    for collector in collectors {
        collector.stop();
    }
    assert_eq!(
        acknowledged.len(),
        INTERACTIONS * 3,
        "every submission was acknowledged"
    );
    acknowledged.sort_unstable();
    acknowledged.dedup();

    let mut conn = sqlx::PgConnection::connect(&database).await.unwrap();
    let stored: Vec<StoredAnswers> =
        sqlx::query_as("SELECT interaction, csat, nps, comment FROM responses")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(
        stored.len(),
        acknowledged.len(),
        "one response per interaction"
    );
    assert!(
        stored
            .iter()
            .all(|(_, csat, nps, comment)| csat.is_some() && nps.is_some() && comment.is_some()),
        "no answer was lost to a concurrent edit through the other collector"
    );
    drop(conn);

    assert_eq!(
        drift(&database),
        serde_json::json!([]),
        "rollups equal the recomputation"
    );
    db.drop_now().await;
}
