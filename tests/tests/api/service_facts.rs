//! Interaction facts through the API (`PUT …/interactions/{interaction}`, the batch, volumes)
//! and the service KPIs and drivers they feed: idempotence and per-field last write wins,
//! refusals that name the field and store nothing, the `write` role, every KPI recomputed
//! from the raw facts by an independent calculation, answers and facts joined in either order,
//! and erasure. On SQLite and PostgreSQL.

use koe_collector::audit::Actor;
use koe_collector::responses::{AnswerWrite, Answers, Attribution, Source};
use koe_collector::sites::registration::create_api_key;
use koe_collector::storage::Role;
use koe_shared::{AgentId, Channel, CsatScore, InteractionId, NpsScore};
use koe_tests::{TestApp, TestBackend, error_code, on_both_backends};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

async fn key<S: TestBackend>(app: &TestApp<S>, role: Role) -> String {
    create_api_key(&app.storage, &app.site.site, role, Actor::Cli)
        .await
        .expect("a key")
        .1
}

/// A call of the site's API with `key`: its status and JSON body (`null` when none).
async fn call<S: TestBackend>(
    app: &TestApp<S>,
    method: reqwest::Method,
    key: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut request = app
        .client
        .request(
            method,
            app.url(&format!("/api/v1/sites/{}{path}", app.site.key())),
        )
        .bearer_auth(key);
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.expect("the collector answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn put<S: TestBackend>(
    app: &TestApp<S>,
    key: &str,
    path: &str,
    body: &Value,
) -> (u16, Value) {
    call(app, reqwest::Method::PUT, key, path, Some(body)).await
}

async fn post<S: TestBackend>(
    app: &TestApp<S>,
    key: &str,
    path: &str,
    body: &Value,
) -> (u16, Value) {
    call(app, reqwest::Method::POST, key, path, Some(body)).await
}

async fn get<S: TestBackend>(app: &TestApp<S>, key: &str, path: &str) -> (u16, Value) {
    call(app, reqwest::Method::GET, key, path, None).await
}

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
    let huge =
        json!({"interactions": [{"interaction": "huge", "facts": {"topic": "y".repeat(3 << 20)}}]});
    let (status, body) = post(&app, &write, "/interactions", &huge).await;
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
        .form(&[("api_key", write.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        401,
        "a write key does not open the dashboard"
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
    let _ = error_code;
}

fn error_code_of(body: &Value) -> &str {
    body["error"].as_str().unwrap_or_default()
}

/// One random interaction's facts, as sent and as the test counts them.
struct Sent {
    agents: Vec<&'static str>,
    channel: &'static str,
    topic: &'static str,
    frt_secs: Option<i64>,
    resolved: bool,
    contacts: Option<u32>,
    reopened: u32,
}

/// Wilson's interval in percent, written out independently of the collector's.
fn wilson(successes: f64, n: f64) -> (f64, f64) {
    let z = 1.959_963_984_540_054_f64;
    let p = successes / n;
    let denominator = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denominator;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denominator;
    (
        100.0 * (centre - half).max(0.0),
        100.0 * (centre + half).min(1.0),
    )
}

fn close(got: &Value, expected: f64, what: &str) {
    let got = got.as_f64().unwrap_or_else(|| panic!("{what} is missing"));
    assert!(
        (got - expected).abs() <= 0.006,
        "{what}: got {got}, expected {expected}"
    );
}

async fn every_kpi_agrees_with_a_recomputation_from_the_raw_facts<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let write = key(&app, Role::Write).await;
    let read = key(&app, Role::Read).await;
    let mut rng = StdRng::seed_from_u64(30);
    let days = ["2026-11-02", "2026-11-03", "2026-11-04"];
    let agents = ["aiko", "ken", "mei"];
    let mut sent = Vec::new();
    let mut entries = Vec::new();
    for i in 0..240 {
        let day = days[i % 3];
        let opened_secs = rng.random_range(0..80_000_i64);
        let opened = jiff::civil::Date::strptime("%Y-%m-%d", day)
            .unwrap()
            .to_zoned(jiff::tz::TimeZone::get("Asia/Tokyo").unwrap())
            .unwrap()
            .timestamp()
            .as_second()
            + opened_secs.min(86_000);
        let at = |secs: i64| jiff::Timestamp::from_second(secs).unwrap().to_string();
        let frt_secs = (i % 7 != 0).then(|| rng.random_range(0..30_000_i64));
        let resolved = rng.random_bool(0.7);
        let contacts = (i % 5 != 0).then(|| rng.random_range(1..=4_u32));
        let reopened = u32::from(rng.random_bool(0.15));
        let listed: Vec<&'static str> = match i % 4 {
            0 => vec![],
            1 => vec![agents[i % 3]],
            _ => vec![agents[i % 3], agents[(i + 1) % 3]],
        };
        let channel = ["chat", "email"][i % 2];
        let topic = ["billing", "配送", "login"][(i / 3) % 3];
        let handled_by = ["human", "bot", "bot_then_human"][i % 3];
        let mut facts = json!({
            "channel": channel,
            "topic": topic,
            "opened_at": at(opened),
            "reopened": reopened,
            "agents": listed.iter().map(|a| json!({"agent": a})).collect::<Vec<_>>(),
            "handled_by": handled_by,
        });
        if let Some(frt) = frt_secs {
            facts["first_response_at"] = json!(at(opened + frt));
        }
        if resolved {
            facts["resolved_at"] = json!(at(opened + 40_000));
        }
        if let Some(c) = contacts {
            facts["contacts"] = json!(c);
        }
        entries.push(json!({"interaction": format!("i-{i}"), "facts": facts}));
        sent.push(Sent {
            agents: listed,
            channel,
            topic,
            frt_secs,
            resolved,
            contacts,
            reopened,
        });
    }
    let (status, stored) = post(
        &app,
        &write,
        "/interactions",
        &json!({"interactions": entries}),
    )
    .await;
    assert_eq!(
        (status, stored["created"].as_u64()),
        (200, Some(240)),
        "{stored}"
    );
    for (day, users) in days.iter().zip([1000, 1200, 800]) {
        put(
            &app,
            &write,
            &format!("/volumes/{day}"),
            &json!({"active_users": users}),
        )
        .await;
    }

    let (status, report) = get(
        &app,
        &read,
        "/service?from=2026-11-02&to=2026-11-04&bucket=all",
    )
    .await;
    assert_eq!(status, 200, "{report}");
    let row = &report["rows"][0];
    let n = sent.len() as f64;
    close(&row["interactions"], n, "interactions");
    close(&row["handled_per_day"]["value"], n / 3.0, "handled per day");
    let resolved = sent.iter().filter(|s| s.resolved).count() as f64;
    close(
        &row["resolution_rate"]["value"],
        100.0 * resolved / n,
        "resolution rate",
    );
    let (low, high) = wilson(resolved, n);
    close(&row["resolution_rate"]["low"], low, "resolution rate low");
    close(
        &row["resolution_rate"]["high"],
        high,
        "resolution rate high",
    );
    let fcr_known: Vec<&Sent> = sent
        .iter()
        .filter(|s| s.resolved && s.contacts.is_some())
        .collect();
    let fcr = fcr_known
        .iter()
        .filter(|s| s.contacts == Some(1) && s.reopened == 0)
        .count() as f64;
    close(
        &row["fcr"]["value"],
        100.0 * fcr / fcr_known.len() as f64,
        "fcr",
    );
    let reopened = sent.iter().filter(|s| s.reopened > 0).count() as f64;
    close(
        &row["reopen_rate"]["value"],
        100.0 * reopened / n,
        "reopen rate",
    );
    let mut frts: Vec<i64> = sent.iter().filter_map(|s| s.frt_secs).collect();
    frts.sort_unstable();
    let within = frts.iter().filter(|&&f| f < 3600).count() as f64;
    close(
        &row["frt_within_target"]["value"],
        100.0 * within / frts.len() as f64,
        "within the 1 h target (an edge: exact)",
    );
    for (name, q) in [("frt_median", 0.5), ("frt_p90", 0.9)] {
        let exact = frts[((q * frts.len() as f64).ceil() as usize).max(1) - 1] as f64;
        let sketched = row[name]["seconds"].as_f64().unwrap();
        let allowed = if exact < 60.0 { 10.0 } else { exact * 0.25 };
        assert!(
            (sketched - exact).abs() <= allowed,
            "{name}: sketch {sketched} against exact {exact}"
        );
        assert!(
            row[name]["low"].as_f64() <= Some(sketched)
                && row[name]["high"].as_f64() >= Some(sketched)
        );
    }
    let contacts: f64 = sent
        .iter()
        .map(|s| f64::from(s.contacts.unwrap_or(1)))
        .sum();
    close(&row["contacts"], contacts, "contacts");
    close(
        &row["contact_rate"]["value"],
        100.0 * contacts / 3000.0,
        "contact rate",
    );
    let bots = sent.iter().enumerate().filter(|(i, _)| i % 3 == 1).count() as f64;
    close(&row["bot_only"]["value"], 100.0 * bots / n, "bot only");

    // By agent, with the default rule: the last agent listed, wholly; none listed, no agent.
    let (_, by_agent) = get(
        &app,
        &read,
        "/service?from=2026-11-02&to=2026-11-04&bucket=all&group_by=agent",
    )
    .await;
    for agent in agents {
        let theirs: Vec<&Sent> = sent
            .iter()
            .filter(|s| s.agents.last() == Some(&agent))
            .collect();
        let row = by_agent["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["agent"] == agent)
            .expect("a row per agent");
        close(
            &row["interactions"],
            theirs.len() as f64,
            "an agent's interactions",
        );
        let resolved = theirs.iter().filter(|s| s.resolved).count() as f64;
        close(
            &row["resolution_rate"]["value"],
            100.0 * resolved / theirs.len() as f64,
            "an agent's resolution rate",
        );
        assert!(row["contact_rate"].is_null() && row["contact_rate_missing"].is_string());
    }

    // By share: each listed agent counts half of a two-agent interaction.
    let admin = key(&app, Role::Admin).await;
    let (status, _) = put(
        &app,
        &admin,
        "/service/settings",
        &json!({"credit": "share", "frt_target_secs": 3600, "frt_bands": [3600, 14400, 86400]}),
    )
    .await;
    assert_eq!(status, 200);
    let (_, by_share) = get(
        &app,
        &read,
        "/service?from=2026-11-02&to=2026-11-04&bucket=all&group_by=agent",
    )
    .await;
    for agent in agents {
        let weight: f64 = sent
            .iter()
            .filter(|s| s.agents.contains(&agent))
            .map(|s| 1.0 / s.agents.len() as f64)
            .sum();
        let row = by_share["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["agent"] == agent)
            .unwrap();
        close(&row["interactions"], weight, "an agent's share");
    }

    // By topic and channel: each its own, topics in any script.
    let (_, by_topic) = get(
        &app,
        &read,
        "/service?from=2026-11-02&to=2026-11-04&bucket=all&group_by=topic,channel",
    )
    .await;
    let rows = by_topic["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 6);
    for row in rows {
        let count = sent
            .iter()
            .filter(|s| row["topic"] == s.topic && row["channel"] == s.channel)
            .count() as f64;
        close(
            &row["interactions"],
            count,
            "a topic and channel's interactions",
        );
    }
    let (_, one_topic) = get(
        &app,
        &read,
        "/service?from=2026-11-02&to=2026-11-04&bucket=day&topic=%E9%85%8D%E9%80%81",
    )
    .await;
    assert_eq!(
        one_topic["rows"].as_array().unwrap().len(),
        3,
        "{one_topic}"
    );
    let csv = app
        .client
        .get(app.url(&format!(
            "/api/v1/sites/{}/service?from=2026-11-02&to=2026-11-04&format=csv",
            app.site.key()
        )))
        .bearer_auth(&read)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let csv = csv.text().await.unwrap();
    assert!(
        csv.trim_start_matches('\u{feff}')
            .starts_with("bucket_start,interactions,contacts,handled_per_day,"),
        "{csv}"
    );
    let (status, refused) = get(&app, &read, "/service?group_by=mood").await;
    assert_eq!(
        (status, error_code_of(&refused)),
        (400, "invalid_parameter")
    );
}

fn answer<S: TestBackend>(app: &TestApp<S>, interaction: &str, csat: u8, nps: u8) -> AnswerWrite {
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
            nps: Some(NpsScore::try_from(nps).unwrap()),
            ..Answers::default()
        },
        day: app.site.site.today(),
        now_ms: koe_collector::clock::now_ms(),
        edit_window_ms: 86_400_000,
        source: Source::WIDGET,
    }
}

/// The drivers' band of a cut, as the API gives it.
fn band<'a>(drivers: &'a Value, cut: &str, band: &str) -> &'a Value {
    drivers["bands"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["cut"] == cut && b["band"] == band)
        .unwrap_or(&Value::Null)
}

