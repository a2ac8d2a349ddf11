//! Liveness, readiness and unknown routes.

use koe_tests::{TestApp, TestBackend, error_code, on_both_backends};

async fn health_and_readiness_answer<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let missing = app.client.get(app.url("/nope")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(error_code(missing).await, "not_found");
}

async fn operations_can_leave_the_public_listener<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn_with(|s| s.admin_bind = Some("127.0.0.1:0".into())).await
    else {
        return;
    };
    let admin = app.admin_address.clone().expect("an operations listener");
    for path in ["/healthz", "/readyz", "/metrics"] {
        let there = app
            .client
            .get(format!("{admin}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(there.status(), 200, "{path} on the operations listener");
        let public = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(public.status(), 404, "{path} is off the public listener");
    }
    let ingest = app
        .submit(&serde_json::json!({ "site": app.site.key(), "interaction": "i1", "csat": 4 }))
        .await;
    assert_eq!(
        ingest.status(),
        201,
        "the public listener still takes answers"
    );
}

/// Each group commit is counted with how many writes it carried (process-wide: tests running
/// alongside commit too, so only growth is checked).
async fn a_committed_answer_is_counted_in_the_batch_sizes<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let series = "koe_write_batch_size_count";
    let before = app.metric(series).await;
    let ingest = app
        .submit(&serde_json::json!({ "site": app.site.key(), "interaction": "b1", "nps": 9 }))
        .await;
    assert_eq!(ingest.status(), 201);
    assert!(
        app.metric(series).await > before,
        "the answer's commit is not counted"
    );
}

on_both_backends!(
    health_and_readiness_answer,
    operations_can_leave_the_public_listener,
    a_committed_answer_is_counted_in_the_batch_sizes
);
