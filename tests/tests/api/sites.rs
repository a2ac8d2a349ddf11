//! A site's settings through the admin API: shown (never its secret), changed (name, origins,
//! strict mode, low-n threshold) with the change in the audit trail and in effect at once; a
//! time-zone change is refused with the reason.

use koe_collector::audit::Actor;
use koe_collector::sites::registration::create_api_key;
use koe_collector::storage::Role;
use koe_tests::{TestApp, TestBackend, error_code, on_both_backends};
use serde_json::{Value, json};

async fn a_site_is_shown_and_changed_with_an_audit_entry<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let (admin, key) = create_api_key(&app.storage, &app.site.site, Role::Admin, Actor::Cli)
        .await
        .unwrap();
    let url = app.url(&format!("/api/v1/sites/{}", app.site.key()));
    let shown: Value = app
        .client
        .get(&url)
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["name"], "Shop");
    assert!(
        !shown.to_string().contains(&app.site.secret),
        "never the signing secret"
    );
    let patch = |body: Value| app.client.patch(&url).bearer_auth(&key).json(&body).send();
    let changed: Value = patch(json!({
        "name": "Coffee shop",
        "add_origins": ["https://m.shop.example"],
        "strict": true,
        "low_n_threshold": 10
    }))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(changed["name"], "Coffee shop");
    assert_eq!(changed["strict"], true);
    assert_eq!(changed["low_n_threshold"], 10);
    assert_eq!(changed["origins"].as_array().unwrap().len(), 2);

    // In effect at once: the site is strict now, so unsigned attribution is refused.
    let unsigned = app
        .submit(&json!({ "site": app.site.key(), "interaction": "i1", "agent": "ken", "csat": 4 }))
        .await;
    assert_eq!(error_code(unsigned).await, "token_required");

    let zone = patch(json!({ "timezone": "Europe/Paris" })).await.unwrap();
    assert_eq!(zone.status(), 400);
    let message = zone.json::<Value>().await.unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("time zone cannot be changed"), "{message}");
    let emptied =
        patch(json!({ "remove_origins": ["https://shop.example", "https://m.shop.example"] }))
            .await
            .unwrap();
    assert_eq!(emptied.status(), 400, "a site keeps at least one origin");

    let audit = app.storage.audit_events(app.site.site.id).await.unwrap();
    let last = audit.last().unwrap();
    assert_eq!(last.action, "site_updated");
    assert_eq!(last.actor, format!("key:{}", admin.id));
    assert!(last.detail.contains("Coffee shop") && last.detail.contains("strict false → true"));

    let (_, read) = create_api_key(&app.storage, &app.site.site, Role::Read, Actor::Cli)
        .await
        .unwrap();
    let refused = app
        .client
        .get(&url)
        .bearer_auth(&read)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403, "settings need an admin key");
}

/// Names, origins, webhook URLs and conditions have an upper bound (the OpenAPI document states
/// each): past it, a clear 400 and nothing changed.
async fn settings_past_their_bounds_are_refused<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let (_, admin) = create_api_key(&app.storage, &app.site.site, Role::Admin, Actor::Cli)
        .await
        .unwrap();
    let site = format!("/api/v1/sites/{}", app.site.key());
    let before = app.snapshot().await;
    let many: Vec<String> = (0..51).map(|i| format!("https://s{i}.example")).collect();
    for (path, patch, body, why) in [
        (
            site.clone(),
            true,
            json!({ "name": "n".repeat(101) }),
            "100 characters",
        ),
        (
            site.clone(),
            true,
            json!({ "add_origins": many }),
            "at most 50",
        ),
        (
            site.clone(),
            true,
            json!({ "name": "Shop\u{1b}]0;pwned\u{7}\u{1b}[2J" }),
            "control characters",
        ),
        (
            format!("{site}/webhooks"),
            false,
            json!({ "url": format!("https://hooks.example/{}", "p".repeat(2048)), "when": "csat<=2" }),
            "2048 characters",
        ),
        (
            format!("{site}/webhooks"),
            false,
            json!({ "url": "https://hooks.example/", "when": format!("csat<=2{}", " or csat<=2".repeat(50)) }),
            "500 characters",
        ),
    ] {
        let request = if patch {
            app.client.patch(app.url(&path))
        } else {
            app.client.post(app.url(&path))
        };
        let refused = request
            .bearer_auth(&admin)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 400, "{path} {why}");
        let answer: Value = refused.json().await.unwrap();
        assert!(
            answer["message"].as_str().unwrap().contains(why),
            "{answer}"
        );
    }
    // `koe site add` keeps the same bounds.
    let origin = koe_collector::sites::Origin::parse("https://s.example").unwrap();
    for (name, origins) in [
        ("n".repeat(101), vec![origin.clone()]),
        ("   ".to_owned(), vec![origin.clone()]),
        ("Shop\u{1b}[2J".to_owned(), vec![origin.clone()]),
        ("Shop".to_owned(), vec![origin.clone(); 51]),
    ] {
        let request = koe_collector::sites::registration::SiteRequest {
            name,
            origins,
            timezone: koe_collector::sites::SiteTimeZone::parse("UTC").unwrap(),
            strict: false,
            low_n_threshold: 30,
        };
        let refused =
            koe_collector::sites::registration::register_site(&app.storage, request).await;
        assert!(
            matches!(
                refused,
                Err(koe_collector::sites::registration::RegistrationError::Name
                    | koe_collector::sites::registration::RegistrationError::ControlInName
                    | koe_collector::sites::registration::RegistrationError::Origins)
            ),
            "{refused:?}"
        );
    }
    assert_eq!(app.snapshot().await, before, "nothing changed");
}

async fn a_change_made_from_a_stale_copy_keeps_what_another_collector_set<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let (_, key) = create_api_key(&app.storage, &app.site.site, Role::Admin, Actor::Cli)
        .await
        .unwrap();
    let path = format!("/api/v1/sites/{}", app.site.key());
    // This collector reads the site (and keeps it for a few seconds)…
    assert_eq!(app.get_json(&path, &key).await["strict"], false);
    // …while another collector of the fleet makes the site strict.
    let before = app.site_by_key(app.site.key()).await.unwrap();
    let strict = koe_collector::sites::Site {
        strict: true,
        ..before.clone()
    };
    let entry = koe_collector::audit::AuditEntry {
        site_id: before.id,
        actor: Actor::Cli,
        action: koe_collector::audit::AuditAction::SiteUpdated,
        detail: "strict false → true".into(),
        at: koe_collector::clock::now(),
    };
    app.storage
        .update_site(entry, &before, strict)
        .await
        .unwrap();
    // A rename through this collector, from its copy, must not undo it.
    let renamed = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&key)
        .json(&json!({ "name": "Renamed" }))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), 200);
    let stored = app.site_by_key(app.site.key()).await.unwrap();
    assert_eq!(stored.name, "Renamed");
    assert!(
        stored.strict,
        "the rename left strict as the other collector set it"
    );
}

on_both_backends!(
    a_change_made_from_a_stale_copy_keeps_what_another_collector_set,
    a_site_is_shown_and_changed_with_an_audit_entry,
    settings_past_their_bounds_are_refused,
);
