//! Alerts on unhappy customers, against a real HTTP receiver and real `koe serve` processes:
//! an alert waits while the receiver is down and arrives when it returns, signed (checked by
//! the Python snippet docs/operations.md shows), once per crossing into the condition; an alert
//! committed before a `kill -9` is delivered after the restart; a receiver that never answers
//! holds back no other site's alerts; a rotated secret signs beside the old one during its
//! grace. On SQLite and PostgreSQL.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::receiver::{Received, Receiver, Silent};
use support::{Collector, PgDatabase, add_site, free_port, koe, request};

/// Receivers here are on 127.0.0.1: private addresses must be allowed.
const PRIVATE: (&str, &str) = ("KOE_WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true");
/// … and over plain http.
const HTTP: (&str, &str) = ("KOE_WEBHOOK_ALLOW_HTTP", "true");
const FAST: &[(&str, &str)] = &[("KOE_WEBHOOK_POLL_MS", "100"), PRIVATE, HTTP];

/// `koe` with the given settings as `KOE_*` variables.
fn koe_with(env: &[(&str, &str)], database: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_koe"))
        .env("KOE_CONFIG", "/nonexistent/koe.toml")
        .envs(env.iter().copied())
        .args(args)
        .args(["--database", database])
        .output()
        .expect("koe runs")
}

fn add_webhook(database: &str, site: &str, url: &str, format: &str) -> String {
    let output = koe_with(
        &[PRIVATE, HTTP],
        database,
        &[
            "webhook",
            "add",
            "--site",
            site,
            "--url",
            url,
            "--when",
            "csat<=2 or nps<=6",
            "--format",
            format,
            "--json",
        ],
    );
    assert!(output.status.success(), "{output:?}");
    let added: Value = serde_json::from_slice(&output.stdout).unwrap();
    added["secret"].as_str().unwrap().to_owned()
}

fn answer(port: u16, site: &str, interaction: &str, csat: u8) {
    let body = format!(
        r#"{{"site":"{site}","interaction":"{interaction}","agent":"aiko","channel":"chat","csat":{csat},"comment":"waited an hour"}}"#
    );
    let status = request(port, "POST", "/api/v1/responses", &body).map(|(s, _)| s);
    assert!(matches!(status, Some(200 | 201)), "{status:?}");
}

