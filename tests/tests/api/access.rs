//! Shutting off leaked credentials: keys are listed (never shown), revoked keys fail at once,
//! sign-out ends a person's session on the server, and a
//! rotated signing secret keeps verifying only for its grace period. Each change lands in the
//! audit trail.

use std::time::{Duration, Instant};

use koe_collector::audit::Actor;
use koe_collector::people::{Grant, SiteRole};
use koe_collector::sites::registration::{RotateError, create_api_key, rotate_secret};
use koe_collector::storage::Role;
use koe_shared::InteractionId;
use koe_shared::token::{self, AttributionClaims};
use koe_tests::{TestApp, TestBackend, error_code, in_an_hour, on_both_backends};
use serde_json::{Value, json};

async fn get<S: TestBackend>(app: &TestApp<S>, path: &str, key: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .bearer_auth(key)
        .send()
        .await
        .expect("the collector answers")
}

/// The dashboard's site page with a session cookie: 200 while the session lives, a redirect
/// to sign-in once it has ended.
async fn site_page<S: TestBackend>(app: &TestApp<S>, cookie: &str) -> u16 {
    app.client
        .get(app.url(&format!("/dashboard/sites/{}", app.site.key())))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn a_revoked_key_fails_at_once<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let site = &app.site.site;
    let (admin, admin_key) = create_api_key(&app.storage, site, Role::Admin, Actor::Cli)
        .await
        .unwrap();
    let (reader, read_key) = create_api_key(&app.storage, site, Role::Read, Actor::Cli)
        .await
        .unwrap();
    let scores = format!("/api/v1/sites/{}/scores", app.site.key());
    let keys = format!("/api/v1/sites/{}/keys", app.site.key());
    assert_eq!(get(&app, &scores, &read_key).await.status(), 200);

    let listed: Value = get(&app, &keys, &admin_key).await.json().await.unwrap();
    let listed = listed["keys"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 2);
    let text = serde_json::to_string(&listed).unwrap();
    assert!(
        !text.contains(&read_key) && !text.contains(&admin_key),
        "keys are never listed: {text}"
    );
    let reader_row = listed.iter().find(|k| k["id"] == reader.id.get()).unwrap();
    assert_eq!(reader_row["role"], "read");
    assert!(reader_row["last_used_at"].is_string(), "{reader_row}");
    assert!(reader_row["revoked_at"].is_null());
    assert_eq!(
        get(&app, &keys, &read_key).await.status(),
        403,
        "listing keys needs an admin key"
    );

    let revoke = |id: i64| {
        app.client
            .delete(app.url(&format!("{keys}/{id}")))
            .bearer_auth(&admin_key)
            .send()
    };
    assert_eq!(revoke(reader.id.get()).await.unwrap().status(), 204);
    let refused = get(&app, &scores, &read_key).await;
    assert_eq!(
        refused.status(),
        401,
        "a revoked key fails on its next call"
    );
    assert_eq!(error_code(refused).await, "unauthorized");
    assert_eq!(
        revoke(reader.id.get()).await.unwrap().status(),
        404,
        "once only"
    );
    assert_eq!(get(&app, &scores, &admin_key).await.status(), 200);

    let audit = app.storage.audit_events(site.id).await.unwrap();
    let actions: Vec<(&str, &str)> = audit
        .iter()
        .map(|e| (e.action.as_str(), e.actor.as_str()))
        .collect();
    let by_admin = format!("key:{}", admin.id);
    assert_eq!(
        actions,
        [
            ("key_created", "cli"),
            ("key_created", "cli"),
            ("key_revoked", by_admin.as_str())
        ]
    );
}

async fn signing_out_ends_the_session_on_the_server<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let cookie = app.dashboard_session(SiteRole::Manager).await;
    assert_eq!(site_page(&app, &cookie).await, 200);
    let signed_out = app
        .client
        .post(app.url("/dashboard/sign-out"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), 303);
    assert_eq!(
        site_page(&app, &cookie).await,
        303,
        "a copy of the cookie no longer works after sign-out"
    );
}

