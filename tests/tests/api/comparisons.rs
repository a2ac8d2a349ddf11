//! `compare=previous` / `previous_year`: every row against the earlier period, with the
//! difference, its 95 % interval and a verdict that says "down" only when the data does.

use koe_collector::audit::Actor;
use koe_collector::responses::{AnswerWrite, Answers, Attribution, Client, ResponseState, Source};
use koe_collector::sites::registration::create_api_key;
use koe_collector::storage::Role;
use koe_shared::{AgentId, CsatScore, InteractionId, Reason, Reasons, TeamId};
use koe_tests::{TestApp, TestBackend, error_code, on_both_backends};
use serde_json::Value;

/// Stores `scores` as CSAT answers for `agent` on `day`.
async fn answers<S: TestBackend>(app: &TestApp<S>, agent: &str, day: &str, scores: &[u8]) {
    for (i, score) in scores.iter().enumerate() {
        let write = AnswerWrite {
            site_id: app.site.site.id,
            interaction: InteractionId::try_from(format!("{agent}-{day}-{i}")).unwrap(),
            attribution: Attribution {
                agent: Some(AgentId::try_from(agent).unwrap()),
                ..Attribution::default()
            },
            answers: Answers {
                csat: Some(CsatScore::try_from(*score).unwrap()),
                ..Answers::default()
            },
            day: day.parse().unwrap(),
            now_ms: koe_collector::clock::now_ms(),
            edit_window_ms: 86_400_000,
            source: Source::WIDGET,
        };
        app.storage.save_answers(write).await.unwrap();
    }
}

async fn a_real_drop_is_down_and_two_bad_chats_are_not<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    // aiko: 40 of 40 satisfied last week, 20 of 40 this week — a real drop.
    answers(&app, "aiko", "2026-11-10", &[5; 40]).await;
    answers(&app, "aiko", "2026-11-18", &[[5; 20], [1; 20]].concat()).await;
    // ken: 3 of 3 last week, 1 of 3 this week — two bad chats, not evidence.
    answers(&app, "ken", "2026-11-11", &[5, 5, 5]).await;
    answers(&app, "ken", "2026-11-19", &[5, 1, 2]).await;
    let key = create_api_key(&app.storage, &app.site.site, Role::Read, Actor::Cli)
        .await
        .unwrap()
        .1;
    let scores = |query: &str| {
        app.client
            .get(app.url(&format!("/api/v1/sites/{}/scores?{query}", app.site.key())))
            .bearer_auth(&key)
            .send()
    };
    let report: Value =
        scores("from=2026-11-16&to=2026-11-22&bucket=all&group_by=agent&compare=previous")
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(report["compared_with"]["from"], "2026-11-09");
    assert_eq!(report["compared_with"]["to"], "2026-11-15");
    let row = |agent: &str| {
        report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["agent"] == agent)
            .unwrap()
            .clone()
    };
    let aiko = row("aiko")["change"]["csat"].clone();
    assert_eq!(aiko["verdict"], "down", "{aiko}");
    assert_eq!(aiko["before"]["n"], 40);
    assert!((aiko["difference"].as_f64().unwrap() - -50.0).abs() < 1e-9);
    assert!(aiko["high"].as_f64().unwrap() < 0.0);
    let ken = row("ken")["change"]["csat"].clone();
    assert_eq!(ken["verdict"], "no_clear_change", "{ken}");

    let csv = scores(
        "from=2026-11-16&to=2026-11-22&bucket=all&group_by=agent&compare=previous&format=csv",
    )
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    let header = csv.lines().next().unwrap();
    assert!(
        header.contains("csat_change_low") && header.contains("csat_verdict"),
        "{header}"
    );
    assert!(csv.contains(",down,"), "{csv}");

    let refused = scores("compare=last_week").await.unwrap();
    assert_eq!(refused.status(), 400);
    assert_eq!(error_code(refused).await, "invalid_parameter");
}

