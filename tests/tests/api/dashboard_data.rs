//! What the dashboard shows and exports: the responses download holds every matching
//! response, however many, and answers flagged as a link scanner's are never shown as a
//! customer's low rating — nor listed in the feed, the API's list or a download unless asked
//! for.

use koe_collector::audit::Actor;
use koe_collector::people::SiteRole;
use koe_collector::responses::{AnswerWrite, Answers, Attribution, Client, Source};
use koe_collector::sites::registration::create_api_key;
use koe_collector::storage::Role;
use koe_shared::{Comment, CsatScore, InteractionId, Reason, Reasons};
use koe_tests::{TestApp, TestBackend, on_both_backends};

fn write<S: TestBackend>(
    app: &TestApp<S>,
    interaction: &str,
    csat: u8,
    comment: &str,
    flagged: bool,
) -> AnswerWrite {
    let now_ms = koe_collector::clock::now_ms();
    AnswerWrite {
        site_id: app.site.site.id,
        interaction: InteractionId::try_from(interaction).unwrap(),
        attribution: Attribution::default(),
        answers: Answers {
            csat: Some(CsatScore::try_from(csat).unwrap()),
            comment: Some(Comment::try_from(comment).unwrap()),
            ..Answers::default()
        },
        day: app.site.site.timezone.local_date(now_ms),
        now_ms,
        edit_window_ms: 86_400_000,
        source: match flagged {
            true => Source {
                client: Client::SuspectedScanner,
                flagged: true,
            },
            false => Source::WIDGET,
        },
    }
}

async fn signed_in<S: TestBackend>(app: &TestApp<S>) -> String {
    app.dashboard_session(SiteRole::Manager).await
}

/// The site's dashboard page as `cookie`'s session sees it, with `query` (e.g. `?lang=en`).
async fn site_page<S: TestBackend>(app: &TestApp<S>, cookie: &str, query: &str) -> String {
    app.client
        .get(app.url(&format!("/dashboard/sites/{}{query}", app.site.key())))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn the_responses_download_holds_every_matching_response<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    // More than one page of the list (200): the download must not stop at a page.
    let stored = 450;
    for i in 0..stored {
        let w = write(&app, &format!("i-{i}"), 4, "fine", false);
        app.storage.save_answers(w).await.unwrap();
    }
    let cookie = signed_in(&app).await;
    let csv = app
        .client
        .get(app.url(&format!(
            "/dashboard/sites/{}/responses.csv",
            app.site.key()
        )))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), stored + 1, "the header and every response");
    let ids: std::collections::BTreeSet<&str> = lines[1..]
        .iter()
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids.len(), stored, "each response once");
}

async fn flagged_answers_are_not_shown_as_low_ratings<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let customer = write(&app, "person", 1, "the-customers-complaint", false);
    let scanner = write(&app, "scanner", 1, "the-scanners-click", true);
    app.storage.save_answers(customer).await.unwrap();
    app.storage.save_answers(scanner).await.unwrap();
    let cookie = signed_in(&app).await;
    let page = site_page(&app, &cookie, "").await;
    assert!(page.contains("the-customers-complaint"), "{page}");
    assert!(
        !page.contains("the-scanners-click"),
        "a flagged answer is listed as a low rating"
    );
}

async fn the_comment_feed_filters_by_reason_and_comment<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let with_reasons = |interaction: &str, reasons: &[&str], comment: Option<&str>| {
        let mut w = write(&app, interaction, 2, "x", false);
        w.answers.comment = comment.map(|c| Comment::try_from(c).unwrap());
        w.answers.reasons = Reasons::try_from(
            reasons
                .iter()
                .map(|r| Reason::try_from(*r).unwrap())
                .collect::<Vec<_>>(),
        )
        .unwrap();
        w
    };
    for w in [
        with_reasons("a", &["slow_reply"], Some("waited an hour")),
        with_reasons("b", &["slowxreply", "rude"], None),
        with_reasons("c", &["rude"], Some("was rude")),
    ] {
        app.storage.save_answers(w).await.unwrap();
    }
    let key = create_api_key(&app.storage, &app.site.site, Role::Read, Actor::Cli)
        .await
        .unwrap()
        .1;
    let listed = |query: &'static str| {
        let app = &app;
        let key = key.clone();
        async move {
            let page: serde_json::Value = app
                .get_json(
                    &format!("/api/v1/sites/{}/responses?{query}", app.site.key()),
                    &key,
                )
                .await;
            let mut ids: Vec<String> = page["responses"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["interaction"].as_str().unwrap().to_owned())
                .collect();
            ids.sort();
            ids
        }
    };
    assert_eq!(listed("reason=slow_reply").await, ["a"], "whole slugs only");
    assert_eq!(listed("reason=rude").await, ["b", "c"]);
    assert_eq!(listed("has_comment=true").await, ["a", "c"]);
    assert_eq!(listed("reason=rude&has_comment=false").await, ["b"]);
    let refused = app
        .client
        .get(app.url(&format!(
            "/api/v1/sites/{}/responses?has_comment=maybe",
            app.site.key()
        )))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
}

