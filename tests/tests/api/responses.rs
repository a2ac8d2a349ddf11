//! Creating, merging and editing responses.

use koe_collector::responses::{AnswerWrite, Answers, Attribution};
use koe_collector::sites::SiteTimeZone;
use koe_shared::{CsatScore, InteractionId, SubmissionStatus};
use koe_tests::{TestApp, TestBackend, error_code, on_both_backends};
use serde_json::{Value, json};

const DAY_MS: i64 = 86_400_000;

async fn a_first_answer_creates_and_later_ones_merge<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let site = app.site.key();

    let created = app.submit(&json!({ "site": site, "interaction": "chat-1", "agent": "aiko", "channel": "chat", "csat": 4 })).await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["status"], "created");

    let merged = app
        .submit(&json!({ "site": site, "interaction": "chat-1", "nps": 9 }))
        .await;
    assert_eq!(merged.status(), 200);
    let merged: Value = merged.json().await.unwrap();
    assert_eq!(
        (merged["status"].as_str(), &merged["id"]),
        (Some("updated"), &created["id"])
    );

    let commented = app.submit(&json!({ "site": site, "interaction": "chat-1", "comment": "  丁寧な対応でした  ", "reasons": ["kind"] })).await;
    assert_eq!(commented.status(), 200);

    let responses = app.responses(&app.site).await;
    assert_eq!(responses.len(), 1, "one response per interaction");
    let answers = &responses[0].state.answers;
    assert_eq!(answers.csat.map(u8::from), Some(4));
    assert_eq!(answers.nps.map(u8::from), Some(9));
    assert_eq!(
        answers.comment.as_ref().map(|c| c.as_str()),
        Some("丁寧な対応でした")
    );
    assert_eq!(
        responses[0]
            .state
            .attribution
            .agent
            .as_ref()
            .map(|a| a.as_str()),
        Some("aiko")
    );

    let rollups = app.rollups(&app.site).await;
    assert_eq!(rollups.len(), 1);
    let (key, counters) = &rollups[0];
    assert_eq!(
        (key.agent_column(), key.channel_column(), key.team_column()),
        ("aiko", "chat", "")
    );
    let scores = counters.scores();
    assert_eq!(
        (scores.csat, scores.nps[9], counters.responses),
        ([0, 0, 0, 1, 0], 1, 1)
    );
    assert!(app.drift().await.is_empty());
}

async fn an_edit_moves_the_rollup_counts<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let site = app.site.key();
    assert_eq!(
        app.submit(&json!({ "site": site, "interaction": "t-9", "csat": 5 }))
            .await
            .status(),
        201
    );
    assert_eq!(
        app.submit(&json!({ "site": site, "interaction": "t-9", "csat": 2 }))
            .await
            .status(),
        200
    );

    let rollups = app.rollups(&app.site).await;
    let scores = rollups[0].1.scores();
    assert_eq!(scores.csat, [0, 1, 0, 0, 0], "the 5 moved to 2");
    assert_eq!(rollups[0].1.responses, 1);
    assert!(app.drift().await.is_empty());
}

async fn an_edit_after_the_window_is_refused<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    // A response first answered eight days ago, stored the way the handler stores one.
    let now = koe_collector::clock::now_ms();
    let old = AnswerWrite {
        site_id: app.site.site.id,
        interaction: InteractionId::try_from("old-ticket").unwrap(),
        attribution: Attribution::default(),
        answers: Answers {
            csat: Some(CsatScore::try_from(3).unwrap()),
            ..Answers::default()
        },
        day: "2026-01-01".parse().unwrap(),
        now_ms: now - 8 * DAY_MS,
        edit_window_ms: 7 * DAY_MS,
        source: koe_collector::responses::Source::WIDGET,
    };
    assert_eq!(
        app.storage.save_answers(old).await.unwrap().status,
        SubmissionStatus::Created
    );
    let before = app.snapshot().await;

    let late = app
        .submit(&json!({ "site": app.site.key(), "interaction": "old-ticket", "csat": 5 }))
        .await;
    assert_eq!(late.status(), 409);
    assert_eq!(error_code(late).await, "edit_window_closed");
    assert_eq!(
        app.snapshot().await,
        before,
        "a refused edit changes nothing"
    );
}

async fn responses_count_in_the_site_local_day<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let before = koe_collector::clock::now_ms();
    let response = app
        .post_raw(
            "/api/v1/responses",
            "text/plain;charset=UTF-8",
            json!({ "site": app.site.key(), "interaction": "x", "ces": 6 })
                .to_string()
                .into_bytes(),
            None,
        )
        .await;
    assert_eq!(
        response.status(),
        201,
        "text/plain bodies are accepted (no CORS preflight)"
    );
    let after = koe_collector::clock::now_ms();
    let tokyo = SiteTimeZone::parse("Asia/Tokyo").unwrap();
    let day = &app.rollups(&app.site).await[0].0.day;
    assert!(
        *day == tokyo.local_date(before) || *day == tokyo.local_date(after),
        "{day}"
    );
}

on_both_backends!(
    a_first_answer_creates_and_later_ones_merge,
    an_edit_moves_the_rollup_counts,
    an_edit_after_the_window_is_refused,
    responses_count_in_the_site_local_day,
);
