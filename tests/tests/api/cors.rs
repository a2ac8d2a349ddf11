//! CORS from each site's registered origins, and the collector's own `Origin` check.

use koe_tests::{SHOP_ORIGIN, TestApp, TestBackend, error_code, on_both_backends};
use serde_json::json;

async fn preflight<S: TestBackend>(app: &TestApp<S>, origin: &str) -> reqwest::Response {
    app.client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/responses"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap()
}

fn allow_origin(response: &reqwest::Response) -> Option<&str> {
    response
        .headers()
        .get("access-control-allow-origin")
        .and_then(|v| v.to_str().ok())
}

async fn registered_origins_are_allowed<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let allowed = preflight(&app, SHOP_ORIGIN).await;
    assert!(allowed.status().is_success());
    assert_eq!(allow_origin(&allowed), Some(SHOP_ORIGIN));

    let body = json!({ "site": app.site.key(), "interaction": "c", "csat": 5 })
        .to_string()
        .into_bytes();
    let posted = app
        .post_raw("/api/v1/responses", "text/plain", body, Some(SHOP_ORIGIN))
        .await;
    assert_eq!(posted.status(), 201);
    assert_eq!(
        allow_origin(&posted),
        Some(SHOP_ORIGIN),
        "the widget can read the answer"
    );
}

async fn foreign_origins_are_refused<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let refused = preflight(&app, "https://evil.example").await;
    assert_eq!(allow_origin(&refused), None);

    let before = app.snapshot().await;
    for origin in [
        "https://evil.example",
        "http://shop.example",
        "https://shop.example.evil.example",
        "null",
    ] {
        let body = json!({ "site": app.site.key(), "interaction": "c", "csat": 5 })
            .to_string()
            .into_bytes();
        let posted = app
            .post_raw("/api/v1/responses", "text/plain", body, Some(origin))
            .await;
        assert_eq!(posted.status(), 403, "{origin}");
        assert_eq!(allow_origin(&posted), None, "{origin}");
        assert_eq!(error_code(posted).await, "origin_not_allowed", "{origin}");
    }
    assert_eq!(app.snapshot().await, before);

    // The shop's origin is registered for the shop, not for another site.
    let other = app.add_site("Other", false, "https://other.example").await;
    let body = json!({ "site": other.key(), "interaction": "c", "csat": 5 })
        .to_string()
        .into_bytes();
    let posted = app
        .post_raw("/api/v1/responses", "text/plain", body, Some(SHOP_ORIGIN))
        .await;
    assert_eq!(posted.status(), 403);
    assert_eq!(error_code(posted).await, "origin_not_allowed");
    assert_eq!(app.snapshot().await, before);
}

on_both_backends!(registered_origins_are_allowed, foreign_origins_are_refused);
