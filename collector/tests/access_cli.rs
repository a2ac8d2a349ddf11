//! `koe key list`, `koe key revoke`, `koe site rotate-secret` and `koe audit` as an operator
//! shutting off a leaked key and a leaked secret uses them.

mod support;

use support::{json_of, koe_in};

#[test]
fn a_leaked_key_and_secret_are_shut_off_and_audited() {
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
    assert_eq!(
        site["content_security_policy"],
        "script-src http://127.0.0.1:8080 'wasm-unsafe-eval'; connect-src http://127.0.0.1:8080",
        "site add says what a host page's CSP needs"
    );
    let old_secret = site["signing_secret"].as_str().unwrap().to_owned();
    let key = json_of(&koe_in(
        dir.path(),
        &[
            "key", "create", "--site", site_key, "--role", "read", "--json",
        ],
    ));
    let api_key = key["api_key"].as_str().unwrap().to_owned();

    let listed = json_of(&koe_in(
        dir.path(),
        &["key", "list", "--site", site_key, "--json"],
    ));
    let keys = listed["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert!(
        !listed.to_string().contains(&api_key),
        "the key itself is never listed"
    );
    let id = keys[0]["id"].as_i64().unwrap().to_string();

    let revoked = koe_in(dir.path(), &["key", "revoke", &id]);
    assert!(revoked.status.success(), "{revoked:?}");
    let again = koe_in(dir.path(), &["key", "revoke", &id]);
    assert!(!again.status.success(), "a key is revoked once");
    let listed = json_of(&koe_in(
        dir.path(),
        &["key", "list", "--site", site_key, "--json"],
    ));
    assert!(listed["keys"][0]["revoked_at"].is_string());

    let rotated = json_of(&koe_in(
        dir.path(),
        &[
            "site",
            "rotate-secret",
            "--site",
            site_key,
            "--grace",
            "3d",
            "--json",
        ],
    ));
    let new_secret = rotated["signing_secret"].as_str().unwrap();
    assert!(new_secret.starts_with("koe_ss_") && new_secret != old_secret);
    assert_eq!(rotated["grace_days"], 3);

    let listed = json_of(&koe_in(dir.path(), &["site", "list", "--json"]));
    assert_eq!(listed["sites"][0]["site_key"], site_key);
    let updated = json_of(&koe_in(
        dir.path(),
        &[
            "site", "update", "--site", site_key, "--name", "Coffee", "--strict", "on",
        ],
    ));
    assert_eq!(
        (updated["name"].as_str(), updated["strict"].as_bool()),
        (Some("Coffee"), Some(true))
    );
    let zone = koe_in(
        dir.path(),
        &[
            "site",
            "update",
            "--site",
            site_key,
            "--timezone",
            "Asia/Tokyo",
        ],
    );
    assert!(!zone.status.success(), "the time zone cannot change");
    assert!(String::from_utf8_lossy(&zone.stderr).contains("time zone cannot be changed"));

    let audit = json_of(&koe_in(
        dir.path(),
        &["audit", "--site", site_key, "--json"],
    ));
    let actions: Vec<(&str, &str)> = audit["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    assert_eq!(
        actions,
        [
            ("key_created", "cli"),
            ("key_revoked", "cli"),
            ("secret_rotated", "cli"),
            ("site_updated", "cli")
        ]
    );
    let text = audit.to_string();
    assert!(
        !text.contains(&old_secret) && !text.contains(new_secret) && !text.contains(&api_key),
        "no secret in the audit trail"
    );
}

#[test]
fn a_deletion_request_is_answered_from_the_command_line_and_audited() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("koe.db").display());
    let site = support::add_site(&database);
    let collector = support::Collector::start(&database);
    for (interaction, comment) in [("ticket-9", "my address is 1-2-3"), ("ticket-10", "ok")] {
        let body = format!(
            r#"{{"site":"{site}","interaction":"{interaction}","agent":"aiko","csat":2,"comment":"{comment}"}}"#
        );
        let answered = support::request(collector.1, "POST", "/api/v1/responses", &body);
        assert_eq!(answered.map(|(s, _)| s), Some(201));
    }
    collector.stop();

    let erased = json_of(&support::koe(
        &database,
        &[
            "erase",
            "--site",
            &site,
            "--interaction",
            "ticket-9",
            "--json",
        ],
    ));
    assert_eq!(erased["erased"], 1, "{erased}");
    let again = json_of(&support::koe(
        &database,
        &[
            "erase",
            "--site",
            &site,
            "--interaction",
            "ticket-9",
            "--json",
        ],
    ));
    assert_eq!(again["erased"], 0, "nothing left to erase");
    assert_eq!(support::drift(&database), serde_json::json!([]));
    let audit =
        String::from_utf8(support::koe(&database, &["audit", "--site", &site, "--json"]).stdout)
            .unwrap();
    assert!(
        audit.contains("response_erased") && !audit.contains("ticket-9"),
        "{audit}"
    );
    let file = std::fs::read(dir.path().join("koe.db")).unwrap();
    let text = String::from_utf8_lossy(&file);
    assert!(
        !text.contains("my address is 1-2-3") && text.contains("ticket-10"),
        "the comment is gone from the file, the other answer is not"
    );
}

#[test]
fn koe_link_spares_a_customer_within_the_cooldown_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("koe.db").display());
    let site = support::add_site(&database);
    let updated = json_of(&support::koe(
        &database,
        &["site", "update", "--site", &site, "--cooldown-days", "30"],
    ));
    assert_eq!(updated["cooldown_days"], 30);
    let link = |interaction: &str, force: bool| {
        let mut args = vec![
            "link",
            "--site",
            &site,
            "--interaction",
            interaction,
            "--channel",
            "email",
            "--customer",
            "alice@example.com",
            "--json",
        ];
        if force {
            args.push("--force");
        }
        support::koe(&database, &args)
    };
    let first = json_of(&link("ticket-1", false));
    assert!(first["csat"].as_array().is_some_and(|l| l.len() == 5));
    let spared = link("ticket-2", false);
    assert_eq!(spared.status.code(), Some(3), "{spared:?}");
    let spared: serde_json::Value = serde_json::from_slice(&spared.stdout).unwrap();
    assert_eq!(spared["suppressed"], "cooldown");
    let plain = support::koe(
        &database,
        &[
            "link",
            "--site",
            &site,
            "--interaction",
            "ticket-3",
            "--channel",
            "email",
            "--customer",
            "alice@example.com",
        ],
    );
    assert!(
        String::from_utf8_lossy(&plain.stdout).starts_with("suppressed: cooldown"),
        "{plain:?}"
    );
    let forced = json_of(&link("ticket-2", true));
    assert!(forced["survey_url"].is_string());
    let file = std::fs::read(dir.path().join("koe.db")).unwrap();
    assert!(
        !String::from_utf8_lossy(&file).contains("alice@example.com"),
        "only a keyed hash of the customer is stored"
    );
}
