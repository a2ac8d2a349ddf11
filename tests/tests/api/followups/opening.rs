//! Opening and withdrawing follow-ups with the answers that call for them.

use koe_collector::storage::Role;
use koe_tests::{TestApp, TestBackend, on_both_backends};
use serde_json::json;

use super::{answer, followups, key, patch};

async fn an_unhappy_answer_opens_exactly_one_follow_up_even_submitted_twice_at_once<
    S: TestBackend,
>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let read = key(&app, Role::Read).await;
    // The same unhappy answer twice at once, eight times over: each interaction gets one.
    for round in 0..8 {
        let interaction = format!("chat-{round}");
        let unhappy = json!({ "csat": 1, "comment": "nobody answered" });
        let (a, b) = tokio::join!(
            answer(&app, &interaction, unhappy.clone()),
            answer(&app, &interaction, unhappy.clone())
        );
        assert!(a < 300 && b < 300, "{a} {b}");
    }
    // Happy answers open nothing; an NPS detractor and "not resolved" do.
    assert_eq!(
        answer(&app, "chat-happy", json!({ "csat": 5, "nps": 9 })).await,
        201
    );
    assert_eq!(answer(&app, "chat-nps", json!({ "nps": 3 })).await, 201);
    assert_eq!(
        answer(&app, "chat-unresolved", json!({ "resolved": false })).await,
        201
    );
    let listed = followups(&app, &read, "status=all&limit=100").await;
    let mut interactions: Vec<&str> = listed
        .iter()
        .map(|f| f["interaction"].as_str().unwrap())
        .collect();
    interactions.sort_unstable();
    let mut expected: Vec<String> = (0..8).map(|r| format!("chat-{r}")).collect();
    expected.extend(["chat-nps".into(), "chat-unresolved".into()]);
    expected.sort_unstable();
    assert_eq!(
        interactions, expected,
        "one each, none for the happy answer"
    );
    let first = listed
        .iter()
        .find(|f| f["interaction"] == "chat-0")
        .unwrap();
    assert_eq!(first["status"], "open");
    assert_eq!(first["answer"]["comment"], "nobody answered");
    assert!(first["due_at"].as_str().unwrap() > first["opened_at"].as_str().unwrap());
}

async fn an_edit_out_of_the_condition_withdraws_it_unless_someone_acted<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let (read, write) = (key(&app, Role::Read).await, key(&app, Role::Write).await);
    assert_eq!(answer(&app, "chat-a", json!({ "csat": 2 })).await, 201);
    assert_eq!(answer(&app, "chat-b", json!({ "csat": 1 })).await, 201);
    let id_of = |listed: &[serde_json::Value], interaction: &str| {
        listed
            .iter()
            .find(|f| f["interaction"] == interaction)
            .map(|f| f["id"].as_i64().unwrap())
    };
    let listed = followups(&app, &read, "").await;
    let b = id_of(&listed, "chat-b").unwrap();
    // Someone starts on chat-b: a note is acting on it.
    let notes = format!("/api/v1/sites/{}/followups/{b}/notes", app.site.key());
    let noted = app
        .client
        .post(app.url(&notes))
        .bearer_auth(&write)
        .json(&json!({ "body": "called, left a message" }))
        .send()
        .await
        .unwrap();
    assert_eq!(noted.status(), 201);
    // Both customers change their minds within the edit window.
    assert_eq!(answer(&app, "chat-a", json!({ "csat": 5 })).await, 200);
    assert_eq!(answer(&app, "chat-b", json!({ "csat": 5 })).await, 200);
    let all = followups(&app, &read, "status=open,contacted,withdrawn").await;
    let status = |interaction: &str| {
        all.iter()
            .find(|f| f["interaction"] == interaction)
            .map(|f| f["status"].as_str().unwrap().to_owned())
    };
    assert_eq!(status("chat-a").as_deref(), Some("withdrawn"));
    assert_eq!(
        status("chat-b").as_deref(),
        Some("open"),
        "acted on: it stays"
    );
    // A withdrawn one cannot be worked; unhappy again, it opens again.
    let a = id_of(&all, "chat-a").unwrap();
    let (code, body) = patch(&app, &write, a, json!({ "status": "contacted" })).await;
    assert_eq!(
        (code, body["error"].as_str()),
        (409, Some("followup_withdrawn"))
    );
    assert_eq!(answer(&app, "chat-a", json!({ "csat": 1 })).await, 200);
    let active = followups(&app, &read, "").await;
    assert_eq!(
        id_of(&active, "chat-a"),
        Some(a),
        "the same follow-up, open again"
    );
}

async fn an_erasure_takes_the_follow_up_and_its_notes_with_the_answer<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let (admin, write) = (key(&app, Role::Admin).await, key(&app, Role::Write).await);
    assert_eq!(
        answer(
            &app,
            "chat-e",
            json!({ "csat": 1, "comment": "my phone is 090" })
        )
        .await,
        201
    );
    let id = followups(&app, &admin, "").await[0]["id"].as_i64().unwrap();
    let notes = format!("/api/v1/sites/{}/followups/{id}/notes", app.site.key());
    let noted = app
        .client
        .post(app.url(&notes))
        .bearer_auth(&write)
        .json(&json!({ "body": "customer's number: 090" }))
        .send()
        .await
        .unwrap();
    assert_eq!(noted.status(), 201);
    let erased = app
        .client
        .delete(app.url(&format!(
            "/api/v1/sites/{}/responses/chat-e",
            app.site.key()
        )))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status(), 200);
    assert!(followups(&app, &admin, "status=all").await.is_empty());
    assert!(
        app.storage
            .followup_notes(app.site.site.id, id)
            .await
            .unwrap()
            .is_empty()
    );
}

on_both_backends!(
    an_unhappy_answer_opens_exactly_one_follow_up_even_submitted_twice_at_once,
    an_edit_out_of_the_condition_withdraws_it_unless_someone_acted,
    an_erasure_takes_the_follow_up_and_its_notes_with_the_answer
);
