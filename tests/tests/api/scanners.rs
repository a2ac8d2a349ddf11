//! A link scanner's "vote" never replaces a person's: the attack of SECURITY.md where a mail
//! gateway re-scans a forwarded rating email days after the customer answered — and however
//! often it does, it leaves one answer aside, not a row per scan.

use koe_collector::audit::Actor;
use koe_collector::sites::registration::create_api_key;
use koe_collector::storage::Role;
use koe_tests::{TestApp, TestBackend, on_both_backends};
use serde_json::Value;

use super::rating_links::{BROWSER, confirm, links};

const GATEWAY: &str = "Mozilla/5.0 (compatible; Mimecast URL protect)";

async fn a_scanners_confirmation_never_replaces_a_persons_counted_answer<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let site = &app.site;
    let links = links(&app, site, "ticket-9", "en").await;
    let five = links["csat"][4]["url"].as_str().unwrap();
    let one = links["csat"][0]["url"].as_str().unwrap();
    assert_eq!(confirm(&app, five, "csat", 5).await.status(), 200);

    // Days later a gateway opens the forwarded email and submits the "1" form at once.
    let page = app
        .client
        .get(one)
        .header("user-agent", GATEWAY)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let served_at = super::rating_links::served_at_of(&page);
    let scanned = app
        .client
        .post(one)
        .header("user-agent", GATEWAY)
        .form(&[("csat", "1"), ("served_at", &served_at)])
        .send()
        .await
        .unwrap();
    assert_eq!(scanned.status(), 200, "the scanner sees nothing special");

    let responses = app.responses(site).await;
    let counted: Vec<_> = responses.iter().filter(|r| !r.set_aside).collect();
    assert_eq!(counted.len(), 1, "one response per interaction");
    assert_eq!(counted[0].state.answers.csat.map(u8::from), Some(5));
    assert!(
        !counted[0].state.source.flagged,
        "the person's answer still counts"
    );
    let aside: Vec<_> = responses.iter().filter(|r| r.set_aside).collect();
    assert_eq!(aside.len(), 1, "the scanner's answer is kept aside");
    assert_eq!(aside[0].state.answers.csat.map(u8::from), Some(1));
    assert!(aside[0].state.source.flagged);
    let scores = app.rollups(site).await[0].1.scores();
    assert_eq!(scores.csat, [0, 0, 0, 0, 1], "CSAT 5 counted, the 1 not");
    assert!(app.drift().await.is_empty());

    let read = create_api_key(&app.storage, &site.site, Role::Read, Actor::Cli)
        .await
        .unwrap()
        .1;
    let flagged: Value = app
        .get_json(
            &format!("/api/v1/sites/{}/responses?flagged=true", site.key()),
            &read,
        )
        .await;
    let listed = flagged["responses"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "listed as flagged");
    assert_eq!(
        (listed[0]["csat"].clone(), listed[0]["set_aside"].clone()),
        (1.into(), true.into())
    );
}

/// A scanner posting a rating link's form, with a score and a comment, as mail gateways that
/// re-scan a message do.
async fn scan<S: TestBackend>(
    app: &TestApp<S>,
    url: &str,
    csat: u8,
    comment: &str,
) -> reqwest::Response {
    let csat = csat.to_string();
    app.client
        .post(url)
        .header("user-agent", GATEWAY)
        .form(&[
            ("csat", csat.as_str()),
            ("comment", comment),
            ("served_at", "0"),
        ])
        .send()
        .await
        .unwrap()
}

