//! The summaries the largest service reads come from agree with the tables they summarise, after
//! new facts, edits that move an interaction to another agent and week, and a re-count: whole
//! weeks by agent (`service_weekly_agent`) against the full rollups, and a whole site's drivers
//! (`service_drivers_daily`) against the sum of each channel's; and the migration that added
//! them fills them from a database of the release before.

use std::collections::BTreeMap;

use koe_collector::report::Bucket;
use koe_tests::{TestBackend, on_both_backends};
use serde_json::{Value, json};

use super::*;

const AGENTS: [&str; 3] = ["aiko", "ken", "mei"];
/// Wednesday 2026-11-04 to Tuesday 2026-11-24: two whole weeks, five days before and two after.
const RANGE: &str = "from=2026-11-04&to=2026-11-24";

/// Interaction `i`'s facts: opened on `day` (Tokyo), agents and team from `i`, a first response
/// from seconds to days later, every other one resolved. Ken works in two teams.
fn facts(i: usize, day: &str, agent: &str) -> Value {
    let opened = jiff::civil::Date::strptime("%Y-%m-%d", day)
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Tokyo").unwrap())
        .unwrap()
        .timestamp()
        .as_second()
        + 3_600;
    let at = |secs: i64| jiff::Timestamp::from_second(secs).unwrap().to_string();
    let team = match agent {
        "ken" if i.is_multiple_of(2) => "west",
        "mei" => "west",
        _ => "east",
    };
    let channel = ["chat", "email"][i % 2];
    let handled_by = ["human", "bot", "bot_then_human"][i % 3];
    let mut facts = json!({
        "channel": channel,
        "team": team,
        "topic": "billing",
        "opened_at": at(opened),
        "agents": [{"agent": agent}],
        "contacts": 1 + i % 3,
        "handled_by": handled_by,
    });
    if !i.is_multiple_of(5) {
        let after = [30, 900, 5_000, 20_000, 200_000][i % 5];
        facts["first_response_at"] = json!(at(opened + after));
    }
    if i.is_multiple_of(2) {
        facts["resolved_at"] = json!(at(opened + 40_000));
    }
    facts
}

fn day_of_range(i: usize) -> String {
    "2026-11-04"
        .parse::<jiff::civil::Date>()
        .unwrap()
        .checked_add(jiff::Span::new().days((i % 21) as i64))
        .unwrap()
        .to_string()
}

