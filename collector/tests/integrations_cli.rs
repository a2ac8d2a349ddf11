//! `koe integration` and `koe link --format line-flex` as an operator uses them: a Chatwoot
//! account connected from the command line (its token sealed at rest: the database file never
//! holds it), listed, paused, resumed and removed; a LINE card printed within LINE's limits.

mod support;

use support::{contains, database_bytes, json_of, koe_in, shop_in};

fn ok(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_chatwoot_account_is_connected_with_its_token_sealed_and_managed_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let site = shop_in(dir.path());
    let site = site.as_str();
    let token = "cw-token-7f3a9e1c5b2d";
    let added = ok(&koe_in(
        dir.path(),
        &[
            "integration",
            "add",
            "--site",
            site,
            "--public-url",
            "https://koe.example.com",
            "chatwoot",
            "--url",
            "https://chat.example",
            "--account-id",
            "3",
            "--api-token",
            token,
            "--inbox",
            "7=email",
        ],
    ));
    let url = added
        .split_whitespace()
        .find(|w| w.starts_with("https://koe.example.com/integrations/chatwoot/i_"))
        .unwrap_or_else(|| panic!("the webhook URL is printed: {added}"));
    assert!(!added.contains(token), "the token is never shown again");
    let stored = database_bytes(dir.path());
    assert!(
        !contains(&stored, token),
        "the database never holds the token in clear"
    );
    let path = url.rsplit('/').next().unwrap();
    assert!(!contains(&stored, path), "nor the secret path");

    let listed = json_of(&koe_in(
        dir.path(),
        &["integration", "list", "--site", site, "--json"],
    ));
    assert_eq!(listed[0]["kind"], "chatwoot");
    assert_eq!(listed[0]["settings"]["inboxes"]["7"], "email");
    assert_eq!(listed[0]["paused"], false);
    let id = listed[0]["id"].to_string();
    ok(&koe_in(
        dir.path(),
        &["integration", "pause", "--site", site, "--id", &id],
    ));
    let listed = json_of(&koe_in(
        dir.path(),
        &["integration", "list", "--site", site, "--json"],
    ));
    assert_eq!(listed[0]["paused"], true);
    ok(&koe_in(
        dir.path(),
        &["integration", "resume", "--site", site, "--id", &id],
    ));
    let table = ok(&koe_in(
        dir.path(),
        &["integration", "list", "--site", site],
    ));
    assert!(
        table.contains("chatwoot") && table.contains(" on "),
        "{table}"
    );

    // A bad inbox mapping is refused, and nothing is added.
    let refused = koe_in(
        dir.path(),
        &[
            "integration",
            "add",
            "--site",
            site,
            "--public-url",
            "https://koe.example.com",
            "chatwoot",
            "--url",
            "https://chat.example",
            "--account-id",
            "3",
            "--api-token",
            "t",
            "--inbox",
            "7=fax",
        ],
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("channel"));

    ok(&koe_in(
        dir.path(),
        &["integration", "remove", "--site", site, "--id", &id],
    ));
    let listed = json_of(&koe_in(
        dir.path(),
        &["integration", "list", "--site", site, "--json"],
    ));
    assert_eq!(listed, serde_json::json!([]));
    let audit = ok(&koe_in(dir.path(), &["audit", "--site", site]));
    for action in [
        "integration_added",
        "integration_paused",
        "integration_resumed",
        "integration_removed",
    ] {
        assert!(audit.contains(action), "{action}: {audit}");
    }
}

#[test]
fn a_line_card_is_printed_within_lines_limits_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    let site = shop_in(dir.path());
    let site = site.as_str();
    let card = |lang: &str, format: &str, interaction: &str| {
        koe_in(
            dir.path(),
            &[
                "link",
                "--site",
                site,
                "--interaction",
                interaction,
                "--agent",
                "Kenta",
                "--channel",
                "sns",
                "--lang",
                lang,
                "--format",
                format,
                "--public-url",
                "https://koe.example.com",
            ],
        )
    };
    for (lang, question) in [("en", "How satisfied"), ("ja", "満足")] {
        let printed = json_of(&card(lang, "line-flex", "line-talk-1"));
        assert_eq!(printed["type"], "flex");
        assert!(printed["altText"].as_str().unwrap().chars().count() <= 1500);
        let bubble = &printed["contents"];
        assert!(serde_json::to_string(bubble).unwrap().len() <= 30_000);
        assert!(
            bubble["body"]["contents"][0]["text"]
                .as_str()
                .unwrap()
                .contains(question)
        );
        let buttons = bubble["footer"]["contents"].as_array().unwrap();
        assert_eq!(buttons.len(), 5);
        for button in buttons {
            let action = &button["action"];
            assert_eq!(action["type"], "uri");
            assert!(action["label"].as_str().unwrap().chars().count() <= 40);
            let uri = action["uri"].as_str().unwrap();
            assert!(uri.starts_with("https://koe.example.com/s/") && uri.len() <= 1000);
        }
        let postback = json_of(&card(lang, "line-flex-postback", "line-talk-1"));
        for button in postback["contents"]["footer"]["contents"]
            .as_array()
            .unwrap()
        {
            let data = button["action"]["data"].as_str().unwrap();
            assert!(data.starts_with("koe=") && data.len() <= 300, "{data}");
        }
    }
    // Ids too long for a postback's 300 characters: refused with the way out.
    let long = "x".repeat(128);
    let refused = koe_in(
        dir.path(),
        &[
            "link",
            "--site",
            site,
            "--interaction",
            &long,
            "--agent",
            &long,
            "--channel",
            "sns",
            "--format",
            "line-flex-postback",
            "--public-url",
            "https://koe.example.com",
        ],
    );
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("300") && stderr.contains("link buttons"),
        "{stderr}"
    );
}
