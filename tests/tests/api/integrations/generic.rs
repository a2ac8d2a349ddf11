//! A generic helpdesk hook, shaped like Zendesk's "ticket solved" webhook (docs/operations.md
//! sets one up, answering `record`; a helpdesk that can use the answer takes `links`): Basic
//! auth, the field mapping, the links in the answer, the same links for a resend, and the
//! interaction recorded with its facts.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use koe_tests::{TestApp, TestBackend, on_both_backends};
use serde_json::{Value, json};

use super::{add, app, keys};

async fn solve<S: TestBackend>(
    app: &TestApp<S>,
    url: &str,
    password: &str,
    body: &Value,
) -> (u16, Value) {
    let response = app
        .client
        .post(url)
        .header(
            "authorization",
            format!("Basic {}", STANDARD.encode(format!("zendesk:{password}"))),
        )
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

async fn a_solved_ticket_is_recorded_and_answered_with_its_links<S: TestBackend>() {
    let Some(app) = app::<S>().await else {
        return;
    };
    let (admin, read) = keys(&app).await;
    let added = add(
        &app,
        &admin,
        json!({
            "settings": {
                "kind": "generic",
                "mapping": {
                    "interaction": "/ticket/id",
                    "agent": "/ticket/assignee/name",
                    "team": "/ticket/group",
                    "channel": "/ticket/via",
                    "email": "/ticket/requester/email",
                    "locale": "/ticket/requester/locale",
                    "opened_at": "/ticket/created_at",
                    "resolved_at": "/ticket/solved_at",
                },
                "respond": "links",
                "auth": "basic",
            },
        }),
    )
    .await;
    let (hook, secret) = (
        added["webhook_url"].as_str().unwrap().to_owned(),
        added["secret"].as_str().unwrap().to_owned(),
    );
    let ticket = json!({ "ticket": {
        "id": 3141,
        "assignee": { "name": "Haruto" },
        "group": "tier1",
        "via": "email",
        "requester": { "email": "Kenji@Example.jp", "locale": "ja" },
        "created_at": "2026-12-01T09:00:00+09:00",
        "solved_at": "2026-12-01T10:30:00+09:00",
    }});
    let (status, answer) = solve(&app, &hook, "a guess", &ticket).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (401, Some("invalid_signature"))
    );

    let (status, answer) = solve(&app, &hook, &secret, &ticket).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["received"], "surveyed");
    assert_eq!(answer["interaction"], "3141");
    let links = &answer["links"];
    assert_eq!(links["csat"].as_array().unwrap().len(), 5, "{answer}");
    assert!(links["html"].as_str().unwrap().contains("lang=\"ja\""));
    let (status, again) = solve(&app, &hook, &secret, &ticket).await;
    assert_eq!((status, &again["received"]), (200, &json!("duplicate")));
    assert_eq!(
        again["links"]["csat"][0]["url"], links["csat"][0]["url"],
        "the same links"
    );

    let facts = app
        .get_json(
            &format!("/api/v1/sites/{}/interactions/3141", app.site.key()),
            &read,
        )
        .await;
    assert_eq!(facts["customer_known"], true);
    let facts = &facts["facts"];
    assert_eq!(facts["agents"], json!([{ "agent": "Haruto" }]), "{facts}");
    assert_eq!(
        (&facts["team"], &facts["channel"]),
        (&json!("tier1"), &json!("email"))
    );

    let (status, refused) =
        solve(&app, &hook, &secret, &json!({ "ticket": { "via": "fax" } })).await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (400, Some("invalid_payload")),
        "{refused}"
    );
}

async fn an_erasure_takes_the_interactions_events_with_it<S: TestBackend>() {
    let Some(app) = app::<S>().await else {
        return;
    };
    let (admin, _) = keys(&app).await;
    let added = add(
        &app,
        &admin,
        json!({ "settings": { "kind": "generic", "mapping": { "interaction": "/id" }, "respond": "record", "auth": "basic" } }),
    )
    .await;
    let (hook, secret) = (
        added["webhook_url"].as_str().unwrap().to_owned(),
        added["secret"].as_str().unwrap().to_owned(),
    );
    let (status, answer) = solve(&app, &hook, &secret, &json!({ "id": "t-77" })).await;
    assert_eq!((status, &answer["received"]), (200, &json!("recorded")));
    assert!(answer.get("links").is_none(), "record only: {answer}");
    assert_eq!(super::events(&app, &admin).await.len(), 1);
    let erased = app
        .client
        .delete(app.url(&format!("/api/v1/sites/{}/responses/t-77", app.site.key())))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status(), 200);
    assert!(super::events(&app, &admin).await.is_empty());
}

/// The signing example in docs/operations.md ("Signing with `--auth hmac`"), run as written.
fn documented_signing_script() -> String {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/operations.md"
    ))
    .unwrap();
    let start = doc
        .find("# X-Koe-Signature: python3 sign.py")
        .expect("the signing example is in docs/operations.md");
    let end = start + doc[start..].find("```").expect("the example ends");
    doc[start..end].to_owned()
}

async fn the_documented_signing_example_is_accepted_and_a_stale_signature_is_not<S: TestBackend>() {
    let Some(app) = app::<S>().await else {
        return;
    };
    let (admin, read) = keys(&app).await;
    let added = add(
        &app,
        &admin,
        json!({ "settings": { "kind": "generic", "mapping": { "interaction": "/ticket/id", "agent": "/ticket/assignee/name" }, "respond": "record", "auth": "hmac" } }),
    )
    .await;
    let (hook, secret) = (
        added["webhook_url"].as_str().unwrap().to_owned(),
        added["secret"].as_str().unwrap().to_owned(),
    );
    let script = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(script.path(), documented_signing_script()).unwrap();
    let output = std::process::Command::new("python3")
        .arg(script.path())
        .args([&hook, &secret])
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["received"], "recorded", "{answer}");
    let facts = app
        .get_json(
            &format!("/api/v1/sites/{}/interactions/3141", app.site.key()),
            &read,
        )
        .await;
    assert_eq!(facts["facts"]["agents"], json!([{ "agent": "Haruto" }]));

    // The same body signed ten minutes ago (seen on its way, sent again): refused.
    let body = br#"{"ticket":{"id":"3141","assignee":{"name":"Mallory"}}}"#;
    let stale = (jiff::Timestamp::now().as_second() - 600).to_string();
    let mut mac =
        <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(secret.as_bytes()).unwrap();
    hmac::Mac::update(&mut mac, format!("{stale}.").as_bytes());
    hmac::Mac::update(&mut mac, body);
    let hex: String = hmac::Mac::finalize(mac)
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let replayed = app
        .client
        .post(&hook)
        .header("x-koe-timestamp", stale)
        .header("x-koe-signature", format!("sha256={hex}"))
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(replayed.status(), 401);
    let facts = app
        .get_json(
            &format!("/api/v1/sites/{}/interactions/3141", app.site.key()),
            &read,
        )
        .await;
    assert_eq!(
        facts["facts"]["agents"],
        json!([{ "agent": "Haruto" }]),
        "nothing changed"
    );
}

on_both_backends!(
    a_solved_ticket_is_recorded_and_answered_with_its_links,
    an_erasure_takes_the_interactions_events_with_it,
    the_documented_signing_example_is_accepted_and_a_stale_signature_is_not,
);
