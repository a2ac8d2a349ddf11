//! Reports from a read replica (`database_read_url`), against a real streaming replica: a
//! private PostgreSQL cluster and a hot standby made from it with `pg_basebackup`. With the
//! standby's replay paused, an answer the primary acknowledged does not show in scores or in
//! the response list yet — they read the replica — while a key created or revoked meanwhile
//! takes effect at once: sign-in checks and revocations read the primary. Once replay resumes,
//! the answer shows. Needs root and PostgreSQL's server binaries (the test says when it skips).

use koe_collector::audit::Actor;
use koe_collector::sites::registration::{create_api_key, revoke_api_key};
use koe_collector::storage::{PgStorage, Role};
use koe_tests::pg_cluster::Cluster;
use koe_tests::{TestApp, TestDatabase};
use serde_json::{Value, json};
use sqlx::Connection as _;

async fn on_replica(replica: &Cluster, sql: &str) {
    let mut conn = sqlx::PgConnection::connect(&replica.url()).await.unwrap();
    sqlx::query(sql).execute(&mut conn).await.unwrap();
}

async fn scored(app: &TestApp<PgStorage>, key: &str) -> (u16, Value) {
    let answer = app
        .client
        .get(app.url(&format!(
            "/api/v1/sites/{}/scores?bucket=all",
            app.site.key()
        )))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

fn responses_of(report: &Value) -> u64 {
    report["rows"][0]["responses"].as_u64().unwrap_or(0)
}

/// Waits until the replica's report shows `n` responses.
async fn until_replicated(app: &TestApp<PgStorage>, key: &str, n: u64) {
    for _ in 0..100 {
        if responses_of(&scored(app, key).await.1) == n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the replica never showed {n} responses");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_read_the_replica_and_access_checks_the_primary() {
    let Some(primary) = Cluster::create() else {
        eprintln!("skipped: needs root, the postgres user and PostgreSQL's initdb");
        return;
    };
    let Some(replica) = Cluster::replica_of(&primary) else {
        panic!("pg_basebackup could not make a standby of the private cluster");
    };
    let read_url = replica.url();
    let app = TestApp::<PgStorage>::spawn_in(TestDatabase::existing(primary.url()), move |s| {
        s.database_read_url = Some(koe_collector::settings::DatabaseUrl::new(read_url));
    })
    .await;
    let (_, key) = create_api_key(&app.storage, &app.site.site, Role::Read, Actor::Cli)
        .await
        .unwrap();
    let answer = |interaction: &str| json!({ "site": app.site.key(), "interaction": interaction, "csat": 5 });
    assert_eq!(app.submit(&answer("chat-1")).await.status(), 201);
    until_replicated(&app, &key, 1).await;

    on_replica(&replica, "SELECT pg_wal_replay_pause()").await;
    assert_eq!(app.submit(&answer("chat-2")).await.status(), 201);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let (status, report) = scored(&app, &key).await;
    assert_eq!(
        (status, responses_of(&report)),
        (200, 1),
        "scores read the paused replica: {report}"
    );
    let listed = app
        .get_json(&format!("/api/v1/sites/{}/responses", app.site.key()), &key)
        .await;
    assert_eq!(
        listed["responses"].as_array().map(Vec::len),
        Some(1),
        "so does the response list: {listed}"
    );

    // A key made now exists only on the primary: it works at once.
    let (record, fresh) = create_api_key(&app.storage, &app.site.site, Role::Read, Actor::Cli)
        .await
        .unwrap();
    assert_eq!(
        scored(&app, &fresh).await.0,
        200,
        "sign-in checks read the primary"
    );
    assert!(
        revoke_api_key(&app.storage, &app.site.site, record.id, Actor::Cli)
            .await
            .unwrap()
    );
    assert_eq!(
        scored(&app, &fresh).await.0,
        401,
        "a revocation counts at once, whatever the replica lags"
    );

    on_replica(&replica, "SELECT pg_wal_replay_resume()").await;
    until_replicated(&app, &key, 2).await;
    drop(replica);
}
