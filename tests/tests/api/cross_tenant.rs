//! Site A's read key, admin key and an owner's dashboard session against every management route of
//! site B: each answers exactly what it answers for a site that does not exist (404, same body),
//! so a tenant learns nothing about another — not even that it exists.

use koe_collector::audit::Actor;
use koe_collector::people::SiteRole;
use koe_collector::sites::registration::create_api_key;
use koe_collector::storage::Role;
use koe_tests::{TestApp, TestBackend, on_both_backends};

/// (method, path under the site, JSON body) of every route that takes a site in its path.
fn api_routes() -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        ("GET", "/scores", ""),
        ("GET", "/scores?group_by=agent&format=csv", ""),
        ("GET", "/responses", ""),
        ("GET", "/responses?format=csv", ""),
        ("POST", "/keys", r#"{"role":"read"}"#),
        (
            "POST",
            "/links",
            r#"{"interaction":"x-1","channel":"email"}"#,
        ),
    ]
}

const DASHBOARD_ROUTES: [&str; 7] = [
    "",
    "/scores.csv",
    "/responses.csv",
    "/people",
    "/audit",
    "/integrations",
    "/agents",
];

async fn one_site_cannot_see_another<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let (a, b) = (&app.site, &app.strict_site);
    let missing = "site_doesnotexist0000";
    let read = create_api_key(&app.storage, &a.site, Role::Read, Actor::Cli)
        .await
        .unwrap()
        .1;
    let admin = create_api_key(&app.storage, &a.site, Role::Admin, Actor::Cli)
        .await
        .unwrap()
        .1;
    // An owner of site A, signed in before the snapshot (a sign-in is audited on A).
    let session = app.dashboard_session(SiteRole::Owner).await;
    let before = app.snapshot().await;

    let call = async |key: &str, site: &str, (method, path, body): (&str, &str, &str)| {
        let url = app.url(&format!("/api/v1/sites/{site}{path}"));
        let request = match method {
            "GET" => app.client.get(url),
            _ => app
                .client
                .post(url)
                .header("content-type", "application/json")
                .body(body.to_owned()),
        };
        let response = request.bearer_auth(key).send().await.expect("answers");
        (response.status().as_u16(), response.text().await.unwrap())
    };
    for route in api_routes()
        .into_iter()
        .filter(|(method, ..)| *method == "GET")
    {
        let own = call(&read, a.key(), route).await;
        assert_eq!(own.0, 200, "{route:?} on the key's own site: {}", own.1);
    }
    for key in [&read, &admin] {
        for route in api_routes() {
            let other = call(key, b.key(), route).await;
            let nobody = call(key, missing, route).await;
            assert_eq!(other.0, 404, "{route:?} on another site: {}", other.1);
            assert_eq!(
                other.1.replace(b.key(), "SITE"),
                nobody.1.replace(missing, "SITE"),
                "{route:?}: another site's answer differs from a missing site's"
            );
        }
    }

    for path in DASHBOARD_ROUTES {
        let page = async |site: &str| {
            let response = app
                .client
                .get(app.url(&format!("/dashboard/sites/{site}{path}")))
                .header("cookie", &session)
                .send()
                .await
                .unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        };
        let (other, nobody) = (page(b.key()).await, page(missing).await);
        assert_eq!(other.0, 404, "dashboard {path} of another site");
        assert_eq!(
            other.1.replace(b.key(), "SITE"),
            nobody.1.replace(missing, "SITE"),
            "dashboard {path}: another site's page differs from a missing site's"
        );
        assert!(
            !other.1.contains(&b.site.name),
            "dashboard {path} names the other site"
        );
    }
    assert_eq!(
        app.snapshot().await,
        before,
        "nothing was created for the other site"
    );
}

on_both_backends!(one_site_cannot_see_another);