async fn answers_join_facts_whichever_comes_first<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let write = key(&app, Role::Write).await;
    let read = key(&app, Role::Read).await;
    let admin = key(&app, Role::Admin).await;
    let slow = json!({
        "opened_at": "2026-11-30T10:00:00+09:00",
        "first_response_at": "2026-11-30T15:00:00+09:00",
        "contacts": 3,
        "topic": "refunds",
    });
    let fast = json!({
        "opened_at": "2026-11-30T10:00:00+09:00",
        "first_response_at": "2026-11-30T10:10:00+09:00",
        "contacts": 1,
        "topic": "refunds",
    });
    // The answer first, then its facts; and facts first, then the answer.
    app.storage
        .save_answers(answer(&app, "answer-first", 1, 2))
        .await
        .unwrap();
    put(&app, &write, "/interactions/answer-first", &slow).await;
    put(&app, &write, "/interactions/facts-first", &fast).await;
    app.storage
        .save_answers(answer(&app, "facts-first", 5, 10))
        .await
        .unwrap();
    // An answer whose interaction has no facts counts only in the rest.
    app.storage
        .save_answers(answer(&app, "no-facts", 5, 9))
        .await
        .unwrap();

    let drivers_path = "/service/drivers";
    let (status, drivers) = get(&app, &read, drivers_path).await;
    assert_eq!(status, 200, "{drivers}");
    assert_eq!(
        band(&drivers, "frt", "4 h – 1 d")["csat"]["n"],
        1,
        "{drivers}"
    );
    assert_eq!(band(&drivers, "frt", "4 h – 1 d")["csat"]["value"], 0.0);
    assert_eq!(band(&drivers, "frt", "< 1 h")["csat"]["value"], 100.0);
    assert_eq!(band(&drivers, "contacts", "3+")["csat"]["n"], 1);
    assert_eq!(band(&drivers, "topic", "refunds")["csat"]["n"], 2);
    assert_eq!(drivers["csat"]["n"], 3, "the overall counts every answer");

    // The agent's standing shows the service facts credited to them beside their CSAT.
    put(
        &app,
        &write,
        "/interactions/answer-first",
        &json!({"agents": [{"agent": "aiko"}], "resolved_at": "2026-11-30T18:00:00+09:00"}),
    )
    .await;
    // The scores API carries the service KPIs asked for beside the survey's, row by row.
    let (status, scores) = get(
        &app,
        &read,
        "/scores?from=2026-11-01&bucket=all&metrics=csat,frt,resolution_rate",
    )
    .await;
    assert_eq!(status, 200, "{scores}");
    let (_, service) = get(&app, &read, "/service?from=2026-11-01&bucket=all").await;
    let beside = &scores["rows"][0]["service"];
    assert_eq!(
        beside["resolution_rate"], service["rows"][0]["resolution_rate"],
        "{scores}"
    );
    assert_eq!(beside["frt_median"], service["rows"][0]["frt_median"]);
    assert!(
        beside.get("bot_only").is_none(),
        "only the KPIs asked for: {beside}"
    );
    assert!(scores["rows"][0]["csat"].is_object());
    let (status, refused) = get(&app, &read, "/scores?metrics=csat,mood").await;
    assert_eq!(
        (status, error_code_of(&refused)),
        (400, "invalid_parameter")
    );
    let (_, plain) = get(&app, &read, "/scores?from=2026-11-01&bucket=all").await;
    assert!(
        plain["rows"][0].get("service").is_none(),
        "none unless asked"
    );

    let (_, standings) = get(&app, &read, "/standings?from=2026-11-01").await;
    let aiko = &standings["agents"][0];
    assert_eq!(aiko["agent"], "aiko", "{standings}");
    assert_eq!(aiko["service"]["handled"], 1.0, "{standings}");
    assert_eq!(aiko["service"]["resolution_rate"]["value"], 100.0);
    assert_eq!(aiko["service"]["frt_median"]["n"], 1);

    // An edited answer moves; a fact that changes moves the answer to its new band.
    app.storage
        .save_answers(answer(&app, "answer-first", 4, 9))
        .await
        .unwrap();
    put(
        &app,
        &write,
        "/interactions/answer-first",
        &json!({"first_response_at": "2026-11-30T10:30:00+09:00", "contacts": 2}),
    )
    .await;
    let (_, drivers) = get(&app, &read, drivers_path).await;
    assert!(band(&drivers, "frt", "4 h – 1 d").is_null(), "{drivers}");
    assert_eq!(band(&drivers, "frt", "< 1 h")["csat"]["n"], 2);
    assert_eq!(band(&drivers, "frt", "< 1 h")["csat"]["value"], 100.0);
    assert_eq!(band(&drivers, "contacts", "2")["csat"]["n"], 1);
    assert!(band(&drivers, "contacts", "3+").is_null());

    // Erasure takes the facts and the answer out of everything.
    let erased = app
        .client
        .delete(app.url(&format!(
            "/api/v1/sites/{}/responses/facts-first",
            app.site.key()
        )))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status(), 200);
    assert_eq!(get(&app, &read, "/interactions/facts-first").await.0, 404);
    let (_, drivers) = get(&app, &read, drivers_path).await;
    assert_eq!(band(&drivers, "frt", "< 1 h")["csat"]["n"], 1, "{drivers}");
    assert!(band(&drivers, "contacts", "1").is_null());
    let today = app.site.site.today();
    let (_, service) = get(
        &app,
        &read,
        &format!("/service?from=2026-11-01&to={today}&bucket=all"),
    )
    .await;
    close(
        &service["rows"][0]["interactions"],
        1.0,
        "the erased facts no longer count",
    );
}

