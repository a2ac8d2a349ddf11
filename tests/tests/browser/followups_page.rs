//! A manager works the unhappy customers in a real browser: the Follow-ups queue (overdue
//! first, the range's numbers above), one follow-up opened and noted with the keyboard alone,
//! closed as resolved with a root cause, and the customer's re-ask page answered — axe finds
//! nothing on any of them, in English and Japanese. Photographed: `dashboard-followups-LANG.png`,
//! `dashboard-followup-LANG.png`, `recover-LANG.png` (in `build/screenshots/`).

use koe_tests::webdriver::keys::{ENTER, TAB};
use serde_json::json;

use crate::accessibility::{assert_none, axe_source, violations};
use crate::support::{Scene, save_screenshot, sign_in_as};
use koe_collector::people::SiteRole;

/// Tabs until the focused element matches `selector` (at most 80 presses); whether it did.
async fn tab_to(b: &koe_tests::webdriver::Browser, selector: &str) -> bool {
    for _ in 0..80 {
        b.press(&[TAB]).await;
        let here = b
            .script(
                "return document.activeElement && document.activeElement.matches(arguments[0]);",
                json!([selector]),
            )
            .await;
        if here == true {
            return true;
        }
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_works_a_follow_up_by_keyboard_and_the_customer_answers_again() {
    let Some(scene) = Scene::start_with(false).await else {
        return;
    };
    let app = &scene.app;
    let site = app.site.key();
    for (i, (agent, comment)) in [
        ("aiko", "Nobody answered my second mail."),
        ("ken", "配送が遅れたのに連絡がありませんでした。"),
        ("aiko", "The refund took three weeks."),
    ]
    .iter()
    .enumerate()
    {
        let body = json!({
            "site": site, "interaction": format!("chat-{i}"), "csat": 1 + i % 2,
            "agent": agent, "team": "support", "channel": "chat", "comment": comment,
        });
        assert_eq!(app.submit(&body).await.status(), 201);
    }
    let b = &scene.browser;
    b.resize(1280, 2000).await;
    sign_in_as(b, app, &app.site, SiteRole::Manager).await;
    b.wait_for("the overview", "return !!document.querySelector('.cards');")
        .await;
    let axe = axe_source();
    let queue = format!("/dashboard/sites/{site}/followups");
    for lang in ["en", "ja"] {
        b.goto(&app.url(&format!("{queue}?lang={lang}&whose=all")))
            .await;
        b.wait_for(
            "the queue",
            "return document.querySelectorAll('#followups tbody tr').length === 3;",
        )
        .await;
        if let Some(axe) = &axe {
            assert_none(
                &violations(b, axe, None).await,
                &format!("the Follow-ups page ({lang})"),
            );
        }
        save_screenshot(b, &format!("dashboard-followups-{lang}.png")).await;
    }

    // The keyboard alone: Tab to the first follow-up's link, Enter; Tab to the note, type it,
    // Tab to its button, Enter.
    b.goto(&app.url(&format!("{queue}?lang=en&whose=all")))
        .await;
    b.wait_for(
        "the queue",
        "return !!document.querySelector('#followups');",
    )
    .await;
    assert!(
        tab_to(b, "#followups tbody a").await,
        "Tab reaches a follow-up"
    );
    b.press(&[ENTER]).await;
    b.wait_for(
        "a follow-up",
        "return !!document.getElementById('note-body');",
    )
    .await;
    assert!(tab_to(b, "#note-body").await, "Tab reaches the note");
    b.type_into(
        &b.find("#note-body").await,
        "Called back; she wants a refund.",
    )
    .await;
    b.press(&[TAB]).await;
    b.press(&[ENTER]).await;
    b.wait_for(
        "the note",
        "return document.querySelectorAll('ol.notes li').length === 1;",
    )
    .await;
    let here = b.script("return location.pathname;", json!([])).await;
    let detail = here.as_str().unwrap().to_owned();
    for lang in ["en", "ja"] {
        b.goto(&app.url(&format!("{detail}?lang={lang}"))).await;
        b.wait_for(
            "a follow-up",
            "return !!document.getElementById('h-notes');",
        )
        .await;
        if let Some(axe) = &axe {
            assert_none(
                &violations(b, axe, None).await,
                &format!("a follow-up's page ({lang})"),
            );
        }
        save_screenshot(b, &format!("dashboard-followup-{lang}.png")).await;
    }

    // Closed as resolved, product: the re-ask link is shown once; the customer answers.
    b.goto(&app.url(&format!("{detail}?lang=en"))).await;
    b.wait_for(
        "the close form",
        "return !!document.getElementById('close-cause');",
    )
    .await;
    b.script(
        "document.getElementById('close-status').value = 'resolved';
         document.getElementById('close-cause').value = 'product';",
        json!([]),
    )
    .await;
    b.script(
        "document.getElementById('close-cause').form.requestSubmit();",
        json!([]),
    )
    .await;
    let link = b
        .wait_for(
            "the re-ask link",
            "var l = document.getElementById('reask-link'); return l && l.textContent;",
        )
        .await;
    let link = link.as_str().unwrap().to_owned();
    let path = link
        .split_once("/recover/")
        .map(|(_, t)| format!("/recover/{t}"))
        .unwrap();
    for lang in ["ja", "en"] {
        b.goto(&app.url(&format!("{path}?lang={lang}"))).await;
        b.wait_for(
            "the re-ask page",
            "return !!document.querySelector('form input[name=csat]');",
        )
        .await;
        if let Some(axe) = &axe {
            assert_none(
                &violations(b, axe, None).await,
                &format!("the re-ask page ({lang})"),
            );
        }
        save_screenshot(b, &format!("recover-{lang}.png")).await;
    }
    b.click(&b.find("input[name=resolved][value=yes]").await)
        .await;
    b.click(&b.find("input[name=csat][value='5']").await).await;
    b.click(&b.find("form button[type=submit]").await).await;
    b.wait_for(
        "the thanks",
        "return document.querySelector('p.notice') && document.querySelector('p.notice').getAttribute('role') === 'status';",
    )
    .await;
    b.goto(&app.url(&format!("{detail}?lang=en"))).await;
    let recovery = b
        .wait_for(
            "the recovery answer",
            "var r = document.getElementById('recovery'); return r && r.textContent;",
        )
        .await;
    assert!(
        recovery
            .as_str()
            .is_some_and(|r| r.contains("CSAT 5/5") && r.contains("resolved")),
        "{recovery}"
    );
}
