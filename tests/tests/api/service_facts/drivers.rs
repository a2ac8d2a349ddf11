//! Answers and facts joined in either order for the drivers and standings; erasure, a new time
//! zone and retention.

use koe_tests::{TestBackend, on_both_backends};
use serde_json::json;

use super::*;

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
    answers_join_facts_whichever_comes_first,
);
