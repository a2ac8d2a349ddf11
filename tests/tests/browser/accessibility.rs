//! axe-core (the npm package `cargo xtask test` installs, injected into the page) finds no
//! violation on any step of the survey, in English and Japanese and in the dark scheme — run on
//! the whole host page, which has its own header, main and footer, so that a landmark the survey
//! added (a second `banner`) would be found —, on the hosted rating page, or on the dashboard's
//! pages. (`service_page.rs` runs the same check on
//! the Service page with facts in it.)

use koe_collector::audit::Actor;
use koe_collector::sites::registration::create_api_key;
use koe_collector::storage::Role;
use koe_tests::webdriver::Browser;
use serde_json::{Value, json};

use crate::support::{Scene, sign_in_as};
use koe_collector::people::SiteRole;

/// axe-core's source, from `KOE_AXE`; `None` (the test is skipped, as without Chromium) when
/// unset — `cargo xtask test` sets it, and under CI it must.
pub(crate) fn axe_source() -> Option<String> {
    let Ok(path) = std::env::var("KOE_AXE") else {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI=true needs KOE_AXE (cargo xtask test sets it)"
        );
        eprintln!("skipped: KOE_AXE is not set (cargo xtask test sets it)");
        return None;
    };
    Some(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
}

/// The violations axe finds in `scope` (a CSS selector; the whole document when `None`), as
/// one line each: rule, impact, the elements and why.
pub(crate) async fn violations(b: &Browser, axe: &str, scope: Option<&str>) -> Vec<String> {
    b.script(&format!("if (!window.axe) {{ {axe} }}"), json!([]))
        .await;
    b.script(
        "window.axeFound = null;\
         var scope = arguments[0] ? document.querySelector(arguments[0]) : document;\
         axe.run(scope, { resultTypes: ['violations'] }).then(function (r) {\
           window.axeFound = r.violations.map(function (v) {\
             return v.id + ' (' + v.impact + '): ' + v.help + ' — ' + v.nodes.map(function (n) {\
               return n.target.join(' ') + ': ' + n.failureSummary; }).join(' | '); });\
         }, function (e) { window.axeFound = ['axe failed: ' + e]; });",
        json!([scope]),
    )
    .await;
    let found: Value = b.wait_for("axe", "return window.axeFound;").await;
    serde_json::from_value(found).expect("a list of violations")
}