fn deliveries(database: &str, site: &str) -> Vec<Value> {
    let output = koe(
        database,
        &["webhook", "deliveries", "--site", site, "--json"],
    );
    assert!(output.status.success(), "{output:?}");
    let listed: Value = serde_json::from_slice(&output.stdout).unwrap();
    listed["deliveries"].as_array().unwrap().clone()
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs the signature check docs/operations.md shows on what the receiver got.
fn verified_by_the_documented_snippet(secret: &str, got: &Received) -> bool {
    let doc = include_str!("../../docs/operations.md");
    let start = doc
        .find("```python\n# Koe-Signature check")
        .expect("docs/operations.md shows the check")
        + "```python\n".len();
    let snippet = &doc[start..start + doc[start..].find("```").unwrap()];
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("verify.py");
    std::fs::write(&script, snippet).unwrap();
    let mut child = Command::new("python3")
        .arg(&script)
        .arg(secret)
        .arg(got.header("koe-signature").expect("a signature"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(got.body.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&output.stdout).trim() == "valid"
}

fn alerts_wait_for_the_receiver_are_signed_and_sent_once_per_crossing(database: &str) {
    let site = add_site(database);
    let port = free_port();
    let secret = add_webhook(
        database,
        &site,
        &format!("http://127.0.0.1:{port}/hook"),
        "json",
    );
    let slack_secret = add_webhook(
        database,
        &site,
        &format!("http://127.0.0.1:{port}/slack"),
        "slack",
    );
    let collector = Collector::start_with_env(database, FAST);
    answer(collector.1, &site, "chat-1", 1);
    answer(collector.1, &site, "chat-1", 2);
    answer(collector.1, &site, "chat-2", 5);
    wait_until("a failed attempt while the receiver is down", || {
        deliveries(database, &site)
            .iter()
            .all(|d| d["attempts"].as_i64() >= Some(1) && d["last_error"].is_string())
            && deliveries(database, &site).len() == 2
    });
    assert_eq!(
        deliveries(database, &site).len(),
        2,
        "one alert per webhook: the edit that stays unhappy and the happy answer alert nothing"
    );

    let receiver = Receiver::start(port);
    let got = receiver.wait_for(2);
    let hook = got.iter().find(|r| r.path == "/hook").unwrap();
    let body: Value = serde_json::from_str(&hook.body).unwrap();
    assert_eq!(body["type"], "response.alert");
    assert_eq!(body["site"], site.as_str());
    assert_eq!(body["response"]["interaction"], "chat-1");
    assert_eq!(body["response"]["csat"], 1, "the answer that crossed");
    assert_eq!(body["response"]["comment"], "waited an hour");
    assert_eq!(hook.header("koe-event-id"), body["id"].as_str());
    assert!(verified_by_the_documented_snippet(&secret, hook));
    assert!(
        !verified_by_the_documented_snippet(&slack_secret, hook),
        "another webhook's secret does not verify it"
    );
    let slack = got.iter().find(|r| r.path == "/slack").unwrap();
    let text: Value = serde_json::from_str(&slack.body).unwrap();
    let text = text["text"].as_str().unwrap();
    assert!(
        text.contains("CSAT 1/5") && text.contains("aiko") && text.contains("waited an hour"),
        "{text}"
    );
    assert!(verified_by_the_documented_snippet(&slack_secret, slack));

    // Leaving the condition and coming back is a new crossing.
    answer(collector.1, &site, "chat-1", 5);
    answer(collector.1, &site, "chat-1", 1);
    let got = receiver.wait_for(4);
    let ids: Vec<&str> = got
        .iter()
        .filter(|r| r.path == "/hook")
        .filter_map(|r| r.header("koe-event-id"))
        .collect();
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1], "each crossing is its own event");
    wait_until("every delivery marked delivered", || {
        deliveries(database, &site)
            .iter()
            .all(|d| d["state"] == "delivered")
    });
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(receiver.received().len(), 4, "nothing is sent twice");
    collector.stop();
}

fn an_alert_committed_before_kill_9_is_delivered_after_the_restart(database: &str) {
    let site = add_site(database);
    let port = free_port();
    add_webhook(
        database,
        &site,
        &format!("http://127.0.0.1:{port}/hook"),
        "json",
    );
    let mut collector = Collector::start_with_env(database, FAST);
    answer(collector.1, &site, "chat-9", 1);
    collector.0.kill().unwrap(); // SIGKILL
    collector.0.wait().unwrap();
    assert_eq!(
        deliveries(database, &site).len(),
        1,
        "the alert was committed"
    );

    let receiver = Receiver::start(port);
    let collector = Collector::start_with_env(database, FAST);
    let got = receiver.wait_for(1);
    let body: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(body["response"]["interaction"], "chat-9");
    wait_until("the delivery marked delivered", || {
        deliveries(database, &site)[0]["state"] == "delivered"
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(receiver.received().len(), 1);
    collector.stop();
}

/// SSRF: with the default settings a site's admin cannot point a webhook into the collector's
/// own network — an address in the URL is refused when added, and a name that resolves to one
/// is refused at delivery (each connection's resolution is checked, so rebinding does not help).
fn webhooks_call_only_public_addresses_by_default(database: &str) {
    let site = add_site(database);
    let port = free_port();
    let refused = koe(
        database,
        &[
            "webhook",
            "add",
            "--site",
            &site,
            "--url",
            "http://169.254.169.254/latest/meta-data",
            "--when",
            "csat<=2",
        ],
    );
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("private or local address"),
        "{refused:?}"
    );
    let added = koe_with(
        &[HTTP],
        database,
        &[
            "webhook",
            "add",
            "--site",
            &site,
            "--url",
            &format!("http://localhost:{port}/hook"),
            "--when",
            "csat<=2",
        ],
    );
    assert!(added.status.success(), "{added:?}");
    let receiver = Receiver::start(port);
    let collector = Collector::start_with_env(database, &[("KOE_WEBHOOK_POLL_MS", "100"), HTTP]);
    answer(collector.1, &site, "chat-1", 1);
    wait_until("the attempt refused", || {
        deliveries(database, &site)
            .first()
            .and_then(|d| d["last_error"].as_str().map(str::to_owned))
            .is_some_and(|e| e.contains("private or local addresses"))
    });
    std::thread::sleep(Duration::from_millis(300));
    assert!(receiver.received().is_empty(), "nothing reached localhost");
    collector.stop();
}

/// One slow receiver must not hold back the others: site A's three webhooks point at a
/// receiver that takes the connection and never answers (each attempt waits the full 10 s),
/// and site B's alert still arrives at once. Before deliveries ran side by side, B waited
/// behind every one of A's attempts (61 s in the report that found it).
fn a_receiver_that_never_answers_does_not_delay_another_sites_alerts(database: &str) {
    let (slow_site, other_site) = (add_site(database), add_site(database));
    let (silent_port, port) = (free_port(), free_port());
    let silent = Silent::start(silent_port);
    for path in ["a", "b", "c"] {
        add_webhook(
            database,
            &slow_site,
            &format!("http://127.0.0.1:{silent_port}/{path}"),
            "json",
        );
    }
    add_webhook(
        database,
        &other_site,
        &format!("http://127.0.0.1:{port}/hook"),
        "json",
    );
    let receiver = Receiver::start(port);
    let collector = Collector::start_with_env(database, FAST);
    answer(collector.1, &slow_site, "chat-1", 1);
    answer(collector.1, &slow_site, "chat-2", 1);
    silent.wait_for(3);

    answer(collector.1, &other_site, "chat-1", 1);
    let answered = Instant::now();
    receiver.wait_for(1);
    let late = answered.elapsed();
    assert!(
        late < Duration::from_secs(1),
        "site B's alert arrived {late:?} after its answer, behind site A's silent receiver"
    );
    collector.stop();
}

/// A rotated secret: the new one is printed once, and for the grace every delivery is signed
/// with both (`t=…,v1=<new>,v1=<old>`), so a receiver still on the old secret — and one already
/// on the new — accepts it with the documented check. Rotating again within the grace needs
/// `--force`; a grace of 0 ends the old one at once.
fn a_rotated_secret_signs_beside_the_old_one_during_the_grace(database: &str) {
    let site = add_site(database);
    let port = free_port();
    let old = add_webhook(
        database,
        &site,
        &format!("http://127.0.0.1:{port}/hook"),
        "json",
    );
    let rotate = |grace: &str, force: bool| {
        let mut args = vec![
            "webhook",
            "rotate-secret",
            "--site",
            &site,
            "--id",
            "1",
            "--grace-hours",
            grace,
            "--json",
        ];
        if force {
            args.push("--force");
        }
        let output = koe(database, &args);
        assert!(output.status.success(), "{output:?}");
        let rotated: Value = serde_json::from_slice(&output.stdout).unwrap();
        rotated["secret"].as_str().unwrap().to_owned()
    };
    let new = rotate("24", false);
    assert_ne!(new, old);
    let receiver = Receiver::start(port);
    let collector = Collector::start_with_env(database, FAST);
    answer(collector.1, &site, "chat-1", 1);
    let got = receiver.wait_for(1);
    assert!(verified_by_the_documented_snippet(&new, &got[0]));
    assert!(
        verified_by_the_documented_snippet(&old, &got[0]),
        "the old secret still verifies during the grace"
    );

    let refused = koe(
        database,
        &["webhook", "rotate-secret", "--site", &site, "--id", "1"],
    );
    assert!(
        !refused.status.success()
            && String::from_utf8_lossy(&refused.stderr).contains("still signs until"),
        "a second rotation within the grace is refused: {refused:?}"
    );
    let newest = rotate("0", true);
    answer(collector.1, &site, "chat-2", 1);
    let got = receiver.wait_for(2);
    let second = got.last().unwrap();
    assert!(verified_by_the_documented_snippet(&newest, second));
    assert!(
        !verified_by_the_documented_snippet(&new, second),
        "a grace of 0 ends the replaced secret at once"
    );
    let audit = koe(database, &["audit", "--site", &site]);
    assert!(
        String::from_utf8_lossy(&audit.stdout).contains("webhook_secret_rotated"),
        "{audit:?}"
    );
    collector.stop();
}

#[test]
fn sqlite_a_receiver_that_never_answers_does_not_delay_another_sites_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("koe.db").display());
    a_receiver_that_never_answers_does_not_delay_another_sites_alerts(&database);
}

