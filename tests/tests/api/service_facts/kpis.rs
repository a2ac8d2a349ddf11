//! Every service KPI recomputed from the raw facts by an independent calculation.

use koe_tests::{TestBackend, on_both_backends};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use super::*;

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

on_both_backends!(every_kpi_agrees_with_a_recomputation_from_the_raw_facts,);
