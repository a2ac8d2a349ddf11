//! Comments are text, never markup, wherever a manager reads them, and every page Koe serves
//! has a CSP that stops inline script even if markup got through: the dashboard and the hosted
//! survey page, in Chromium. (CSV cells are defused in `api/reports.rs`; the widget never shows
//! stored text.)

use koe_collector::audit::Actor;
use koe_collector::sites::registration::create_api_key;
use koe_collector::storage::Role;
use koe_tests::webdriver::Browser;
use serde_json::{Value, json};

use crate::support::{Scene, sign_in_as};
use koe_collector::people::SiteRole;

/// Each would set `window.__koePwned` if the browser ran it.
const PAYLOADS: [&str; 6] = [
    "<script>window.__koePwned='script'</script>",
    "<img src=x onerror=\"window.__koePwned='img'\">",
    "<svg onload=\"window.__koePwned='svg'\"></svg>",
    "\"><script>window.__koePwned='attribute'</script>",
    "</textarea><iframe srcdoc=\"<script>parent.__koePwned='iframe'</script>\"></iframe>",
    "<a href=\"javascript:window.__koePwned='link'\">click</a>",
];

/// Adds an inline `<script>` to the current page and returns the CSP directives it violated.
async fn inline_script_is_blocked(b: &Browser, page: &str) {
    b.script(
        "window.__koeViolations = [];
         document.addEventListener('securitypolicyviolation', function (e) { window.__koeViolations.push(e.effectiveDirective); });
         var s = document.createElement('script');
         s.textContent = \"window.__koePwned = 'inline'\";
         document.body.appendChild(s);",
        json!([]),
    )
    .await;
    let violated = b
        .wait_for(
            "the CSP to report the inline script",
            "return window.__koeViolations.length > 0 && window.__koeViolations;",
        )
        .await;
    assert!(
        violated[0].as_str().unwrap().starts_with("script-src"),
        "{page}: {violated}"
    );
    assert_nothing_ran(b, page).await;
}

async fn assert_nothing_ran(b: &Browser, page: &str) {
    assert_eq!(
        b.script("return window.__koePwned || null;", json!([]))
            .await,
        Value::Null,
        "script ran on {page}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_comments_are_inert_on_the_dashboard_and_inline_script_is_blocked_everywhere() {
    let Some(scene) = Scene::start_with(false).await else {
        return;
    };
    let app = &scene.app;
    for (i, payload) in PAYLOADS.iter().enumerate() {
        let answer = json!({
            "site": scene.site.key(), "interaction": format!("chat-xss-{i}"), "agent": "aiko",
            "channel": "chat", "csat": 1, "comment": payload,
        });
        assert_eq!(app.submit(&answer).await.status(), 201, "{payload}");
    }
    let (_, admin) = create_api_key(&app.storage, &scene.site.site, Role::Admin, Actor::Cli)
        .await
        .unwrap();

    let b = &scene.browser;
    sign_in_as(b, app, &scene.site, SiteRole::Manager).await;
    b.wait_for("the overview", "return !!document.querySelector('.cards');")
        .await;
    b.goto(&app.url(&format!(
        "/dashboard/sites/{}/comments?lang=en",
        scene.site.key()
    )))
    .await;
    let shown = b
        .script(
            "return Array.from(document.querySelectorAll('.comment')).map(function (c) { return c.textContent; }).join('\\n');",
            json!([]),
        )
        .await;
    for payload in PAYLOADS {
        assert!(
            shown.as_str().unwrap().contains(payload),
            "shown as text: {payload}\n{shown}"
        );
    }
    let injected = b
        .script(
            "return document.querySelectorAll('script, iframe, img[src=\"x\"], svg[onload], a[href^=\"javascript\"]').length;",
            json!([]),
        )
        .await;
    assert_eq!(injected, 0, "no element came from a comment");
    assert_nothing_ran(b, "the dashboard").await;
    inline_script_is_blocked(b, "the dashboard").await;

    // The hosted survey page a rating email links to.
    let links: Value = app
        .client
        .post(app.url(&format!("/api/v1/sites/{}/links", scene.site.key())))
        .bearer_auth(admin)
        .json(&json!({ "interaction": "ticket-xss", "agent": "aiko", "channel": "email" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    b.goto(links["csat"][0]["url"].as_str().unwrap()).await;
    b.find("button[type=submit]").await;
    inline_script_is_blocked(b, "the hosted survey page").await;
}
