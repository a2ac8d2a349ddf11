//! PostgreSQL goes away under a running collector and comes back: while it is down, answers
//! are a quick `503` with `Retry-After` (no hanging connections), `/readyz` fails and
//! `/healthz` stays up; once it is back the collector writes again without a restart, and
//! nothing acknowledged is lost.
//!
//! Uses a private cluster so the shared server the other tests use is never stopped; skipped,
//! saying why, where that cannot be made.

use std::time::{Duration, Instant};

use koe_collector::storage::PgStorage;
use koe_tests::TestApp;
use koe_tests::pg_cluster::collector_on_private_cluster;
use serde_json::json;

async fn status_of(app: &TestApp<PgStorage>, path: &str) -> u16 {
    app.client
        .get(app.url(path))
        .send()
        .await
        .map_or(0, |r| r.status().as_u16())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_collector_rides_out_a_postgres_outage() {
    let Some((cluster, app)) = collector_on_private_cluster().await else {
        return;
    };
    let answer = |interaction: &str| json!({ "site": app.site.key(), "interaction": interaction, "csat": 4 });
    assert_eq!(app.submit(&answer("before")).await.status(), 201);

    assert!(cluster.stop(), "PostgreSQL stops");
    let started = Instant::now();
    let refused = app.submit(&answer("during")).await;
    let took = started.elapsed();
    assert_eq!(refused.status(), 503, "a write while the database is down");
    assert!(
        took < Duration::from_secs(15),
        "answered in {took:?}, not left hanging"
    );
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(koe_tests::error_code(refused).await, "unavailable");
    assert_eq!(status_of(&app, "/readyz").await, 503);
    assert_eq!(status_of(&app, "/healthz").await, 200);

    assert!(cluster.start(), "PostgreSQL starts again");
    let started = Instant::now();
    while app.submit(&answer("after")).await.status() != 201 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no recovery without a restart"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Readiness is probed at most once a second (`web/health.rs`): it follows within one.
    let started = Instant::now();
    while status_of(&app, "/readyz").await != 200 {
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "/readyz did not follow the recovery"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let stored: Vec<String> = app
        .responses(&app.site)
        .await
        .into_iter()
        .map(|r| r.interaction.as_str().to_owned())
        .collect();
    assert_eq!(stored, ["before", "after"]);
    assert!(app.drift().await.is_empty());
}