/// A service report's rows without the contact rate (site-wide volumes: a topic filter leaves it
/// out), numbers rounded past float noise.
fn comparable(report: &Value) -> Vec<Value> {
    fn round(value: &Value) -> Value {
        match value {
            Value::Number(n) => json!((n.as_f64().unwrap() * 1e6).round() / 1e6),
            Value::Object(fields) => Value::Object(
                fields
                    .iter()
                    .filter(|(name, _)| !name.starts_with("contact_rate"))
                    .map(|(name, v)| (name.clone(), round(v)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(round).collect()),
            other => other.clone(),
        }
    }
    report["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("rows: {report}"))
        .iter()
        .map(round)
        .collect()
}

/// The report by agent over [`RANGE`] by `bucket` — through the weekly summary — equals the same
/// report narrowed to the one topic every interaction has, which reads the full rollups.
async fn by_agent_agrees<S: TestBackend>(app: &TestApp<S>, read: &str, when: &str) {
    for bucket in ["week", "all"] {
        let path = format!("/service?{RANGE}&bucket={bucket}&group_by=agent");
        let (status, summary) = get(app, read, &path).await;
        assert_eq!(status, 200, "{summary}");
        let (_, full) = get(app, read, &format!("{path}&topic=billing")).await;
        assert_eq!(
            comparable(&summary),
            comparable(&full),
            "{when}, by {bucket}: the weekly summary against the full rollups"
        );
        assert!(!comparable(&summary).is_empty(), "{when}: {summary}");
    }
}

/// `n` interactions (`{prefix}-{i}`) in one batch, one a day over [`RANGE`] in turn.
async fn send_over_the_range<S: TestBackend>(
    app: &TestApp<S>,
    write: &str,
    prefix: &str,
    n: usize,
) {
    let entries: Vec<Value> = (0..n)
        .map(|i| {
            let facts = facts(i, &day_of_range(i), AGENTS[i % 3]);
            json!({"interaction": format!("{prefix}-{i}"), "facts": facts})
        })
        .collect();
    let batch = json!({ "interactions": entries });
    let (status, stored) = post(app, write, "/interactions", &batch).await;
    assert_eq!(status, 200, "{stored}");
}

async fn whole_weeks_by_agent_agree_with_the_full_rollups<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let write = key(&app, Role::Write).await;
    let read = key(&app, Role::Read).await;
    let admin = key(&app, Role::Admin).await;
    send_over_the_range(&app, &write, "i", 126).await;
    by_agent_agrees(&app, &read, "as sent").await;
    // Stored by the Monday starting each week (rows counted by an update that changes nothing).
    let rows_of = |week: &str| {
        let sql =
            format!("UPDATE service_weekly_agent SET handled = handled WHERE week = '{week}'");
        let url = app.db.url.clone();
        async move { S::execute(&url, &sql).await.unwrap() }
    };
    assert_eq!(
        (rows_of("2026-11-09").await, rows_of("2026-11-10").await),
        (4, 0)
    );

    // Counted by hand: each agent's interactions per week (each bucket named by its Monday,
    // the first one's before the range starts).
    let (_, weekly) = get(
        &app,
        &read,
        &format!("/service?{RANGE}&bucket=week&group_by=agent"),
    )
    .await;
    let mut expected: BTreeMap<(String, String), f64> = BTreeMap::new();
    for i in 0..126 {
        let day: jiff::civil::Date = day_of_range(i).parse().unwrap();
        let monday = day
            .checked_sub(jiff::Span::new().days(i64::from(day.weekday().to_monday_zero_offset())))
            .unwrap();
        *expected
            .entry((monday.to_string(), AGENTS[i % 3].to_owned()))
            .or_default() += 1.0;
    }
    let got: BTreeMap<(String, String), f64> = weekly["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let bucket = row["bucket_start"].as_str().unwrap_or_default().to_owned();
            let agent = row["agent"].as_str().unwrap_or_default().to_owned();
            ((bucket, agent), row["interactions"].as_f64().unwrap())
        })
        .collect();
    assert_eq!(got, expected, "{weekly}");

    // Moved to another agent and a week later; one erased; then a re-count by a new rule.
    for i in [7, 8, 30, 31] {
        let later = day_of_range(i + 7);
        let (status, moved) = put(
            &app,
            &write,
            &format!("/interactions/i-{i}"),
            &facts(i, &later, AGENTS[(i + 1) % 3]),
        )
        .await;
        assert_eq!(status, 200, "{moved}");
    }
    erase(&app, &admin, "i-12").await;
    by_agent_agrees(&app, &read, "after edits and an erasure").await;
    recount(
        &app,
        &admin,
        json!({"credit": "first", "frt_target_secs": 1800, "frt_bands": [600, 3600]}),
    )
    .await;
    by_agent_agrees(&app, &read, "after a re-count").await;
}

/// Erases an interaction's answer and facts, as a site's admin does.
async fn erase<S: TestBackend>(app: &TestApp<S>, admin: &str, interaction: &str) {
    let path = format!("/api/v1/sites/{}/responses/{interaction}", app.site.key());
    let erased = app
        .client
        .delete(app.url(&path))
        .bearer_auth(admin)
        .send()
        .await;
    assert_eq!(erased.unwrap().status(), 200);
}

/// New service settings whose crediting rule differs: every count is made again.
async fn recount<S: TestBackend>(app: &TestApp<S>, admin: &str, settings: Value) {
    let (status, refused) = put(app, admin, "/service/settings", &settings).await;
    assert_eq!(status, 200, "{refused}");
}

/// Each band's answers (CSAT and NPS: how many, and how many satisfied or the promoters less
/// the detractors) in a drivers answer.
fn band_counts(drivers: &Value) -> BTreeMap<(String, String), [i64; 4]> {
    let counted = |estimate: &Value| {
        let n = estimate["n"].as_i64().unwrap_or(0);
        let share = estimate["value"].as_f64().unwrap_or(0.0) * n as f64 / 100.0;
        [n, share.round() as i64]
    };
    drivers["bands"]
        .as_array()
        .unwrap_or_else(|| panic!("bands: {drivers}"))
        .iter()
        .map(|b| {
            let [csat_n, sat] = counted(&b["csat"]);
            let [nps_n, net] = counted(&b["nps"]);
            (
                (
                    b["cut"].as_str().unwrap().to_owned(),
                    b["band"].as_str().unwrap().to_owned(),
                ),
                [csat_n, sat, nps_n, net],
            )
        })
        .collect()
}

/// The drivers of the whole site — from the summary without team and channel — are the sums
/// of each channel's, which read the drivers by team and channel.
async fn site_drivers_agree<S: TestBackend>(app: &TestApp<S>, read: &str, when: &str) {
    let (status, whole) = get(app, read, "/service/drivers").await;
    assert_eq!(status, 200, "{whole}");
    let whole = band_counts(&whole);
    let mut summed: BTreeMap<(String, String), [i64; 4]> = BTreeMap::new();
    for channel in ["chat", "email"] {
        let (status, one) = get(app, read, &format!("/service/drivers?channel={channel}")).await;
        assert_eq!(status, 200, "{one}");
        for (band, counts) in band_counts(&one) {
            let sum = summed.entry(band).or_default();
            for (s, c) in sum.iter_mut().zip(counts) {
                *s += c;
            }
        }
    }
    assert_eq!(
        whole, summed,
        "{when}: the site's drivers against each channel's"
    );
    assert!(whole.len() >= 8, "{when}: bands in every cut: {whole:?}");
}

async fn a_whole_sites_drivers_are_the_sum_of_each_channels<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let write = key(&app, Role::Write).await;
    let read = key(&app, Role::Read).await;
    let admin = key(&app, Role::Admin).await;
    let today = app.site.site.today().to_string();
    for i in 0..30 {
        let interaction = format!("d-{i}");
        let (status, stored) = put(
            &app,
            &write,
            &format!("/interactions/{interaction}"),
            &facts(i, &today, AGENTS[i % 3]),
        )
        .await;
        assert_eq!(status, 201, "{stored}");
        let mut answered = answer(&app, &interaction, 1 + (i % 5) as u8, (i % 11) as u8);
        answered.attribution.channel = Some([Channel::Chat, Channel::Email][i % 2]);
        app.storage.save_answers(answered).await.unwrap();
    }
    site_drivers_agree(&app, &read, "as answered").await;

    // An answer edited, facts that move bands, an erasure, a re-count.
    app.storage
        .save_answers(answer(&app, "d-4", 5, 10))
        .await
        .unwrap();
    let (status, moved) = put(&app, &write, "/interactions/d-6", &facts(7, &today, "mei")).await;
    assert_eq!(status, 200, "{moved}");
    erase(&app, &admin, "d-9").await;
    site_drivers_agree(&app, &read, "after edits and an erasure").await;
    recount(
        &app,
        &admin,
        json!({"credit": "share", "frt_target_secs": 3600, "frt_bands": [600, 7200]}),
    )
    .await;
    site_drivers_agree(&app, &read, "after a re-count").await;
}

