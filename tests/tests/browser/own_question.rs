//! A site's own question in a real browser, on SQLite and on PostgreSQL: published over the
//! API, asked in Japanese after the scores and before the comment — picked with the mouse and
//! with the keyboard, axe clean — and the answers appear in the question's report with the
//! right counts by agent, on the dashboard's Overview too. Photographed in both languages
//! (`own-question-{ja,en}.png`, `dashboard-question-{ja,en}.png`).

use koe_collector::audit::Actor;
use koe_collector::people::SiteRole;
use koe_collector::sites::registration::create_api_key;
use koe_collector::storage::{PgStorage, Role, SqliteStorage};
use koe_tests::webdriver::Browser;
use koe_tests::webdriver::keys::{DOWN, ENTER};
use koe_tests::{TestApp, TestBackend};
use serde_json::{Value, json};

use crate::accessibility::{assert_none, axe_source, violations};
use crate::support::{Scene, save_screenshot, sign_in_as};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_choice_answered_in_japanese_is_reported_by_agent_on_sqlite() {
    let Some(browser) = Browser::open().await else {
        return;
    };
    let app = TestApp::<SqliteStorage>::spawn()
        .await
        .expect("SQLite is always available");
    answered_and_reported(app, browser, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_choice_answered_in_japanese_is_reported_by_agent_on_postgres() {
    let Some(browser) = Browser::open().await else {
        return;
    };
    let Some(app) = TestApp::<PgStorage>::spawn().await else {
        return;
    };
    answered_and_reported(app, browser, false).await;
}

async fn answered_and_reported<S: TestBackend>(app: TestApp<S>, browser: Browser, photo: bool) {
    let Some(axe) = axe_source() else {
        return;
    };
    let scene = Scene::around(app, browser, true).await;
    let (app, b) = (&scene.app, &scene.browser);
    let key = |role| create_api_key(&app.storage, &scene.site.site, role, Actor::Cli);
    let (admin, read) = (
        key(Role::Admin).await.unwrap().1,
        key(Role::Read).await.unwrap().1,
    );
    let definition = json!({
        "languages": ["ja", "en"],
        "question": {"id": "topic", "kind": "choice",
            "text": {"ja": "お問い合わせの内容は？", "en": "What was it about?"},
            "options": [
                {"id": "billing", "label": {"ja": "請求", "en": "Billing"}},
                {"id": "delivery", "label": {"ja": "配送", "en": "Delivery"}},
                {"id": "returns", "label": {"ja": "返品", "en": "Returns"}},
            ]},
    });
    let published = app
        .client
        .put(app.url(&format!("/api/v1/sites/{}/survey", scene.site.key())))
        .bearer_auth(&admin)
        .json(&definition)
        .send()
        .await
        .unwrap();
    assert_eq!(published.status(), 200);

    let shadow = "var root = document.querySelector('[data-koe]').shadowRoot;";
    let text = |css: &str| format!("{shadow} return root.querySelector('{css}').textContent;");
    for (interaction, agent) in [
        ("topic-1", "sato"),
        ("topic-2", "sato"),
        ("topic-3", "mei"),
        ("topic-4", "mei"),
    ] {
        scene
            .open_page(
                &format!("/{interaction}"),
                "data-lang=\"ja\"",
                "",
                "<main><h1>サポート</h1><p>チャット終了</p></main>",
            )
            .await;
        scene.show(interaction, agent).await;
        b.click(&b.find_in_widget(".koe-scale-csat [data-value='4']").await)
            .await;
        b.click(&b.find_in_widget(".koe-scale-nps [data-value='8']").await)
            .await;
        let second = b.find_in_widget(".koe-scale-choice [data-value='1']").await;
        assert_eq!(
            b.script(&text("#koe-question"), json!([])).await,
            "お問い合わせの内容は？"
        );
        assert_eq!(
            b.script(&text(".koe-progress"), json!([])).await,
            "4問中3問目"
        );
        if interaction == "topic-1" {
            assert_none(
                &violations(b, &axe, None).await,
                "the site's own question (ja)",
            );
            if photo {
                save_screenshot(b, "own-question-ja.png").await;
            }
        }
        match interaction {
            // The keyboard: the first option has focus; down, then Enter picks the second.
            "topic-2" => b.press(&[DOWN, ENTER]).await,
            "topic-3" => b.press(&[ENTER]).await,
            // Left unanswered: the comment still follows.
            "topic-4" => b.click(&b.find_in_widget(".koe-secondary").await).await,
            _ => b.click(&second).await,
        }
        b.find_in_widget("textarea").await;
        // The NPS answer was sent before the question was shown: a skipped question leaves it
        // without an answer to the question.
        let question = match interaction {
            "topic-4" => None,
            _ => Some("topic"),
        };
        scene
            .wait_for_response(interaction, |r| {
                r.interaction.as_str() == interaction
                    && r.state.answers.nps.is_some()
                    && r.state.answers.question.as_ref().map(|q| q.id.as_str()) == question
            })
            .await;
    }

    // In English, the same question in the survey's English words (nothing is answered).
    scene
        .open_page(
            "/topic-en",
            "data-lang=\"en\"",
            "",
            "<main><h1>Support</h1><p>Chat ended.</p></main>",
        )
        .await;
    scene.show("topic-en", "sato").await;
    b.click(&b.find_in_widget(".koe-scale-csat [data-value='5']").await)
        .await;
    b.click(&b.find_in_widget(".koe-scale-nps [data-value='10']").await)
        .await;
    b.find_in_widget(".koe-scale-choice [data-value='2']").await;
    assert_eq!(
        b.script(&text("#koe-question"), json!([])).await,
        "What was it about?"
    );
    assert_none(
        &violations(b, &axe, None).await,
        "the site's own question (en)",
    );
    if photo {
        save_screenshot(b, "own-question-en.png").await;
    }

    let report: Value = app
        .get_json(
            &format!(
                "/api/v1/sites/{}/question?bucket=all&group_by=agent",
                scene.site.key()
            ),
            &read,
        )
        .await;
    let rows = report["rows"].as_array().unwrap();
    let counts = |row: &Value| -> Vec<(String, String, u64)> {
        row["answers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["answer"].as_str().unwrap().to_owned(),
                    a["label"].as_str().unwrap().to_owned(),
                    a["count"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(rows.len(), 2, "{report}");
    assert_eq!(rows[0]["agent"], "mei");
    assert_eq!(
        rows[0]["n"], 1,
        "mei's skipped question counts nowhere: {report}"
    );
    assert_eq!(counts(&rows[0])[0], ("billing".into(), "請求".into(), 1));
    assert_eq!(rows[1]["agent"], "sato");
    assert_eq!(rows[1]["n"], 2, "{report}");
    assert_eq!(counts(&rows[1])[1], ("delivery".into(), "配送".into(), 2));

    // The Overview shows the same counts to a manager, in their language.
    sign_in_as(b, app, &scene.site, SiteRole::Owner).await;
    b.wait_for("signed in", "return !!document.querySelector('h1');")
        .await;
    let overview = app.url(&format!("/dashboard/sites/{}?lang=ja", scene.site.key()));
    b.goto(&overview).await;
    let heading = b.find("#h-question").await;
    assert_eq!(
        heading.text().await.unwrap(),
        "独自の質問: お問い合わせの内容は？"
    );
    let cells = b
        .script(
            "return [].map.call(document.querySelectorAll('table.question tbody tr'), function (r) {\
               return [r.cells[0].textContent, r.cells[1].textContent]; });",
            json!([]),
        )
        .await;
    assert_eq!(cells, json!([["請求", "1"], ["配送", "2"], ["返品", "0"]]));
    let agents = b
        .script(
            "return [].map.call(document.querySelectorAll('table.question-agents tbody th'), function (c) { return c.textContent; });",
            json!([]),
        )
        .await;
    assert_eq!(agents, json!(["mei", "sato"]));
    assert_none(
        &violations(b, &axe, None).await,
        "the Overview with the site's question (ja)",
    );
    if photo {
        b.script(
            "document.getElementById('h-question').scrollIntoView();",
            json!([]),
        )
        .await;
        save_screenshot(b, "dashboard-question-ja.png").await;
        b.goto(&overview.replace("lang=ja", "lang=en")).await;
        let heading = b.find("#h-question").await;
        assert_eq!(
            heading.text().await.unwrap(),
            "Your question: What was it about?"
        );
        assert_none(
            &violations(b, &axe, None).await,
            "the Overview with the site's question (en)",
        );
        b.script(
            "document.getElementById('h-question').scrollIntoView();",
            json!([]),
        )
        .await;
        save_screenshot(b, "dashboard-question-en.png").await;
    }
}
