//! People instead of keys: each role reaches exactly its pages (`roles.rs`), one-time links
//! and passwords (`links.rs`), sessions and the slowing of failed sign-ins (`sessions.rs`).

mod links;
mod mail;
mod roles;
mod sessions;

use koe_collector::people::{Grant, SiteRole};
use koe_tests::{TestApp, TestBackend, TestSite};

/// GETs a dashboard page with `cookie`; its status and body.
async fn page<S: TestBackend>(app: &TestApp<S>, cookie: &str, path: &str) -> (u16, String) {
    let response = app
        .client
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .expect("the collector answers");
    (response.status().as_u16(), response.text().await.unwrap())
}

/// POSTs a dashboard form from the dashboard's own origin with `cookie`; its status and body.
async fn post<S: TestBackend>(
    app: &TestApp<S>,
    cookie: &str,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String) {
    let response = app
        .client
        .post(app.url(path))
        .header("cookie", cookie)
        .header("origin", &app.address)
        .form(form)
        .send()
        .await
        .expect("the collector answers");
    (response.status().as_u16(), response.text().await.unwrap())
}

/// A person with `role` on `site` (team lead of `support`, agent `a-1`), signed in.
async fn signed_in<S: TestBackend>(app: &TestApp<S>, site: &TestSite, role: SiteRole) -> String {
    let grant = Grant::new(role, Some("a-1"), &["support".to_owned()]).unwrap();
    let (email, password) = app.person(site, &grant).await;
    app.sign_in(&email, &password).await
}