async fn standings_rank_by_evidence_not_luck<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let day = "2026-11-18";
    answers(&app, "lucky", day, &[5, 5]).await;
    answers(&app, "steady", day, &[[5; 95].as_slice(), &[1; 5]].concat()).await;
    answers(&app, "aiko", day, &[[4; 80].as_slice(), &[2; 20]].concat()).await;
    answers(
        &app,
        "struggling",
        day,
        &[[5; 20].as_slice(), &[1; 80]].concat(),
    )
    .await;
    let key = create_api_key(&app.storage, &app.site.site, Role::Read, Actor::Cli)
        .await
        .unwrap()
        .1;
    let standings: Value = app
        .get_json(
            &format!(
                "/api/v1/sites/{}/standings?from=2026-11-16&to=2026-11-22",
                app.site.key()
            ),
            &key,
        )
        .await;
    let agents = standings["agents"].as_array().unwrap();
    let names: Vec<&str> = agents
        .iter()
        .map(|a| a["agent"].as_str().unwrap())
        .collect();
    let at = |name: &str| names.iter().position(|n| *n == name).unwrap();
    assert!(at("steady") < at("lucky"), "{names:?}");
    assert_eq!(names.last(), Some(&"struggling"));
    let struggling = &agents[at("struggling")];
    assert_eq!(struggling["flag"], "below");
    let lucky = &agents[at("lucky")];
    assert_eq!(
        (lucky["csat"]["value"].as_f64(), lucky["csat"]["n"].as_u64()),
        (Some(100.0), Some(2))
    );
    assert!(lucky["flag"].is_null());
}

/// Stores `scores` as CSAT answers for `agent` of `team` on `day`, as the widget does.
async fn team_answers<S: TestBackend>(
    app: &TestApp<S>,
    agent: &str,
    team: &str,
    day: &str,
    scores: &[u8],
) {
    for (i, score) in scores.iter().enumerate() {
        let write = AnswerWrite {
            site_id: app.site.site.id,
            interaction: InteractionId::try_from(format!("{agent}-{team}-{day}-{i}")).unwrap(),
            attribution: Attribution {
                agent: Some(AgentId::try_from(agent).unwrap()),
                team: Some(TeamId::try_from(team).unwrap()),
                ..Attribution::default()
            },
            answers: Answers {
                csat: Some(CsatScore::try_from(*score).unwrap()),
                ..Answers::default()
            },
            day: day.parse().unwrap(),
            now_ms: koe_collector::clock::now_ms(),
            edit_window_ms: 86_400_000,
            source: Source::WIDGET,
        };
        app.storage.save_answers(write).await.unwrap();
    }
}

async fn an_agent_with_and_without_a_team_is_one_row_in_the_standings<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    // ken's history, imported from another tool that knew no teams: 11 of 12 satisfied.
    let at = "2026-11-17T03:00:00Z"
        .parse::<jiff::Timestamp>()
        .unwrap()
        .as_millisecond();
    let imported: Vec<(InteractionId, ResponseState)> = (0..12)
        .map(|i| {
            let state = ResponseState {
                attribution: Attribution {
                    agent: Some(AgentId::try_from("ken").unwrap()),
                    ..Attribution::default()
                },
                answers: Answers {
                    csat: Some(CsatScore::try_from(if i < 11 { 5 } else { 1 }).unwrap()),
                    ..Answers::default()
                },
                source: Source {
                    client: Client::Imported,
                    flagged: false,
                },
                day: "2026-11-17".parse().unwrap(),
                created_at_ms: at,
                updated_at_ms: at,
            };
            let interaction = InteractionId::try_from(format!("imported-{i}")).unwrap();
            (interaction, state)
        })
        .collect();
    app.storage
        .import_responses(app.site.site.id, imported)
        .await
        .unwrap();
    // Then the widget's answers, with his team: 1 of 10; aiko, in the same team, 18 of 20.
    team_answers(
        &app,
        "ken",
        "tokyo",
        "2026-11-18",
        &[[5].as_slice(), &[1; 9]].concat(),
    )
    .await;
    team_answers(
        &app,
        "aiko",
        "tokyo",
        "2026-11-18",
        &[[5; 18].as_slice(), &[2; 2]].concat(),
    )
    .await;
    let key = create_api_key(&app.storage, &app.site.site, Role::Read, Actor::Cli)
        .await
        .unwrap()
        .1;
    for filter in ["", "&team=tokyo"] {
        let path = format!(
            "/api/v1/sites/{}/standings?from=2026-11-16&to=2026-11-22{filter}",
            app.site.key()
        );
        let standings: Value = app.get_json(&path, &key).await;
        let agents = standings["agents"].as_array().unwrap();
        let kens: Vec<&Value> = agents.iter().filter(|a| a["agent"] == "ken").collect();
        assert_eq!(kens.len(), 1, "ken is one row ({filter:?}): {standings}");
        let ken = kens[0];
        assert_eq!(
            ken["team"], "tokyo",
            "under the team of most of his answers with one: {ken}"
        );
        assert_eq!(ken["csat"]["n"], 22, "every answer of his counts: {ken}");
        assert_eq!(
            ken["csat"]["value"].as_f64(),
            Some(54.55),
            "12 of 22, rounded at the edge: {ken}"
        );
        assert_eq!(agents.len(), 2, "{standings}");
    }
}

