//! `koe import` as a team moving to Koe uses it: Koe's own export imported into a new site gives
//! identical scores; Chatwoot's CSAT report and a mapped CSV come in dated by their own times;
//! a second import changes nothing; a file with a bad line changes nothing and `--dry-run` lists
//! each bad line with its column and why — the first hundred of them, each quoting at most a short
//! piece of its cell, and a line or a cell past its bound is one. On SQLite and PostgreSQL.

mod support;

use std::path::Path;

use serde_json::Value;
use support::{Collector, PgDatabase, add_site, drift, exchange, koe};

fn json_ok(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
        panic!(
            "{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn import(database: &str, site: &str, format: &str, file: &Path, extra: &[&str]) -> (bool, Value) {
    let file = file.display().to_string();
    let mut args = vec![
        "import", "--site", site, "--format", format, &file, "--json",
    ];
    args.extend_from_slice(extra);
    let output = koe(database, &args);
    (output.status.success(), json_ok(&output))
}

fn scores(database: &str, site: &str) -> Value {
    let output = koe(
        database,
        &[
            "report",
            "--site",
            site,
            "--by",
            "agent,channel",
            "--bucket",
            "all",
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "--format",
            "json",
        ],
    );
    assert!(output.status.success(), "{output:?}");
    json_ok(&output)["rows"].clone()
}

fn a_koe_export_imported_into_a_new_site_gives_identical_scores(database: &str) {
    let dir = tempfile::tempdir().unwrap();
    let first = add_site(database);
    let collector = Collector::start(database);
    let answers = [
        r#""interaction":"c1","agent":"aiko","channel":"chat","csat":5,"nps":10,"ces":2,"resolved":true"#,
        r#""interaction":"c2","agent":"aiko","channel":"email","csat":2,"nps":3,"comment":"=SUM(A1), \"slow\"","reasons":["slow"]"#,
        r#""interaction":"c3","agent":"ken","channel":"chat","csat":4,"resolved":false,"comment":"line one\nline two""#,
        r#""interaction":"c4","agent":"ken","channel":"phone","nps":8"#,
    ];
    for answer in answers {
        let body = format!(r#"{{"site":"{first}",{answer}}}"#);
        let status = support::request(collector.1, "POST", "/api/v1/responses", &body);
        assert_eq!(status.map(|(s, _)| s), Some(201));
    }
    let key = json_ok(&koe(
        database,
        &[
            "key", "create", "--site", &first, "--role", "read", "--json",
        ],
    ));
    let key = key["api_key"].as_str().unwrap();
    let (status, _, csv) = exchange(
        collector.1,
        "GET",
        &format!("/api/v1/sites/{first}/responses?format=csv&limit=200"),
        &format!("Authorization: Bearer {key}\r\n"),
        "",
    )
    .unwrap();
    assert_eq!(status, 200);
    collector.stop();
    let export = dir.path().join("export.csv");
    std::fs::write(&export, csv).unwrap();

    let second = add_site(database);
    let (ok, summary) = import(database, &second, "koe", &export, &[]);
    assert!(ok, "{summary}");
    assert_eq!(
        (
            summary["imported"].as_u64(),
            summary["bad"].as_array().map(Vec::len)
        ),
        (Some(4), Some(0)),
        "{summary}"
    );
    let before = scores(database, &first);
    assert_eq!(
        scores(database, &second),
        before,
        "the same scores in the new site"
    );
    let (ok, again) = import(database, &second, "koe", &export, &[]);
    assert!(ok);
    assert_eq!(
        (again["imported"].as_u64(), again["already_stored"].as_u64()),
        (Some(0), Some(4)),
        "the same file twice changes nothing: {again}"
    );
    assert_eq!(scores(database, &second), before);
    assert_eq!(drift(database), serde_json::json!([]));
}

const CHATWOOT: &str = "\u{feff}Agent Name,Rating,Feedback Comment,Contact Name,Contact Email Address,Contact Phone Number,Link to the conversation,Recorded date\n\
Jane Doe (jane@acme.com),2,\"Too slow, really\",Taro,taro@example.jp,+81 90,https://chat.acme.com/app/accounts/1/conversations/42,2026-11-02 10:15:30 UTC\n\
Jane Doe (jane@acme.com),5,,Hana,,,https://chat.acme.com/app/accounts/1/conversations/43,2026-11-03 01:00:00 UTC\n\
Ken (ken@acme.com),1,\"Line one\nline two\",,,,https://chat.acme.com/app/accounts/1/conversations/44,2026-11-03 15:45:30 +0530\n\
Reporting period 2026-11-01 to 2026-11-30\n";

fn chatwoots_csat_report_comes_in_with_its_agents_and_days(database: &str) {
    let dir = tempfile::tempdir().unwrap();
    let site = add_site(database);
    let file = dir.path().join("csat_report.csv");
    std::fs::write(&file, CHATWOOT).unwrap();
    let (ok, dry) = import(
        database,
        &site,
        "chatwoot",
        &file,
        &["--dry-run", "--channel", "chat"],
    );
    assert!(ok, "{dry}");
    assert_eq!(
        (
            dry["answers"].as_u64(),
            dry["skipped"].as_u64(),
            dry["imported"].as_u64()
        ),
        (Some(3), Some(1), Some(0)),
        "the period line is skipped; a dry run imports nothing: {dry}"
    );
    let (ok, done) = import(database, &site, "chatwoot", &file, &["--channel", "chat"]);
    assert!(ok, "{done}");
    assert_eq!(done["imported"], 3);
    let rows = scores(database, &site);
    let rows = rows.as_array().unwrap();
    let jane = rows.iter().find(|r| r["agent"] == "jane@acme.com").unwrap();
    assert_eq!(
        (jane["csat"]["n"].as_u64(), jane["channel"].as_str()),
        (Some(2), Some("chat")),
        "{jane}"
    );
    let daily = koe(
        database,
        &[
            "report",
            "--site",
            &site,
            "--bucket",
            "day",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-05",
            "--format",
            "json",
        ],
    );
    let daily = json_ok(&daily);
    let days: Vec<(String, u64)> = daily["rows"]
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
        .collect();
    // The site counts days in UTC: 10:15 UTC on the 2nd; 01:00 UTC on the 3rd; 15:45 +05:30 is
    // 10:15 UTC on the 3rd.
    assert_eq!(
        days,
        [("2026-11-02".to_owned(), 1), ("2026-11-03".to_owned(), 2)],
        "each answer on its own day in the site's zone"
    );
    let (ok, again) = import(database, &site, "chatwoot", &file, &["--channel", "chat"]);
    assert!(ok);
    assert_eq!(again["imported"], 0, "{again}");
}

fn a_file_with_bad_lines_changes_nothing_and_says_where(database: &str) {
    let dir = tempfile::tempdir().unwrap();
    let site = add_site(database);
    let file = dir.path().join("tickets.csv");
    std::fs::write(
        &file,
        "Ticket,Rating,Feedback,Agent,Date\n\
         T-1,4,fine,aiko,30/10/2026 09:00\n\
         T-2,9,great,aiko,30/10/2026 10:00\n\
         T-3,3,meh,ken,the day before\n\
         ,2,,ken,31/10/2026 11:00\n",
    )
    .unwrap();
    let map = "csat=Rating,comment=Feedback,agent=Agent,created_at=Date,interaction=Ticket";
    let dates = "%d/%m/%Y %H:%M";
    let extra = ["--map", map, "--date-format", dates];
    let (ok, dry) = import(
        database,
        &site,
        "csv",
        &file,
        &[&extra[..], &["--dry-run"]].concat(),
    );
    assert!(!ok, "bad lines fail the check");
    let bad: Vec<(u64, String)> = dry["bad"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["line"].as_u64().unwrap(),
                b["column"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        bad,
        [(3, "Rating".to_owned()), (4, "Date".to_owned())],
        "{dry}"
    );
    assert!(
        dry["bad"][0]["why"].as_str().unwrap().contains('9'),
        "{dry}"
    );
    let (ok, refused) = import(database, &site, "csv", &file, &extra);
    assert!(!ok);
    assert_eq!(
        refused["imported"], 0,
        "a file with a bad line changes nothing"
    );
    assert_eq!(scores(database, &site), serde_json::json!([]));

    // Fixed: the line without a ticket gets an id of its own, the same on every import.
    std::fs::write(
        &file,
        "Ticket,Rating,Feedback,Agent,Date\n\
         T-1,4,fine,aiko,30/10/2026 09:00\n\
         ,2,,ken,31/10/2026 11:00\n",
    )
    .unwrap();
    let (ok, done) = import(database, &site, "csv", &file, &extra);
    assert!(ok, "{done}");
    assert_eq!(done["imported"], 2);
    let (_, again) = import(database, &site, "csv", &file, &extra);
    assert_eq!(
        (again["imported"].as_u64(), again["already_stored"].as_u64()),
        (Some(0), Some(2))
    );
    assert_eq!(drift(database), serde_json::json!([]));
}

const TICKETS_MAP: &str = "interaction=Ticket,csat=Rating,created_at=Date";

fn a_file_of_ten_thousand_bad_lines_lists_the_first_hundred_and_counts_the_rest(database: &str) {
    let dir = tempfile::tempdir().unwrap();
    let site = add_site(database);
    let file = dir.path().join("tickets.csv");
    let long = "x".repeat(1_000);
    let mut text = String::from("Ticket,Rating,Date\n");
    for n in 0..10_000 {
        // The first hundred (the listed ones) echo a long cell; the rest a short one.
        let rating = if n < 100 { long.as_str() } else { "x" };
        text.push_str(&format!("T-{n},{rating},2026-10-30T09:00:00Z\n"));
    }
    std::fs::write(&file, text).unwrap();
    let (ok, dry) = import(
        database,
        &site,
        "csv",
        &file,
        &["--map", TICKETS_MAP, "--dry-run"],
    );
    assert!(!ok, "bad lines fail the check");
    let bad = dry["bad"].as_array().unwrap();
    assert_eq!(
        (bad.len(), dry["bad_lines"].as_u64()),
        (100, Some(10_000)),
        "the first hundred listed, all counted"
    );
    assert_eq!(bad[0]["line"], 2, "from the first, in file order");
    for line in bad {
        let why = line["why"].as_str().unwrap();
        assert!(
            why.chars().count() <= 300 && why.contains("(1000 characters)"),
            "a cell is quoted by its start and its length: {why}"
        );
    }
    let printed = koe(
        database,
        &[
            "import",
            "--site",
            &site,
            "--format",
            "csv",
            &file.display().to_string(),
            "--map",
            TICKETS_MAP,
            "--dry-run",
        ],
    );
    let printed = String::from_utf8_lossy(&printed.stdout);
    assert!(
        printed.lines().count() <= 100 + 3 && printed.len() < 30_000,
        "{} lines, {} bytes",
        printed.lines().count(),
        printed.len()
    );
    assert!(
        printed.contains("… and 9900 more bad lines"),
        "{:?}",
        printed.lines().rev().take(3).collect::<Vec<_>>()
    );
}

fn a_line_or_a_cell_past_its_bound_is_refused_naming_its_line(database: &str) {
    let dir = tempfile::tempdir().unwrap();
    let site = add_site(database);
    let file = dir.path().join("notes.csv");
    let start = "Ticket,Rating,Date,Notes\nT-1,4,2026-10-30T09:00:00Z,fine\n";
    let next = "T-9,4,2026-10-30T09:00:00Z,fine\n";
    let cases = [
        (
            "a cell over 8 KiB, in a column not imported",
            format!(
                "{start}T-2,4,2026-10-30T09:00:00Z,{}\n{next}",
                "n".repeat(9_000)
            ),
            "Notes",
            "8 KiB",
        ),
        (
            "a quote left open: the rest of the file one cell",
            format!(
                "{start}T-2,4,2026-10-30T09:00:00Z,\"open\n{}",
                next.repeat(10_000)
            ),
            "",
            "64 KiB",
        ),
    ];
    for (what, text, column, bound) in cases {
        std::fs::write(&file, text).unwrap();
        let (ok, dry) = import(
            database,
            &site,
            "csv",
            &file,
            &["--map", TICKETS_MAP, "--dry-run"],
        );
        assert!(!ok, "{what}: {dry}");
        assert_eq!(
            (
                dry["bad"][0]["line"].as_u64(),
                dry["bad"][0]["column"].as_str(),
                dry["bad_lines"].as_u64()
            ),
            (Some(3), Some(column), Some(1)),
            "{what}: {dry}"
        );
        let why = dry["bad"][0]["why"].as_str().unwrap();
        assert!(why.contains(bound), "{what}: {why}");
        let (ok, refused) = import(database, &site, "csv", &file, &["--map", TICKETS_MAP]);
        assert!(!ok, "{what}");
        assert_eq!(refused["imported"], 0, "{what}: nothing imported");
    }
    assert_eq!(scores(database, &site), serde_json::json!([]));
}

fn on_sqlite(test: fn(&str)) {
    let dir = tempfile::tempdir().unwrap();
    test(&format!("sqlite://{}", dir.path().join("koe.db").display()));
}

async fn on_postgres(purpose: &str, test: fn(&str)) {
    let Some(db) = PgDatabase::create(purpose).await else {
        return;
    };
    let url = db.url.clone();
    tokio::task::spawn_blocking(move || test(&url))
        .await
        .unwrap();
    db.drop_now().await;
}

#[test]
fn sqlite_a_koe_export_imported_into_a_new_site_gives_identical_scores() {
    on_sqlite(a_koe_export_imported_into_a_new_site_gives_identical_scores);
}

#[test]
fn sqlite_chatwoots_csat_report_comes_in_with_its_agents_and_days() {
    on_sqlite(chatwoots_csat_report_comes_in_with_its_agents_and_days);
}

#[test]
fn sqlite_a_file_with_bad_lines_changes_nothing_and_says_where() {
    on_sqlite(a_file_with_bad_lines_changes_nothing_and_says_where);
}

// How a file is read does not depend on the database: these two run on SQLite only.
#[test]
fn sqlite_a_file_of_ten_thousand_bad_lines_lists_the_first_hundred_and_counts_the_rest() {
    on_sqlite(a_file_of_ten_thousand_bad_lines_lists_the_first_hundred_and_counts_the_rest);
}

#[test]
fn sqlite_a_line_or_a_cell_past_its_bound_is_refused_naming_its_line() {
    on_sqlite(a_line_or_a_cell_past_its_bound_is_refused_naming_its_line);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_koe_export_imported_into_a_new_site_gives_identical_scores() {
    on_postgres(
        "import_koe",
        a_koe_export_imported_into_a_new_site_gives_identical_scores,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_chatwoots_csat_report_comes_in_with_its_agents_and_days() {
    on_postgres(
        "import_chatwoot",
        chatwoots_csat_report_comes_in_with_its_agents_and_days,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_file_with_bad_lines_changes_nothing_and_says_where() {
    on_postgres(
        "import_csv",
        a_file_with_bad_lines_changes_nothing_and_says_where,
    )
    .await;
}
