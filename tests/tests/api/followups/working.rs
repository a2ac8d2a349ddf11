//! Working follow-ups over the API: assigned, noted, closed with a root cause from the site's
//! list and audited with who; an overdue one fires one webhook however many collectors look.
//! Asking again and the numbers are `recovery.rs`.

use koe_collector::followups::overdue;
use koe_collector::storage::Role;
use koe_tests::{TestApp, TestBackend, on_both_backends};
use serde_json::{Value, json};

use super::{answer, followups, key, patch};

async fn a_follow_up_is_assigned_closed_with_a_cause_and_audited<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let (read, write) = (key(&app, Role::Read).await, key(&app, Role::Write).await);
    assert_eq!(
        answer(&app, "chat-1", json!({ "csat": 1, "agent": "aiko" })).await,
        201
    );
    let id = followups(&app, &read, "").await[0]["id"].as_i64().unwrap();
    // A read key lists but does not work.
    assert_eq!(
        patch(&app, &read, id, json!({ "owner": "Ken" })).await.0,
        403
    );
    // No accounts on this site: an owner is a name.
    let (code, body) = patch(&app, &write, id, json!({ "owner": "Ken" })).await;
    assert_eq!((code, body["owner"].as_str()), (200, Some("Ken")), "{body}");
    // Closing needs a cause from the site's list, and a closing status.
    for (bad, field) in [
        (json!({ "status": "resolved" }), "cause"),
        (json!({ "status": "resolved", "cause": "weather" }), "cause"),
        (
            json!({ "status": "done", "cause": "product" }),
            "resolved, not_resolved",
        ),
        (json!({ "cause": "product" }), "closing status"),
    ] {
        let (code, body) = patch(&app, &write, id, bad.clone()).await;
        assert_eq!(code, 400, "{bad}");
        assert!(body["message"].as_str().unwrap().contains(field), "{body}");
    }
    let (code, body) = patch(&app, &write, id, json!({ "status": "contacted" })).await;
    assert_eq!((code, body["status"].as_str()), (200, Some("contacted")));
    let contacted_at = body["contacted_at"].clone();
    let (code, body) = patch(
        &app,
        &write,
        id,
        json!({ "status": "not_resolved", "cause": "policy" }),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["status"], "not_resolved");
    assert_eq!(body["cause"], "policy");
    assert_eq!(
        body["contacted_at"], contacted_at,
        "the first contact is kept"
    );
    assert!(
        body.get("reask_url").is_none(),
        "only a resolved closing asks again"
    );
    let audit = app.storage.audit_events(app.site.site.id).await.unwrap();
    let done: Vec<(String, String)> = audit
        .iter()
        .filter(|e| e.action.starts_with("followup_"))
        .map(|e| (e.action.clone(), e.actor.clone()))
        .collect();
    for action in ["followup_assigned", "followup_contacted", "followup_closed"] {
        assert!(
            done.iter()
                .any(|(a, actor)| a == action && actor.starts_with("key:")),
            "{action} with who: {done:?}"
        );
    }
    // The settings take a cause list of the site's own; a bad one is refused naming its field.
    let admin = key(&app, Role::Admin).await;
    let settings = format!("/api/v1/sites/{}/followups/settings", app.site.key());
    let put = |body: Value| {
        app.client
            .put(app.url(&settings))
            .bearer_auth(&admin)
            .json(&body)
            .send()
    };
    let refused = put(json!({ "causes": ["billing", "Billing!"] }))
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let refused: Value = refused.json().await.unwrap();
    assert!(
        refused["message"].as_str().unwrap().starts_with("causes:"),
        "{refused}"
    );
    let stored = put(json!({ "causes": ["billing", "bug"], "working_days": "mon - fri" }))
        .await
        .unwrap();
    assert_eq!(stored.status(), 200);
    let stored: Value = stored.json().await.unwrap();
    assert_eq!(stored["causes"], json!(["billing", "bug"]));
    assert_eq!(stored["working_days"], "mon,tue,wed,thu,fri");
    assert_eq!(stored["sla_hours"], 24, "the fields not given stay");
}

async fn an_overdue_follow_up_fires_one_webhook<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn_with(|s| {
        s.webhook_allow_private_networks = true;
        s.webhook_allow_http = true;
    })
    .await
    else {
        return;
    };
    let admin = key(&app, Role::Admin).await;
    let hooks = format!("/api/v1/sites/{}/webhooks", app.site.key());
    // Port 9 (discard): never reached, deliveries only queue.
    let added = app
        .client
        .post(app.url(&hooks))
        .bearer_auth(&admin)
        .json(&json!({ "url": "http://127.0.0.1:9/f", "when": "csat<=2", "events": "followups" }))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201);
    assert_eq!(answer(&app, "chat-late", json!({ "csat": 1 })).await, 201);
    assert_eq!(answer(&app, "chat-early", json!({ "csat": 1 })).await, 201);
    let deliveries = || async {
        app.storage
            .deliveries(app.site.site.id, 100)
            .await
            .unwrap()
            .len()
    };
    assert_eq!(deliveries().await, 2, "one `opened` event each");
    // chat-early's customer is contacted in time: it is never overdue.
    let listed = followups(&app, &admin, "").await;
    let early = listed
        .iter()
        .find(|f| f["interaction"] == "chat-early")
        .unwrap();
    let (code, _) = patch(
        &app,
        &admin,
        early["id"].as_i64().unwrap(),
        json!({ "status": "contacted" }),
    )
    .await;
    assert_eq!(code, 200);
    // Long after both are due, two collectors look at once, and again.
    let later = koe_collector::clock::now_ms() + 30 * 86_400_000;
    let (a, b) = tokio::join!(
        overdue::notice(&app.storage, later),
        overdue::notice(&app.storage, later)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1, "noticed once");
    assert_eq!(overdue::notice(&app.storage, later).await.unwrap(), 0);
    assert_eq!(
        deliveries().await,
        3,
        "one `overdue` event, for chat-late only"
    );
    let overdue_only = followups(&app, &admin, "overdue=true").await;
    assert_eq!(overdue_only.len(), 0, "not overdue by the clock of now");
}

on_both_backends!(
    a_follow_up_is_assigned_closed_with_a_cause_and_audited,
    an_overdue_follow_up_fires_one_webhook
);
