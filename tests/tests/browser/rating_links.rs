//! A customer rates support from an email link in Chromium: the offered score is preselected,
//! one click confirms it, and the widget (page mode) asks the rest — the page counting the
//! questions it shows. Also photographs the email and the hosted page in both languages for
//! `cargo xtask screenshot`.

use std::time::Duration;

use koe_collector::audit::Actor;
use koe_collector::sites::registration::create_api_key;
use koe_collector::storage::Role;
use serde_json::{Value, json};

use crate::support::{Scene, save_screenshot};

async fn links(scene: &Scene, interaction: &str, lang: &str) -> Value {
    let admin = create_api_key(
        &scene.app.storage,
        &scene.site.site,
        Role::Admin,
        Actor::Cli,
    )
    .await
    .unwrap()
    .1;
    scene
        .app
        .client
        .post(scene.app.url(&format!("/api/v1/sites/{}/links", scene.site.key())))
        .bearer_auth(admin)
        .json(&json!({ "interaction": interaction, "agent": "aiko", "channel": "email", "lang": lang }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

const CHECKED: &str =
    "var c = document.querySelector('input[type=radio]:checked'); return c && c.value;";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_link_confirms_then_the_widget_asks_the_rest() {
    let Some(scene) = Scene::start().await else {
        return;
    };
    let b = &scene.browser;
    let links = links(&scene, "ticket-77", "en").await;

    b.goto(links["csat"][3]["url"].as_str().unwrap()).await;
    assert_eq!(
        b.script(CHECKED, json!([])).await,
        "4",
        "the clicked score is preselected"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    b.click(&b.find("button[type=submit]").await).await;

    // Page mode: the widget replaces the plain follow-up form, inline.
    b.click(&b.find_in_widget(".koe-scale-nps [data-value='9']").await)
        .await;
    let comment = b.find_in_widget("textarea").await;
    b.type_into(&comment, "Quick and kind").await;
    b.click(&b.find_in_widget(".koe-primary").await).await;
    let responses = scene
        .wait_for_response("the comment", |r| r.state.answers.comment.is_some())
        .await;
    assert_eq!(responses.len(), 1);
    let answers = &responses[0].state.answers;
    assert_eq!(
        (answers.csat.map(u8::from), answers.nps.map(u8::from)),
        (Some(4), Some(9))
    );
    assert_eq!(
        answers.comment.as_ref().map(|c| c.as_str()),
        Some("Quick and kind")
    );
    assert!(responses[0].state.attribution.verified);

    // Another link of the same interaction, within the edit window, changes the score.
    b.goto(links["csat"][1]["url"].as_str().unwrap()).await;
    assert_eq!(b.script(CHECKED, json!([])).await, "2");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    b.click(&b.find("button[type=submit]").await).await;
    let responses = scene
        .wait_for_response("CSAT 2", |r| r.state.answers.csat.map(u8::from) == Some(2))
        .await;
    assert_eq!(responses.len(), 1);
    let scores = scene.app.rollups(&scene.site).await[0].1.scores();
    assert_eq!(scores.csat, [0, 1, 0, 0, 0], "the rollup moved");
}

/// An NPS link's follow-up is the comment alone: the page says one question, not two.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_nps_link_asks_one_more_question_and_says_so() {
    let Some(scene) = Scene::start().await else {
        return;
    };
    let b = &scene.browser;
    let links = links(&scene, "ticket-nps", "en").await;

    b.goto(links["nps"][9]["url"].as_str().unwrap()).await;
    assert_eq!(b.script(CHECKED, json!([])).await, "9");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    b.click(&b.find("button[type=submit]").await).await;

    b.find_in_widget("textarea").await;
    let questions = b
        .script(
            "return document.querySelector('[data-koe]').shadowRoot\
               .querySelectorAll('.koe-scale-csat, .koe-scale-nps, textarea').length;",
            json!([]),
        )
        .await;
    assert_eq!(questions, 1, "the comment alone");
    assert_eq!(
        b.script(
            "return document.querySelector('h2').textContent;",
            json!([])
        )
        .await,
        "One more question, if you have a moment (optional)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_email_and_the_hosted_page_are_photographed_in_both_languages() {
    let Some(scene) = Scene::start().await else {
        return;
    };
    let b = &scene.browser;
    for lang in ["en", "ja"] {
        let links = links(&scene, &format!("ticket-photo-{lang}"), lang).await;
        let email = format!(
            "<!doctype html><html><head><meta charset='utf-8'></head><body style='margin:24px'>{}</body></html>",
            links["html"].as_str().unwrap()
        );
        b.goto(&scene.pages.add(&format!("/email-{lang}"), email))
            .await;
        save_screenshot(b, &format!("email-{lang}.png")).await;
        b.goto(links["csat"][4]["url"].as_str().unwrap()).await;
        assert_eq!(b.script(CHECKED, json!([])).await, "5");
        save_screenshot(b, &format!("survey-page-{lang}.png")).await;
    }
    assert!(
        scene.app.responses(&scene.site).await.is_empty(),
        "opening pages records nothing"
    );
}
