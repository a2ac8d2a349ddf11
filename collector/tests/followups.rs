//! Follow-ups as an operator works them with the `koe` binary, against a real `koe serve` and
//! a real webhook receiver: an unhappy answer opens one and a webhook of follow-ups is told
//! (`followup.opened`, signed, the follow-up beside the answer); `koe followup list|assign|
//! note|close` work it (a resolved closing prints the re-ask link) and the receiver is told it
//! closed; `koe report --followups` counts it; bad settings are refused naming the field.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::receiver::Receiver;
use support::{Collector, add_site, free_port, koe, request};

const ENV: &[(&str, &str)] = &[
    ("KOE_WEBHOOK_POLL_MS", "100"),
    ("KOE_WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true"),
    ("KOE_WEBHOOK_ALLOW_HTTP", "true"),
];

fn koe_with(database: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_koe"))
        .env("KOE_CONFIG", "/nonexistent/koe.toml")
        .envs(ENV.iter().copied())
        .args(args)
        .args(["--database", database])
        .output()
        .expect("koe runs")
}

fn ok(output: &std::process::Output) -> String {
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
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

fn follow_ups_are_worked_from_the_command_line_and_told_to_a_webhook(database: &str) {
    let site = add_site(database);
    let port = free_port();
    let receiver = Receiver::start(port);
    let url = format!("http://127.0.0.1:{port}/followups");
    let added = koe_with(
        database,
        &[
            "webhook",
            "add",
            "--site",
            &site,
            "--url",
            &url,
            "--when",
            "csat<=2",
            "--events",
            "followups",
            "--json",
        ],
    );
    let added: Value = serde_json::from_str(&ok(&added)).unwrap();
    assert_eq!(added["events"], "followups");
    // Bad settings are refused naming the field; good ones are kept.
    let refused = koe(
        database,
        &["followup", "settings", "--site", &site, "--sla-hours", "0"],
    );
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("sla_hours"),
        "{refused:?}"
    );
    let set = koe(
        database,
        &[
            "followup",
            "settings",
            "--site",
            &site,
            "--causes",
            "billing,bug",
            "--json",
        ],
    );
    let set: Value = serde_json::from_str(&ok(&set)).unwrap();
    assert_eq!(set["causes"], serde_json::json!(["billing", "bug"]));

    let collector = Collector::start_with_env(database, ENV);
    let body = format!(
        r#"{{"site":"{site}","interaction":"chat-9","agent":"aiko","channel":"chat","csat":1,"comment":"no one called back"}}"#
    );
    let status = request(collector.1, "POST", "/api/v1/responses", &body).map(|(s, _)| s);
    assert_eq!(status, Some(201));
    wait_until("the opened event", || !receiver.received().is_empty());
    let opened: Value = serde_json::from_str(&receiver.received()[0].body).unwrap();
    assert_eq!(opened["type"], "followup.opened");
    assert_eq!(opened["response"]["comment"], "no one called back");
    assert!(receiver.received()[0].header("koe-signature").is_some());

    let listed = koe(database, &["followup", "list", "--site", &site, "--json"]);
    let listed: Value = serde_json::from_str(&ok(&listed)).unwrap();
    let id = listed["followups"][0]["id"].as_i64().unwrap().to_string();
    assert_eq!(
        opened["followup"]["id"].as_i64().map(|i| i.to_string()),
        Some(id.clone())
    );
    let table = ok(&koe(database, &["followup", "list", "--site", &site]));
    assert!(
        table.contains("no one called back") && table.contains("aiko"),
        "{table}"
    );
    ok(&koe(
        database,
        &[
            "followup", "assign", "--site", &site, "--id", &id, "--owner", "Ken",
        ],
    ));
    ok(&koe(
        database,
        &[
            "followup", "note", "--site", &site, "--id", &id, "--text", "called",
        ],
    ));
    let wrong = koe(
        database,
        &[
            "followup", "close", "--site", &site, "--id", &id, "--status", "resolved", "--cause",
            "product",
        ],
    );
    assert!(
        !wrong.status.success(),
        "product is not one of this site's causes"
    );
    let closed = ok(&koe(
        database,
        &[
            "followup",
            "close",
            "--site",
            &site,
            "--id",
            &id,
            "--status",
            "resolved",
            "--cause",
            "billing",
            "--public-url",
            "https://koe.example",
        ],
    ));
    assert!(
        closed.contains("https://koe.example/recover/koe_rec_"),
        "{closed}"
    );
    wait_until("the closed event", || receiver.received().len() == 2);
    let told: Value = serde_json::from_str(&receiver.received()[1].body).unwrap();
    assert_eq!(told["type"], "followup.closed");
    assert_eq!(told["followup"]["cause"], "billing");
    assert_eq!(told["followup"]["owner"], "Ken");
    let shown: Value = serde_json::from_str(&ok(&koe(
        database,
        &["followup", "show", "--site", &site, "--id", &id],
    )))
    .unwrap();
    assert_eq!(shown["notes"][0]["body"], "called");
    let report: Value = serde_json::from_str(&ok(&koe(
        database,
        &["report", "--site", &site, "--followups", "--format", "json"],
    )))
    .unwrap();
    assert_eq!(report["total"]["opened"], 1);
    assert_eq!(report["total"]["reasked"], 1);
    let audit = ok(&koe(database, &["audit", "--site", &site]));
    assert!(
        audit.contains("followup_closed") && audit.contains("cli"),
        "{audit}"
    );
    collector.stop();
}

#[test]
fn sqlite_follow_ups_are_worked_from_the_command_line_and_told_to_a_webhook() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("koe.db").display());
    follow_ups_are_worked_from_the_command_line_and_told_to_a_webhook(&database);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_follow_ups_are_worked_from_the_command_line_and_told_to_a_webhook() {
    let Some(db) = support::PgDatabase::create("followups_cli").await else {
        return;
    };
    let url = db.url.clone();
    tokio::task::spawn_blocking(move || {
        follow_ups_are_worked_from_the_command_line_and_told_to_a_webhook(&url)
    })
    .await
    .unwrap();
    db.drop_now().await;
}
