//! `koe import --format interactions` and `koe report --service` as a team bringing its
//! helpdesk's history in uses them: a dry run checks every row and stores nothing; the import
//! stores every row, audited, and a second one changes nothing; a file with a bad row stores
//! nothing and says which line and field; the service report then counts the imported
//! interactions, as JSON and as a table lined up by terminal columns after a topic in Japanese.
//! `--service` and `--drivers` refuse the flags that cannot apply to them before any database is
//! opened. On SQLite and PostgreSQL.

mod support;

use std::path::Path;
use std::process::Output;

use serde_json::Value;
use support::{PgDatabase, add_site, koe};
use unicode_width::UnicodeWidthStr as _;

/// Four interactions in November 2026: T-1 and T-2 (配送) resolved, T-3 (billing) resolved,
/// T-4 (billing) open — 3 of 4 resolved.
const HISTORY: &str = "interaction,channel,team,topic,customer,opened_at,first_response_at,resolved_at,reopened,contacts,handled_by,agents\n\
T-1,chat,tokyo,配送,c-1,2026-11-10T09:00:00+09:00,2026-11-10T09:12:00+09:00,2026-11-10T10:00:00+09:00,0,1,human,aiko\n\
T-2,email,tokyo,配送,,2026-11-11T10:00:00Z,2026-11-11T11:00:00Z,2026-11-12T10:00:00Z,1,2,bot_then_human,aiko:0.7|ken:0.3\n\
T-3,chat,osaka,billing,c-2,2026-11-12T08:00:00Z,2026-11-12T08:01:00Z,2026-11-12T08:30:00Z,0,1,bot,\n\
T-4,phone,osaka,billing,,2026-11-13T08:00:00Z,,,,1,human,ken\n";

