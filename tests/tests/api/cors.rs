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

/// A site registered after the collector loaded its directory (`koe site add` while it runs, or
/// another collector of a fleet): its page's first call is answered readable, not blocked by
/// the browser for a missing `Access-Control-Allow-Origin`. Failed before the fix: the answer
/// (201, stored) carried no such header.
async fn a_site_created_while_the_collector_runs_is_readable_at_once<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let late = app
        .add_site("Late shop", false, "https://late.example")
        .await;
    for (path, body) in [
        (
            "/api/v1/impressions",
            json!({ "site": late.key(), "interaction": "l", "peek": true }),
        ),
        (
            "/api/v1/responses",
            json!({ "site": late.key(), "interaction": "l", "csat": 5 }),
        ),
    ] {
        let posted = app
            .post_raw(
                path,
                "text/plain",
                body.to_string().into_bytes(),
                Some("https://late.example"),
            )
            .await;
        assert!(posted.status().is_success(), "{path}: {}", posted.status());
        assert_eq!(
            allow_origin(&posted),
            Some("https://late.example"),
            "{path}"
        );
    }
}

on_both_backends!(
    registered_origins_are_allowed,
    foreign_origins_are_refused,
    a_site_created_while_the_collector_runs_is_readable_at_once,
);
