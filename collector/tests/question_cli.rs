//! The site's own question from the command line: set in a TOML file (`koe survey set`),
//! answered through `koe serve`, then reported by `koe report --question` as a table, CSV and
//! JSON — and a flag that cannot apply refused with the reason.

mod support;

use support::{Collector, add_site, json_of, koe, request};

const SURVEY: &str = r#"
languages = ["ja", "en"]

[question]
id = "clarity"
kind = "scale"
text = { ja = "説明はわかりやすかったですか？", en = "How clear was the explanation?" }
low = { ja = "わかりにくい", en = "Unclear" }
high = { ja = "わかりやすい", en = "Clear" }
"#;

fn ok(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn a_scale_question_is_set_answered_and_reported_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("koe.db").display());
    let site = add_site(&database);
    let file = dir.path().join("survey.toml");
    std::fs::write(&file, SURVEY).unwrap();
    ok(&koe(
        &database,
        &[
            "survey",
            "set",
            "--site",
            &site,
            "--file",
            file.to_str().unwrap(),
        ],
    ));

    let collector = Collector::start(&database);
    for (interaction, agent, value) in [("c-1", "aiko", 5), ("c-2", "aiko", 4), ("c-3", "ken", 2)] {
        let body = format!(
            r#"{{"site":"{site}","interaction":"{interaction}","agent":"{agent}","question":{{"id":"clarity","answer":{value}}}}}"#
        );
        let answered = request(collector.1, "POST", "/api/v1/responses", &body);
        assert_eq!(answered.map(|(s, _)| s), Some(201), "{body}");
    }
    collector.stop();

    let report = |extra: &[&str]| {
        let args = [
            &[
                "report",
                "--site",
                site.as_str(),
                "--question",
                "--by",
                "agent",
            ][..],
            extra,
        ]
        .concat();
        koe(&database, &args)
    };
    let table = ok(&report(&["--bucket", "all"]));
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].contains("説明はわかりやすかったですか？ (clarity)"),
        "{table}"
    );
    assert!(
        lines[1].starts_with("agent") && lines[1].contains("1 – わかりにくい"),
        "{table}"
    );
    assert!(
        lines[2].starts_with("aiko") && lines[2].contains("4.50 (1.00–5.00)"),
        "aiko's mean: {table}"
    );
    assert!(
        lines[3].starts_with("ken") && lines[3].contains("1 (100.0 %)"),
        "{table}"
    );

    let json = json_of(&report(&["--format", "json", "--bucket", "all"]));
    assert_eq!(json["question"]["kind"], "scale");
    assert_eq!(json["rows"][0]["mean"]["value"], 4.5);
    let csv = ok(&report(&["--format", "csv", "--bucket", "all"]));
    assert_eq!(
        csv.trim_start_matches('\u{feff}').lines().count(),
        1 + 2 * 5
    );

    let refused = report(&["--compare", "previous"]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("--question counts the answers") && stderr.contains("--compare"),
        "{stderr}"
    );
    assert!(refused.stdout.is_empty());
}
