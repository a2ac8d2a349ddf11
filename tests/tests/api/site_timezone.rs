//! Moving a site to another time zone: refused unless the rollups are rebuilt, then every
//! answer and impression counts on the day its own timestamp falls on in the new zone, the
//! totals do not change, `koe verify` finds nothing, and answers after it land in the new
//! zone's days. Refused once retention has purged raw responses. On SQLite and PostgreSQL.

use koe_collector::audit::{Actor, AuditAction, AuditEntry};
use koe_collector::responses::{AnswerWrite, Answers, Attribution, Source};
use koe_collector::sites::SiteTimeZone;
use koe_collector::sites::registration::create_api_key;
use koe_collector::sites::settings::{SiteChangeError, SiteChanges, update_site};
use koe_collector::storage::{ImpressionWrite, PurgeCutoff, Role};
use koe_shared::{AgentId, Channel, CsatScore, InteractionId, Reason, Reasons};
use koe_tests::{TestApp, TestBackend, on_both_backends};
use serde_json::{Value, json};

/// 2026-11-20T23:30Z, 2026-11-21T02:00Z and 2026-11-21T10:00Z: all on 21 November in Tokyo;
/// the first two on the 20th and the last on the 21st in Los Angeles.
const ANSWERED_AT: [&str; 3] = [
    "2026-11-20T23:30:00Z",
    "2026-11-21T02:00:00Z",
    "2026-11-21T10:00:00Z",
];

fn ms(at: &str) -> i64 {
    at.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

fn answer<S: TestBackend>(app: &TestApp<S>, n: usize, csat: u8) -> AnswerWrite {
    let now_ms = ms(ANSWERED_AT[n]);
    AnswerWrite {
        site_id: app.site.site.id,
        interaction: InteractionId::try_from(format!("chat-{n}").as_str()).unwrap(),
        attribution: Attribution {
            agent: Some(AgentId::try_from("aiko").unwrap()),
            channel: Some(Channel::Chat),
            ..Attribution::default()
        },
        answers: Answers {
            csat: Some(CsatScore::try_from(csat).unwrap()),
            reasons: Reasons::try_from(vec![Reason::try_from("slow").unwrap()]).unwrap(),
            ..Answers::default()
        },
        day: app.site.site.timezone.local_date(now_ms),
        now_ms,
        edit_window_ms: 86_400_000,
        source: Source::WIDGET,
    }
}

/// `bucket_start → responses` of the site's daily report over those days.
async fn days<S: TestBackend>(app: &TestApp<S>, key: &str) -> Vec<(String, u64, u64)> {
    let report = app
        .get_json(
            &format!(
                "/api/v1/sites/{}/scores?from=2026-11-19&to=2026-11-23&bucket=day",
                app.site.key()
            ),
            key,
        )
        .await;
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["responses"].as_u64() > Some(0) || r["impressions"].as_u64() > Some(0))
        .map(|r| {
            (
                r["bucket_start"].as_str().unwrap().to_owned(),
                r["responses"].as_u64().unwrap(),
                r["impressions"].as_u64().unwrap(),
            )
        })
        .collect()
}

