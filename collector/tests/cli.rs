//! The `koe` binary as an operator uses it: sites, keys, verify, settings and serve; which
//! database it opens (and that only `serve` and `site add` create one); the links and snippets
//! it prints; its help.

mod support;

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::{contains, database_bytes, json_of, koe_in};

#[test]
fn sites_and_keys_are_created_and_only_their_hashes_stored() {
    let dir = tempfile::tempdir().unwrap();
    let site = json_of(&koe_in(
        dir.path(),
        &[
            "site",
            "add",
            "--name",
            "Shop",
            "--origin",
            "https://shop.example",
            "--timezone",
            "Asia/Tokyo",
            "--strict",
            "--json",
        ],
    ));
    let site_key = site["site_key"].as_str().unwrap();
    let secret = site["signing_secret"].as_str().unwrap();
    assert!(site_key.starts_with("site_") && secret.starts_with("koe_ss_"));
    assert_eq!(
        (site["strict"].as_bool(), site["timezone"].as_str()),
        (Some(true), Some("Asia/Tokyo"))
    );

    let key = json_of(&koe_in(
        dir.path(),
        &[
            "key", "create", "--site", site_key, "--role", "admin", "--json",
        ],
    ));
    let api_key = key["api_key"].as_str().unwrap();
    assert!(api_key.starts_with("koe_admin_"));

    let bytes = database_bytes(dir.path());
    assert!(contains(&bytes, site_key), "the public key is stored as is");
    assert!(
        !contains(&bytes, secret),
        "the signing secret is not stored"
    );
    assert!(!contains(&bytes, api_key), "the API key is not stored");

    let human = koe_in(
        dir.path(),
        &[
            "site",
            "add",
            "--name",
            "Second",
            "--origin",
            "https://b.example",
        ],
    );
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(
        text.contains("signing secret") && text.contains("shown once"),
        "{text}"
    );

    let verify = koe_in(dir.path(), &["verify"]);
    assert!(verify.status.success());
    assert!(String::from_utf8_lossy(&verify.stdout).contains("rollups match"));
}

