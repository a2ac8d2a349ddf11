//! Chatwoot: an unassign-on-resolve automation does not orphan the rating (the last human
//! agent who wrote is credited), a resolution sent twice posts one message, a forged signature
//! does nothing, a reopen is counted.

use hmac::{Hmac, Mac};
use koe_collector::people::SiteRole;
use koe_tests::{TestApp, TestBackend, on_both_backends};
use serde_json::{Value, json};
use sha2::Sha256;

use super::{add, app, events, fixture, keys, until_event};

/// The webhook secret Chatwoot shows for the webhook (its documented example's).
const SECRET: &str = "hVq3Xk9bT2sN7dWmR4pLc8Fz";

/// Sends `body` as Chatwoot does: signed over `"<timestamp>.<body>"` with the secret.
async fn deliver<S: TestBackend>(
    app: &TestApp<S>,
    url: &str,
    body: &str,
    secret: &str,
) -> (u16, Value) {
    let at = jiff::Timestamp::now().as_second().to_string();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{at}.{body}").as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let response = app
        .client
        .post(url)
        .header("content-type", "application/json")
        .header("x-chatwoot-timestamp", at)
        .header("x-chatwoot-signature", format!("sha256={hex}"))
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

/// Connects a Chatwoot account (1, contacts' fallback language English) whose API is `url`.
async fn connect<S: TestBackend>(
    app: &TestApp<S>,
    admin: &str,
    url: &str,
    credentials: Value,
) -> Value {
    add(
        app,
        admin,
        json!({
            "settings": { "kind": "chatwoot", "url": url, "account_id": 1, "locale": "en" },
            "credentials": credentials,
        }),
    )
    .await
}

async fn the_last_agent_who_wrote_is_credited_and_one_message_is_posted<S: TestBackend>() {
    let Some(app) = app::<S>().await else {
        return;
    };
    let platform = koe_tests::platform::Platform::start().await;
    let (admin, read) = keys(&app).await;
    let added = connect(
        &app,
        &admin,
        &platform.url,
        json!({ "kind": "chatwoot", "api_token": "cw-bot-token", "webhook_secret": SECRET }),
    )
    .await;
    let hook = added["webhook_url"].as_str().unwrap().to_owned();
    assert!(hook.contains("/integrations/chatwoot/i_"), "{added}");
    let listed = app
        .get_json(
            &format!("/api/v1/sites/{}/integrations", app.site.key()),
            &admin,
        )
        .await;
    assert_eq!(
        listed["integrations"][0]["signature_checked"], true,
        "{listed}"
    );

    // A forged resolution: refused, nothing recorded, nothing posted.
    let resolved = fixture("chatwoot/conversation_status_changed_resolved_unassigned.json");
    let (status, body) = deliver(&app, &hook, &resolved, "a guess").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_signature"))
    );
    assert!(events(&app, &admin).await.is_empty());

    // Ayumi writes to the customer; an automation unassigns her as the conversation resolves.
    let wrote = fixture("chatwoot/message_created_outgoing_agent.json");
    assert_eq!(deliver(&app, &hook, &wrote, SECRET).await.0, 200);
    let (status, body) = deliver(&app, &hook, &resolved, SECRET).await;
    assert_eq!(
        (status, &body["received"]),
        (200, &json!("surveyed")),
        "{body}"
    );
    // Chatwoot sends it again (a retry): nothing is posted twice.
    let (status, body) = deliver(&app, &hook, &resolved, SECRET).await;
    assert_eq!(
        (status, &body["received"]),
        (200, &json!("duplicate")),
        "{body}"
    );

    let calls = platform.wait_for(1).await;
    let events = until_event(&app, &admin, "sent").await;
    assert_eq!(events.len(), 1, "one resolution, one event: {events:?}");
    assert_eq!(calls.len(), 1, "one message: {calls:?}");
    let message = &calls[0];
    assert_eq!(message.path, "/api/v1/accounts/1/conversations/42/messages");
    assert_eq!(message.header("api_access_token"), Some("cw-bot-token"));
    let content = message.body["content"].as_str().unwrap();
    assert!(
        content.contains("今回のサポート"),
        "the contact's browser is Japanese: {content}"
    );
    assert_eq!(content.matches("/s/").count(), 5, "{content}");
    assert_eq!(message.body["private"], false);

    let facts = app
        .get_json(
            &format!(
                "/api/v1/sites/{}/interactions/chatwoot-1-42",
                app.site.key()
            ),
            &read,
        )
        .await;
    assert_eq!(facts["customer_known"], true);
    let facts = &facts["facts"];
    assert_eq!(facts["agents"], json!([{ "agent": "Ayumi" }]), "{facts}");
    assert_eq!(facts["team"], "billing");
    assert_eq!(facts["topic"], "billing");
    assert_eq!(facts["channel"], "chat");
    assert_eq!(facts["first_response_at"], "2025-06-10T09:05:40.118Z");

    // The posted links credit Ayumi: their tokens are signed for her.
    let link = content
        .split(['(', ')'])
        .find(|part| part.contains("/s/"))
        .unwrap()
        .to_owned();
    let token = link.split("/s/").nth(1).unwrap().split('?').next().unwrap();
    let token = koe_shared::AttributionToken::try_from(token.to_owned()).unwrap();
    let claims = app
        .site
        .site
        .verify_token(&token, jiff::Timestamp::now().as_millisecond())
        .unwrap();
    assert_eq!(claims.agent.unwrap().as_str(), "Ayumi");
    assert_eq!(claims.interaction.as_str(), "chatwoot-1-42");

    // The conversation opens again: the reopen is counted on the interaction.
    let reopened = fixture("chatwoot/conversation_status_changed_open.json");
    assert_eq!(deliver(&app, &hook, &reopened, SECRET).await.0, 200);
    let facts = app
        .get_json(
            &format!(
                "/api/v1/sites/{}/interactions/chatwoot-1-42",
                app.site.key()
            ),
            &read,
        )
        .await;
    assert_eq!(facts["facts"]["reopened"], 1, "{facts}");
    assert_eq!(facts["facts"]["resolved_at"], Value::Null, "{facts}");
}

