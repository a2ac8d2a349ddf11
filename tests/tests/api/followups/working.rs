//! Working follow-ups over the API: assigned, noted, closed with a root cause from the site's
//! list and audited with who; an overdue one fires one webhook however many collectors look; a
//! recovery answer sits beside the original and never moves its counts; the numbers equal an
//! independent count.

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

async fn a_recovery_answer_never_changes_the_original_counts<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let (read, write) = (key(&app, Role::Read).await, key(&app, Role::Write).await);
    assert_eq!(
        answer(
            &app,
            "chat-r",
            json!({ "csat": 1, "nps": 2, "locale": "ja" })
        )
        .await,
        201
    );
    let scores = format!("/api/v1/sites/{}/scores?bucket=all", app.site.key());
    let before = app.get_json(&scores, &read).await;
    let rollups_before = app.rollups(&app.site).await;
    let id = followups(&app, &read, "").await[0]["id"].as_i64().unwrap();
    let (code, closed) = patch(
        &app,
        &write,
        id,
        json!({ "status": "resolved", "cause": "product" }),
    )
    .await;
    assert_eq!(code, 200, "{closed}");
    let link = closed["reask_url"].as_str().unwrap().to_owned();
    let path = link
        .split_once("/recover/")
        .map(|(_, t)| format!("/recover/{t}"))
        .unwrap();
    // Opening the link records nothing; the page is in the customer's first language.
    let page = app
        .client
        .get(app.url(&format!("{path}?csat=4")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("lang=\"ja\"") && page.contains("解決しましたか"),
        "{page}"
    );
    assert!(page.contains("value=\"4\" aria-label=\"4") && page.contains("checked"));
    let form = [("csat", "5"), ("resolved", "yes")];
    let sent = app
        .client
        .post(app.url(&path))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    // Sent again from the page (its form posts back with the page's language).
    let again = app
        .client
        .post(app.url(&format!("{path}?lang=ja")))
        .form(&[("csat", "1")])
        .send()
        .await
        .unwrap();
    assert!(
        again.text().await.unwrap().contains("すでに"),
        "answered once"
    );
    let shown = app
        .get_json(
            &format!("/api/v1/sites/{}/followups/{id}", app.site.key()),
            &read,
        )
        .await;
    assert_eq!(shown["recovery"]["csat"], 5);
    assert_eq!(shown["recovery"]["resolved"], true);
    assert_eq!(shown["answer"]["csat"], 1, "the original answer stands");
    assert_eq!(
        app.get_json(&scores, &read).await,
        before,
        "the scores do not move"
    );
    assert_eq!(app.rollups(&app.site).await, rollups_before);
    let unknown = app
        .client
        .get(app.url("/recover/koe_rec_nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

async fn the_recovery_rate_and_sla_share_equal_an_independent_count<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let (read, write) = (key(&app, Role::Read).await, key(&app, Role::Write).await);
    // 24 unhappy customers of two agents; a fixed pattern decides what happens to each.
    for i in 0..24 {
        let agent = if i % 2 == 0 { "aiko" } else { "ken" };
        let status = answer(
            &app,
            &format!("chat-{i}"),
            json!({ "csat": 1 + i % 2, "agent": agent }),
        )
        .await;
        assert_eq!(status, 201);
    }
    let listed = followups(&app, &read, "limit=100").await;
    assert_eq!(listed.len(), 24);
    let (mut reasked, mut recovered, mut closed_product) = (0u64, 0u64, 0u64);
    let mut reasked_aiko = (0u64, 0u64);
    for f in &listed {
        let i: u64 = f["interaction"].as_str().unwrap()[5..].parse().unwrap();
        let id = f["id"].as_i64().unwrap();
        if i.is_multiple_of(3) {
            continue; // left open
        }
        let (status, cause) = if i % 4 == 1 {
            ("not_resolved", "policy")
        } else {
            ("resolved", "product")
        };
        let (code, body) = patch(
            &app,
            &write,
            id,
            json!({ "status": status, "cause": cause }),
        )
        .await;
        assert_eq!(code, 200, "{body}");
        closed_product += u64::from(cause == "product");
        let Some(link) = body["reask_url"].as_str() else {
            continue;
        };
        reasked += 1;
        let aiko = f["agent"] == "aiko";
        reasked_aiko.0 += u64::from(aiko);
        if i % 5 == 4 {
            continue; // the customer never answers
        }
        let csat = 1 + (i * 7) % 5;
        let path = format!("/recover/{}", link.rsplit('/').next().unwrap());
        let sent = app
            .client
            .post(app.url(&path))
            .form(&[("csat", csat.to_string())])
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), 200);
        if csat >= 4 {
            recovered += 1;
            reasked_aiko.1 += u64::from(aiko);
        }
    }
    let report = app
        .get_json(
            &format!(
                "/api/v1/sites/{}/followups/report?bucket=all&group_by=agent",
                app.site.key()
            ),
            &read,
        )
        .await;
    let total = &report["total"];
    assert_eq!(total["opened"], 24);
    assert_eq!(total["reasked"], reasked);
    let rate = &total["recovery_rate"];
    assert_eq!(rate["n"], reasked);
    let expected = 100.0 * recovered as f64 / reasked as f64;
    assert!(
        (rate["value"].as_f64().unwrap() - expected).abs() < 0.01,
        "{rate} vs {expected}"
    );
    let product = total["causes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["cause"] == "product")
        .unwrap();
    assert_eq!(product["count"], closed_product);
    // Everything closed was contacted now, well within its SLA; nothing is due yet otherwise.
    let sla = &total["contacted_within_sla"];
    assert_eq!(sla["value"].as_f64(), Some(100.0), "{total}");
    let aiko = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["agent"] == "aiko")
        .unwrap();
    assert_eq!(aiko["reasked"], reasked_aiko.0);
    let aiko_rate = aiko["recovery_rate"]["value"].as_f64().unwrap_or(0.0);
    assert!((aiko_rate - 100.0 * reasked_aiko.1 as f64 / reasked_aiko.0 as f64).abs() < 0.01);
    // CSV carries the same numbers.
    let csv = app
        .client
        .get(app.url(&format!(
            "/api/v1/sites/{}/followups/report?bucket=all&format=csv",
            app.site.key()
        )))
        .bearer_auth(&read)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.contains("recovery_rate_n") && csv.contains("cause_product"),
        "{csv}"
    );
}