async fn the_session_cookie_is_secure_when_koe_is_published_over_https<S: TestBackend>() {
    // Behind a TLS-terminating proxy that does not say so, the request arrives over http.
    let Some(app) =
        TestApp::<S>::spawn_with(|s| s.public_url = Some("https://koe.example".into())).await
    else {
        return;
    };
    let grant = Grant::new(SiteRole::Manager, None, &[]).unwrap();
    let (email, password) = app.person(&app.site, &grant).await;
    let signed_in = app
        .client
        .post(app.url("/dashboard/sign-in"))
        .form(&[
            ("email", email.as_str()),
            ("password", &password),
            ("lang", "en"),
        ])
        .send()
        .await
        .unwrap();
    let cookie = signed_in.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
}

fn claims(site: &koe_shared::SiteKey, interaction: &str) -> AttributionClaims {
    AttributionClaims {
        site: site.clone(),
        interaction: InteractionId::try_from(interaction).unwrap(),
        agent: None,
        team: None,
        channel: None,
        expires_at: in_an_hour(),
        offer: None,
        customer: None,
    }
}

/// Submits a CSAT for an interaction with a token signed with `secret`.
async fn submit_signed<S: TestBackend>(
    app: &TestApp<S>,
    secret: &str,
    interaction: &str,
) -> reqwest::Response {
    let token = String::from(token::sign(
        secret.as_bytes(),
        &claims(&app.site.site.key, interaction),
    ));
    app.submit(
        &json!({ "site": app.site.key(), "interaction": interaction, "token": token, "csat": 4 }),
    )
    .await
}

/// Waits until the collector's site list has picked up a change made behind its back.
async fn until_accepted<S: TestBackend>(app: &TestApp<S>, secret: &str, interaction: &str) {
    let started = Instant::now();
    loop {
        let status = submit_signed(app, secret, interaction).await.status();
        if status.is_success() {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the new secret was never accepted ({status})"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn a_rotated_secret_verifies_for_its_grace_period_only<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn_with(|s| s.site_refresh_secs = 1).await else {
        return;
    };
    let old = app.site.secret.clone();
    assert_eq!(submit_signed(&app, &old, "before").await.status(), 201);

    let new = rotate_secret(
        &app.storage,
        &app.site.site,
        Duration::from_secs(86_400),
        false,
        Actor::Cli,
    )
    .await
    .unwrap();
    assert_ne!(new, old);
    until_accepted(&app, &new, "with-new").await;
    assert_eq!(
        submit_signed(&app, &old, "with-old").await.status(),
        201,
        "the previous secret still verifies during its grace period"
    );

    // Rotating again while the previous secret is in its grace period would cut it short, so
    // it is refused unless forced; a forced rotation without grace retires `new` at once.
    let site = app.site_by_key(app.site.key()).await.unwrap();
    let refused = rotate_secret(&app.storage, &site, Duration::ZERO, false, Actor::Cli).await;
    assert!(matches!(refused, Err(RotateError::GraceRunning(_))));
    let newest = rotate_secret(&app.storage, &site, Duration::ZERO, true, Actor::Cli)
        .await
        .unwrap();
    until_accepted(&app, &newest, "with-newest").await;
    let retired = submit_signed(&app, &new, "with-retired").await;
    assert_eq!(retired.status(), 403);
    assert_eq!(error_code(retired).await, "token_secret_retired");
    let actions: Vec<String> = app
        .storage
        .audit_events(app.site.site.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["secret_rotated", "secret_rotated"]);
}

on_both_backends!(
    a_revoked_key_fails_at_once,
    signing_out_ends_the_session_on_the_server,
    the_session_cookie_is_secure_when_koe_is_published_over_https,
    a_rotated_secret_verifies_for_its_grace_period_only,
);
