//! The widget's files and the demo page, as the collector serves them.

use koe_collector::web::assets::FILES;
use koe_tests::{TestApp, TestBackend, on_both_backends};

fn widget_built() -> bool {
    if FILES.is_empty() {
        assert!(
            std::env::var("CI").is_err(),
            "CI builds the widget first (cargo xtask test)"
        );
        eprintln!("skipped: the widget is not built (cargo xtask widget)");
        return false;
    }
    true
}

async fn the_loader_and_hashed_files_are_served_compressed_and_cached<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    if !widget_built() {
        return;
    }
    let get = |path: &str, encoding: &str| {
        app.client
            .get(app.url(path))
            .header("accept-encoding", encoding)
            .send()
    };
    let loader = get("/koe.js", "gzip, br").await.unwrap();
    assert_eq!(loader.status(), 200);
    assert_eq!(loader.headers()["content-encoding"], "br");
    assert_eq!(loader.headers()["cache-control"], "public, max-age=300");
    assert_eq!(loader.headers()["vary"], "Accept-Encoding");

    let plain = get("/koe.js", "identity").await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let text = plain.text().await.unwrap();
    let wasm = text
        .split('"')
        .find(|s| s.ends_with(".wasm"))
        .expect("the loader names the wasm");
    let glue = text
        .split('"')
        .find(|s| s.starts_with("koe-") && s.ends_with(".js"))
        .expect("the loader names the glue");

    let module = get(&format!("/widget/{wasm}"), "gzip").await.unwrap();
    assert_eq!(module.headers()["content-type"], "application/wasm");
    assert_eq!(module.headers()["content-encoding"], "gzip");
    assert_eq!(
        module.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(module.headers()["access-control-allow-origin"], "*");
    let glue = get(&format!("/widget/{glue}"), "br;q=0, gzip;q=0")
        .await
        .unwrap();
    assert!(
        glue.headers().get("content-encoding").is_none(),
        "q=0 refuses an encoding"
    );
    let head = app.client.head(app.url("/koe.js")).send().await.unwrap();
    assert_eq!(head.status(), 200);

    for missing in ["/widget/koe-0000000000.wasm", "/widget/koe.js"] {
        assert_eq!(get(missing, "br").await.unwrap().status(), 404, "{missing}");
    }
}

async fn the_demo_shop_ends_with_a_signed_survey<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn_with(|s| s.demo = true).await else {
        return;
    };
    let page = app
        .client
        .get(app.url("/demo?lang=ja"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("data-site=\"site_demo\"") && html.contains("lang=\"ja\""));
    let token = html
        .split("data-token=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .expect("a token");
    let site = app
        .site_by_key("site_demo")
        .await
        .expect("the demo site was created");
    let token = koe_shared::AttributionToken::try_from(token.to_owned()).unwrap();
    let claims =
        koe_shared::token::verify(&site.secret_digest, &token, 0).expect("the token verifies");
    assert_eq!(claims.channel, Some(koe_shared::Channel::Chat));
    assert_eq!(
        app.client
            .get(app.url("/demo.js"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let off = TestApp::<S>::spawn().await.expect("spawned above");
    assert_eq!(
        off.client
            .get(off.url("/demo"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

on_both_backends!(
    the_loader_and_hashed_files_are_served_compressed_and_cached,
    the_demo_shop_ends_with_a_signed_survey,
);
