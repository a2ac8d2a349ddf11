//! A time-zone rebuild pauses its own site only: while a site with many answers is moved to
//! another zone, another site's answers are acknowledged, the site's own are refused to be sent
//! again (503), a second rebuild of it is refused (409), and its API keys may not rebuild it
//! again within ten minutes (429) — the operator's CLI may. On SQLite and PostgreSQL.
//!
//! "While the rebuild runs" is made certain, not hoped for. On PostgreSQL the test holds, in a
//! transaction of its own, a lock on the site's last answer: the rebuild's last chunk waits for
//! it, holding the site's locks, until the test lets go (a backend waiting for a lock is what
//! says the rebuild got there). On SQLite, where a transaction of the test's would stop the one
//! writer, the site is watched with days already moved while its zone is still the old one —
//! which a rebuild in one transaction never shows — and answers are checked against that zone.

use std::time::{Duration, Instant};

use koe_collector::audit::Actor;
use koe_collector::responses::{Answers, Attribution, ResponseState, Source};
use koe_collector::sites::SiteTimeZone;
use koe_collector::sites::registration::create_api_key;
use koe_collector::sites::settings::{SiteChanges, update_site};
use koe_collector::storage::{Backend, Role};
use koe_shared::{AgentId, Channel, CsatScore, InteractionId};
use koe_tests::{SHOP_ORIGIN, TestApp, TestBackend, TestSite, error_code, on_both_backends};
use serde_json::{Value, json};
use sqlx::Connection as _;

/// Answers seeded on the Tokyo site: enough for a rebuild of many chunks.
const SEEDED: usize = 20_000;

/// How long a request may take while a rebuild runs before the test calls it held up.
const WAIT: Duration = Duration::from_secs(15);

