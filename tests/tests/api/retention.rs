//! A site's retention (`koe site update --retention-days N`, `PATCH … {"retention_days": N}`):
//! raw responses and their comments older than N days are purged — by the collector on its own
//! schedule — while every report reads as before, `koe verify` checks the days still kept, and
//! each purge is audited. On SQLite and PostgreSQL.

use std::time::{Duration, Instant};

use koe_collector::audit::Actor;
use koe_collector::responses::retention;
use koe_collector::responses::{AnswerWrite, Answers, Attribution, Source};
use koe_collector::sites::settings::{SiteChangeError, SiteChanges, update_site};
use koe_collector::storage::Role;
use koe_shared::{AgentId, Channel, Comment, CsatScore, InteractionId, Reason, Reasons};
use koe_tests::{TestApp, TestBackend, on_both_backends};
use serde_json::json;

async fn seed<S: TestBackend>(app: &TestApp<S>, interaction: &str, days_ago: i64, csat: u8) {
    let now_ms = koe_collector::clock::now_ms();
    let write = AnswerWrite {
        site_id: app.site.site.id,
        interaction: InteractionId::try_from(interaction).unwrap(),
        attribution: Attribution {
            agent: Some(AgentId::try_from("aiko").unwrap()),
            channel: Some(Channel::Email),
            ..Attribution::default()
        },
        answers: Answers {
            csat: Some(CsatScore::try_from(csat).unwrap()),
            comment: Some(Comment::try_from(format!("personal note of {interaction}")).unwrap()),
            reasons: Reasons::try_from(if csat <= 2 {
                vec![Reason::try_from("slow").unwrap()]
            } else {
                Vec::new()
            })
            .unwrap(),
            ..Answers::default()
        },
        day: app
            .site
            .site
            .today()
            .checked_sub(jiff::Span::new().days(days_ago))
            .unwrap(),
        // Answered then: the day and the time agree, as they do for every live answer.
        now_ms: now_ms - days_ago * 86_400_000,
        edit_window_ms: 86_400_000,
        source: Source::WIDGET,
    };
    app.storage.save_answers(write).await.unwrap();
}

