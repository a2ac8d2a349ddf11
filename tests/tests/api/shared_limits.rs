//! Rate limits shared through Redis (`redis_url`): two collectors enforce one per-client quota
//! between them, not one each; with Redis unreachable every submission is still taken (each
//! collector limits on its own, counted in `/metrics`), and once Redis answers again the quota
//! is shared again. Redis on 127.0.0.1:6379 (or `KOE_TEST_REDIS_URL`), a key prefix per test.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use koe_collector::storage::SqliteStorage;
use koe_tests::TestApp;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

static PREFIXES: AtomicUsize = AtomicUsize::new(0);

fn redis_url() -> String {
    std::env::var("KOE_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A key prefix no other test (or run) uses; `None` when no Redis answers here (a failure
/// under CI, which starts one).
async fn fresh_prefix() -> Option<String> {
    let reachable = redis::Client::open(redis_url())
        .ok()?
        .get_multiplexed_async_connection()
        .await
        .is_ok();
    if !reachable {
        assert!(
            std::env::var("CI").is_err(),
            "CI must run Redis at {}",
            redis_url()
        );
        eprintln!("skipped: no Redis at {}", redis_url());
        return None;
    }
    let n = PREFIXES.fetch_add(1, Ordering::Relaxed);
    Some(format!(
        "koe-test-{}-{n}-{}:",
        std::process::id(),
        koe_collector::clock::now_ms()
    ))
}

async fn collector(redis: &str, prefix: &str) -> TestApp<SqliteStorage> {
    let (redis, prefix) = (redis.to_owned(), prefix.to_owned());
    TestApp::<SqliteStorage>::spawn_with(move |s| {
        s.rate_limit_enabled = true;
        s.rate_limit_ip_per_minute = 6;
        s.rate_limit_ip_burst = 10;
        s.redis_url = Some(redis);
        s.redis_key_prefix = prefix;
    })
    .await
    .expect("SQLite is always available")
}

async fn submit(app: &TestApp<SqliteStorage>, site: &str, interaction: &str) -> u16 {
    let body = json!({ "site": site, "interaction": interaction, "csat": 4 });
    app.post_json("/api/v1/responses", &body)
        .await
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_collectors_on_one_redis_enforce_one_client_quota() {
    let Some(prefix) = fresh_prefix().await else {
        return;
    };
    let (a, b) = (
        collector(&redis_url(), &prefix).await,
        collector(&redis_url(), &prefix).await,
    );
    let (mut accepted, mut limited) = (0, 0);
    for n in 0..20 {
        let (app, site) = if n % 2 == 0 {
            (&a, a.site.key())
        } else {
            (&b, b.site.key())
        };
        match submit(app, site, &format!("chat-{n}")).await {
            201 => accepted += 1,
            429 => limited += 1,
            other => panic!("unexpected {other}"),
        }
    }
    // A burst of 10 for the client across both, not 10 at each (6/min refills ~nothing here).
    assert_eq!((accepted, limited), (10, 10), "one quota for the fleet");
}

/// A TCP relay to Redis that a test can cut and restore.
struct Relay {
    port: u16,
    tasks: Vec<JoinHandle<()>>,
}

impl Relay {
    async fn start(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let target = url::Url::parse(&redis_url()).unwrap();
        let upstream = format!(
            "{}:{}",
            target.host_str().unwrap(),
            target.port().unwrap_or(6379)
        );
        let connections: Arc<std::sync::Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let held = Arc::clone(&connections);
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let upstream = upstream.clone();
                held.lock().unwrap().push(tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                }));
            }
        });
        let cut = tokio::spawn(async move {
            // Aborting this task aborts every relayed connection with it.
            struct AbortAll(Arc<std::sync::Mutex<Vec<JoinHandle<()>>>>);
            impl Drop for AbortAll {
                fn drop(&mut self) {
                    for task in self.0.lock().unwrap().drain(..) {
                        task.abort();
                    }
                }
            }
            let _guard = AbortAll(connections);
            std::future::pending::<()>().await;
        });
        Self {
            port,
            tasks: vec![accept, cut],
        }
    }

    fn stop(self) -> u16 {
        for task in &self.tasks {
            task.abort();
        }
        self.port
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_unreachable_every_answer_is_taken_and_sharing_comes_back() {
    let Some(prefix) = fresh_prefix().await else {
        return;
    };
    let relay = Relay::start(0).await;
    let url = format!("redis://127.0.0.1:{}", relay.port);
    let app = collector(&url, &prefix).await;
    let site = app.site.key().to_owned();
    assert_eq!(submit(&app, &site, "before-1").await, 201);
    let mut redis = redis::Client::open(redis_url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let key = format!("{prefix}ip:127.0.0.1");
    let first: Option<String> = redis::cmd("GET")
        .arg(&key)
        .query_async(&mut redis)
        .await
        .unwrap();
    assert!(first.is_some(), "the client's quota is kept in Redis");

    let port = relay.stop();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let fallbacks = app.metric("koe_rate_limit_local_fallbacks_total").await;
    for n in 0..5 {
        assert_eq!(
            submit(&app, &site, &format!("during-{n}")).await,
            201,
            "ingest never fails because Redis is down"
        );
    }
    assert!(
        app.metric("koe_rate_limit_local_fallbacks_total").await >= fallbacks + 5,
        "each check the local limiter answered is counted"
    );
    let during: Option<String> = redis::cmd("GET")
        .arg(&key)
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(during, first, "nothing reached Redis meanwhile");

    let _relay = Relay::start(port).await;
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    let mut reached = false;
    for n in 0..20 {
        let _ = submit(&app, &site, &format!("after-{n}")).await;
        let now: Option<String> = redis::cmd("GET")
            .arg(&key)
            .query_async(&mut redis)
            .await
            .unwrap();
        if now != first {
            reached = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(reached, "checks go to Redis again once it answers");
}