async fn a_time_zone_change_rebuilds_the_rollups_in_the_new_zone<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    for (n, csat) in [(0, 2), (1, 5), (2, 1)] {
        app.storage
            .save_answers(answer(&app, n, csat))
            .await
            .unwrap();
    }
    let shown_at = ms(ANSWERED_AT[0]);
    app.storage
        .record_impression(ImpressionWrite {
            site_id: app.site.site.id,
            interaction: InteractionId::try_from("chat-0").unwrap(),
            attribution: answer(&app, 0, 2).attribution,
            day: app.site.site.timezone.local_date(shown_at),
            now_ms: shown_at,
            customer: None,
        })
        .await
        .unwrap();
    let (_, admin) = create_api_key(&app.storage, &app.site.site, Role::Admin, Actor::Cli)
        .await
        .unwrap();
    assert_eq!(
        days(&app, &admin).await,
        [("2026-11-21".to_owned(), 3, 1)],
        "in Tokyo"
    );

    let url = app.url(&format!("/api/v1/sites/{}", app.site.key()));
    let patch = |body: Value| {
        app.client
            .patch(&url)
            .bearer_auth(&admin)
            .json(&body)
            .send()
    };
    let refused = patch(json!({ "timezone": "America/Los_Angeles" }))
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let message: Value = refused.json().await.unwrap();
    assert!(
        message["message"]
            .as_str()
            .unwrap()
            .contains("rebuild_rollups"),
        "the refusal says how: {message}"
    );
    assert_eq!(
        days(&app, &admin).await.len(),
        1,
        "a refusal changes nothing"
    );

    let changed = patch(json!({ "timezone": "America/Los_Angeles", "rebuild_rollups": true }))
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["timezone"], "America/Los_Angeles");
    assert_eq!(
        days(&app, &admin).await,
        [
            ("2026-11-20".to_owned(), 2, 1),
            ("2026-11-21".to_owned(), 1, 0)
        ],
        "each answer on its own day in Los Angeles"
    );
    let reasons = app
        .get_json(
            &format!(
                "/api/v1/sites/{}/reasons?from=2026-11-20&to=2026-11-20",
                app.site.key()
            ),
            &admin,
        )
        .await;
    assert_eq!(
        reasons["reasons"][0]["unhappy"], 1,
        "reasons re-dated too: {reasons}"
    );
    assert_eq!(
        app.drift().await,
        Vec::<String>::new(),
        "koe verify is clean"
    );
    let audit = app.storage.audit_events(app.site.site.id).await.unwrap();
    let last = audit.last().unwrap();
    assert_eq!(last.action, "timezone_changed");
    assert!(
        last.detail.starts_with(
            "time zone Asia/Tokyo → America/Los_Angeles; 2 responses and 1 impressions"
        ),
        "{}",
        last.detail
    );

    // An answer given now counts on today in the new zone.
    let now = app
        .submit(&json!({ "site": app.site.key(), "interaction": "chat-now", "csat": 4 }))
        .await;
    assert_eq!(now.status(), 201);
    let la = SiteTimeZone::parse("America/Los_Angeles").unwrap();
    let stored = app.responses(&app.site).await;
    let newest = stored
        .iter()
        .find(|r| r.interaction.as_str() == "chat-now")
        .unwrap();
    assert_eq!(newest.state.day, la.local_date(newest.state.created_at_ms));
    assert_eq!(app.drift().await, Vec::<String>::new());
}

async fn a_time_zone_change_is_refused_once_raw_responses_were_purged<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    app.storage.save_answers(answer(&app, 0, 4)).await.unwrap();
    let retained = update_site(
        &app.storage,
        &app.site.site,
        SiteChanges {
            retention_days: Some(91),
            ..SiteChanges::default()
        },
        Actor::Cli,
    )
    .await
    .unwrap();
    let cutoff = PurgeCutoff {
        entry: AuditEntry {
            site_id: app.site.site.id,
            actor: Actor::Retention,
            action: AuditAction::ResponsesPurged,
            detail: "raw responses purged".into(),
            at: koe_collector::clock::now(),
        },
        before: "2026-11-22".parse().unwrap(),
        created_before_ms: ms("2026-11-22T00:00:00Z"),
        surely_before_ms: ms("2026-11-21T10:00:00Z"),
        zone: retained.timezone.clone(),
        retention_days: 91,
    };
    let purged = app.storage.purge_responses(&cutoff).await.unwrap();
    assert_eq!(purged, 1);
    let site = app.site_by_key(app.site.key()).await.unwrap();
    let before = app.rollups(&app.site).await;
    let refused = update_site(
        &app.storage,
        &site,
        SiteChanges {
            timezone: Some(SiteTimeZone::parse("UTC").unwrap()),
            rebuild_rollups: true,
            ..SiteChanges::default()
        },
        Actor::Cli,
    )
    .await;
    assert!(
        matches!(refused, Err(SiteChangeError::TimeZonePurged(day)) if day.to_string() == "2026-11-22"),
        "{refused:?}"
    );
    assert_eq!(app.rollups(&app.site).await, before, "nothing changed");
    let still = app.site_by_key(app.site.key()).await.unwrap();
    assert_eq!(still.timezone.name(), "Asia/Tokyo");
}

on_both_backends!(
    a_time_zone_change_rebuilds_the_rollups_in_the_new_zone,
    a_time_zone_change_is_refused_once_raw_responses_were_purged
);