async fn a_message_the_platform_refuses_at_first_is_retried_then_sent<S: TestBackend>() {
    let Some(app) = app::<S>().await else {
        return;
    };
    let platform = koe_tests::platform::Platform::start().await;
    platform.answer_with(&[503]);
    let (admin, _) = keys(&app).await;
    let added = connect(
        &app,
        &admin,
        &platform.url,
        json!({ "kind": "chatwoot", "api_token": "t" }),
    )
    .await;
    let hook = added["webhook_url"].as_str().unwrap();
    // No webhook secret: the secret path alone proves the sender.
    let resolved = fixture("chatwoot/conversation_status_changed_resolved.json");
    let response = app
        .client
        .post(hook)
        .header("content-type", "application/json")
        .body(resolved)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let calls = platform.wait_for(2).await;
    assert_eq!(calls[0].body, calls[1].body, "the same message, again");
    let events = until_event(&app, &admin, "sent").await;
    assert_eq!(events[0]["attempts"], 2, "{events:?}");
    let listed = app
        .get_json(
            &format!("/api/v1/sites/{}/integrations", app.site.key()),
            &admin,
        )
        .await;
    let integration = &listed["integrations"][0];
    assert_eq!(integration["events_today"], 1, "{listed}");
    assert_eq!(
        integration["last_error"],
        Value::Null,
        "a call that went through clears the last error: {listed}"
    );
}

async fn a_message_refused_for_good_is_a_dead_letter_the_owner_retries<S: TestBackend>() {
    let Some(app) = app::<S>().await else {
        return;
    };
    let platform = koe_tests::platform::Platform::start().await;
    // A revoked token: Chatwoot answers 401, and retrying would not change that.
    platform.answer_with(&[401]);
    let (admin, _) = keys(&app).await;
    let added = connect(
        &app,
        &admin,
        &platform.url,
        json!({ "kind": "chatwoot", "api_token": "revoked" }),
    )
    .await;
    let hook = added["webhook_url"].as_str().unwrap();
    let resolved = fixture("chatwoot/conversation_status_changed_resolved.json");
    let sent = app.client.post(hook).body(resolved).send().await.unwrap();
    assert_eq!(sent.status(), 200);
    let events = until_event(&app, &admin, "failed").await;
    assert!(
        events[0]["detail"].as_str().unwrap().contains("401"),
        "{events:?}"
    );
    let failed = app
        .get_json(
            &format!(
                "/api/v1/sites/{}/integrations/events?state=failed",
                app.site.key()
            ),
            &admin,
        )
        .await;
    assert_eq!(failed["events"].as_array().unwrap().len(), 1);
    let listed = app
        .get_json(
            &format!("/api/v1/sites/{}/integrations", app.site.key()),
            &admin,
        )
        .await;
    let integration = &listed["integrations"][0];
    assert!(
        integration["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("401")),
        "the owner sees why: {listed}"
    );
    assert_eq!(integration["failed"], 1, "{listed}");
    assert_eq!(
        integration["signature_checked"], false,
        "no webhook secret: the address alone proves the sender, and the owner is told"
    );
    // The dashboard's Integrations page shows it too, in both languages, to a read session.
    let cookie = app.dashboard_session(SiteRole::Admin).await;
    for (lang, words) in [
        ("en", ["Chatwoot #", "Calls given up"]),
        ("ja", ["Chatwoot #", "送信を断念したメッセージ"]),
    ] {
        let page = app
            .client
            .get(app.url(&format!(
                "/dashboard/sites/{}/integrations?lang={lang}",
                app.site.key()
            )))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        for word in words {
            assert!(html.contains(word), "{lang}: {word} in {html}");
        }
        assert!(html.contains("the platform answered 401"), "{html}");
        assert!(!html.contains("revoked"), "never a credential: {html}");
    }
    // The owner fixes the token and retries the dead letter.
    let id = events[0]["id"].as_i64().unwrap();
    let retry = format!(
        "/api/v1/sites/{}/integrations/events/{id}/retry",
        app.site.key()
    );
    let retried = app
        .client
        .post(app.url(&retry))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(retried.status(), 204);
    until_event(&app, &admin, "sent").await;
    assert_eq!(platform.calls().len(), 2);
    let again = app
        .client
        .post(app.url(&retry))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 404, "only a dead letter is retried");
}