async fn a_new_time_zone_moves_facts_and_drivers_to_their_days_there<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let write = key(&app, Role::Write).await;
    let read = key(&app, Role::Read).await;
    // 16:00 UTC is the next morning in Tokyo, the site's zone.
    let facts = json!({
        "opened_at": "2026-11-30T16:00:00Z",
        "first_response_at": "2026-11-30T16:05:00Z",
        "contacts": 1,
    });
    let (_, stored) = put(&app, &write, "/interactions/late", &facts).await;
    assert_eq!(stored["counts_on"], "2026-12-01");
    app.storage
        .save_answers(answer(&app, "late", 2, 3))
        .await
        .unwrap();
    app.update_site(
        &app.site,
        &json!({"timezone": "Etc/UTC", "rebuild_rollups": true}),
    )
    .await;
    let (_, shown) = get(&app, &read, "/interactions/late").await;
    assert_eq!(shown["counts_on"], "2026-11-30", "{shown}");
    let (_, by_day) = get(
        &app,
        &read,
        "/service?from=2026-11-29&to=2026-12-02&bucket=day",
    )
    .await;
    let days: Vec<&str> = by_day["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["bucket_start"].as_str().unwrap())
        .collect();
    assert_eq!(days, ["2026-11-30"], "{by_day}");
    let (_, drivers) = get(&app, &read, "/service/drivers?from=2026-11-01").await;
    assert_eq!(band(&drivers, "contacts", "1")["csat"]["n"], 1, "{drivers}");
}

