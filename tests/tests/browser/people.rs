//! People in a real browser: an owner signs in and invites an agent from the People page; the
//! agent opens the link, chooses a password and lands on their own page, which names no other
//! agent; a team lead's header has no People link and the People page refuses them. Each page
//! passes axe and is photographed (`dashboard-sign-in-LANG.png`, `dashboard-people-LANG.png`,
//! `dashboard-me-LANG.png`).

use serde_json::{Value, json};

use crate::accessibility::{assert_none, axe_source, violations};
use crate::support::{Scene, save_screenshot, sign_in_as};
use koe_collector::people::SiteRole;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_invites_an_agent_who_sees_only_their_own_page() {
    let Some(axe) = axe_source() else {
        return;
    };
    let Some(scene) = Scene::start_with(false).await else {
        return;
    };
    let app = &scene.app;
    let site = scene.site.key().to_owned();
    for (i, (agent, team, comment)) in [
        ("aiko", "support", "aiko-was-patient"),
        ("ken", "support", "ken-words"),
        ("sam-sales", "sales", "sam-words"),
    ]
    .into_iter()
    .enumerate()
    {
        let answer = json!({
            "site": site, "interaction": format!("chat-p{i}"), "agent": agent, "team": team,
            "channel": "chat", "csat": 4, "nps": 9, "comment": comment,
        });
        assert_eq!(app.submit(&answer).await.status(), 201);
    }
    let b = &scene.browser;
    b.resize(1280, 1600).await;
    for lang in ["en", "ja"] {
        b.goto(&app.url(&format!("/dashboard?lang={lang}"))).await;
        b.find("#password").await;
        assert_none(
            &violations(b, &axe, None).await,
            &format!("sign-in ({lang})"),
        );
        save_screenshot(b, &format!("dashboard-sign-in-{lang}.png")).await;
    }

    sign_in_as(b, app, &scene.site, SiteRole::Owner).await;
    b.wait_for("the overview", "return !!document.querySelector('.cards');")
        .await;
    b.click(&b.find("header nav.account a[href*='/people']").await)
        .await;
    b.wait_for(
        "the People page",
        "return !!document.querySelector('#invite-email');",
    )
    .await;
    b.type_into(&b.find("#invite-email").await, "aiko@example.com")
        .await;
    b.script(
        "document.querySelector('#invite-role').value = 'agent';",
        json!([]),
    )
    .await;
    b.type_into(&b.find("#invite-agent").await, "aiko").await;
    b.click(
        &b.find("section[aria-labelledby='h-invite'] button[type=submit]")
            .await,
    )
    .await;
    let link: Value = b
        .wait_for(
            "the invitation link",
            "var l = document.querySelector('#invitation-link'); return l && l.textContent;",
        )
        .await;
    let link = link.as_str().expect("a link").to_owned();
    for lang in ["en", "ja"] {
        b.goto(&app.url(&format!("/dashboard/sites/{site}/people?lang={lang}")))
            .await;
        b.find("#invite-email").await;
        assert_none(
            &violations(b, &axe, None).await,
            &format!("People ({lang})"),
        );
        save_screenshot(b, &format!("dashboard-people-{lang}.png")).await;
    }
    b.click(
        &b.find("header form[action='/dashboard/sign-out'] button")
            .await,
    )
    .await;
    b.wait_for(
        "the sign-in page",
        "return !!document.querySelector('#email');",
    )
    .await;

    // The agent takes the invitation and lands on their own page.
    b.goto(&link).await;
    assert_none(&violations(b, &axe, None).await, "the invitation page");
    b.type_into(&b.find("#name").await, "Aiko").await;
    b.type_into(&b.find("#password").await, "aiko's own long phrase")
        .await;
    b.click(&b.find("button[type=submit]").await).await;
    b.wait_for(
        "the agent's page",
        "return !!document.querySelector('.position');",
    )
    .await;
    for lang in ["en", "ja"] {
        b.goto(&app.url(&format!("/dashboard/sites/{site}/me?lang={lang}")))
            .await;
        let text: Value = b
            .wait_for(
                "the page",
                "return document.querySelector('.position') && document.body.innerText;",
            )
            .await;
        let text = text.as_str().unwrap_or_default();
        assert!(
            text.contains("aiko-was-patient"),
            "their own comment: {text}"
        );
        assert!(
            !text.contains("ken-words"),
            "no other agent's answers: {text}"
        );
        let links: Value = b
            .script(
                "return Array.from(document.querySelectorAll('header a')).map(function (a) { return a.getAttribute('href'); });",
                json!([]),
            )
            .await;
        let links = links.to_string();
        assert!(
            !links.contains("/people") && !links.contains("/integrations"),
            "{links}"
        );
        assert_none(
            &violations(b, &axe, None).await,
            &format!("the agent's page ({lang})"),
        );
        save_screenshot(b, &format!("dashboard-me-{lang}.png")).await;
    }
    // What the agent's role does not reach is refused on the server, not only unlinked.
    b.goto(&app.url(&format!("/dashboard/sites/{site}/agents?lang=en")))
        .await;
    let refused: Value = b
        .wait_for(
            "a refusal",
            "return document.querySelector('.error') && document.body.innerText;",
        )
        .await;
    assert!(
        refused
            .as_str()
            .unwrap_or_default()
            .contains("does not reach"),
        "{refused}"
    );

    // A team lead of support: their team's agents, no other team's, and no People link.
    b.goto(&app.url(&format!("/dashboard/sites/{site}/me?lang=en")))
        .await;
    b.click(
        &b.find("header form[action='/dashboard/sign-out'] button")
            .await,
    )
    .await;
    b.wait_for(
        "the sign-in page",
        "return !!document.querySelector('#email');",
    )
    .await;
    sign_in_as(b, app, &scene.site, SiteRole::TeamLead).await;
    b.wait_for("the overview", "return !!document.querySelector('.cards');")
        .await;
    b.goto(&app.url(&format!("/dashboard/sites/{site}/agents?lang=en")))
        .await;
    let text: Value = b
        .wait_for(
            "the agents",
            "return document.querySelector('table') && document.body.innerText;",
        )
        .await;
    let text = text.as_str().unwrap_or_default();
    assert!(
        text.contains("aiko") && text.contains("ken"),
        "their team: {text}"
    );
    assert!(!text.contains("sam-sales"), "no other team's agent: {text}");
    let people_link: Value = b
        .script(
            "return !!document.querySelector(\"header a[href*='/people']\");",
            json!([]),
        )
        .await;
    assert_eq!(people_link, false, "no People link for a team lead");
    assert_none(
        &violations(b, &axe, None).await,
        "a team lead's Agents page",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_adds_a_passkey_and_signs_in_with_it() {
    let Some(scene) = Scene::start_with(false).await else {
        return;
    };
    let app = &scene.app;
    let b = &scene.browser;
    b.add_virtual_authenticator().await;
    // A passkey's relying party is a domain name: the dashboard is opened at localhost.
    let at = |path: &str| app.url(path).replace("127.0.0.1", "localhost");
    let grant = koe_collector::people::Grant::new(SiteRole::Manager, None, &[]).unwrap();
    let (email, password) = app.person(&scene.site, &grant).await;
    b.goto(&at("/dashboard?lang=en")).await;
    b.type_into(&b.find("#email").await, &email).await;
    b.type_into(&b.find("#password").await, &password).await;
    b.click(&b.find("form button[type=submit]").await).await;
    b.wait_for("signed in", "return !!document.querySelector('.cards');")
        .await;

    b.goto(&at("/dashboard/account?lang=en")).await;
    b.wait_for(
        "the passkey button",
        "var b = document.querySelector('#add-passkey'); return b && !b.hidden;",
    )
    .await;
    b.type_into(&b.find("#passkey-name").await, "test laptop")
        .await;
    b.click(&b.find("#add-passkey").await).await;
    let listed: Value = b
        .wait_for(
            "the passkey listed",
            "return document.body.innerText.indexOf('test laptop') >= 0 && document.querySelector('#passkey-status').textContent === '' && document.body.innerText;",
        )
        .await;
    assert!(listed.as_str().unwrap_or_default().contains("test laptop"));

    // Signed out, the person signs in with the passkey alone.
    b.click(
        &b.find("form[action='/dashboard/account/sign-out-everywhere'] button")
            .await,
    )
    .await;
    b.goto(&at("/dashboard?lang=en")).await;
    b.type_into(&b.find("#email").await, &email).await;
    b.wait_for(
        "the passkey sign-in",
        "var b = document.querySelector('#use-passkey'); return b && !b.hidden;",
    )
    .await;
    b.click(&b.find("#use-passkey").await).await;
    let status: Value = b
        .wait_for(
            "signed in with the passkey",
            "if (document.querySelector('.cards')) { return 'in'; } var s = document.querySelector('#passkey-status'); return (s && s.textContent) || null;",
        )
        .await;
    assert_eq!(status, "in", "signed in with the passkey: {status}");
    let audit = koe_collector::storage::AccessStore::audit_events(&app.storage, scene.site.site.id)
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "signed_in" && e.detail.starts_with("passkey")),
        "the passkey sign-in is audited"
    );
}
