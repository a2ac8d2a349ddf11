//! A deletion request (`DELETE /api/v1/sites/{site}/responses/{interaction}`, `koe erase`):
//! the interaction's rows go — its response with the comment, and answers set aside beside it
//! — and its counts leave every report, while everything else stays as it was; the audit trail
//! records it without the interaction's id. On SQLite and PostgreSQL.

use koe_collector::audit::Actor;
use koe_collector::responses::{AnswerWrite, Answers, Attribution, Client, Source};
use koe_collector::sites::registration::create_api_key;
use koe_collector::storage::Role;
use koe_shared::{AgentId, Channel, Comment, CsatScore, InteractionId, NpsScore, Reason, Reasons};
use koe_tests::{TestApp, TestBackend, on_both_backends};
use serde_json::Value;

fn answer<S: TestBackend>(
    app: &TestApp<S>,
    interaction: &str,
    csat: u8,
    comment: &str,
    source: Source,
) -> AnswerWrite {
    let now_ms = koe_collector::clock::now_ms();
    AnswerWrite {
        site_id: app.site.site.id,
        interaction: InteractionId::try_from(interaction).unwrap(),
        attribution: Attribution {
            agent: Some(AgentId::try_from("aiko").unwrap()),
            channel: Some(Channel::Chat),
            ..Attribution::default()
        },
        answers: Answers {
            csat: Some(CsatScore::try_from(csat).unwrap()),
            nps: Some(NpsScore::try_from(if csat >= 4 { 10 } else { 2 }).unwrap()),
            comment: Some(Comment::try_from(comment).unwrap()),
            reasons: Reasons::try_from(if csat <= 2 {
                vec![Reason::try_from("slow").unwrap()]
            } else {
                Vec::new()
            })
            .unwrap(),
            ..Answers::default()
        },
        day: app.site.site.today(),
        now_ms,
        edit_window_ms: 86_400_000,
        source,
    }
}

async fn erase<S: TestBackend>(app: &TestApp<S>, key: &str, interaction: &str) -> (u16, Value) {
    let answer = app
        .client
        .delete(app.url(&format!(
            "/api/v1/sites/{}/responses/{interaction}",
            app.site.key()
        )))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

async fn a_deletion_request_erases_the_interaction_and_its_counts_and_nothing_else<
    S: TestBackend,
>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let person = answer(
        &app,
        "chat-erase",
        1,
        "call me on 090-1234-5678",
        Source::WIDGET,
    );
    let scanner = answer(
        &app,
        "chat-erase",
        5,
        "a link scanner's click",
        Source {
            client: Client::SuspectedScanner,
            flagged: true,
        },
    );
    let other = answer(&app, "chat-keep", 5, "thanks", Source::WIDGET);
    for write in [person, scanner, other] {
        app.storage.save_answers(write).await.unwrap();
    }
    let shown = serde_json::json!({ "site": app.site.key(), "interaction": "chat-erase", "agent": "aiko", "channel": "chat" });
    assert_eq!(
        app.post_json("/api/v1/impressions", &shown).await.status(),
        201
    );
    let (_, admin) = create_api_key(&app.storage, &app.site.site, Role::Admin, Actor::Cli)
        .await
        .unwrap();
    let (_, read) = create_api_key(&app.storage, &app.site.site, Role::Read, Actor::Cli)
        .await
        .unwrap();
    let scores = format!(
        "/api/v1/sites/{}/scores?bucket=all&group_by=agent",
        app.site.key()
    );
    let reasons = format!("/api/v1/sites/{}/reasons", app.site.key());
    let before = app.get_json(&scores, &read).await;
    assert_eq!(before["rows"][0]["csat"]["n"], 2, "{before}");

    assert_eq!(
        erase(&app, &read, "chat-erase").await.0,
        403,
        "a read key may not erase"
    );
    let (status, body) = erase(&app, &admin, "chat-erase").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["erased"], 2,
        "the response and the answer set aside beside it"
    );

    let left = app.responses(&app.site).await;
    let interactions: Vec<&str> = left.iter().map(|r| r.interaction.as_str()).collect();
    assert_eq!(
        interactions,
        ["chat-keep"],
        "only the other interaction is stored"
    );
    let after = app.get_json(&scores, &read).await;
    let csat = &after["rows"][0]["csat"];
    assert_eq!(
        (csat["n"].as_u64(), csat["value"].as_f64()),
        (Some(1), Some(100.0)),
        "reports read as if it had never been given: {after}"
    );
    let reasons = app.get_json(&reasons, &read).await;
    assert_eq!(reasons["reasons"], serde_json::json!([]), "{reasons}");
    assert_eq!(
        app.drift().await,
        Vec::<String>::new(),
        "koe verify finds no drift"
    );
    let again = app.post_json("/api/v1/impressions", &shown).await;
    assert_eq!(
        (
            again.status().as_u16(),
            app.impression_count(&app.site).await
        ),
        (201, 2),
        "the erased interaction's impression still counts, under an id that is no longer its own"
    );

    let audit = app.storage.audit_events(app.site.site.id).await.unwrap();
    let erased: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "response_erased")
        .collect();
    assert_eq!(erased.len(), 1, "{audit:?}");
    assert!(
        erased[0].detail.contains("sha256:") && !erased[0].detail.contains("chat-erase"),
        "the trail keeps no link back to the interaction: {:?}",
        erased[0]
    );
    assert!(erased[0].actor.starts_with("key:"));

    let (status, again) = erase(&app, &admin, "chat-erase").await;
    assert_eq!(
        (status, &again["erased"]),
        (200, &Value::from(0)),
        "idempotent"
    );
    let audit = app.storage.audit_events(app.site.site.id).await.unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "response_erased")
            .count(),
        1,
        "nothing erased, nothing recorded"
    );
    let (status, _) = erase(&app, &admin, &"x".repeat(300)).await;
    assert_eq!(
        status, 400,
        "an interaction id that cannot exist is refused"
    );
}

on_both_backends!(a_deletion_request_erases_the_interaction_and_its_counts_and_nothing_else);
