//! A full run — site and keys created, signed answers, reports, rating links opened and
//! confirmed, a person invited who signs in — at the most detailed log level: not one secret it created
//! may appear in anything the collector or the CLI wrote to their logs.

mod support;

use std::process::Stdio;

use koe_shared::token::{self, AttributionClaims};
use koe_shared::{AgentId, Channel, InteractionId, SiteKey};
use support::{Collector, exchange, koe, request};

fn json_of(output: &std::process::Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON")
}

#[test]
fn no_secret_reaches_a_log() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("koe.db").display());
    let mut cli_logs = String::new();
    let mut run = |args: &[&str]| {
        let output = koe(&database, args);
        cli_logs.push_str(&String::from_utf8_lossy(&output.stderr));
        output
    };
    let site = json_of(&run(&[
        "site",
        "add",
        "--name",
        "Shop",
        "--origin",
        "https://shop.example",
        "--strict",
        "--json",
    ]));
    let (site_key, secret) = (
        site["site_key"].as_str().unwrap().to_owned(),
        site["signing_secret"].as_str().unwrap().to_owned(),
    );
    let key = |role: &str| {
        json_of(&koe(
            &database,
            &[
                "key", "create", "--site", &site_key, "--role", role, "--json",
            ],
        ))["api_key"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (admin, read) = (key("admin"), key("read"));

    let log_path = dir.path().join("collector.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let collector = Collector::start_logging(&database, Stdio::from(log));
    let port = collector.1;

    let claims = AttributionClaims {
        site: SiteKey::try_from(site_key.as_str()).unwrap(),
        interaction: InteractionId::try_from("chat-1").unwrap(),
        agent: Some(AgentId::try_from("ken").unwrap()),
        team: None,
        channel: Some(Channel::ALL[0]),
        expires_at: u64::try_from(koe_collector::clock::now_ms() / 1000).unwrap() + 3600,
        offer: None,
        customer: None,
    };
    let attribution = String::from(token::sign(secret.as_bytes(), &claims));
    let body = format!(
        r#"{{"site":"{site_key}","interaction":"chat-1","token":"{attribution}","csat":5,"comment":"great"}}"#
    );
    assert_eq!(
        request(port, "POST", "/api/v1/responses", &body).unwrap().0,
        201
    );
    let forged = body.replace(&attribution[..10], "AAAAAAAAAA");
    assert_eq!(
        request(port, "POST", "/api/v1/responses", &forged)
            .unwrap()
            .0,
        403
    );

    let bearer =
        |k: &str| format!("Authorization: Bearer {k}\r\nContent-Type: application/json\r\n");
    let scores = format!("/api/v1/sites/{site_key}/scores?group_by=agent");
    assert_eq!(
        exchange(port, "GET", &scores, &bearer(&read), "")
            .unwrap()
            .0,
        200
    );
    assert_eq!(
        exchange(port, "GET", &scores, &bearer("koe_read_wrong"), "")
            .unwrap()
            .0,
        401
    );
    let (status, _, links) = exchange(
        port,
        "POST",
        &format!("/api/v1/sites/{site_key}/links"),
        &bearer(&admin),
        r#"{"interaction":"mail-1","agent":"ken","channel":"email"}"#,
    )
    .unwrap();
    assert_eq!(status, 201, "{links}");
    let links: serde_json::Value = serde_json::from_str(&links).unwrap();
    let link = links["csat"][4]["url"].as_str().unwrap().to_owned();
    let link_path = &link[link.find("/s/").expect("a /s/ link")..];
    assert_eq!(exchange(port, "GET", link_path, "", "").unwrap().0, 200);

    // A manager invited on the command line takes their invitation, which signs them in.
    let invited = run(&[
        "user",
        "invite",
        "--site",
        &site_key,
        "--email",
        "ken@shop.example",
        "--role",
        "manager",
        "--public-url",
        &format!("http://127.0.0.1:{port}"),
    ]);
    assert!(
        invited.status.success(),
        "{}",
        String::from_utf8_lossy(&invited.stderr)
    );
    let invited = String::from_utf8_lossy(&invited.stdout).into_owned();
    let welcome = invited
        .split_whitespace()
        .find(|w| w.contains("/dashboard/welcome/"))
        .expect("an invitation link")
        .to_owned();
    let welcome_path = &welcome[welcome.find("/dashboard/").unwrap()..];
    let password = "a manager's long pass phrase";
    let form = format!(
        "name=Ken&password={}",
        password.replace(' ', "+").replace('\'', "%27")
    );
    let (status, head, _) = exchange(
        port,
        "POST",
        welcome_path,
        &format!(
            "Origin: http://127.0.0.1:{port}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        ),
        &form,
    )
    .unwrap();
    assert!((300..400).contains(&status), "signed in: {status}");
    let cookie = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let session = cookie.split_once('=').unwrap().1.to_owned();
    let page = format!("/dashboard/sites/{site_key}");
    assert_eq!(
        exchange(port, "GET", &page, &format!("Cookie: {cookie}\r\n"), "")
            .unwrap()
            .0,
        200
    );
    collector.stop();

    let server_log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        server_log.contains("status=201"),
        "the log holds the run:\n{server_log}"
    );
    let logs = format!("{server_log}{cli_logs}");
    let link_token = link_path.trim_start_matches("/s/");
    for (name, secret) in [
        ("signing secret", secret.as_str()),
        ("admin API key", admin.as_str()),
        ("read API key", read.as_str()),
        ("attribution token", attribution.as_str()),
        ("rating link token", link_token),
        ("dashboard session", session.as_str()),
        (
            "invitation link",
            welcome_path.trim_start_matches("/dashboard/welcome/"),
        ),
        ("a person's password", password),
    ] {
        assert!(!logs.contains(secret), "the {name} is in a log");
    }
}
