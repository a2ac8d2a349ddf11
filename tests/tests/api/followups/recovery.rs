//! Asking again: a resolved closing's one-time link, answered once while the follow-up stays
//! resolved, never moving the original's counts; another site sees nothing; the recovery rate
//! and the SLA share equal an independent count.

use koe_collector::storage::Role;
use koe_tests::{TestApp, TestBackend, on_both_backends};
use serde_json::json;

use super::{answer, followups, key, patch};

/// An unhappy answer for `interaction`, its follow-up closed as resolved: the follow-up's id
/// and the path of the re-ask link the closing gave.
async fn closed_as_resolved<S: TestBackend>(
    app: &TestApp<S>,
    read: &str,
    write: &str,
    interaction: &str,
) -> (i64, String) {
    assert_eq!(answer(app, interaction, json!({ "csat": 1 })).await, 201);
    let id = followups(app, read, "").await[0]["id"].as_i64().unwrap();
    let (code, closed) = patch(
        app,
        write,
        id,
        json!({ "status": "resolved", "cause": "other" }),
    )
    .await;
    assert_eq!(code, 200);
    let link = closed["reask_url"].as_str().unwrap();
    (id, format!("/recover/{}", link.rsplit('/').next().unwrap()))
}

async fn a_reopened_follow_up_ends_its_reask_link_and_another_site_sees_nothing<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let (read, write) = (key(&app, Role::Read).await, key(&app, Role::Write).await);
    let (id, path) = closed_as_resolved(&app, &read, &write, "chat-x").await;
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

/// The re-ask page asks CSAT in the site's own words, as its survey does.
async fn the_reask_page_asks_in_the_sites_own_words<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let (read, write, admin) = (
        key(&app, Role::Read).await,
        key(&app, Role::Write).await,
        key(&app, Role::Admin).await,
    );
    let survey = json!({
        "languages": ["ja", "en"],
        "texts": {"ja": {"csat_question": "ヤマダの対応はいかがでしたか？", "csat_5": "大満足"}},
    });
    let published = app
        .client
        .put(app.url(&format!("/api/v1/sites/{}/survey", app.site.key())))
        .bearer_auth(&admin)
        .json(&survey)
        .send()
        .await
        .unwrap();
    assert_eq!(published.status(), 200);
    let (_, path) = closed_as_resolved(&app, &read, &write, "chat-words").await;
    let path = format!("{path}?lang=ja");
    let page = app
        .client
        .get(app.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("ヤマダの対応はいかがでしたか？") && page.contains("5 – 大満足"),
        "{page}"
    );
}

on_both_backends!(
    the_reask_page_asks_in_the_sites_own_words,
    a_reopened_follow_up_ends_its_reask_link_and_another_site_sees_nothing,
    a_recovery_answer_never_changes_the_original_counts,
    the_recovery_rate_and_sla_share_equal_an_independent_count,
);