fn ms(at: &str) -> i64 {
    at.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

/// Seeds [`SEEDED`] answers on the test site straight through storage, a second apart from
/// 2026-11-20T15:00Z: all on the 21st in Tokyo and on the 20th in UTC, so every one moves when
/// the site goes to UTC.
async fn seed<S: TestBackend>(app: &TestApp<S>) {
    let zone = &app.site.site.timezone;
    let first = ms("2026-11-20T15:00:00Z");
    let rows: Vec<(InteractionId, ResponseState)> = (0..SEEDED)
        .map(|n| {
            let at = first + i64::try_from(n).unwrap() * 1_000;
            let state = ResponseState {
                attribution: Attribution {
                    agent: Some(AgentId::try_from("aiko").unwrap()),
                    channel: Some(Channel::Chat),
                    ..Attribution::default()
                },
                answers: Answers {
                    csat: Some(CsatScore::try_from(4).unwrap()),
                    ..Answers::default()
                },
                source: Source::WIDGET,
                day: zone.local_date(at),
                created_at_ms: at,
                updated_at_ms: at,
            };
            let interaction = InteractionId::try_from(format!("seed-{n}").as_str()).unwrap();
            (interaction, state)
        })
        .collect();
    let stored = app
        .storage
        .import_responses(app.site.site.id, rows)
        .await
        .unwrap();
    assert_eq!(stored, SEEDED as u64);
}

async fn admin_key<S: TestBackend>(app: &TestApp<S>) -> String {
    create_api_key(&app.storage, &app.site.site, Role::Admin, Actor::Cli)
        .await
        .unwrap()
        .1
}

/// `PATCH /api/v1/sites/{site}` of the test site, as its admin.
fn patch_site<S: TestBackend>(
    app: &TestApp<S>,
    admin: &str,
    body: &Value,
) -> reqwest::RequestBuilder {
    app.client
        .patch(app.url(&format!("/api/v1/sites/{}", app.site.key())))
        .bearer_auth(admin)
        .json(body)
}

fn to_zone(zone: &str) -> Value {
    json!({ "timezone": zone, "rebuild_rollups": true })
}

/// `bucket_start → responses` of the site's daily report over those days (rows with any).
async fn days<S: TestBackend>(app: &TestApp<S>, admin: &str) -> Vec<(String, u64)> {
    let report = app
        .get_json(
            &format!(
                "/api/v1/sites/{}/scores?from=2026-11-19&to=2026-11-23&bucket=day",
                app.site.key()
            ),
            admin,
        )
        .await;
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["responses"].as_u64() > Some(0))
        .map(|r| {
            (
                r["bucket_start"].as_str().unwrap().to_owned(),
                r["responses"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The test's own connections to the collector's database, to see a rebuild under way — and,
/// on PostgreSQL, to hold it there.
enum Watch {
    Sqlite(sqlx::SqliteConnection),
    Postgres {
        watcher: sqlx::PgConnection,
        /// In a transaction that locks the site's last answer (`FOR UPDATE`).
        holder: sqlx::PgConnection,
    },
}

impl Watch {
    /// Before the rebuild is asked for.
    async fn start<S: TestBackend>(app: &TestApp<S>) -> Self {
        let site_id = app.site.site.id.get();
        match S::BACKEND {
            Backend::Sqlite => {
                Self::Sqlite(sqlx::SqliteConnection::connect(&app.db.url).await.unwrap())
            }
            Backend::Postgres => {
                let mut holder = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
                sqlx::query("BEGIN").execute(&mut holder).await.unwrap();
                let last = format!("seed-{}", SEEDED - 1);
                let locked: Vec<(i64,)> = sqlx::query_as(
                    "SELECT id FROM responses WHERE site_id = $1 AND interaction = $2 FOR UPDATE",
                )
                .bind(site_id)
                .bind(&last)
                .fetch_all(&mut holder)
                .await
                .unwrap();
                assert_eq!(locked.len(), 1, "the site's last answer is locked");
                let watcher = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
                Self::Postgres { watcher, holder }
            }
        }
    }

    /// Returns once the rebuild is under way and has not ended: on PostgreSQL, once a backend
    /// waits for the held answer; on SQLite, once some answers are on their UTC day while the
    /// site's zone is still Tokyo.
    async fn until_under_way(&mut self, site: &TestSite) {
        let site_id = site.site.id.get();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let under_way = match self {
                Self::Postgres { watcher, .. } => {
                    let (waiting,): (bool,) = sqlx::query_as(
                        "SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_stat_activity a \
                         ON a.pid = l.pid WHERE NOT l.granted AND a.datname = current_database())",
                    )
                    .fetch_one(&mut *watcher)
                    .await
                    .unwrap();
                    waiting
                }
                Self::Sqlite(conn) => {
                    let (moved, zone): (bool, String) = sqlx::query_as(
                        "SELECT EXISTS (SELECT 1 FROM responses WHERE site_id = $1 \
                         AND day = '2026-11-20'), (SELECT timezone FROM sites WHERE id = $1)",
                    )
                    .bind(site_id)
                    .fetch_one(&mut *conn)
                    .await
                    .unwrap();
                    assert_eq!(
                        zone, "Asia/Tokyo",
                        "the rebuild ended before it was seen under way: every answer moved at once"
                    );
                    moved
                }
            };
            if under_way {
                return;
            }
            assert!(Instant::now() < deadline, "no rebuild was seen under way");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// The site's time zone as stored now.
    async fn zone(&mut self, site: &TestSite) -> String {
        const SELECT: &str = "SELECT timezone FROM sites WHERE id = $1";
        let site_id = site.site.id.get();
        let (zone,): (String,) = match self {
            Self::Postgres { watcher, .. } => sqlx::query_as(SELECT)
                .bind(site_id)
                .fetch_one(&mut *watcher)
                .await
                .unwrap(),
            Self::Sqlite(conn) => sqlx::query_as(SELECT)
                .bind(site_id)
                .fetch_one(&mut *conn)
                .await
                .unwrap(),
        };
        zone
    }

    /// Lets the rebuild end.
    async fn release(self) {
        if let Self::Postgres { mut holder, .. } = self {
            sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
        }
    }
}

async fn another_sites_answers_are_acknowledged_during_a_rebuild<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    seed(&app).await;
    let other = app.add_site("Other shop", false, SHOP_ORIGIN).await;
    let admin = admin_key(&app).await;
    let mut watch = Watch::start(&app).await;

    let rebuild = tokio::spawn(patch_site(&app, &admin, &to_zone("UTC")).send());
    watch.until_under_way(&app.site).await;
    for n in 0..3 {
        let body = json!({ "site": other.key(), "interaction": format!("other-{n}"), "csat": 5 });
        let answered = tokio::time::timeout(WAIT, app.submit(&body))
            .await
            .expect("another site's answer is not held up by the rebuild");
        assert_eq!(answered.status(), 201, "{body}");
        if n == 0 {
            assert_eq!(
                watch.zone(&app.site).await,
                "Asia/Tokyo",
                "acknowledged while the rebuild had not ended"
            );
        }
    }
    watch.release().await;

    let rebuilt = rebuild.await.unwrap().unwrap();
    assert_eq!(rebuilt.status(), 200);
    assert_eq!(
        days(&app, &admin).await,
        [("2026-11-20".to_owned(), SEEDED as u64)],
        "every answer on its UTC day"
    );
    assert_eq!(app.responses(&other).await.len(), 3);
    assert_eq!(
        app.drift().await,
        Vec::<String>::new(),
        "koe verify is clean"
    );
}

async fn a_sites_own_answers_during_its_rebuild_are_refused_to_be_sent_again<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    seed(&app).await;
    let admin = admin_key(&app).await;
    let mut watch = Watch::start(&app).await;

    let rebuild = tokio::spawn(patch_site(&app, &admin, &to_zone("UTC")).send());
    watch.until_under_way(&app.site).await;
    let body = json!({ "site": app.site.key(), "interaction": "during", "csat": 5 });
    let refused = tokio::time::timeout(WAIT, app.submit(&body))
        .await
        .expect("the site's own answer is refused at once, not held");
    assert_eq!(refused.status(), 503);
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(error_code(refused).await, "unavailable");
    watch.release().await;

    assert_eq!(rebuild.await.unwrap().unwrap().status(), 200);
    let again = app.submit(&body).await;
    assert_eq!(again.status(), 201, "sent again once the rebuild has ended");
    assert_eq!(
        app.drift().await,
        Vec::<String>::new(),
        "koe verify is clean"
    );
}

async fn a_second_rebuild_of_a_site_while_one_runs_is_refused<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    seed(&app).await;
    let admin = admin_key(&app).await;
    let mut watch = Watch::start(&app).await;

    let rebuild = tokio::spawn(patch_site(&app, &admin, &to_zone("UTC")).send());
    watch.until_under_way(&app.site).await;
    let second = tokio::time::timeout(
        WAIT,
        patch_site(&app, &admin, &to_zone("America/Los_Angeles")).send(),
    )
    .await
    .expect("a second rebuild is answered at once, not queued behind the first")
    .unwrap();
    assert_eq!(second.status(), 409);
    assert_eq!(error_code(second).await, "rebuild_running");
    assert_eq!(
        watch.zone(&app.site).await,
        "Asia/Tokyo",
        "the first had not ended"
    );
    watch.release().await;

    assert_eq!(rebuild.await.unwrap().unwrap().status(), 200);
    let site = app.site_by_key(app.site.key()).await.unwrap();
    assert_eq!(site.timezone.name(), "UTC", "the first rebuild's zone");
    assert_eq!(
        days(&app, &admin).await,
        [("2026-11-20".to_owned(), SEEDED as u64)]
    );
    assert_eq!(
        app.drift().await,
        Vec::<String>::new(),
        "koe verify is clean"
    );
}

async fn rebuilds_are_rate_limited<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    seed(&app).await;
    let admin = admin_key(&app).await;

    let first = patch_site(&app, &admin, &to_zone("UTC"))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let again = patch_site(
        &app,
        &admin,
        &json!({ "name": "Renamed", "timezone": "Asia/Tokyo", "rebuild_rollups": true }),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(again.status(), 429);
    let wait: u64 = again.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=600).contains(&wait), "Retry-After: {wait}");
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["error"], "rate_limited", "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("10 minutes"),
        "the refusal says how often: {body}"
    );
    let site = app.site_by_key(app.site.key()).await.unwrap();
    assert_eq!(
        site.timezone.name(),
        "UTC",
        "a refused rebuild changes nothing"
    );
    assert_eq!(site.name, "Shop", "nor the settings asked for beside it");

    // The operator's command line is not limited.
    let back = update_site(
        &app.storage,
        &site,
        SiteChanges {
            timezone: Some(SiteTimeZone::parse("Asia/Tokyo").unwrap()),
            rebuild_rollups: true,
            ..SiteChanges::default()
        },
        Actor::Cli,
    )
    .await
    .unwrap();
    assert_eq!(back.timezone.name(), "Asia/Tokyo");
    assert_eq!(
        days(&app, &admin).await,
        [("2026-11-21".to_owned(), SEEDED as u64)],
        "back on their Tokyo day"
    );
    assert_eq!(
        app.drift().await,
        Vec::<String>::new(),
        "koe verify is clean"
    );
}

on_both_backends!(
    another_sites_answers_are_acknowledged_during_a_rebuild,
    a_sites_own_answers_during_its_rebuild_are_refused_to_be_sent_again,
    a_second_rebuild_of_a_site_while_one_runs_is_refused,
    rebuilds_are_rate_limited
);
