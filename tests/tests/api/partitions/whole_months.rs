//! Retention drops the months every site lets go, whole — by the sites' settings as they are
//! when the month is dropped, not as the purge first read them.

use super::*;

#[tokio::test]
async fn retention_drops_a_month_every_site_lets_go_and_purges_the_rest_row_by_row() {
    // The collector's own purge, which runs at start, would race the one under test.
    let Some(app) = TestApp::<PgStorage>::spawn_with(|s| s.retention_check_secs = 0).await else {
        return;
    };
    let url = &app.db.url;
    let now = koe_collector::clock::now_ms();
    let keeping = &app.strict_site.site; // keeps everything
    let site = update_site(
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
    answer(&app.storage, &site, "a-january", noon(2025, 1, 10), 1).await;
    answer(&app.storage, &site, "a-february", noon(2025, 2, 10), 2).await;
    answer(&app.storage, &site, "a-march", noon(2025, 3, 10), 3).await;
    answer(&app.storage, &site, "a-recent", now - 10 * DAY_MS, 4).await;
    answer(&app.storage, keeping, "k-february", noon(2025, 2, 20), 5).await;
    answer(&app.storage, keeping, "k-march", noon(2025, 3, 20), 5).await;
    let rollups_before = (
        app.rollups(&app.site).await,
        app.rollups(&app.strict_site).await,
    );
    let kept_before = app.responses(&app.strict_site).await;
    let purged = retention::purge_due(&app.storage, 7).await.unwrap();
    assert_eq!(
        purged, 3,
        "a-january (its month), a-february and a-march (row by row)"
    );

    assert!(
        !exists(url, "responses_2025_01").await,
        "January dropped whole"
    );
    for kept in ["responses_2025_02", "responses_2025_03"] {
        assert!(
            exists(url, kept).await,
            "{kept} is kept: a site keeps rows in it"
        );
    }
    let (placed, keys) = placement(url).await;
    let interactions: Vec<&str> = placed.iter().map(|(i, _, _)| i.as_str()).collect();
    assert_eq!(interactions, ["a-recent", "k-february", "k-march"]);
    let keyed: Vec<&str> = keys.iter().map(|(i, _)| i.as_str()).collect();
    assert_eq!(
        keyed, interactions,
        "the purged responses' keys went with them"
    );
    assert_eq!(
        app.responses(&app.strict_site).await,
        kept_before,
        "the site that keeps everything keeps everything, ids and all"
    );
    assert_eq!(
        (
            app.rollups(&app.site).await,
            app.rollups(&app.strict_site).await
        ),
        rollups_before,
        "reports do not change"
    );
    let audit: Vec<String> = app
        .storage
        .audit_events(site.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "responses_purged")
        .map(|e| e.detail)
        .collect();
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert!(audit[0].starts_with("1 raw response(s)"), "{audit:?}");
    assert!(
        audit[0].ends_with("the whole month 2025-01 (UTC) dropped"),
        "{audit:?}"
    );
    assert!(audit[1].starts_with("2 raw response(s)"), "{audit:?}");
    assert_eq!(app.drift().await, Vec::<String>::new());
}

/// The purge reads every site's settings, then drops the months they let go: a site that
/// clears its retention in between must keep its month. Deterministic here: the drop is
/// handed the cut-offs computed from the site as the purge read it, after the change is
/// committed.
#[tokio::test]
async fn a_site_that_clears_its_retention_while_a_purge_runs_keeps_its_month() {
    // The collector's own purge, which runs at start, would race the one under test.
    let Some(app) = TestApp::<PgStorage>::spawn_with(|s| s.retention_check_secs = 0).await else {
        return;
    };
    let url = &app.db.url;
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
    answer(
        &app.storage,
        &read_by_the_purge,
        "a-january",
        noon(2025, 1, 10),
        1,
    )
    .await;
    let cutoffs: Vec<_> = retention::cutoff(&read_by_the_purge, read_by_the_purge.today(), 7)
        .into_iter()
        .collect();
    assert_eq!(cutoffs.len(), 1, "the site as read lets January go");
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

    let dropped = app.storage.drop_purged_partitions(&cutoffs).await.unwrap();
    let purged = retention::purge_site(
        &app.storage,
        &read_by_the_purge,
        read_by_the_purge.today(),
        7,
    )
    .await
    .unwrap();

    assert_eq!(
        (dropped, purged),
        (0, 0),
        "the drop and the row purge read the retention again, and find it cleared"
    );
    assert!(
        exists(url, "responses_2025_01").await,
        "January is kept whole"
    );
    let (placed, keys) = placement(url).await;
    assert_eq!(
        placed,
        [(
            "a-january".to_owned(),
            "responses_2025_01".to_owned(),
            false
        )]
    );
    assert_eq!(keys.len(), 1, "its key stays: {keys:?}");
    let audit = app.storage.audit_events(app.site.site.id).await.unwrap();
    assert!(
        !audit.iter().any(|e| e.action == "responses_purged"),
        "no purge is recorded: {audit:?}"
    );
    no_drift(&app.storage).await;
}