async fn a_reopened_follow_up_ends_its_reask_link_and_another_site_sees_nothing<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let (read, write) = (key(&app, Role::Read).await, key(&app, Role::Write).await);
    assert_eq!(answer(&app, "chat-x", json!({ "csat": 1 })).await, 201);
    let id = followups(&app, &read, "").await[0]["id"].as_i64().unwrap();
    let (code, closed) = patch(
        &app,
        &write,
        id,
        json!({ "status": "resolved", "cause": "other" }),
    )
    .await;
    assert_eq!(code, 200);
    let link = closed["reask_url"].as_str().unwrap();
    let path = format!("/recover/{}", link.rsplit('/').next().unwrap());
    // Closed already: closing again is refused, nothing changes.
    let (code, body) = patch(
        &app,
        &write,
        id,
        json!({ "status": "no_reply", "cause": "other" }),
    )
    .await;
    assert_eq!(
        (code, body["error"].as_str()),
        (409, Some("followup_closed"))
    );
    // Worked again: the link it gave no longer takes an answer.
    let (code, _) = patch(&app, &write, id, json!({ "status": "contacted" })).await;
    assert_eq!(code, 200);
    let late = app
        .client
        .post(app.url(&path))
        .form(&[("csat", "5")])
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), 404);
    // Another site's keys see and change nothing of this site's follow-ups.
    let other = app.add_site("Other", false, "https://other.example").await;
    let (_, other_key) = koe_collector::sites::registration::create_api_key(
        &app.storage,
        &other.site,
        Role::Admin,
        koe_collector::audit::Actor::Cli,
    )
    .await
    .unwrap();
    let theirs = format!("/api/v1/sites/{}/followups/{id}", other.key());
    let seen = app
        .client
        .get(app.url(&theirs))
        .bearer_auth(&other_key)
        .send()
        .await
        .unwrap();
    assert_eq!(seen.status(), 404);
    let changed = app
        .client
        .patch(app.url(&theirs))
        .bearer_auth(&other_key)
        .json(&json!({ "owner": "Mallory" }))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 404);
    let ours = format!("/api/v1/sites/{}/followups/{id}", app.site.key());
    let refused = app
        .client
        .get(app.url(&ours))
        .bearer_auth(&other_key)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 404, "a key of another site");
}

on_both_backends!(
    a_reopened_follow_up_ends_its_reask_link_and_another_site_sees_nothing,
    a_follow_up_is_assigned_closed_with_a_cause_and_audited,
    an_overdue_follow_up_fires_one_webhook,
    a_recovery_answer_never_changes_the_original_counts,
    the_recovery_rate_and_sla_share_equal_an_independent_count
);