async fn a_contact_surveyed_within_the_sites_cooldown_is_not_asked_again<S: TestBackend>() {
    let Some(app) = app::<S>().await else {
        return;
    };
    app.update_site(&app.site, &json!({ "cooldown_days": 30 }))
        .await;
    let platform = koe_tests::platform::Platform::start().await;
    let (admin, _) = keys(&app).await;
    let added = connect(
        &app,
        &admin,
        &platform.url,
        json!({ "kind": "chatwoot", "api_token": "t" }),
    )
    .await;
    let hook = added["webhook_url"].as_str().unwrap();
    let mut resolved: Value = serde_json::from_str(&fixture(
        "chatwoot/conversation_status_changed_resolved.json",
    ))
    .unwrap();
    let mut answers = Vec::new();
    for conversation in [42, 43] {
        // The same contact (15), two conversations resolved a moment apart.
        resolved["id"] = json!(conversation);
        let sent = app.client.post(hook).json(&resolved).send().await.unwrap();
        assert_eq!(sent.status(), 200);
        answers.push(sent.json::<Value>().await.unwrap()["received"].clone());
    }
    assert_eq!(answers, [json!("surveyed"), json!("skipped")]);
    platform.wait_for(1).await;
    let events = until_event(&app, &admin, "skipped").await;
    assert_eq!(events[0]["detail"], "cooldown", "{events:?}");
    assert_eq!(events[0]["interaction"], "chatwoot-1-43");
    // The skipped conversation's facts are recorded all the same.
    let (_, read) = keys(&app).await;
    let facts = app
        .get_json(
            &format!(
                "/api/v1/sites/{}/interactions/chatwoot-1-43",
                app.site.key()
            ),
            &read,
        )
        .await;
    assert_eq!(facts["facts"]["agents"], json!([{ "agent": "Ayumi" }]));
    assert_eq!(
        platform.calls().len(),
        1,
        "one message, to the first conversation"
    );
}

async fn times_a_rule_refuses_do_not_cost_the_customer_their_survey<S: TestBackend>() {
    let Some(app) = app::<S>().await else {
        return;
    };
    let platform = koe_tests::platform::Platform::start().await;
    let (admin, read) = keys(&app).await;
    let added = connect(
        &app,
        &admin,
        &platform.url,
        json!({ "kind": "chatwoot", "api_token": "t" }),
    )
    .await;
    let hook = added["webhook_url"].as_str().unwrap();
    let mut resolved: Value = serde_json::from_str(&fixture(
        "chatwoot/conversation_status_changed_resolved.json",
    ))
    .unwrap();
    // A first reply stamped an hour before the conversation opened (a skewed clock).
    resolved["first_reply_created_at"] = json!("2025-06-10T08:00:00.000Z");
    let sent = app.client.post(hook).json(&resolved).send().await.unwrap();
    assert_eq!(sent.status(), 200);
    assert_eq!(sent.json::<Value>().await.unwrap()["received"], "surveyed");
    platform.wait_for(1).await;
    let facts = app
        .get_json(
            &format!(
                "/api/v1/sites/{}/interactions/chatwoot-1-42",
                app.site.key()
            ),
            &read,
        )
        .await;
    assert_eq!(
        facts["facts"]["agents"],
        json!([{ "agent": "Ayumi" }]),
        "{facts}"
    );
    assert_eq!(facts["facts"]["first_response_at"], Value::Null, "{facts}");
    let events = events(&app, &admin).await;
    assert!(
        events[0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("first_response_at")),
        "the owner sees why the times are missing: {events:?}"
    );
}

on_both_backends!(
    the_last_agent_who_wrote_is_credited_and_one_message_is_posted,
    a_message_the_platform_refuses_at_first_is_retried_then_sent,
    a_message_refused_for_good_is_a_dead_letter_the_owner_retries,
    a_contact_surveyed_within_the_sites_cooldown_is_not_asked_again,
    times_a_rule_refuses_do_not_cost_the_customer_their_survey,
);