/// The JSON a command printed, successful or not.
fn printed(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
        panic!(
            "{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// `koe import --format interactions … --json`: whether it succeeded, and its summary.
fn import(database: &str, site: &str, file: &Path, extra: &[&str]) -> (bool, Value) {
    let file = file.display().to_string();
    let mut args = vec![
        "import",
        "--site",
        site,
        "--format",
        "interactions",
        "--file",
        &file,
        "--json",
    ];
    args.extend_from_slice(extra);
    let output = koe(database, &args);
    (output.status.success(), printed(&output))
}

/// `koe report --service` over November 2026 with `extra` flags.
fn service(database: &str, site: &str, extra: &[&str]) -> Output {
    let args = [
        &[
            "report",
            "--site",
            site,
            "--service",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
        ][..],
        extra,
    ]
    .concat();
    let output = koe(database, &args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The service report's rows for the whole of November, as JSON.
fn service_rows(database: &str, site: &str) -> Vec<Value> {
    let report = printed(&service(
        database,
        site,
        &["--bucket", "all", "--format", "json"],
    ));
    report["rows"].as_array().cloned().unwrap_or_default()
}

/// Interactions the service report counts in November.
fn counted(database: &str, site: &str) -> f64 {
    service_rows(database, site)
        .iter()
        .filter_map(|row| row["interactions"].as_f64())
        .sum()
}

fn a_history_is_checked_whole_then_stored_and_reported(database: &str) {
    let dir = tempfile::tempdir().unwrap();
    let site = add_site(database);
    let file = dir.path().join("history.csv");
    std::fs::write(&file, HISTORY).unwrap();

    let (ok, dry) = import(database, &site, &file, &["--dry-run"]);
    assert!(ok, "{dry}");
    assert_eq!(
        (
            dry["rows"].as_u64(),
            dry["interactions"].as_u64(),
            dry["created"].as_u64(),
            dry["dry_run"].as_bool()
        ),
        (Some(4), Some(4), Some(0), Some(true)),
        "{dry}"
    );
    assert_eq!(counted(database, &site), 0.0, "a dry run stores nothing");

    let (ok, done) = import(database, &site, &file, &[]);
    assert!(ok, "{done}");
    assert_eq!(
        (
            done["created"].as_u64(),
            done["updated"].as_u64(),
            done["bad_rows"].as_u64()
        ),
        (Some(4), Some(0), Some(0)),
        "{done}"
    );
    let rows = service_rows(database, &site);
    assert_eq!(rows.len(), 1, "no groups, one bucket: {rows:?}");
    let all = &rows[0];
    assert_eq!(all["interactions"].as_f64(), Some(4.0), "{all}");
    assert_eq!(
        (
            all["resolution_rate"]["value"].as_f64(),
            all["resolution_rate"]["n"].as_u64()
        ),
        (Some(75.0), Some(4)),
        "3 of the 4 imported interactions are resolved: {all}"
    );

    let (ok, again) = import(database, &site, &file, &[]);
    assert!(ok, "{again}");
    assert_eq!(
        (again["created"].as_u64(), again["updated"].as_u64()),
        (Some(0), Some(4)),
        "{again}"
    );
    assert_eq!(
        service_rows(database, &site),
        rows,
        "the same file twice changes nothing"
    );

    let audit = printed(&koe(database, &["audit", "--site", &site, "--json"]));
    let imported: Vec<&Value> = audit["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "interactions_imported")
        .collect();
    assert_eq!(imported.len(), 2, "each import is audited: {audit}");
    assert!(
        imported
            .iter()
            .any(|e| e["detail"].as_str().unwrap().contains("history.csv")),
        "{audit}"
    );
}

fn a_bad_row_stores_nothing_and_names_its_line_and_field(database: &str) {
    let dir = tempfile::tempdir().unwrap();
    let site = add_site(database);
    let file = dir.path().join("history.csv");
    let bad = HISTORY
        .replace(
            "2026-11-12T08:00:00Z,2026-11-12T08:01:00Z",
            "2026-11-12T08:00:00Z,2026-11-12T07:59:00Z",
        )
        .replace(",1,human,ken", ",1,robot,ken");
    assert_ne!(bad, HISTORY);
    std::fs::write(&file, &bad).unwrap();
    let where_ = |summary: &Value| -> Vec<(u64, String)> {
        summary["bad"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                (
                    b["line"].as_u64().unwrap(),
                    b["field"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    let expected = vec![
        (4, "first_response_at".to_owned()),
        (5, "handled_by".to_owned()),
    ];

    let (ok, dry) = import(database, &site, &file, &["--dry-run"]);
    assert!(!ok, "bad rows fail the check: {dry}");
    assert_eq!(where_(&dry), expected, "{dry}");
    assert!(
        dry["bad"][0]["why"]
            .as_str()
            .unwrap()
            .contains("earlier than opened_at"),
        "{dry}"
    );

    let (ok, refused) = import(database, &site, &file, &[]);
    assert!(!ok, "{refused}");
    assert_eq!(where_(&refused), expected, "{refused}");
    assert_eq!(
        (refused["created"].as_u64(), refused["updated"].as_u64()),
        (Some(0), Some(0)),
        "{refused}"
    );
    assert_eq!(
        counted(database, &site),
        0.0,
        "a file with a bad row stores nothing"
    );

    let text = koe(
        database,
        &[
            "import",
            "--site",
            &site,
            "--format",
            "interactions",
            &file.display().to_string(),
        ],
    );
    assert!(!text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("line 4, field first_response_at: ")
            && text.contains("line 5, field handled_by: ")
            && text.contains("Nothing imported"),
        "{text}"
    );

    std::fs::write(&file, HISTORY.replacen("agents", "mood", 1)).unwrap();
    let unknown = koe(
        database,
        &[
            "import",
            "--site",
            &site,
            "--format",
            "interactions",
            "--file",
            &file.display().to_string(),
        ],
    );
    assert!(!unknown.status.success());
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        stderr.contains("\"mood\""),
        "the unknown column is named: {stderr}"
    );
    assert_eq!(counted(database, &site), 0.0);
}

fn the_service_table_lines_up_after_a_topic_in_japanese(database: &str) {
    let dir = tempfile::tempdir().unwrap();
    let site = add_site(database);
    let file = dir.path().join("history.csv");
    std::fs::write(&file, HISTORY).unwrap();
    let (ok, done) = import(database, &site, &file, &[]);
    assert!(ok, "{done}");

    let table = service(database, &site, &["--by", "topic", "--bucket", "all"]);
    let table = String::from_utf8(table.stdout).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with(&format!(
            "{site} · 2026-11-01 to 2026-11-30 · by all · 2 rows"
        )),
        "{table}"
    );
    let header = lines[1];
    assert!(header.starts_with("topic "), "{table}");
    // Where, in terminal columns, a text starts in a line.
    let column = |line: &str, text: &str| line.find(text).map(|i| line[..i].width());
    let bucket = column(header, "bucket").unwrap();
    let resolution = column(header, "resolution %").unwrap();
    for (topic, resolved) in [("配送", "100.0 ("), ("billing", "50.0 (")] {
        let row = lines
            .iter()
            .find(|line| line.starts_with(topic))
            .unwrap_or_else(|| panic!("no {topic} row in:\n{table}"));
        assert_eq!(
            column(row, "2026-11-01"),
            Some(bucket),
            "{topic}'s bucket under the heading:\n{table}"
        );
        assert_eq!(
            column(row, resolved),
            Some(resolution),
            "{topic}'s resolution under the heading:\n{table}"
        );
    }

    let drivers = koe(
        database,
        &["report", "--site", &site, "--drivers", "--format", "json"],
    );
    assert!(
        drivers.status.success(),
        "{}",
        String::from_utf8_lossy(&drivers.stderr)
    );
    assert_eq!(
        printed(&drivers)["bands"],
        serde_json::json!([]),
        "no answers yet, so no band"
    );
}

#[test]
fn service_and_drivers_refuse_flags_that_cannot_apply_before_opening_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let missing = format!("sqlite://{}", dir.path().join("none.db").display());
    let cases: [(&[&str], &str); 5] = [
        (
            &["--service", "--compare", "previous"],
            "--compare cannot apply",
        ),
        (
            &["--service", "--standings"],
            "each print a report of their own",
        ),
        (&["--drivers", "--by", "agent"], "--by cannot apply"),
        (
            &["--drivers", "--format", "csv"],
            "--drivers prints a table or JSON",
        ),
        (&["--topic", "配送"], "add --service"),
    ];
    for (flags, reason) in cases {
        let args = [&["report", "--site", "site_abc"][..], flags].concat();
        let output = koe(&missing, &args);
        assert!(!output.status.success(), "{flags:?} is refused");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(reason) && !stderr.contains("no Koe database"),
            "{flags:?}: {stderr}"
        );
        assert!(output.stdout.is_empty(), "{flags:?}");
    }
    assert!(!dir.path().join("none.db").exists(), "no database was made");
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
fn sqlite_a_history_is_checked_whole_then_stored_and_reported() {
    on_sqlite(a_history_is_checked_whole_then_stored_and_reported);
}

#[test]
fn sqlite_a_bad_row_stores_nothing_and_names_its_line_and_field() {
    on_sqlite(a_bad_row_stores_nothing_and_names_its_line_and_field);
}

// How a table is laid out does not depend on the database: SQLite only.
#[test]
fn sqlite_the_service_table_lines_up_after_a_topic_in_japanese() {
    on_sqlite(the_service_table_lines_up_after_a_topic_in_japanese);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_history_is_checked_whole_then_stored_and_reported() {
    on_postgres(
        "import_interactions",
        a_history_is_checked_whole_then_stored_and_reported,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_bad_row_stores_nothing_and_names_its_line_and_field() {
    on_postgres(
        "import_interactions_bad",
        a_bad_row_stores_nothing_and_names_its_line_and_field,
    )
    .await;
}