async fn reasons_count_only_unhappy_answers_and_follow_edits<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let write = |interaction: &str, agent: &str, csat: u8, reasons: &[&str]| AnswerWrite {
        site_id: app.site.site.id,
        interaction: InteractionId::try_from(interaction).unwrap(),
        attribution: Attribution {
            agent: Some(AgentId::try_from(agent).unwrap()),
            ..Attribution::default()
        },
        answers: Answers {
            csat: Some(CsatScore::try_from(csat).unwrap()),
            reasons: Reasons::try_from(
                reasons
                    .iter()
                    .map(|r| Reason::try_from(*r).unwrap())
                    .collect::<Vec<_>>(),
            )
            .unwrap(),
            ..Answers::default()
        },
        day: "2026-11-18".parse().unwrap(),
        now_ms: koe_collector::clock::now_ms(),
        edit_window_ms: 86_400_000,
        source: Source::WIDGET,
    };
    for w in [
        write("r1", "aiko", 1, &["slow", "rude"]),
        write("r2", "aiko", 2, &["slow"]),
        write("r3", "ken", 1, &["slow"]),
        // A happy customer's reasons are not a complaint.
        write("r4", "ken", 5, &["slow"]),
    ] {
        app.storage.save_answers(w).await.unwrap();
    }
    // r2 is edited to a 5: its reason no longer counts.
    app.storage
        .save_answers(write("r2", "aiko", 5, &[]))
        .await
        .unwrap();
    let key = create_api_key(&app.storage, &app.site.site, Role::Read, Actor::Cli)
        .await
        .unwrap()
        .1;
    let get = |query: &'static str| {
        let (app, key) = (&app, key.clone());
        async move {
            app.client
                .get(app.url(&format!(
                    "/api/v1/sites/{}/reasons?from=2026-11-16&to=2026-11-22{query}",
                    app.site.key()
                )))
                .bearer_auth(key)
                .send()
                .await
                .unwrap()
        }
    };
    let all: Value = get("").await.json().await.unwrap();
    let counts: Vec<(String, u64)> = all["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["reason"].as_str().unwrap().to_owned(),
                r["unhappy"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(counts, [("slow".to_owned(), 2), ("rude".to_owned(), 1)]);
    let by_agent: Value = get("&group_by=agent").await.json().await.unwrap();
    let aiko: Vec<&Value> = by_agent["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["agent"] == "aiko")
        .collect();
    assert_eq!(aiko.len(), 2, "{by_agent}");
    assert!(app.drift().await.is_empty(), "{:?}", app.drift().await);
    let refused = get("&group_by=team").await;
    assert_eq!(refused.status(), 400);
}

on_both_backends!(
    reasons_count_only_unhappy_answers_and_follow_edits,
    a_real_drop_is_down_and_two_bad_chats_are_not,
    standings_rank_by_evidence_not_luck,
    an_agent_with_and_without_a_team_is_one_row_in_the_standings,
);