#[test]
fn sqlite_a_rotated_secret_signs_beside_the_old_one_during_the_grace() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("koe.db").display());
    a_rotated_secret_signs_beside_the_old_one_during_the_grace(&database);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_receiver_that_never_answers_does_not_delay_another_sites_alerts() {
    let Some(db) = PgDatabase::create("webhooks_fair").await else {
        return;
    };
    let url = db.url.clone();
    tokio::task::spawn_blocking(move || {
        a_receiver_that_never_answers_does_not_delay_another_sites_alerts(&url)
    })
    .await
    .unwrap();
    db.drop_now().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_rotated_secret_signs_beside_the_old_one_during_the_grace() {
    let Some(db) = PgDatabase::create("webhooks_rotate").await else {
        return;
    };
    let url = db.url.clone();
    tokio::task::spawn_blocking(move || {
        a_rotated_secret_signs_beside_the_old_one_during_the_grace(&url)
    })
    .await
    .unwrap();
    db.drop_now().await;
}

#[test]
fn sqlite_webhooks_call_only_public_addresses_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("koe.db").display());
    webhooks_call_only_public_addresses_by_default(&database);
}

#[test]
fn sqlite_alerts_wait_for_the_receiver_are_signed_and_sent_once_per_crossing() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("koe.db").display());
    alerts_wait_for_the_receiver_are_signed_and_sent_once_per_crossing(&database);
}

#[test]
fn sqlite_an_alert_committed_before_kill_9_is_delivered_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("koe.db").display());
    an_alert_committed_before_kill_9_is_delivered_after_the_restart(&database);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_alerts_wait_for_the_receiver_are_signed_and_sent_once_per_crossing() {
    let Some(db) = PgDatabase::create("webhooks_crossing").await else {
        return;
    };
    let url = db.url.clone();
    tokio::task::spawn_blocking(move || {
        alerts_wait_for_the_receiver_are_signed_and_sent_once_per_crossing(&url)
    })
    .await
    .unwrap();
    db.drop_now().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_an_alert_committed_before_kill_9_is_delivered_after_the_restart() {
    let Some(db) = PgDatabase::create("webhooks_kill").await else {
        return;
    };
    let url = db.url.clone();
    tokio::task::spawn_blocking(move || {
        an_alert_committed_before_kill_9_is_delivered_after_the_restart(&url)
    })
    .await
    .unwrap();
    db.drop_now().await;
}