async fn thirty_scanner_confirmations_keep_one_set_aside_row<S: TestBackend>() {
    // The numbers: a strict site's rating link, answered by its customer, then posted
    // 30 times by a gateway with a 1,900-character comment — 31 rows for one interaction.
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let site = &app.strict_site;
    let links = links(&app, site, "ticket-30", "en").await;
    let five = links["csat"][4]["url"].as_str().unwrap();
    let one = links["csat"][0]["url"].as_str().unwrap();
    assert_eq!(confirm(&app, five, "csat", 5).await.status(), 200);
    let counted_before = app.responses(site).await;
    assert_eq!(counted_before.len(), 1);

    let comment = |n: usize| format!("scan {n:02} {}", "x".repeat(1900 - 8));
    // Most at once (PostgreSQL's writer takes them in batches), the last alone: the latest.
    let scans: Vec<String> = (0..29).map(comment).collect();
    let posted = futures_util::future::join_all(scans.iter().map(|c| scan(&app, one, 1, c))).await;
    assert!(
        posted.iter().all(|p| p.status() == 200),
        "scanners see nothing special"
    );
    let latest = comment(29);
    assert_eq!(scan(&app, one, 2, &latest).await.status(), 200);

    let responses = app.responses(site).await;
    assert_eq!(
        responses.len(),
        2,
        "the counted response and one row kept aside, not one per scan"
    );
    let counted: Vec<_> = responses.iter().filter(|r| !r.set_aside).collect();
    assert_eq!(counted, [&counted_before[0]], "the person's answer intact");
    let aside: Vec<_> = responses.iter().filter(|r| r.set_aside).collect();
    assert_eq!(aside.len(), 1);
    assert!(aside[0].state.source.flagged);
    assert_eq!(
        (
            aside[0].state.answers.csat.map(u8::from),
            aside[0].state.answers.comment.as_ref().map(|c| c.as_str())
        ),
        (Some(2), Some(latest.as_str())),
        "updated in place to the latest scan"
    );
    let scores = app.rollups(site).await[0].1.scores();
    assert_eq!(scores.csat, [0, 0, 0, 0, 1], "only the person's 5 counts");
    assert!(app.drift().await.is_empty());
}

async fn a_made_up_serve_time_is_not_believed<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let site = &app.site;
    let links = links(&app, site, "ticket-10", "en").await;
    let one = links["csat"][0]["url"].as_str().unwrap();
    for forged in ["0", "1000", "1.AAAA", ""] {
        let posted = app
            .client
            .post(one)
            .header("user-agent", BROWSER)
            .form(&[("csat", "1"), ("served_at", forged)])
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), 200);
        let stored = &app.responses(site).await[0];
        assert!(
            stored.state.source.flagged,
            "served_at={forged:?} passed the timing check"
        );
    }
    let counted: i64 = app
        .rollups(site)
        .await
        .iter()
        .map(|(_, c)| c.responses)
        .sum();
    assert_eq!(counted, 0);
}

async fn a_page_served_before_a_restart_is_confirmed_after_it<S: TestBackend>() {
    // Without `session_secret` the stamp key was random per start: a person who opened a rating
    // link before a deploy (or on another collector of a fleet) had their confirmation stored
    // flagged, never counted.
    let Some(mut app) = TestApp::<S>::spawn().await else {
        return;
    };
    let links = links(&app, &app.site, "ticket-restart", "en").await;
    let four = links["csat"][3]["url"].as_str().unwrap().to_owned();
    let served_at = super::rating_links::open_in_browser(&app, &four).await;
    app.stop().await;
    app.start_again().await;
    // A person reads the page before confirming (a confirmation within a second is a scanner's).
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let posted = app
        .client
        .post(&four)
        .header("user-agent", BROWSER)
        .form(&[("csat", "4"), ("served_at", &served_at)])
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 200);
    let stored = &app.responses(&app.site).await[0];
    assert!(
        !stored.state.source.flagged,
        "the serve time stamped before the restart is believed after it"
    );
    assert_eq!(stored.state.answers.csat.map(u8::from), Some(4));
}

on_both_backends!(
    thirty_scanner_confirmations_keep_one_set_aside_row,
    a_page_served_before_a_restart_is_confirmed_after_it,
    a_scanners_confirmation_never_replaces_a_persons_counted_answer,
    a_made_up_serve_time_is_not_believed,
);