async fn retention_purges_old_facts_and_their_counts_stay<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let write = key(&app, Role::Write).await;
    let read = key(&app, Role::Read).await;
    let now = jiff::Timestamp::now();
    for (interaction, days_ago) in [("old", 150), ("new", 10)] {
        let opened = now - jiff::SignedDuration::from_hours(24 * days_ago);
        let facts = json!({"opened_at": opened.to_string(), "contacts": 1});
        assert_eq!(
            put(
                &app,
                &write,
                &format!("/interactions/{interaction}"),
                &facts
            )
            .await
            .0,
            201
        );
    }
    let site = koe_collector::sites::settings::update_site(
        &app.storage,
        &app.site.site,
        koe_collector::sites::settings::SiteChanges {
            retention_days: Some(91),
            ..Default::default()
        },
        Actor::Cli,
    )
    .await
    .unwrap();
    let from = site
        .today()
        .checked_sub(jiff::Span::new().days(179))
        .unwrap();
    let path = format!("/service?from={from}&bucket=all");
    let (_, before) = get(&app, &read, &path).await;
    close(
        &before["rows"][0]["interactions"],
        2.0,
        "both before the purge",
    );
    koe_collector::responses::retention::purge_site(&app.storage, &site, site.today(), 7)
        .await
        .unwrap();
    assert_eq!(
        get(&app, &read, "/interactions/old").await.0,
        404,
        "the old facts are gone"
    );
    assert_eq!(get(&app, &read, "/interactions/new").await.0, 200);
    let (_, after) = get(&app, &read, &path).await;
    assert_eq!(after["rows"], before["rows"], "reports read as before");
}

on_both_backends!(
    retention_purges_old_facts_and_their_counts_stay,
    a_new_time_zone_moves_facts_and_drivers_to_their_days_there,
    facts_are_idempotent_and_each_field_keeps_its_last_write,
    facts_that_break_a_rule_name_the_field_and_store_nothing,
    write_keys_send_facts_and_read_nothing,
    every_kpi_agrees_with_a_recomputation_from_the_raw_facts,
    answers_join_facts_whichever_comes_first,
);
