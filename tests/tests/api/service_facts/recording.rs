//! Recording facts: idempotence, per-field last write wins, refusals, the `write` role.

use koe_tests::{TestBackend, on_both_backends};
use serde_json::{Value, json};

use super::*;

async fn facts_are_idempotent_and_each_field_keeps_its_last_write<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let write = key(&app, Role::Write).await;
    let body = json!({
        "channel": "chat",
        "team": "billing-team",
        "topic": "請求",
        "customer": "cust-1",
        "opened_at": "2026-11-30T10:00:00+09:00",
        "first_response_at": "2026-11-30T10:04:30+09:00",
        "contacts": 1,
        "handled_by": "bot_then_human",
        "agents": [{"agent": "aiko"}],
    });
    let (status, first) = put(&app, &write, "/interactions/chat-1", &body).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["status"], "created");
    assert_eq!(first["counts_on"], "2026-11-30");
    assert_eq!(first["facts"]["first_response_secs"], 270.0);
    let (status, again) = put(&app, &write, "/interactions/chat-1", &body).await;
    assert_eq!(status, 200, "the same PUT again changes nothing: {again}");
    assert_eq!(again["facts"], first["facts"]);

    // A later PUT names only what changed: resolution, then a reopen that clears it.
    let (_, resolved) = put(
        &app,
        &write,
        "/interactions/chat-1",
        &json!({"resolved_at": "2026-11-30T01:30:00Z"}),
    )
    .await;
    assert_eq!(resolved["facts"]["resolved_at"], "2026-11-30T01:30:00Z");
    assert_eq!(resolved["facts"]["topic"], "請求", "untouched fields stay");
    assert_eq!(resolved["facts"]["first_contact_resolved"], true);
    let (_, reopened) = put(
        &app,
        &write,
        "/interactions/chat-1",
        &json!({"resolved_at": null, "reopened": 1}),
    )
    .await;
    assert_eq!(reopened["facts"]["resolved_at"], Value::Null);
    assert_eq!(reopened["facts"]["first_contact_resolved"], Value::Null);

    let read = key(&app, Role::Read).await;
    let (status, shown) = get(&app, &read, "/interactions/chat-1").await;
    assert_eq!(status, 200);
    assert_eq!(shown["facts"], reopened["facts"]);
    assert_eq!(
        shown["customer_known"], true,
        "only that a customer is known"
    );
    assert!(
        !shown.to_string().contains("cust-1"),
        "the customer id is never stored"
    );
    let (status, missing) = get(&app, &read, "/interactions/never-sent").await;
    assert_eq!(
        (status, missing["error"].as_str()),
        (404, Some("not_found"))
    );
}

