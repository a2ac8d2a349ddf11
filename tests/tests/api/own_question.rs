//! A site's own question over the API: answered beside the built-in ones, checked against the
//! question its survey asks, stored, rolled up in the answer's transaction and reported by
//! agent, team, channel and time — a choice's shares, a scale's distribution and mean — as
//! JSON and CSV; an erased answer leaves the counts, and `koe verify` finds them whole. On
//! SQLite and PostgreSQL.

use koe_collector::audit::Actor;
use koe_collector::sites::registration::create_api_key;
use koe_collector::storage::Role;
use koe_tests::{TestApp, TestBackend, error_code, on_both_backends};
use serde_json::{Value, json};

async fn keys<S: TestBackend>(app: &TestApp<S>) -> (String, String) {
    let key = |role| create_api_key(&app.storage, &app.site.site, role, Actor::Cli);
    (
        key(Role::Read).await.unwrap().1,
        key(Role::Admin).await.unwrap().1,
    )
}

async fn publish<S: TestBackend>(app: &TestApp<S>, admin: &str, question: Value) {
    let response = app
        .client
        .put(app.url(&format!("/api/v1/sites/{}/survey", app.site.key())))
        .bearer_auth(admin)
        .json(&json!({ "languages": ["ja", "en"], "question": question }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

fn topic() -> Value {
    json!({"id": "topic", "kind": "choice",
    "text": {"ja": "お問い合わせの内容は？", "en": "What was it about?"},
    "options": [
        {"id": "billing", "label": {"ja": "請求", "en": "Billing"}},
        {"id": "delivery", "label": {"ja": "配送", "en": "Delivery"}},
        {"id": "returns", "label": {"ja": "返品", "en": "Returns"}},
    ]})
}

fn clarity() -> Value {
    json!({"id": "clarity", "kind": "scale",
        "text": {"ja": "説明はわかりやすかったですか？", "en": "How clear was the explanation?"},
        "low": {"ja": "わかりにくい", "en": "Unclear"},
        "high": {"ja": "わかりやすい", "en": "Clear"}})
}

/// An answer to the site's question from `agent` of `team` on `channel`.
fn answer(app_key: &str, interaction: &str, agent: &str, team: &str, value: Value) -> Value {
    json!({"site": app_key, "interaction": interaction, "agent": agent, "team": team,
        "channel": "chat", "question": {"id": value["id"], "answer": value["answer"]}})
}

/// `(answer, count)` of a report row.
fn counts(row: &Value) -> Vec<(String, u64)> {
    row["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["answer"].as_str().unwrap().to_owned(),
                a["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

async fn answers_to_a_sites_own_question_are_reported_by_agent_team_and_time<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let (read, admin) = keys(&app).await;
    publish(&app, &admin, topic()).await;
    let site = app.site.key();
    let picked = |id: &str| json!({"id": "topic", "answer": id});
    for (interaction, agent, team, option) in [
        ("q-1", "aiko", "tokyo", "billing"),
        ("q-2", "aiko", "tokyo", "billing"),
        ("q-3", "aiko", "tokyo", "delivery"),
        ("q-4", "ben", "osaka", "billing"),
        ("q-5", "ben", "osaka", "delivery"),
    ] {
        let response = app
            .submit(&answer(site, interaction, agent, team, picked(option)))
            .await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    }
    // A changed answer moves its count: q-5 now counts under returns, once.
    let changed = app
        .submit(&answer(site, "q-5", "ben", "osaka", picked("returns")))
        .await;
    assert_eq!(changed.status(), 200);
    // Given with a CSAT in another submission, the question's answer stays.
    let csat = json!({"site": site, "interaction": "q-1", "csat": 5});
    assert_eq!(app.submit(&csat).await.status(), 200);

    let path = |query: &str| format!("/api/v1/sites/{site}/question?bucket=all{query}");
    let all = app.get_json(&path(""), &read).await;
    assert_eq!(all["question"]["id"], "topic", "{all}");
    assert_eq!(all["question"]["kind"], "choice");
    assert_eq!(
        all["question"]["text"], "お問い合わせの内容は？",
        "the survey's first language"
    );
    let row = &all["rows"][0];
    assert_eq!(row["n"], 5, "{all}");
    assert_eq!(
        counts(row),
        [("billing", 3), ("delivery", 1), ("returns", 1)].map(|(a, c)| (a.to_owned(), c)),
        "q-5 counts once, under its last answer"
    );
    let billing = &row["answers"][0];
    assert_eq!(billing["label"], "請求");
    assert_eq!(billing["share"]["value"], 60.0, "{billing}");
    let (low, high) = (
        billing["share"]["low"].as_f64().unwrap(),
        billing["share"]["high"].as_f64().unwrap(),
    );
    // Wilson 95 % for 3 of 5: 23.07 % to 88.24 %.
    assert!(
        (low - 23.07).abs() < 0.01 && (high - 88.24).abs() < 0.01,
        "{billing}"
    );
    assert!(row.get("mean").is_none(), "a choice has no mean: {row}");

    let by_agent = app
        .get_json(&path("&group_by=agent,team&lang=en"), &read)
        .await;
    let rows = by_agent["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{by_agent}");
    assert_eq!(
        (&rows[0]["agent"], &rows[0]["team"]),
        (&json!("aiko"), &json!("tokyo"))
    );
    assert_eq!(
        counts(&rows[0])[..2],
        [("billing", 2), ("delivery", 1)].map(|(a, c)| (a.to_owned(), c))
    );
    assert_eq!(rows[1]["agent"], "ben");
    assert_eq!(
        counts(&rows[1]),
        [("billing", 1), ("delivery", 0), ("returns", 1)].map(|(a, c)| (a.to_owned(), c))
    );
    assert_eq!(
        rows[0]["answers"][0]["label"], "Billing",
        "labels in the language asked"
    );
    let one_team = app.get_json(&path("&team=osaka"), &read).await;
    assert_eq!(one_team["rows"][0]["n"], 2, "{one_team}");
    let by_day = app
        .get_json(&format!("/api/v1/sites/{site}/question?bucket=day"), &read)
        .await;
    assert_eq!(
        by_day["rows"][0]["bucket"],
        app.site.site.today().to_string()
    );

    let csv = app
        .client
        .get(app.url(&path("&group_by=agent&format=csv")))
        .bearer_auth(&read)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let csv = csv.text().await.unwrap();
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "agent,bucket_start,question,n,mean,mean_low,mean_high,answer,label,count,share,share_low,share_high"
    );
    assert_eq!(lines.len(), 1 + 2 * 3, "a line per agent and option: {csv}");
    assert!(
        lines[1].starts_with("aiko,") && lines[1].contains(",topic,3,,,,billing,請求,2,66.67,"),
        "{}",
        lines[1]
    );

    // Each response shows its answer; Koe's CSV keeps it as `id:answer` for `koe import`.
    let listed = app
        .get_json(&format!("/api/v1/sites/{site}/responses?agent=ben"), &read)
        .await;
    let answers: Vec<&Value> = listed["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["question"])
        .collect();
    assert!(
        answers.contains(&&json!({"id": "topic", "answer": "returns"})),
        "{listed}"
    );
    let exported = app
        .client
        .get(app.url(&format!("/api/v1/sites/{site}/responses?format=csv")))
        .bearer_auth(&read)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        exported.lines().next().unwrap().ends_with(",question")
            && exported.contains(",topic:returns"),
        "{exported}"
    );

    // An option dropped from the question keeps its label in the report.
    let mut fewer = topic();
    fewer["options"].as_array_mut().unwrap().pop();
    publish(&app, &admin, fewer).await;
    let dropped = app.get_json(&path("&lang=en"), &read).await;
    let returns = &dropped["rows"][0]["answers"][2];
    assert_eq!(
        (&returns["answer"], &returns["label"], &returns["count"]),
        (&json!("returns"), &json!("Returns"), &json!(1)),
        "{dropped}"
    );

    // A question keeps its kind under its id: a scale named `topic` is refused.
    let mut as_scale = clarity();
    as_scale["id"] = json!("topic");
    let refused = app
        .client
        .put(app.url(&format!("/api/v1/sites/{site}/survey")))
        .bearer_auth(&admin)
        .json(&json!({ "languages": ["ja", "en"], "question": as_scale }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["problems"][0]["field"], "question.kind", "{body}");

    // The site asks another question: the earlier one's answers stay readable by its id.
    publish(&app, &admin, clarity()).await;
    for (interaction, value) in [("s-1", 5), ("s-2", 4), ("s-3", 4), ("s-4", 2)] {
        let scored = json!({"id": "clarity", "answer": value});
        let response = app
            .submit(&answer(site, interaction, "aiko", "tokyo", scored))
            .await;
        assert_eq!(response.status(), 201);
    }
    let scale = app.get_json(&path(""), &read).await;
    assert_eq!(scale["question"]["kind"], "scale", "{scale}");
    let row = &scale["rows"][0];
    assert_eq!(
        counts(row),
        [("1", 0), ("2", 1), ("3", 0), ("4", 2), ("5", 1)].map(|(a, c)| (a.to_owned(), c))
    );
    assert_eq!(row["answers"][0]["label"], "1 – わかりにくい");
    // Values 5, 4, 4, 2: mean 3.75, sd 1.258, t(3) = 3.182: 1.75 to 5 (capped).
    assert_eq!(row["mean"]["value"], 3.75, "{row}");
    assert_eq!(row["mean"]["low"], 1.75, "{row}");
    assert_eq!(row["mean"]["high"], 5.0, "{row}");
    let earlier = app.get_json(&path("&question=topic"), &read).await;
    assert_eq!(earlier["question"]["asked"], false, "{earlier}");
    assert_eq!(
        earlier["question"]["text"], "お問い合わせの内容は？",
        "in the words of the last version that asked it"
    );
    assert_eq!(earlier["rows"][0]["n"], 5);
    let stale = app
        .submit(&answer(site, "q-9", "ben", "osaka", picked("billing")))
        .await;
    assert_eq!(stale.status(), 422, "the survey no longer asks it");

    // Erased, an answer leaves the counts; verify finds every row whole.
    let erased = app
        .client
        .delete(app.url(&format!("/api/v1/sites/{site}/responses/s-4")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status(), 200);
    let scale = app.get_json(&path(""), &read).await;
    assert_eq!(scale["rows"][0]["n"], 3, "{scale}");
    assert_eq!(
        app.drift().await,
        Vec::<String>::new(),
        "koe verify is clean"
    );
}

async fn an_answer_to_another_question_or_off_its_scale_is_refused_and_changes_nothing<
    S: TestBackend,
>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let (read, admin) = keys(&app).await;
    let site = app.site.key();
    let send = |interaction: &str, question: Value| json!({"site": site, "interaction": interaction, "question": question});
    let unasked = app
        .submit(&send("x-1", json!({"id": "topic", "answer": "billing"})))
        .await;
    assert_eq!(unasked.status(), 422, "Koe's own survey asks no question");
    assert_eq!(error_code(unasked).await, "invalid_field");

    publish(&app, &admin, topic()).await;
    for (question, says) in [
        (
            json!({"id": "clarity", "answer": 4}),
            "asks topic, not clarity",
        ),
        (
            json!({"id": "topic", "answer": "refunds"}),
            "refunds is not one of topic's options",
        ),
        (
            json!({"id": "topic", "answer": 3}),
            "not one of topic's options",
        ),
        (
            json!({"id": "topic", "answer": 0}),
            "question.answer must be a whole number from 1 to 5",
        ),
        (
            json!({"id": "topic", "answer": "Billing"}),
            "question.answer must be",
        ),
        (json!({"id": "topic"}), "missing field `answer`"),
        (
            json!({"id": "topic", "answer": "billing", "why": 1}),
            "unknown field `why`",
        ),
    ] {
        let response = app.submit(&send("x-2", question.clone())).await;
        assert_eq!(response.status(), 422, "{question}");
        let body: Value = response.json().await.unwrap();
        assert!(
            body["message"].as_str().unwrap().contains(says),
            "{question}: {body}"
        );
    }
    assert!(
        app.responses(&app.site).await.is_empty(),
        "nothing was stored"
    );
    let report = app
        .get_json(&format!("/api/v1/sites/{site}/question"), &read)
        .await;
    assert_eq!(report["rows"], json!([]), "{report}");
    let bad = app
        .client
        .get(app.url(&format!("/api/v1/sites/{site}/question?question=Topic!")))
        .bearer_auth(&read)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

/// `(day, n)` of the site's question's answers from 2026-11-19 to 23, by day.
async fn days_of<S: TestBackend>(app: &TestApp<S>, read: &str) -> Vec<(String, u64)> {
    let path = format!(
        "/api/v1/sites/{}/question?from=2026-11-19&to=2026-11-23&bucket=day",
        app.site.key()
    );
    let report = app.get_json(&path, read).await;
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["bucket"].as_str().unwrap().to_owned(),
                r["n"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Answers brought in by an import count like any, and move to their new day when the site's
/// time zone changes with its rollups rebuilt; `koe verify` finds every row whole after both.
async fn imported_answers_count_and_move_with_a_time_zone_rebuild<S: TestBackend>() {
    use koe_collector::responses::{Answers, Attribution, ResponseState, Source};
    use koe_shared::InteractionId;
    use koe_shared::survey::QuestionAnswer;

    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let (read, admin) = keys(&app).await;
    publish(&app, &admin, topic()).await;
    let zone = &app.site.site.timezone;
    // 2026-11-20T16:00Z: the 21st in Tokyo, the 20th in UTC.
    let at = "2026-11-20T16:00:00Z"
        .parse::<jiff::Timestamp>()
        .unwrap()
        .as_millisecond();
    let rows: Vec<(InteractionId, ResponseState)> = ["billing", "billing", "delivery"]
        .iter()
        .enumerate()
        .map(|(n, option)| {
            let state = ResponseState {
                attribution: Attribution::default(),
                answers: Answers {
                    question: QuestionAnswer::from_stored(&format!("topic:{option}")),
                    ..Answers::default()
                },
                source: Source::WIDGET,
                day: zone.local_date(at),
                created_at_ms: at + i64::try_from(n).unwrap(),
                updated_at_ms: at,
            };
            (
                InteractionId::try_from(format!("imported-{n}").as_str()).unwrap(),
                state,
            )
        })
        .collect();
    assert_eq!(
        app.storage
            .import_responses(app.site.site.id, rows)
            .await
            .unwrap(),
        3
    );
    let site = app.site.key();
    assert_eq!(days_of(&app, &read).await, [("2026-11-21".to_owned(), 3)]);
    assert_eq!(app.drift().await, Vec::<String>::new(), "after the import");

    let moved = app
        .client
        .patch(app.url(&format!("/api/v1/sites/{site}")))
        .bearer_auth(&admin)
        .json(&json!({ "timezone": "UTC", "rebuild_rollups": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), 200, "{}", moved.text().await.unwrap());
    assert_eq!(days_of(&app, &read).await, [("2026-11-20".to_owned(), 3)]);
    assert_eq!(app.drift().await, Vec::<String>::new(), "after the rebuild");
}

on_both_backends!(
    imported_answers_count_and_move_with_a_time_zone_rebuild,
    answers_to_a_sites_own_question_are_reported_by_agent_team_and_time,
    an_answer_to_another_question_or_off_its_scale_is_refused_and_changes_nothing
);
