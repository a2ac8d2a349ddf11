//! 429 with `Retry-After` per client IP (held 250 ms before it is sent) and per site.

use koe_tests::{TestApp, TestBackend, error_code, on_both_backends};
use serde_json::json;

async fn assert_rate_limited(response: reqwest::Response) {
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    assert_eq!(error_code(response).await, "rate_limited");
}

async fn one_address_is_limited<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn_with(|s| {
        s.rate_limit_enabled = true;
        s.rate_limit_ip_per_minute = 1;
        s.rate_limit_ip_burst = 3;
    })
    .await
    else {
        return;
    };
    for i in 0..3 {
        let response = app
            .submit(&json!({ "site": app.site.key(), "interaction": format!("i{i}"), "csat": 3 }))
            .await;
        assert_eq!(response.status(), 201);
    }
    let before = app.snapshot().await;
    let sent = std::time::Instant::now();
    let refused = app
        .submit(&json!({ "site": app.site.key(), "interaction": "i4", "csat": 3 }))
        .await;
    // Refusals are held a moment, so a flooding client slows itself down.
    assert!(sent.elapsed() >= std::time::Duration::from_millis(250));
    assert_rate_limited(refused).await;
    assert_eq!(app.snapshot().await, before);
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200, "only the public API is limited");
}

async fn one_site_is_limited<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn_with(|s| {
        s.rate_limit_enabled = true;
        s.rate_limit_site_per_second = 1;
        s.rate_limit_site_burst = 2;
    })
    .await
    else {
        return;
    };
    for i in 0..2 {
        let response = app
            .submit(&json!({ "site": app.site.key(), "interaction": format!("i{i}"), "csat": 3 }))
            .await;
        assert_eq!(response.status(), 201);
    }
    assert_rate_limited(
        app.submit(&json!({ "site": app.site.key(), "interaction": "i3", "csat": 3 }))
            .await,
    )
    .await;
    let other = app
        .submit(&json!({ "site": app.strict_site.key(), "interaction": "i3", "csat": 3 }))
        .await;
    assert_eq!(
        error_code(other).await,
        "token_required",
        "another site has its own budget"
    );
}

on_both_backends!(one_address_is_limited, one_site_is_limited);