/// A database of the release before (no summary tables, its rollups and drivers filled) opened
/// by this one: the migration fills both summaries from what the release before counted, and the
/// reports read from them answer as the write path's own rows did.
async fn the_migration_fills_the_summaries_from_the_release_before<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let write = key(&app, Role::Write).await;
    send_over_the_range(&app, &write, "m", 63).await;
    let today = app.site.site.today();
    for i in 0..12 {
        let (status, _) = put(
            &app,
            &write,
            &format!("/interactions/a-{i}"),
            &facts(i, &today.to_string(), AGENTS[i % 3]),
        )
        .await;
        assert_eq!(status, 201);
        let mut answered = answer(&app, &format!("a-{i}"), 1 + (i % 5) as u8, (i % 11) as u8);
        answered.attribution.channel = Some([Channel::Chat, Channel::Email][i % 2]);
        app.storage.save_answers(answered).await.unwrap();
    }
    let site_id = app.site.site.id;
    let weeks = ("2026-11-04".parse().unwrap(), "2026-11-24".parse().unwrap());
    let drivers = (today.checked_sub(jiff::Span::new().days(7)).unwrap(), today);
    let whole_site = koe_collector::storage::ServiceFilter {
        agent: None,
        team: None,
        channel: None,
        topic: None,
    };
    let read = |storage: &S| {
        let storage = storage.clone();
        let whole_site = whole_site.clone();
        async move {
            let mut by_agent = Vec::new();
            for bucket in [Bucket::Week, Bucket::All] {
                by_agent.push(
                    storage
                        .service_rows(site_id, weeks, bucket, &["agent"], &whole_site)
                        .await
                        .unwrap(),
                );
            }
            let bands = storage
                .driver_rows(site_id, drivers, &whole_site)
                .await
                .unwrap();
            (by_agent, bands)
        }
    };
    let before = read(&app.storage).await;
    assert!(before.0[0].len() >= 9 && before.1.len() >= 8, "{before:?}");

    for sql in [
        "DROP TABLE service_weekly_agent",
        "DROP TABLE service_drivers_daily",
        "DELETE FROM _sqlx_migrations WHERE version = 20261211000026",
    ] {
        S::execute(&app.db.url, sql).await.unwrap();
    }
    let reopened = S::open(&app.db.url).await.expect("the migration runs");
    assert_eq!(
        read(&reopened).await,
        before,
        "the summaries filled by the migration read as the write path's"
    );
}

on_both_backends!(
    whole_weeks_by_agent_agree_with_the_full_rollups,
    a_whole_sites_drivers_are_the_sum_of_each_channels,
    the_migration_fills_the_summaries_from_the_release_before,
);