#[test]
fn bad_input_is_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (
            &["site", "add", "--name", "x", "--origin", "shop.example"],
            "not a URL",
        ),
        (
            &[
                "site",
                "add",
                "--name",
                "x",
                "--origin",
                "https://shop.example/path",
            ],
            "without a path",
        ),
        (
            &[
                "site",
                "add",
                "--name",
                "x",
                "--origin",
                "https://a.example",
                "--timezone",
                "Mars/Base",
            ],
            "IANA",
        ),
        (
            &["key", "create", "--site", "site_missing", "--role", "read"],
            "no Koe database at",
        ),
        (
            &["verify", "--database", "mysql://nope"],
            "sqlite: or postgres://",
        ),
    ];
    for (args, expected) in cases {
        let output = koe_in(dir.path(), args);
        assert!(!output.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    let role = koe_in(
        dir.path(),
        &["key", "create", "--site", "s", "--role", "owner"],
    );
    assert!(!role.status.success());
}

/// What a command that found no database printed (it must have failed).
fn refusal(output: &Output) -> String {
    assert!(!output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn settings_come_from_the_file_then_the_environment_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("koe.toml"),
        "database_url = \"sqlite://from-file.db\"\n",
    )
    .unwrap();
    let file = refusal(&koe_in(dir.path(), &["verify"]));
    assert!(
        file.contains("from-file.db"),
        "the file's URL is used: {file}"
    );

    let env = Command::new(env!("CARGO_BIN_EXE_koe"))
        .current_dir(dir.path())
        .env("KOE_DATABASE_URL", "sqlite://from-env.db")
        .arg("verify")
        .output()
        .unwrap();
    let env = refusal(&env);
    assert!(
        env.contains("from-env.db") && !env.contains("from-file.db"),
        "the environment beats the file: {env}"
    );

    let flag = refusal(&koe_in(
        dir.path(),
        &["verify", "--database", "sqlite://from-flag.db"],
    ));
    assert!(
        flag.contains("from-flag.db") && !flag.contains("from-env.db"),
        "the flag beats both: {flag}"
    );
    assert!(
        !dir.path().join("from-file.db").exists(),
        "verify only reads"
    );

    let added = koe_in(
        dir.path(),
        &[
            "site",
            "add",
            "--name",
            "Shop",
            "--origin",
            "https://shop.example",
        ],
    );
    assert!(added.status.success(), "{added:?}");
    assert!(
        dir.path().join("from-file.db").exists(),
        "site add creates the database the settings name"
    );
    assert!(koe_in(dir.path(), &["verify"]).status.success());
}

#[test]
fn a_read_command_in_an_empty_directory_creates_no_database_and_says_which_it_looked_for() {
    let dir = tempfile::tempdir().unwrap();
    let expected = dir.path().canonicalize().unwrap().join("koe.db");
    let expected = expected.display().to_string();
    let commands: [&[&str]; 10] = [
        &["site", "list"],
        &["site", "list", "--json"],
        &["site", "show", "--site", "site_x"],
        &["key", "list", "--site", "site_x"],
        &["audit", "--site", "site_x"],
        &["webhook", "list", "--site", "site_x"],
        &["webhook", "deliveries", "--site", "site_x"],
        &["verify"],
        &["report", "--site", "site_x"],
        // Writes that need a site cannot succeed on a new database: they create none either.
        &["key", "create", "--site", "site_x", "--role", "read"],
    ];
    for args in commands {
        let stderr = refusal(&koe_in(dir.path(), args));
        assert!(
            stderr.contains(&format!("no Koe database at {expected}")),
            "{args:?} names the file it looked for: {stderr}"
        );
        assert!(
            stderr.contains("--database") && stderr.contains("koe serve"),
            "{args:?} says how to fix it: {stderr}"
        );
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert!(left.is_empty(), "{args:?} created {left:?}");
    }
}

#[test]
fn an_unknown_site_key_names_the_database_searched() {
    let dir = tempfile::tempdir().unwrap();
    json_of(&koe_in(
        dir.path(),
        &[
            "site",
            "add",
            "--name",
            "Shop",
            "--origin",
            "https://shop.example",
            "--json",
        ],
    ));
    let database = dir.path().canonicalize().unwrap().join("koe.db");
    let database = database.display().to_string();
    let commands: [&[&str]; 7] = [
        &["site", "show", "--site", "site_missing"],
        &["key", "list", "--site", "site_missing"],
        &["key", "create", "--site", "site_missing", "--role", "read"],
        &["audit", "--site", "site_missing"],
        &["webhook", "list", "--site", "site_missing"],
        &["erase", "--site", "site_missing", "--interaction", "t-1"],
        &[
            "link",
            "--site",
            "site_missing",
            "--interaction",
            "t-1",
            "--channel",
            "email",
            "--public-url",
            "https://koe.example.com",
        ],
    ];
    for args in commands {
        let stderr = refusal(&koe_in(dir.path(), args));
        assert!(
            stderr.contains(&format!("no site has the key site_missing in {database}")),
            "{args:?}: {stderr}"
        );
    }

    // A PostgreSQL URL is named without its password.
    let stderr = refusal(&koe_in(
        dir.path(),
        &[
            "site",
            "list",
            "--database",
            "postgres://koe:hunter2@127.0.0.1:1/koe",
        ],
    ));
    assert!(
        stderr.contains("postgres://koe@127.0.0.1:1/koe") && !stderr.contains("hunter2"),
        "{stderr}"
    );
}

/// `koe site add --json` in `dir`: the new site's key.
fn add_site(dir: &Path, timezone: &str) -> String {
    let site = json_of(&koe_in(
        dir,
        &[
            "site",
            "add",
            "--name",
            "Shop",
            "--origin",
            "https://shop.example",
            "--timezone",
            timezone,
            "--public-url",
            "https://koe.example.com",
            "--json",
        ],
    ));
    site["site_key"].as_str().unwrap().to_owned()
}

/// Every URL of a `koe link --json` answer.
fn link_urls(links: &serde_json::Value) -> Vec<String> {
    let mut urls = vec![links["survey_url"].as_str().unwrap().to_owned()];
    for question in ["csat", "nps"] {
        for link in links[question].as_array().unwrap() {
            urls.push(link["url"].as_str().unwrap().to_owned());
        }
    }
    urls
}

#[test]
fn links_use_the_public_url_given_and_warn_when_falling_back() {
    let dir = tempfile::tempdir().unwrap();
    let site = add_site(dir.path(), "UTC");
    let link = |interaction: &str, extra: &[&str]| {
        let mut args = vec![
            "link",
            "--site",
            &site,
            "--interaction",
            interaction,
            "--channel",
            "email",
            "--json",
        ];
        args.extend_from_slice(extra);
        koe_in(dir.path(), &args)
    };

    let given = link("t-1", &["--public-url", "https://koe.example.com/"]);
    let urls = link_urls(&json_of(&given));
    assert_eq!(urls.len(), 1 + 5 + 11);
    for url in &urls {
        assert!(url.starts_with("https://koe.example.com/s/"), "{url}");
    }
    assert!(
        !String::from_utf8_lossy(&given.stderr).contains("warning"),
        "no warning when the address is given"
    );

    let fallback = link("t-2", &[]);
    for url in link_urls(&json_of(&fallback)) {
        assert!(url.starts_with("http://127.0.0.1:8080/s/"), "{url}");
    }
    let warning = String::from_utf8_lossy(&fallback.stderr);
    assert!(
        warning.contains("warning")
            && warning.contains("http://127.0.0.1:8080")
            && warning.contains("--public-url")
            && warning.contains("public_url")
            && warning.contains("KOE_PUBLIC_URL"),
        "the fallback is said, with how to set the address: {warning}"
    );

    let from_env = Command::new(env!("CARGO_BIN_EXE_koe"))
        .current_dir(dir.path())
        .env_remove("KOE_DATABASE_URL")
        .env("KOE_PUBLIC_URL", "https://from-env.example")
        .args([
            "link",
            "--site",
            site.as_str(),
            "--interaction",
            "t-3",
            "--channel",
            "email",
            "--json",
        ])
        .output()
        .unwrap();
    for url in link_urls(&json_of(&from_env)) {
        assert!(url.starts_with("https://from-env.example/s/"), "{url}");
    }
    assert!(!String::from_utf8_lossy(&from_env.stderr).contains("warning"));

    let refused = refusal(&link("t-4", &["--public-url", "koe.example.com"]));
    assert!(
        refused.contains("--public-url") && refused.contains("https://"),
        "an address that is not a URL is refused with a reason: {refused}"
    );
}

#[test]
fn site_add_prints_the_script_tag_to_paste() {
    let dir = tempfile::tempdir().unwrap();
    let added = koe_in(
        dir.path(),
        &[
            "site",
            "add",
            "--name",
            "Shop",
            "--origin",
            "https://shop.example",
            "--public-url",
            "https://koe.example.com",
        ],
    );
    assert!(added.status.success(), "{added:?}");
    let text = String::from_utf8(added.stdout).unwrap();
    let key = text
        .lines()
        .find(|line| line.trim_start().starts_with("site key"))
        .and_then(|line| line.split_whitespace().nth(2))
        .expect("the site key is printed");
    for expected in [
        format!(
            r#"<script async src="https://koe.example.com/koe.js" data-site="{key}"></script>"#
        ),
        "<script>window.koe=window.koe||function(){(koe.q=koe.q||[]).push(arguments)};</script>"
            .to_owned(),
        "script-src https://koe.example.com 'wasm-unsafe-eval'".to_owned(),
    ] {
        assert!(text.contains(&expected), "{expected} in:\n{text}");
    }
    assert!(!String::from_utf8_lossy(&added.stderr).contains("warning"));

    let site = json_of(&koe_in(
        dir.path(),
        &[
            "site",
            "add",
            "--name",
            "Second",
            "--origin",
            "https://b.example",
            "--public-url",
            "https://koe.example.com",
            "--json",
        ],
    ));
    let snippet = site["snippet"].as_str().unwrap();
    assert!(
        snippet.contains(&format!(
            r#"src="https://koe.example.com/koe.js" data-site="{}""#,
            site["site_key"].as_str().unwrap()
        )),
        "{snippet}"
    );
}

#[test]
fn site_show_prints_a_table_unless_json() {
    let dir = tempfile::tempdir().unwrap();
    let site = add_site(dir.path(), "Asia/Tokyo");

    let shown = koe_in(dir.path(), &["site", "show", "--site", &site]);
    assert!(shown.status.success(), "{shown:?}");
    assert!(
        serde_json::from_slice::<serde_json::Value>(&shown.stdout).is_err(),
        "text by default"
    );
    let text = String::from_utf8(shown.stdout).unwrap();
    for expected in [
        site.as_str(),
        "Shop",
        "https://shop.example",
        "time zone",
        "Asia/Tokyo",
    ] {
        assert!(text.contains(expected), "{expected} in:\n{text}");
    }

    let json = json_of(&koe_in(
        dir.path(),
        &["site", "show", "--site", &site, "--json"],
    ));
    assert_eq!(
        (json["site_key"].as_str(), json["timezone"].as_str()),
        (Some(site.as_str()), Some("Asia/Tokyo"))
    );
}

#[test]
fn link_expiry_is_printed_as_a_date_not_unix_time() {
    let dir = tempfile::tempdir().unwrap();
    let site = add_site(dir.path(), "Asia/Tokyo");
    let printed = koe_in(
        dir.path(),
        &[
            "link",
            "--site",
            &site,
            "--interaction",
            "t-1",
            "--channel",
            "email",
            "--expires",
            "14d",
            "--public-url",
            "https://koe.example.com",
        ],
    );
    assert!(printed.status.success(), "{printed:?}");
    let text = String::from_utf8(printed.stdout).unwrap();
    assert!(!text.contains("Unix time"), "{text}");
    let first = text.lines().next().unwrap();
    let (_, until) = first.split_once("valid until ").expect(first);
    // "2026-12-20 17:11 Asia/Tokyo (2026-12-20T08:11:49Z)):"
    let (local, rest) = until.split_once(" Asia/Tokyo (").expect(first);
    let (rfc3339, _) = rest.split_once(')').expect(first);
    let at: jiff::Timestamp = rfc3339.parse().expect(first);
    let from_now = at.as_second() - jiff::Timestamp::now().as_second();
    assert!(
        (from_now - 14 * 86_400).abs() < 300,
        "14 days from now: {first}"
    );
    let tokyo = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
    assert_eq!(
        local,
        at.to_zoned(tokyo).strftime("%Y-%m-%d %H:%M").to_string(),
        "{first}"
    );
}

#[test]
fn every_flag_has_help() {
    use clap::CommandFactory as _;

    fn undocumented(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for arg in command.get_arguments() {
            let id = arg.get_id().as_str();
            if matches!(id, "help" | "version") {
                continue;
            }
            let help = arg
                .get_help()
                .or(arg.get_long_help())
                .map(ToString::to_string)
                .unwrap_or_default();
            if help.trim().is_empty() {
                let name = arg
                    .get_long()
                    .map_or_else(|| id.to_owned(), |long| format!("--{long}"));
                missing.push(format!("{path} {name}"));
            }
        }
        for sub in command.get_subcommands() {
            let path = format!("{path} {}", sub.get_name());
            if sub.get_about().is_none() {
                missing.push(format!("{path} (the command itself)"));
            }
            undocumented(sub, &path, missing);
        }
    }

    let mut missing = Vec::new();
    undocumented(&koe_collector::cli::Cli::command(), "koe", &mut missing);
    assert!(
        missing.is_empty(),
        "`koe … --help` explains nothing for:\n{}",
        missing.join("\n")
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

#[test]
fn serve_answers_ready_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_koe"))
        .current_dir(dir.path())
        .env_remove("KOE_DATABASE_URL")
        .env("RUST_LOG", "info")
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let ready = loop {
        if let Some(response) = get(port, "/readyz") {
            break response;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the collector never answered"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    assert!(
        dir.path().join("koe.db").exists(),
        "the default database is created"
    );

    let term = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let status = server.wait().unwrap();
    assert!(
        status.success(),
        "graceful shutdown exits 0, got {status:?}"
    );
    let mut log = String::new();
    server
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(
        log.contains("path=/readyz") && log.contains("status=200"),
        "one log line per request: {log}"
    );
    assert!(
        !log.contains('\u{1b}'),
        "no colour codes when the log is not a terminal"
    );
}

#[test]
fn report_standings_refuse_score_flags_give_csv_and_name_their_range() {
    let dir = tempfile::tempdir().unwrap();
    let site = json_of(&koe_in(
        dir.path(),
        &[
            "site",
            "add",
            "--name",
            "Shop",
            "--origin",
            "https://shop.example",
            "--json",
        ],
    ));
    let site_key = site["site_key"].as_str().unwrap();
    let cases: [(&[&str], &str); 3] = [
        (&["--compare", "previous"], "--compare"),
        (&["--by", "agent"], "--by"),
        (&["--bucket", "day"], "--bucket"),
    ];
    for (flags, named) in cases {
        let args = [&["report", "--site", site_key, "--standings"][..], flags].concat();
        let output = koe_in(dir.path(), &args);
        assert!(!output.status.success(), "{flags:?} is refused");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(named) && stderr.contains("--standings ranks each agent once"),
            "{flags:?}: {stderr}"
        );
        assert!(
            output.stdout.is_empty(),
            "nothing is printed as if {flags:?} applied"
        );
    }

    let csv = koe_in(
        dir.path(),
        &[
            "report",
            "--site",
            site_key,
            "--standings",
            "--format",
            "csv",
        ],
    );
    assert!(
        csv.status.success(),
        "{}",
        String::from_utf8_lossy(&csv.stderr)
    );
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert!(
        csv.starts_with("\u{feff}rank,agent,team,csat,csat_low,csat_high,csat_n,shrunk,"),
        "the standings as CSV, not a table: {csv}"
    );

    let table = koe_in(
        dir.path(),
        &[
            "report",
            "--site",
            site_key,
            "--standings",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
        ],
    );
    assert!(
        table.status.success(),
        "{}",
        String::from_utf8_lossy(&table.stderr)
    );
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(
        table.starts_with(&format!("{site_key} · 2026-11-01 to 2026-11-30 · 0 agents")),
        "the table names the site and the range, as the score table does: {table}"
    );
}
