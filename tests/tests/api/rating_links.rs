//! Rating links and the hosted survey page: scanners cannot vote, people can, bad links
//! record nothing.

use std::time::Duration;

use koe_collector::audit::Actor;
use koe_collector::responses::{AnswerWrite, Answers, Attribution, Client, Source};
use koe_collector::sites::registration::create_api_key;
use koe_collector::storage::Role;
use koe_shared::token::{AttributionClaims, Offer, OfferedQuestion};
use koe_shared::{AgentId, Channel, CsatScore, InteractionId};
use koe_tests::{TestApp, TestBackend, TestSite, error_code, in_an_hour, on_both_backends};
use serde_json::{Value, json};

pub(crate) const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36";

pub(crate) async fn links<S: TestBackend>(
    app: &TestApp<S>,
    site: &TestSite,
    interaction: &str,
    lang: &str,
) -> Value {
    let admin = create_api_key(&app.storage, &site.site, Role::Admin, Actor::Cli)
        .await
        .unwrap()
        .1;
    let response = app
        .client
        .post(app.url(&format!("/api/v1/sites/{}/links", site.key())))
        .bearer_auth(admin)
        .json(&json!({ "interaction": interaction, "agent": "aiko", "team": "mail", "channel": "email", "lang": lang }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

fn all_urls(links: &Value) -> Vec<String> {
    let mut urls = vec![links["survey_url"].as_str().unwrap().to_owned()];
    for question in ["csat", "nps"] {
        urls.extend(
            links[question]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["url"].as_str().unwrap().to_owned()),
        );
    }
    urls
}

/// The serve time a survey page's form carries (stamped by the server).
pub(crate) fn served_at_of(page: &str) -> String {
    page.split("name=\"served_at\" value=\"")
        .nth(1)
        .and_then(|v| v.split('"').next())
        .expect("served_at")
        .to_owned()
}

/// Opens a link in a browser; gives the serve time its form carries.
pub(crate) async fn open_in_browser<S: TestBackend>(app: &TestApp<S>, url: &str) -> String {
    let page = app
        .client
        .get(url)
        .header("user-agent", BROWSER)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    served_at_of(&page)
}

/// Opens a link like a person: reads the page, waits, confirms the preselected score.
pub(crate) async fn confirm<S: TestBackend>(
    app: &TestApp<S>,
    url: &str,
    field: &str,
    score: u8,
) -> reqwest::Response {
    let served_at = open_in_browser(app, url).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    app.client
        .post(url)
        .header("user-agent", BROWSER)
        .form(&[(field, score.to_string()), ("served_at", served_at)])
        .send()
        .await
        .unwrap()
}

async fn a_scanner_opening_every_link_records_nothing<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let links = links(&app, &app.strict_site, "ticket-1", "en").await;
    let urls = all_urls(&links);
    assert_eq!(urls.len(), 1 + 5 + 11);
    for url in &urls {
        assert!(
            links["html"]
                .as_str()
                .unwrap()
                .contains(&url.replace('&', "&amp;")),
            "the email has every link"
        );
        assert!(links["text"].as_str().unwrap().contains(url.as_str()));
        for scanner in ["Mozilla/5.0 (compatible; Safe Links scanner)", BROWSER] {
            let get = app
                .client
                .get(url)
                .header("user-agent", scanner)
                .send()
                .await
                .unwrap();
            assert_eq!(get.status(), 200);
            let head = app
                .client
                .head(url)
                .header("user-agent", scanner)
                .send()
                .await
                .unwrap();
            assert_eq!(head.status(), 200);
        }
    }
    let (responses, rollups, impressions) = app.snapshot().await;
    assert!(
        responses.is_empty() && rollups.is_empty() && impressions.is_empty(),
        "GET and HEAD never record"
    );
}

async fn a_confirmed_score_counts_and_a_second_link_edits_it<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let site = &app.strict_site;
    let links = links(&app, site, "ticket-2", "ja").await;
    assert!(
        links["html"]
            .as_str()
            .unwrap()
            .contains("今回のサポートにどのくらい満足されましたか？")
    );
    let four = links["csat"][3]["url"].as_str().unwrap();
    let page = app
        .client
        .get(four)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"value="4" aria-label="4 – 満足" checked"#),
        "4 is preselected"
    );

    let confirmed = confirm(&app, four, "csat", 4).await;
    assert_eq!(confirmed.status(), 200);
    let html = confirmed.text().await.unwrap();
    assert!(
        html.contains("koe-followup") && html.contains(r#"name="nps""#),
        "the follow-up asks NPS and a comment"
    );
    let stored = &app.responses(site).await[0];
    assert_eq!(stored.state.answers.csat.map(u8::from), Some(4));
    assert_eq!(stored.state.attribution.channel, Some(Channel::Email));
    assert!(stored.state.attribution.verified && !stored.state.source.flagged);

    // The plain follow-up form (no JavaScript) adds NPS and a comment, a moment later, with
    // the serve time the page was stamped with.
    let action = app.url(&format!("/s/{}", four.split("/s/").nth(1).unwrap()));
    let served_at = served_at_of(&html);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let follow = app
        .client
        .post(&action)
        .header("user-agent", BROWSER)
        .form(&[
            ("nps", "9"),
            ("comment", "丁寧でした"),
            ("served_at", &served_at),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(follow.status(), 200);

    let two = links["csat"][1]["url"].as_str().unwrap();
    assert_eq!(confirm(&app, two, "csat", 2).await.status(), 200);
    let responses = app.responses(site).await;
    assert_eq!(responses.len(), 1, "one response per interaction");
    let answers = &responses[0].state.answers;
    assert_eq!(
        (answers.csat.map(u8::from), answers.nps.map(u8::from)),
        (Some(2), Some(9))
    );
    assert_eq!(
        answers.comment.as_ref().map(|c| c.as_str()),
        Some("丁寧でした")
    );
    let scores = app.rollups(site).await[0].1.scores();
    assert_eq!(scores.csat, [0, 1, 0, 0, 0], "the rollup moved from 4 to 2");
    assert!(app.drift().await.is_empty());
}

async fn quick_or_scripted_confirmations_are_kept_but_not_counted<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let site = &app.site;
    let links = links(&app, site, "ticket-3", "en").await;
    let five = links["csat"][4]["url"].as_str().unwrap();
    let quick = app
        .client
        .post(five)
        .header("user-agent", BROWSER)
        .form(&[
            ("csat", "5"),
            ("served_at", &koe_collector::clock::now_ms().to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(quick.status(), 200);
    let stored = &app.responses(site).await[0];
    assert!(stored.state.source.flagged);
    assert_eq!(
        app.rollups(site)
            .await
            .iter()
            .map(|(_, c)| c.responses)
            .sum::<i64>(),
        0,
        "flagged: not counted"
    );

    let read = create_api_key(&app.storage, &site.site, Role::Read, Actor::Cli)
        .await
        .unwrap()
        .1;
    let list: Value = app
        .get_json(
            &format!("/api/v1/sites/{}/responses?flagged=true", site.key()),
            &read,
        )
        .await;
    assert_eq!(
        list["responses"][0]["flagged"], true,
        "visible and countable in the list"
    );
    assert_eq!(list["responses"][0]["client"], "browser");

    let scripted = links["csat"][0]["url"].as_str().unwrap();
    app.client
        .post(scripted)
        .header("user-agent", "python-requests/2.31")
        .form(&[("csat", "1"), ("served_at", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        app.responses(site).await[0].state.source.client.as_str(),
        "suspected_scanner"
    );
    assert!(app.drift().await.is_empty());
}

async fn unusable_links_get_a_friendly_page_and_record_nothing<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let links = links(&app, &app.site, "ticket-4", "ja").await;
    let url = links["csat"][3]["url"].as_str().unwrap();
    let token = url.split("/s/").nth(1).unwrap().split('?').next().unwrap();
    let mut tampered = token.as_bytes().to_vec();
    tampered[20] = if tampered[20] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let claims = |site: &TestSite, expires_at: u64| AttributionClaims {
        site: site.site.key.clone(),
        interaction: InteractionId::try_from("ticket-4").unwrap(),
        agent: None,
        team: None,
        channel: Some(Channel::Email),
        expires_at,
        offer: Some(Offer::new(OfferedQuestion::Csat, 4).unwrap()),
        customer: None,
    };
    let expired = app.site.token_for(claims(&app.site, 1_000));
    // Claims the strict site but is signed with the open site's secret.
    let wrong_site = app.site.token_for(claims(&app.strict_site, in_an_hour()));
    for (token, status) in [
        (tampered.as_str(), 400),
        (expired.as_str(), 410),
        (wrong_site.as_str(), 400),
        ("not-a-token", 400),
    ] {
        let url = app.url(&format!("/s/{token}?lang=ja"));
        let page = app.client.get(&url).send().await.unwrap();
        assert_eq!(page.status(), status, "{token}");
        assert!(
            page.text().await.unwrap().contains("lang=\"ja\""),
            "in the customer's language"
        );
        let post = app
            .client
            .post(&url)
            .header("user-agent", BROWSER)
            .form(&[("csat", "4"), ("served_at", "0")])
            .send()
            .await
            .unwrap();
        assert_eq!(post.status(), status, "{token}");
    }
    let (responses, rollups, _) = app.snapshot().await;
    assert!(responses.is_empty() && rollups.is_empty());
}

/// A rating email kept for weeks: its links still open, but once the response no longer takes
/// edits a confirmation is refused, changes nothing, and is counted.
async fn a_link_replayed_after_the_edit_window_is_refused_and_counted<S: TestBackend>() {
    const DAY_MS: i64 = 86_400_000;
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let site = &app.strict_site;
    let links = links(&app, site, "ticket-old", "en").await;
    // Confirmed eight days ago (the edit window is seven), stored as the page stores it.
    let first = AnswerWrite {
        site_id: site.site.id,
        interaction: InteractionId::try_from("ticket-old").unwrap(),
        attribution: Attribution {
            agent: Some(AgentId::try_from("aiko").unwrap()),
            team: Some(TestSite::team("mail")),
            channel: Some(Channel::Email),
            verified: true,
        },
        answers: Answers {
            csat: Some(CsatScore::try_from(5).unwrap()),
            ..Answers::default()
        },
        day: "2026-01-01".parse().unwrap(),
        now_ms: koe_collector::clock::now_ms() - 8 * DAY_MS,
        edit_window_ms: 7 * DAY_MS,
        source: Source {
            client: Client::Browser,
            flagged: false,
        },
    };
    app.storage.save_answers(first).await.unwrap();
    let before = app.snapshot().await;
    let series = "koe_rating_links_refused_total{reason=\"edit_window_closed\"}";
    let counted_before = app.metric(series).await;

    let replay = confirm(&app, links["csat"][0]["url"].as_str().unwrap(), "csat", 1).await;
    assert_eq!(replay.status(), 409);
    assert!(
        replay.text().await.unwrap().contains("lang=\"en\""),
        "a page in the customer's language, not an error body"
    );
    assert_eq!(app.snapshot().await, before, "the replay changed nothing");
    assert!(
        app.metric(series).await > counted_before,
        "the refusal is counted"
    );
}

async fn only_admin_keys_make_links<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let read = create_api_key(&app.storage, &app.site.site, Role::Read, Actor::Cli)
        .await
        .unwrap()
        .1;
    let url = app.url(&format!("/api/v1/sites/{}/links", app.site.key()));
    let body = json!({ "interaction": "t", "channel": "email" });
    let refused = app
        .client
        .post(&url)
        .bearer_auth(&read)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(error_code(refused).await, "forbidden");
    let admin = create_api_key(&app.storage, &app.site.site, Role::Admin, Actor::Cli)
        .await
        .unwrap()
        .1;
    for bad in [
        json!({ "interaction": "t", "channel": "chat" }),
        json!({ "interaction": "t", "channel": "email", "expires_in_days": 400 }),
    ] {
        assert_eq!(
            app.client
                .post(&url)
                .bearer_auth(&admin)
                .json(&bad)
                .send()
                .await
                .unwrap()
                .status(),
            400,
            "{bad}"
        );
    }
}

on_both_backends!(
    a_scanner_opening_every_link_records_nothing,
    a_confirmed_score_counts_and_a_second_link_edits_it,
    quick_or_scripted_confirmations_are_kept_but_not_counted,
    unusable_links_get_a_friendly_page_and_record_nothing,
    a_link_replayed_after_the_edit_window_is_refused_and_counted,
    only_admin_keys_make_links,
);
