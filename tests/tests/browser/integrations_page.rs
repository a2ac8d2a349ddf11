//! A site owner reads the Integrations page in a real browser: each connected platform with
//! its state, events today and last error, the calls given up, and the LINE rating card as
//! LINE lays it out; axe finds nothing in English or Japanese, and both languages are
//! photographed (`dashboard-integrations-LANG.png`, and the card alone as
//! `line-card-LANG.png`, in `build/screenshots/`). The integrations are stored directly, so
//! nothing here calls a platform.

use koe_collector::audit::{Actor, AuditAction, AuditEntry};
use koe_collector::storage::prelude::*;
use koe_collector::storage::{EventState, NewEvent, NewIntegration};
use serde_json::json;

use crate::accessibility::{assert_none, axe_source, violations};
use crate::support::{Scene, save_screenshot, sign_in_as};
use koe_collector::people::SiteRole;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_integrations_page_shows_each_platform_its_dead_letters_and_the_line_card() {
    let Some(scene) = Scene::start_with(false).await else {
        return;
    };
    let app = &scene.app;
    let site = &app.site.site;
    let now = koe_collector::clock::now_ms();
    // Sealed with the collector's own key, as `koe integration add` seals them.
    let seal = koe_collector::integrations::manage::seal_key(None, &app.storage)
        .await
        .unwrap();
    let mut ids = Vec::new();
    for (kind, config, credentials) in [
        (
            "chatwoot",
            json!({ "kind": "chatwoot", "url": "https://chat.example", "account_id": 1, "locale": "ja" }),
            // No webhook secret yet: the page warns that the address alone proves the sender.
            json!({ "kind": "chatwoot", "api_token": "token" }),
        ),
        (
            "line",
            json!({ "kind": "line", "ask_resolved": true, "api_base": "https://api.line.me" }),
            json!({ "kind": "line", "channel_secret": "secret", "access_token": "token" }),
        ),
    ] {
        let entry = AuditEntry {
            site_id: site.id,
            actor: Actor::Cli,
            action: AuditAction::IntegrationAdded,
            detail: format!("{kind} integration"),
            at: jiff::Timestamp::now(),
        };
        let id = app
            .storage
            .add_integration(
                entry,
                NewIntegration {
                    site_id: site.id,
                    kind,
                    path_digest: koe_collector::secrets::digest(&format!("i_{kind}")),
                    config: config.to_string(),
                    sealed: seal.seal(&credentials.to_string()),
                    base_url: app.address.clone(),
                    created_at_ms: now,
                },
            )
            .await
            .unwrap();
        ids.push(id);
    }
    for (i, (state, detail)) in [
        (EventState::Sent, None),
        (
            EventState::Failed,
            Some("the platform answered 401 Unauthorized"),
        ),
    ]
    .into_iter()
    .enumerate()
    {
        app.storage
            .note_event(NewEvent {
                integration_id: ids[0],
                site_id: site.id,
                key: format!("resolution:{i}:0"),
                interaction: Some(format!("chatwoot-1-{}", 40 + i)),
                state,
                detail: detail.map(str::to_owned),
                call: None,
                at_ms: now,
            })
            .await
            .unwrap();
    }
    app.storage
        .note_integration(ids[0], Some("the platform answered 401 Unauthorized"), now)
        .await
        .unwrap();
    let b = &scene.browser;
    b.resize(1280, 1800).await;
    sign_in_as(b, app, &app.site, SiteRole::Admin).await;
    b.wait_for("the overview", "return !!document.querySelector('.cards');")
        .await;
    // The header links to the page.
    let link = b.find("header nav.account a[href*='/integrations']").await;
    b.click(&link).await;
    b.wait_for(
        "the integrations table",
        "return !!document.querySelector('table.integrations');",
    )
    .await;
    let axe = axe_source();
    for (lang, chatwoot_state, unsigned, question) in [
        ("en", "On", "Not checked", "How satisfied"),
        ("ja", "有効", "検証なし", "満足"),
    ] {
        b.goto(&app.url(&format!(
            "/dashboard/sites/{}/integrations?lang={lang}",
            app.site.key()
        )))
        .await;
        let shown = b
            .script(
                "var rows = document.querySelectorAll('table.integrations tbody tr');
                 var cells = function (row) { return Array.from(row.children).map(function (c) { return c.textContent; }); };
                 return {
                   rows: Array.from(rows).map(cells),
                   dead: Array.from(document.querySelectorAll('table.dead-letters tbody tr')).map(cells),
                   cards: document.querySelectorAll('figure.line-card').length,
                   buttons: document.querySelectorAll('figure.line-card li').length,
                   question: document.querySelector('figure.line-card[lang=' + arguments[0] + '] .question').textContent,
                 };",
                json!([lang]),
            )
            .await;
        let rows = shown["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 2, "{lang}: {shown}");
        assert_eq!(rows[0][1], chatwoot_state, "{lang}: {shown}");
        assert!(
            rows[0][2].as_str().unwrap().starts_with(unsigned),
            "{lang}: Chatwoot without its webhook secret is flagged: {shown}"
        );
        assert_eq!(rows[0][3], "2", "{lang}: two events today: {shown}");
        assert_eq!(rows[0][5], "1", "{lang}: one given up: {shown}");
        assert!(
            rows[0][7].as_str().unwrap().contains("401"),
            "{lang}: the last error: {shown}"
        );
        assert_eq!(
            shown["dead"].as_array().unwrap().len(),
            1,
            "{lang}: {shown}"
        );
        assert_eq!(shown["cards"], 2, "{lang}: the card in each language");
        assert_eq!(shown["buttons"], 10, "{lang}: five choices each");
        assert!(
            shown["question"].as_str().unwrap().contains(question),
            "{lang}: {shown}"
        );
        if let Some(axe) = &axe {
            assert_none(
                &violations(b, axe, None).await,
                &format!("the Integrations page ({lang})"),
            );
        }
        save_screenshot(b, &format!("dashboard-integrations-{lang}.png")).await;
    }
    for lang in ["en", "ja"] {
        let card = b.find(&format!("figure.line-card[lang={lang}]")).await;
        let png = card.screenshot().await.expect("the card is photographed");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../build/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("line-card-{lang}.png")), png).unwrap();
    }
}
