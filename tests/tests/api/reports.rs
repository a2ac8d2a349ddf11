//! Reports and the authenticated API: authorisation, parameters, CSV, pagination, and scores
//! that equal a recomputation from raw responses for random data.

use std::collections::BTreeMap;

use koe_collector::audit::Actor;
use koe_collector::responses::{AnswerWrite, Answers, Attribution};
use koe_collector::sites::registration::create_api_key;
use koe_collector::storage::Role;
use koe_shared::metrics::{ScoreCounts, rounded};
use koe_shared::{AgentId, Channel, CsatScore, InteractionId, NpsScore, Resolved};
use koe_tests::{TestApp, TestBackend, TestSite, error_code, on_both_backends};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

async fn key<S: TestBackend>(app: &TestApp<S>, site: &TestSite, role: Role) -> String {
    create_api_key(&app.storage, &site.site, role, Actor::Cli)
        .await
        .expect("a key")
        .1
}

async fn get<S: TestBackend>(app: &TestApp<S>, path: &str, key: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    request.send().await.expect("the collector answers")
}

async fn keys_open_only_their_own_site<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let read = key(&app, &app.site, Role::Read).await;
    let admin = key(&app, &app.site, Role::Admin).await;
    let other_admin = key(&app, &app.strict_site, Role::Admin).await;
    let scores = format!("/api/v1/sites/{}/scores", app.site.key());

    let anonymous = get(&app, &scores, None).await;
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    assert_eq!(
        get(&app, &scores, Some("koe_read_wrong")).await.status(),
        401
    );
    assert_eq!(get(&app, &scores, Some(&read)).await.status(), 200);
    let foreign = get(&app, &scores, Some(&other_admin)).await;
    assert_eq!(foreign.status(), 404, "another site's key learns nothing");
    assert_eq!(error_code(foreign).await, "not_found");
    assert_eq!(
        get(&app, "/api/v1/sites/site_nope/scores", Some(&read))
            .await
            .status(),
        404
    );
    let list = format!("/api/v1/sites/{}/responses", app.site.key());
    assert_eq!(get(&app, &list, Some(&other_admin)).await.status(), 404);

    let keys = app.url(&format!("/api/v1/sites/{}/keys", app.site.key()));
    let refused = app
        .client
        .post(&keys)
        .bearer_auth(&read)
        .json(&json!({ "role": "read" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403, "a read key cannot create keys");
    let created = app
        .client
        .post(&keys)
        .bearer_auth(&admin)
        .json(&json!({ "role": "read" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let new_key = created.json::<Value>().await.unwrap()["api_key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(get(&app, &scores, Some(&new_key)).await.status(), 200);
}

async fn bad_parameters_get_400<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let read = key(&app, &app.site, Role::Read).await;
    let site = app.site.key();
    for query in [
        "group_by=agent,mood",
        "from=2026-11-27&to=2026-11-26",
        "from=2020-01-01&to=2026-11-26",
        "from=2026-02-30",
        "to=tomorrow",
        "bucket=fortnight",
        "format=xml",
    ] {
        let response = get(
            &app,
            &format!("/api/v1/sites/{site}/scores?{query}"),
            Some(&read),
        )
        .await;
        assert_eq!(response.status(), 400, "{query}");
        assert_eq!(error_code(response).await, "invalid_parameter", "{query}");
    }
    for query in [
        "max_csat=6",
        "min_nps=-1",
        "limit=0",
        "limit=500",
        "cursor=garbage!",
        "from=2026-1-1",
    ] {
        let response = get(
            &app,
            &format!("/api/v1/sites/{site}/responses?{query}"),
            Some(&read),
        )
        .await;
        assert_eq!(response.status(), 400, "{query}");
    }
}

async fn filters_that_name_nothing_are_refused_with_their_reason<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let read = key(&app, &app.site, Role::Read).await;
    let site = app.site.key();
    let long_agent = format!("agent={}", "a".repeat(129));
    for (what, query, reason) in [
        (
            "an unknown channel",
            "channel=fax",
            "channel must be one of",
        ),
        (
            "an agent longer than an id",
            &long_agent,
            "agent must be at most 128",
        ),
        (
            "a team of control characters",
            "team=%07",
            "team must not contain",
        ),
    ] {
        for resource in ["scores", "standings", "responses"] {
            let response = get(
                &app,
                &format!("/api/v1/sites/{site}/{resource}?{query}"),
                Some(&read),
            )
            .await;
            assert_eq!(response.status(), 400, "{what} on {resource}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"], "invalid_parameter", "{what} on {resource}");
            let message = body["message"].as_str().unwrap_or_default();
            assert!(message.contains(reason), "{what} on {resource}: {message}");
        }
    }
}

/// Stores random answers (some edited) over 60 days for a site through the storage layer, as
/// the handler would.
async fn seed<S: TestBackend>(app: &TestApp<S>, site: &TestSite, seed: u64, responses: usize) {
    let mut rng = StdRng::seed_from_u64(seed);
    let agents = ["aiko", "ken", "mai"];
    let channels = [Channel::Chat, Channel::Email, Channel::HelpCenter];
    let start: jiff::civil::Date = "2026-09-01".parse().unwrap();
    for i in 0..responses {
        let day = start
            .checked_add(jiff::Span::new().days(rng.random_range(0..60)))
            .unwrap();
        let attribution = Attribution {
            agent: Some(AgentId::try_from(agents[rng.random_range(0..agents.len())]).unwrap()),
            channel: Some(channels[rng.random_range(0..channels.len())]),
            ..Attribution::default()
        };
        let answers = Answers {
            csat: rng
                .random_bool(0.9)
                .then(|| CsatScore::try_from(rng.random_range(1..=5)).unwrap()),
            nps: rng
                .random_bool(0.7)
                .then(|| NpsScore::try_from(rng.random_range(0..=10)).unwrap()),
            resolved: rng
                .random_bool(0.5)
                .then(|| Resolved::from(rng.random_bool(0.6))),
            ..Answers::default()
        };
        let write = |answers: Answers| AnswerWrite {
            site_id: site.site.id,
            interaction: InteractionId::try_from(format!("i{i}")).unwrap(),
            attribution: attribution.clone(),
            answers,
            day,
            now_ms: koe_collector::clock::now_ms(),
            edit_window_ms: 86_400_000,
            source: koe_collector::responses::Source::WIDGET,
        };
        app.storage.save_answers(write(answers)).await.unwrap();
        if rng.random_bool(0.3) {
            let edit = Answers {
                csat: Some(CsatScore::try_from(rng.random_range(1..=5)).unwrap()),
                ..Answers::default()
            };
            app.storage.save_answers(write(edit)).await.unwrap();
        }
    }
}

/// Whether a JSON number is `b` as JSON gives it: rounded to hundredths at the edge.
fn close(a: &Value, b: Option<f64>) -> bool {
    match (a.as_f64(), b) {
        (Some(a), Some(b)) => (a - rounded(b)).abs() < 1e-9,
        (None, None) => a.is_null(),
        _ => false,
    }
}

async fn scores_equal_a_recomputation_from_raw_responses<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    // Three random data sets, each in a site of its own.
    for data_set in 0..3u64 {
        let site = app
            .add_site(
                &format!("Random {data_set}"),
                false,
                "https://random.example",
            )
            .await;
        seed(&app, &site, 1000 + data_set, 120).await;
        check_against_raw(&app, &site).await;
    }
}

async fn check_against_raw<S: TestBackend>(app: &TestApp<S>, site: &TestSite) {
    let read = key(app, site, Role::Read).await;
    let raw = app.responses(site).await;
    for (bucket, group_by) in [
        ("week", "agent,channel"),
        ("month", "agent"),
        ("all", ""),
        ("day", "channel"),
        ("day", "agent,channel"),
    ] {
        let path = format!(
            "/api/v1/sites/{}/scores?from=2026-09-01&to=2026-10-30&bucket={bucket}&group_by={group_by}",
            site.key()
        );
        let report: Value = get(app, &path, Some(&read)).await.json().await.unwrap();
        // Recompute from the raw responses, grouping the same way.
        // Per group: the scores, the responses, and help-center "resolved?" answers yes / no.
        type Expected = (ScoreCounts, u64, [u64; 2]);
        let mut expected: BTreeMap<(String, String, String), Expected> = BTreeMap::new();
        for response in &raw {
            let day = response.state.day;
            let start = match bucket {
                "week" => day
                    .checked_sub(
                        jiff::Span::new().days(i64::from(day.weekday().to_monday_zero_offset())),
                    )
                    .unwrap(),
                "month" => day.first_of_month(),
                "all" => "2026-09-01".parse().unwrap(),
                _ => day,
            };
            let a = &response.state.attribution;
            let agent = if group_by.contains("agent") {
                a.agent.as_ref().unwrap().to_string()
            } else {
                String::new()
            };
            let channel = if group_by.contains("channel") {
                a.channel.unwrap().to_string()
            } else {
                String::new()
            };
            let entry = expected
                .entry((agent, channel, start.to_string()))
                .or_default();
            let x = &response.state.answers;
            if let Some(v) = x.csat {
                entry.0.count_csat(v);
            }
            if let Some(v) = x.nps {
                entry.0.count_nps(v);
            }
            match (x.resolved, a.channel == Some(Channel::HelpCenter)) {
                (Some(v), false) => entry.0.count_resolved(v),
                (Some(v), true) => entry.2[usize::from(v != Resolved::Yes)] += 1,
                (None, _) => {}
            }
            entry.1 += 1;
        }
        let rows = report["rows"].as_array().unwrap();
        assert_eq!(rows.len(), expected.len(), "{bucket} by {group_by:?}");
        for row in rows {
            let field = |name: &str| row[name].as_str().unwrap_or_default().to_owned();
            let (counts, responses, self_resolved) =
                &expected[&(field("agent"), field("channel"), field("bucket_start"))];
            assert_eq!(row["responses"].as_u64(), Some(*responses));
            assert!(
                close(
                    &row["csat"]["value"],
                    counts.csat_percent().map(|e| e.value)
                ),
                "{row}"
            );
            assert!(
                close(&row["csat"]["low"], counts.csat_percent().map(|e| e.low)),
                "{row}"
            );
            assert!(
                close(&row["nps"]["value"], counts.nps().map(|e| e.value)),
                "{row}"
            );
            assert!(
                close(&row["nps"]["high"], counts.nps().map(|e| e.high)),
                "{row}"
            );
            assert!(
                close(&row["fcr"]["value"], counts.fcr_percent().map(|e| e.value)),
                "{row}"
            );
            let asked = self_resolved[0] + self_resolved[1];
            assert!(
                close(
                    &row["self_resolution"]["value"],
                    (asked > 0).then(|| 100.0 * self_resolved[0] as f64 / asked as f64)
                ),
                "{row}"
            );
            assert_eq!(row["low_n"], *responses < 30);
        }
    }
}

async fn csv_and_pages<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let read = key(&app, &app.site, Role::Read).await;
    let site = app.site.key();
    for i in 0..5 {
        let body = json!({ "site": site, "interaction": format!("c{i}"), "agent": "aiko", "csat": 1 + i % 5, "comment": format!("=HYPERLINK(\"x{i}\")") });
        assert_eq!(app.submit(&body).await.status(), 201);
    }
    let csv = app
        .client
        .get(app.url(&format!("/api/v1/sites/{site}/scores?group_by=agent")))
        .bearer_auth(&read)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    assert!(
        text.starts_with("\u{feff}agent,bucket_start,responses"),
        "{text}"
    );
    assert!(text.contains("\r\naiko,"));

    // Keyset pages of 2: every response once, newest first.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let path = format!("/api/v1/sites/{site}/responses?limit=2&cursor={cursor}");
        let page: Value = get(&app, &path, Some(&read)).await.json().await.unwrap();
        seen.extend(
            page["responses"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["interaction"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, ["c4", "c3", "c2", "c1", "c0"]);

    let low: Value = get(
        &app,
        &format!("/api/v1/sites/{site}/responses?max_csat=2"),
        Some(&read),
    )
    .await
    .json()
    .await
    .unwrap();
    let low: Vec<u64> = low["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["csat"].as_u64().unwrap())
        .collect();
    assert_eq!(low, [2, 1]);
    let csv = get(
        &app,
        &format!("/api/v1/sites/{site}/responses?format=csv"),
        Some(&read),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"x0\"\")\""),
        "formula cells are defused: {csv}"
    );
}

on_both_backends!(
    keys_open_only_their_own_site,
    bad_parameters_get_400,
    filters_that_name_nothing_are_refused_with_their_reason,
    scores_equal_a_recomputation_from_raw_responses,
    csv_and_pages,
);