pub(crate) fn assert_none(found: &[String], what: &str) {
    assert!(found.is_empty(), "{what}:\n{}", found.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_survey_step_passes_axe_in_both_languages() {
    let Some(axe) = axe_source() else {
        return;
    };
    let Some(scene) = Scene::start_with(false).await else {
        return;
    };
    let b = &scene.browser;
    for lang in ["en", "ja"] {
        scene
            .open_page(
                &format!("/a11y-{lang}"),
                &format!("data-lang=\"{lang}\""),
                "",
                "<header><a href='/'>Shop</a></header><main><h1>Support</h1><p>Chat ended.</p></main><footer>© Shop</footer>",
            )
            .await;
        if lang == "en" {
            // The control: axe, as run here, does find a violation where there is one.
            b.script(
                "var c = document.createElement('div'); c.id = 'control';\
                 c.appendChild(document.createElement('button')); document.body.appendChild(c);",
                json!([]),
            )
            .await;
            let found = violations(b, &axe, Some("#control")).await;
            assert!(
                found.iter().any(|v| v.starts_with("button-name")),
                "axe misses a button without a name: {found:?}"
            );
            b.script("document.getElementById('control').remove();", json!([]))
                .await;
        }
        b.script(
            "koe('show', { interaction: arguments[0], questions: ['csat', 'nps', 'ces', 'resolved', 'comment'] });",
            json!([format!("a11y-{lang}")]),
        )
        .await;
        let steps = [
            (".koe-scale-csat [data-value='4']", "CSAT"),
            (".koe-scale-nps [data-value='9']", "NPS"),
            (".koe-scale-ces [data-value='6']", "CES"),
            (".koe-scale-resolved [data-value='1']", "resolved"),
        ];
        for (choice, step) in steps {
            let option = b.find_in_widget(choice).await;
            assert_none(
                &violations(b, &axe, None).await,
                &format!("the page with the {step} step ({lang})"),
            );
            b.click(&option).await;
        }
        b.find_in_widget("textarea").await;
        assert_none(
            &violations(b, &axe, None).await,
            &format!("the page with the comment step ({lang})"),
        );
        b.click(&b.find_in_widget(".koe-primary").await).await;
        b.find_in_widget(".koe-thanks").await;
        assert_none(
            &violations(b, &axe, None).await,
            &format!("the page with the thanks ({lang})"),
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hosted_page_and_the_dashboard_pass_axe() {
    let Some(axe) = axe_source() else {
        return;
    };
    let Some(scene) = Scene::start_with(false).await else {
        return;
    };
    let app = &scene.app;
    let b = &scene.browser;
    let (_, admin) = create_api_key(&app.storage, &scene.site.site, Role::Admin, Actor::Cli)
        .await
        .unwrap();
    for lang in ["en", "ja"] {
        let links: Value = app
            .client
            .post(app.url(&format!("/api/v1/sites/{}/links", scene.site.key())))
            .bearer_auth(&admin)
            .json(&json!({ "interaction": format!("a11y-mail-{lang}"), "agent": "aiko", "channel": "email", "lang": lang }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        b.goto(links["csat"][3]["url"].as_str().unwrap()).await;
        b.find("input[type=radio]").await;
        assert_none(
            &violations(b, &axe, None).await,
            &format!("the hosted rating page ({lang})"),
        );
    }
    let sent = app
        .submit(&json!({ "site": scene.site.key(), "interaction": "a11y-1", "agent": "aiko", "csat": 2, "nps": 3, "comment": "slow" }))
        .await;
    assert_eq!(sent.status(), 201);
    b.goto(&app.url("/dashboard?lang=en")).await;
    assert_none(&violations(b, &axe, None).await, "the sign-in page");
    sign_in_as(b, app, &scene.site, SiteRole::Owner).await;
    b.wait_for("the overview", "return !!document.querySelector('.cards');")
        .await;
    let base = format!("/dashboard/sites/{}", scene.site.key());
    for lang in ["en", "ja"] {
        for page in [
            "",
            "/agents",
            "/agents/aiko",
            "/channels",
            "/comments",
            "/service",
        ] {
            b.goto(&app.url(&format!("{base}{page}?lang={lang}"))).await;
            b.find("h1").await;
            assert_none(
                &violations(b, &axe, None).await,
                &format!("the dashboard's {base}{page} ({lang})"),
            );
        }
    }
}

/// In the dark scheme (`prefers-color-scheme: dark`, which the survey follows) its colours
/// still pass axe's contrast rules.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_survey_step_passes_axe_in_the_dark() {
    let Some(axe) = axe_source() else {
        return;
    };
    let Some(browser) = Browser::open_with(&["--force-dark-mode"]).await else {
        return;
    };
    let app = koe_tests::TestApp::<koe_collector::storage::SqliteStorage>::spawn()
        .await
        .expect("SQLite is always available");
    let scene = Scene::around(app, browser, false).await;
    let b = &scene.browser;
    scene
        .open_page("/a11y-dark", "", "", "<main><h1>Shop</h1></main>")
        .await;
    assert_eq!(
        b.script(
            "return matchMedia('(prefers-color-scheme: dark)').matches;",
            json!([])
        )
        .await,
        true,
        "the browser reports the dark scheme"
    );
    b.script(
        "koe('show', { interaction: 'a11y-dark', questions: ['csat', 'nps', 'ces', 'resolved', 'comment'] });",
        json!([]),
    )
    .await;
    for (choice, step) in [
        (".koe-scale-csat [data-value='4']", "CSAT"),
        (".koe-scale-nps [data-value='9']", "NPS"),
        (".koe-scale-ces [data-value='6']", "CES"),
        (".koe-scale-resolved [data-value='1']", "resolved"),
    ] {
        let option = b.find_in_widget(choice).await;
        assert_none(
            &violations(b, &axe, Some("[data-koe]")).await,
            &format!("the {step} step in the dark"),
        );
        b.click(&option).await;
    }
    b.find_in_widget("textarea").await;
    assert_none(
        &violations(b, &axe, Some("[data-koe]")).await,
        "the comment step in the dark",
    );
}
