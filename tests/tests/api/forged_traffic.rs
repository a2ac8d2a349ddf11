//! Forged traffic cannot starve a site, and no route holds a connection for a slow body.
//! Refusals (origin, token, body) are charged to the sender's own budget — per /64 for IPv6,
//! behind proxies the right-most untrusted `X-Forwarded-For` hop — never to the site's quota.

use std::time::Duration;

use koe_collector::audit::Actor;
use koe_collector::sites::registration::create_api_key;
use koe_collector::storage::Role;
use koe_tests::raw_http::send_raw_with;
use koe_tests::{TestApp, TestBackend, in_an_hour, on_both_backends};
use serde_json::json;

async fn forged_traffic_for_a_site_cannot_starve_its_widget<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn_with(|s| {
        s.rate_limit_enabled = true;
        s.rate_limit_site_per_second = 1;
        s.rate_limit_site_burst = 10;
        s.rate_limit_ip_per_minute = 6000;
        s.rate_limit_ip_burst = 1000;
        s.rate_limit_refused_per_minute = 20;
        // The test client is the proxy in front of the collector.
        s.trusted_proxies = vec!["127.0.0.1/32".into()];
    })
    .await
    else {
        return;
    };
    let site = &app.strict_site;
    let post = |forwarded_for: String, body: serde_json::Value| {
        app.client
            .post(app.url("/api/v1/responses"))
            .header("x-forwarded-for", forwarded_for)
            .json(&body)
            .send()
    };
    // A flood of forged submissions from many addresses of one /64, each claiming a
    // different client in the left-most X-Forwarded-For entry.
    let flood = (0..120).map(|i| {
        post(
            format!("198.51.100.{}, 2001:db8:bad:1::{i:x}", i % 250),
            json!({ "site": site.key(), "interaction": format!("forged-{i}"), "csat": 1, "token": "forged.token" }),
        )
    });
    let statuses: Vec<u16> = futures_util::future::join_all(flood)
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    assert!(
        statuses.iter().all(|s| *s == 403 || *s == 429),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&429),
        "the /64 spent its refusal budget and is refused at once"
    );

    // Meanwhile the site's real widget, elsewhere, keeps every answer.
    for i in 0..8 {
        let token = site.token(&format!("real-{i}"), None, None, in_an_hour());
        let response = post(
            "203.0.113.9".into(),
            json!({ "site": site.key(), "interaction": format!("real-{i}"), "csat": 5, "token": token }),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), 201, "answer {i} of the real widget");
    }
}

async fn every_route_that_reads_a_body_has_a_deadline<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn_with(|s| s.body_timeout_secs = 1).await else {
        return;
    };
    let token = app.site.token("slow", None, None, in_an_hour());
    let (_, key) = create_api_key(&app.storage, &app.site.site, Role::Admin, Actor::Cli)
        .await
        .unwrap();
    let bearer = format!("Bearer {key}");
    let signed_in = [("Authorization", bearer.as_str())];
    let form = "application/x-www-form-urlencoded";
    let json = "application/json";
    for (path, headers, content_type, body) in [
        (
            format!("/s/{token}"),
            &[][..],
            form,
            format!("csat=4&comment={}", "a".repeat(60)),
        ),
        (
            "/dashboard/sign-in".to_owned(),
            &[][..],
            form,
            format!("email=a%40example.com&password={}", "k".repeat(60)),
        ),
        (
            format!("/api/v1/sites/{}/keys", app.site.key()),
            &signed_in[..],
            json,
            format!(r#"{{"role":"read","pad":"{}"}}"#, "p".repeat(40)),
        ),
    ] {
        let (status, answer, took) = send_raw_with(
            &app.url("/"),
            &path,
            headers,
            content_type,
            body.len(),
            body.as_bytes(),
            body.len(),
            Duration::from_millis(100),
        )
        .await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (408, Some("body_timeout")),
            "{path}"
        );
        assert!(took < Duration::from_secs(4), "{path} held on for {took:?}");
    }
    // Without a key the API does not wait for the body at all.
    let keys = format!("/api/v1/sites/{}/keys", app.site.key());
    let body = r#"{"role":"read"}"#;
    let (status, answer, _) = send_raw_with(
        &app.url("/"),
        &keys,
        &[],
        json,
        body.len(),
        body.as_bytes(),
        body.len(),
        Duration::from_millis(100),
    )
    .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (401, Some("unauthorized"))
    );
}

/// A collector whose per-client limits allow three refusals a minute.
async fn with_three_refusals_a_minute<S: TestBackend>() -> Option<TestApp<S>> {
    TestApp::<S>::spawn_with(|s| {
        s.rate_limit_enabled = true;
        s.rate_limit_refused_per_minute = 3;
    })
    .await
}

async fn repeated_failed_sign_ins_from_one_address_are_slowed<S: TestBackend>() {
    let Some(app) = with_three_refusals_a_minute::<S>().await else {
        return;
    };
    let sign_in = |email: &'static str| {
        app.client
            .post(app.url("/dashboard/sign-in"))
            .form(&[
                ("email", email),
                ("password", "a guessed password"),
                ("lang", "en"),
            ])
            .send()
    };
    // Three refusals a minute are allowed; the one that exceeds them still gets its answer,
    // and from then on the address is refused at once — whichever accounts it tries.
    for email in [
        "a@example.com",
        "b@example.com",
        "c@example.com",
        "d@example.com",
    ] {
        assert_eq!(sign_in(email).await.unwrap().status(), 401);
    }
    let slowed = sign_in("e@example.com").await.unwrap();
    assert_eq!(
        slowed.status(),
        429,
        "guessing passwords from one address is slowed"
    );
    assert!(slowed.headers().contains_key("retry-after"));
}

async fn guessing_api_keys_from_one_address_is_slowed<S: TestBackend>() {
    let Some(app) = with_three_refusals_a_minute::<S>().await else {
        return;
    };
    let scores = app.url(&format!("/api/v1/sites/{}/scores", app.site.key()));
    let guess = || app.client.get(&scores).bearer_auth("koe_read_guess").send();
    // Three refusals a minute are allowed; the one that exceeds them still gets its answer,
    // and from then on the address is refused before any key is looked up.
    for _ in 0..4 {
        assert_eq!(guess().await.unwrap().status(), 401);
    }
    let slowed = guess().await.unwrap();
    assert_eq!(
        slowed.status(),
        429,
        "guessing API keys from one address is slowed"
    );
    assert!(slowed.headers().contains_key("retry-after"));
    let body: serde_json::Value = slowed.json().await.unwrap();
    assert_eq!(body["error"], "rate_limited");
}

on_both_backends!(
    guessing_api_keys_from_one_address_is_slowed,
    repeated_failed_sign_ins_from_one_address_are_slowed,
    forged_traffic_for_a_site_cannot_starve_its_widget,
    every_route_that_reads_a_body_has_a_deadline,
);
