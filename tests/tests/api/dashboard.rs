//! The dashboard's guards: sign-in, cookie attributes, security headers, one site per session,
//! no cross-origin posts.

use koe_collector::people::{Grant, SiteRole};
use koe_tests::{TestApp, TestBackend, on_both_backends};

async fn sign_in<S: TestBackend>(
    app: &TestApp<S>,
    (email, password): (&str, &str),
    origin: Option<&str>,
) -> reqwest::Response {
    let mut request = app.client.post(app.url("/dashboard/sign-in")).form(&[
        ("email", email),
        ("password", password),
        ("lang", "en"),
    ]);
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    request.send().await.expect("the collector answers")
}

async fn sessions_are_guarded<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let grant = Grant::new(SiteRole::Manager, None, &[]).unwrap();
    let (email, password) = app.person(&app.site, &grant).await;
    let key = (email.as_str(), password.as_str());

    let page = app.client.get(app.url("/dashboard")).send().await.unwrap();
    let headers = page.headers();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'")
            && csp.contains("frame-ancestors 'none'")
            && !csp.contains("unsafe-inline")
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");

    assert_eq!(
        sign_in(&app, (&email, "not the password"), None)
            .await
            .status(),
        401
    );
    assert_eq!(
        sign_in(&app, key, Some("https://evil.example"))
            .await
            .status(),
        403,
        "no cross-origin sign-in"
    );
    let signed_in = sign_in(&app, key, Some(&app.address)).await;
    assert_eq!(signed_in.status(), 303);
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/dashboard"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let session = cookie.split(';').next().unwrap().to_owned();
    let own = app
        .client
        .get(app.url(&format!("/dashboard/sites/{}", app.site.key())))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
    let other = app
        .client
        .get(app.url(&format!("/dashboard/sites/{}", app.strict_site.key())))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(
        other.status(),
        404,
        "a session of one site cannot read another"
    );
    let csv = app
        .client
        .get(app.url(&format!("/dashboard/sites/{}/scores.csv", app.site.key())))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let anonymous = app
        .client
        .get(app.url(&format!("/dashboard/sites/{}", app.site.key())))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 303, "no session: back to sign-in");
    let tampered = format!("{}x", session);
    let tampered = app
        .client
        .get(app.url(&format!("/dashboard/sites/{}", app.site.key())))
        .header("cookie", tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(tampered.status(), 303);

    let out = app
        .client
        .post(app.url("/dashboard/sign-out"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    assert!(
        out.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
}

on_both_backends!(sessions_are_guarded);