async fn the_feed_and_list_hide_set_aside_answers_unless_asked<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    // A customer's answer with a scanner's kept aside beside it, and an answer only a scanner
    // gave (flagged, not set aside).
    for w in [
        write(&app, "chat-1", 2, "the-customers-words", false),
        write(&app, "chat-1", 1, "the-scanners-click", true),
        write(&app, "chat-2", 5, "a-quick-click", true),
    ] {
        app.storage.save_answers(w).await.unwrap();
    }
    let key = create_api_key(&app.storage, &app.site.site, Role::Read, Actor::Cli)
        .await
        .unwrap()
        .1;
    let comments = |page: &serde_json::Value| -> Vec<String> {
        let mut found: Vec<String> = page["responses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["comment"].as_str().unwrap().to_owned())
            .collect();
        found.sort();
        found
    };
    let list = format!("/api/v1/sites/{}/responses", app.site.key());
    for (query, expected) in [
        ("", vec!["the-customers-words"]),
        ("?flagged=false", vec!["the-customers-words"]),
        (
            "?flagged=any",
            vec!["a-quick-click", "the-customers-words", "the-scanners-click"],
        ),
        ("?flagged=true", vec!["a-quick-click", "the-scanners-click"]),
    ] {
        let page = app.get_json(&format!("{list}{query}"), &key).await;
        assert_eq!(comments(&page), expected, "the list, {query:?}");
    }
    let any = app.get_json(&format!("{list}?flagged=any"), &key).await;
    let aside: Vec<&serde_json::Value> = any["responses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["set_aside"] == true)
        .collect();
    assert_eq!(
        aside.len(),
        1,
        "asked for, the answer set aside is there, said so"
    );
    assert_eq!(aside[0]["flagged"], true);
    let refused = app
        .client
        .get(app.url(&format!("{list}?flagged=include")))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400, "a value the list does not know");

    let api_csv = |query: &'static str| {
        let (app, key, list) = (&app, key.clone(), list.clone());
        async move {
            app.client
                .get(app.url(&format!("{list}?format=csv{query}")))
                .bearer_auth(key)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let csv = api_csv("").await;
    assert!(
        csv.contains("the-customers-words") && !csv.contains("the-scanners-click"),
        "{csv}"
    );
    assert!(api_csv("&flagged=any").await.contains("the-scanners-click"));

    let cookie = signed_in(&app).await;
    let feed = site_page(&app, &cookie, "/comments?lang=en").await;
    assert!(feed.contains("the-customers-words"), "{feed}");
    assert!(
        !feed.contains("the-scanners-click") && !feed.contains("a-quick-click"),
        "the feed shows customers' words, not scanners': {feed}"
    );
    let asked = site_page(&app, &cookie, "/comments?lang=en&flagged=any").await;
    assert!(
        asked.contains("the-scanners-click") && asked.contains(">flagged</span>"),
        "asked for, flagged answers are listed and said to be flagged: {asked}"
    );
    let download = |query: &'static str| {
        let (app, cookie) = (&app, cookie.clone());
        async move {
            app.client
                .get(app.url(&format!(
                    "/dashboard/sites/{}/responses.csv{query}",
                    app.site.key()
                )))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let everything = download("").await;
    assert!(
        everything.contains("the-customers-words") && !everything.contains("the-scanners-click"),
        "{everything}"
    );
    assert!(
        download("?flagged=any")
            .await
            .contains("the-scanners-click")
    );
}

on_both_backends!(
    the_feed_and_list_hide_set_aside_answers_unless_asked,
    the_comment_feed_filters_by_reason_and_comment,
    the_responses_download_holds_every_matching_response,
    flagged_answers_are_not_shown_as_low_ratings,
);