async fn facts_that_break_a_rule_name_the_field_and_store_nothing<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let write = key(&app, Role::Write).await;
    let (status, body) = put(
        &app,
        &write,
        "/interactions/early",
        &json!({
            "opened_at": "2026-11-30T10:00:00+09:00",
            "first_response_at": "2026-11-30T09:59:00+09:00",
        }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"], "invalid_facts");
    assert_eq!(body["field"], "first_response_at");
    let read = key(&app, Role::Read).await;
    assert_eq!(get(&app, &read, "/interactions/early").await.0, 404);

    // Against what is stored: the opening is known, a later PUT sends an earlier first reply.
    put(
        &app,
        &write,
        "/interactions/stored",
        &json!({"opened_at": "2026-11-30T10:00:00+09:00"}),
    )
    .await;
    let (status, body) = put(
        &app,
        &write,
        "/interactions/stored",
        &json!({"first_response_at": "2026-11-30T00:30:00Z"}),
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (422, Some("first_response_at"))
    );
    for (bad, field) in [
        (json!({"contacts": 0}), "contacts"),
        (json!({"opened_at": "yesterday"}), "opened_at"),
        (
            json!({"agents": [{"agent": "aiko", "share": 0.8}, {"agent": "ken", "share": 0.4}]}),
            "agents",
        ),
    ] {
        let (status, body) = put(&app, &write, "/interactions/bad", &bad).await;
        assert_eq!(
            (status, body["field"].as_str()),
            (422, Some(field)),
            "{bad}"
        );
    }
    let (status, _) = put(&app, &write, "/interactions/bad", &json!({"mood": "good"})).await;
    assert_eq!(status, 400, "an unknown field is refused");

    // A batch is all or nothing: one bad entry, and the good one is not stored either.
    let (status, body) = post(
        &app,
        &write,
        "/interactions",
        &json!({"interactions": [
            {"interaction": "good", "facts": {"contacts": 2}},
            {"interaction": "bad", "facts": {"contacts": 0}},
        ]}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["refused"][0]["index"], 1);
    assert_eq!(body["refused"][0]["interaction"], "bad");
    assert_eq!(get(&app, &read, "/interactions/good").await.0, 404);
    let (status, body) = post(
        &app,
        &write,
        "/interactions",
        &json!({"interactions": [
            {"interaction": "good", "facts": {"contacts": 2}},
            {"interaction": "good", "facts": {"contacts": 3}},
        ]}),
    )
    .await;
    assert_eq!(status, 400, "an interaction twice in one batch: {body}");
    // The facts scope takes a batch's size (2 MiB), not the rest of the API's 16 KiB, and no more.
    let padded = "x".repeat(60);
    let many: Vec<Value> = (0..1000)
        .map(|i| json!({"interaction": format!("big-{i}-{padded}"), "facts": {"contacts": 1}}))
        .collect();
    let (status, body) = post(
        &app,
        &write,
        "/interactions",
        &json!({"interactions": many}),
    )
    .await;
    assert_eq!(
        (status, body["created"].as_u64()),
        (200, Some(1000)),
        "a whole batch of 1 000"
    );
    // A 3 MiB batch: its head alone, on a socket of its own — the collector answers 413 without
    // reading the body, and a client still writing it could meet a closed socket instead.
    let bearer = format!("Bearer {write}");
    let (status, body, _) = koe_tests::raw_http::send_raw_with(
        &app.address,
        &format!("/api/v1/sites/{}/interactions", app.site.key()),
        &[("authorization", &bearer)],
        "application/json",
        3 << 20,
        b"",
        0,
        std::time::Duration::ZERO,
    )
    .await;
    assert_eq!((status, error_code_of(&body)), (413, "payload_too_large"));
}

async fn write_keys_send_facts_and_read_nothing<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let (write, read, admin) = (
        key(&app, Role::Write).await,
        key(&app, Role::Read).await,
        key(&app, Role::Admin).await,
    );
    let facts = json!({"contacts": 1});
    assert_eq!(put(&app, &write, "/interactions/a", &facts).await.0, 201);
    assert_eq!(put(&app, &admin, "/interactions/b", &facts).await.0, 201);
    let (status, body) = put(&app, &read, "/interactions/c", &facts).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
    assert_eq!(
        put(
            &app,
            &write,
            "/volumes/2026-11-30",
            &json!({"active_users": 10})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        put(
            &app,
            &read,
            "/volumes/2026-11-30",
            &json!({"active_users": 10})
        )
        .await
        .0,
        403
    );
    for path in [
        "/scores",
        "/service",
        "/responses",
        "/interactions/a",
        "/service/settings",
    ] {
        assert_eq!(get(&app, &write, path).await.0, 403, "{path}");
        assert_eq!(get(&app, &read, path).await.0, 200, "{path}");
    }
    let (status, _) = put(&app, &read, "/service/settings", &json!({})).await;
    assert_eq!(status, 403);
    let response = app
        .client
        .post(app.url("/dashboard/sign-in"))
        .form(&[("email", write.as_str()), ("password", write.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        401,
        "a key does not open the dashboard: people sign in"
    );
    let (status, body) = put(
        &app,
        &write,
        "/volumes/2026-13-01",
        &json!({"active_users": 1}),
    )
    .await;
    assert_eq!((status, error_code_of(&body)), (400, "invalid_parameter"));
    let (status, _) = put(
        &app,
        &write,
        "/volumes/2026-11-30",
        &json!({"active_users": -1}),
    )
    .await;
    assert_eq!(status, 400);
}

on_both_backends!(
    facts_are_idempotent_and_each_field_keeps_its_last_write,
    facts_that_break_a_rule_name_the_field_and_store_nothing,
    write_keys_send_facts_and_read_nothing,
);