async fn responses_past_the_retention_are_purged_and_every_report_stays<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    for (interaction, days_ago, csat) in [
        ("old-1", 150, 1),
        ("old-2", 120, 4),
        ("new-1", 10, 2),
        ("new-2", 2, 5),
    ] {
        seed(&app, interaction, days_ago, csat).await;
    }
    let site = &app.site.site;
    let refused = update_site(
        &app.storage,
        site,
        SiteChanges {
            retention_days: Some(3),
            ..SiteChanges::default()
        },
        Actor::Cli,
    )
    .await;
    assert!(
        matches!(refused, Err(SiteChangeError::Retention(3))),
        "too short a retention is refused"
    );
    let site = update_site(
        &app.storage,
        site,
        SiteChanges {
            retention_days: Some(91),
            ..SiteChanges::default()
        },
        Actor::Cli,
    )
    .await
    .unwrap();
    let (_, read) = koe_collector::sites::registration::create_api_key(
        &app.storage,
        &site,
        Role::Read,
        Actor::Cli,
    )
    .await
    .unwrap();
    let from = site
        .today()
        .checked_sub(jiff::Span::new().days(179))
        .unwrap();
    let scores = format!(
        "/api/v1/sites/{}/scores?from={from}&bucket=week&group_by=agent",
        app.site.key()
    );
    let reasons = format!("/api/v1/sites/{}/reasons?from={from}", app.site.key());
    let scores_before = app.get_json(&scores, &read).await;
    let reasons_before = app.get_json(&reasons, &read).await;

    let purged = retention::purge_site(&app.storage, &site, site.today(), 7)
        .await
        .unwrap();
    assert_eq!(purged, 2, "the two answers older than 91 days");
    let mut left: Vec<String> = app
        .responses(&app.site)
        .await
        .iter()
        .map(|r| r.interaction.to_string())
        .collect();
    left.sort();
    assert_eq!(left, ["new-1", "new-2"]);
    // The unhappy old-1 and new-1 each opened a follow-up: old-1's goes with its answer.
    let all = koe_collector::storage::FollowupFilter {
        limit: 10,
        ..Default::default()
    };
    let followups = app.storage.followups(site.id, &all).await.unwrap();
    let kept: Vec<&str> = followups.iter().map(|f| f.interaction.as_str()).collect();
    assert_eq!(kept, ["new-1"], "a purged answer's follow-up goes with it");
    assert_eq!(
        app.get_json(&scores, &read).await,
        scores_before,
        "reports do not change"
    );
    assert_eq!(app.get_json(&reasons, &read).await, reasons_before);
    assert_eq!(
        app.drift().await,
        Vec::<String>::new(),
        "koe verify checks the days kept, and finds them whole"
    );
    let audit = app.storage.audit_events(site.id).await.unwrap();
    let purges: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "responses_purged")
        .collect();
    assert_eq!(purges.len(), 1, "{audit:?}");
    assert_eq!(purges[0].actor, "retention");
    assert!(
        purges[0]
            .detail
            .starts_with("2 raw response(s) answered before"),
        "{:?}",
        purges[0]
    );

    assert_eq!(
        retention::purge_site(&app.storage, &site, site.today(), 7)
            .await
            .unwrap(),
        0
    );
    let audit = app.storage.audit_events(site.id).await.unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "responses_purged")
            .count(),
        1,
        "a purge that removes nothing records nothing"
    );

    let (_, admin) = koe_collector::sites::registration::create_api_key(
        &app.storage,
        &site,
        Role::Admin,
        Actor::Cli,
    )
    .await
    .unwrap();
    let patched: serde_json::Value = app
        .client
        .patch(app.url(&format!("/api/v1/sites/{}", app.site.key())))
        .bearer_auth(&admin)
        .json(&json!({ "retention_days": 0 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        patched["retention_days"],
        serde_json::Value::Null,
        "0 keeps everything again"
    );
    assert_eq!(
        app.drift().await,
        Vec::<String>::new(),
        "keeping everything again does not make the purged days look like drift"
    );
}

async fn the_collector_purges_on_its_own_schedule<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn_with(|settings| settings.retention_check_secs = 1).await
    else {
        return;
    };
    seed(&app, "old", 400, 3).await;
    seed(&app, "new", 1, 5).await;
    update_site(
        &app.storage,
        &app.site.site,
        SiteChanges {
            retention_days: Some(365),
            ..SiteChanges::default()
        },
        Actor::Cli,
    )
    .await
    .unwrap();
    let started = Instant::now();
    loop {
        let left = app.responses(&app.site).await;
        if left.len() == 1 {
            assert_eq!(left[0].interaction.as_str(), "new");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the collector never purged: {left:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The purge reads every site's settings, then removes rows chunk by chunk: a site that clears
/// its retention in between must keep its rows. Deterministic here: the purge is handed the
/// site as it read it, after the change is committed.
async fn a_site_that_clears_its_retention_while_a_purge_runs_keeps_its_responses<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    for (interaction, days_ago, csat) in [("old-1", 150, 1), ("old-2", 120, 4), ("new-1", 10, 2)] {
        seed(&app, interaction, days_ago, csat).await;
    }
    let read_by_the_purge = update_site(
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
    update_site(
        &app.storage,
        &read_by_the_purge,
        SiteChanges {
            retention_days: Some(0),
            ..SiteChanges::default()
        },
        Actor::Cli,
    )
    .await
    .unwrap();

    let purged = retention::purge_site(
        &app.storage,
        &read_by_the_purge,
        read_by_the_purge.today(),
        7,
    )
    .await
    .unwrap();

    assert_eq!(
        purged, 0,
        "the purge reads the retention again where it removes, and finds it cleared"
    );
    let mut left: Vec<String> = app
        .responses(&app.site)
        .await
        .iter()
        .map(|r| r.interaction.to_string())
        .collect();
    left.sort();
    assert_eq!(left, ["new-1", "old-1", "old-2"], "every response is kept");
    let audit = app.storage.audit_events(app.site.site.id).await.unwrap();
    assert!(
        !audit.iter().any(|e| e.action == "responses_purged"),
        "no purge is recorded: {audit:?}"
    );
    let site = app.site_by_key(app.site.key()).await.unwrap();
    assert_eq!(site.purged_before, None, "no day is marked purged");
    assert_eq!(site.retention_days, None);
}

on_both_backends!(
    responses_past_the_retention_are_purged_and_every_report_stays,
    the_collector_purges_on_its_own_schedule,
    a_site_that_clears_its_retention_while_a_purge_runs_keeps_its_responses,
);
