//! Sessions: listed per person, one ended on its own or all at once ("sign out everywhere"),
//! each sign-in audited by the person's address; an account's failed sign-ins slow its next
//! attempts (even with the right password), and an unknown address is refused like a wrong
//! password.

use koe_collector::people::{Grant, SiteRole};
use koe_tests::{TestApp, TestBackend, on_both_backends};

use super::{page, post};

async fn sign_out_everywhere_ends_every_session_of_the_person<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let grant = Grant::new(SiteRole::Manager, None, &[]).unwrap();
    let (email, password) = app.person(&app.site, &grant).await;
    let (phone, laptop) = (
        app.sign_in(&email, &password).await,
        app.sign_in(&email, &password).await,
    );
    let other = app.dashboard_session(SiteRole::Manager).await;
    let site_page = format!("/dashboard/sites/{}", app.site.key());
    let (status, account) = page(&app, &laptop, "/dashboard/account").await;
    assert_eq!(status, 200);
    assert_eq!(
        account.matches("/end\"").count(),
        2,
        "both sessions listed: {account}"
    );
    let (status, _) = post(&app, &laptop, "/dashboard/account/sign-out-everywhere", &[]).await;
    assert_eq!(status, 303);
    for cookie in [&phone, &laptop] {
        assert_eq!(page(&app, cookie, &site_page).await.0, 303, "signed out");
    }
    assert_eq!(
        page(&app, &other, &site_page).await.0,
        200,
        "another person stays"
    );
    let audit = app.storage.audit_events(app.site.site.id).await.unwrap();
    let by_person = format!("user:{email}");
    assert!(
        audit
            .iter()
            .any(|e| e.action == "signed_in" && e.actor == by_person)
    );
    assert!(
        audit
            .iter()
            .any(|e| e.action == "sessions_ended" && e.actor == by_person)
    );
}

async fn failed_sign_ins_slow_the_account<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let grant = Grant::new(SiteRole::Manager, None, &[]).unwrap();
    let (email, password) = app.person(&app.site, &grant).await;
    let attempt = |password: String| {
        let email = email.clone();
        let app = &app;
        async move {
            app.client
                .post(app.url("/dashboard/sign-in"))
                .form(&[("email", email.as_str()), ("password", password.as_str())])
                .send()
                .await
                .unwrap()
        }
    };
    for _ in 0..koe_collector::people::throttle::FREE_FAILURES {
        assert_eq!(attempt("a wrong guess!".into()).await.status(), 401);
    }
    let slowed = attempt(password.clone()).await;
    assert_eq!(
        slowed.status(),
        429,
        "even the right password waits after five failures"
    );
    assert!(slowed.headers().contains_key("retry-after"));
    let unknown = app
        .client
        .post(app.url("/dashboard/sign-in"))
        .form(&[
            ("email", "nobody@example.com"),
            ("password", "a wrong guess!"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 401, "an unknown address: the same answer");
    let user = app.storage.user_by_email(&email).await.unwrap().unwrap();
    assert_eq!(
        user.failed_sign_ins, 5,
        "the slowed attempt was not even checked"
    );
}

on_both_backends!(
    sign_out_everywhere_ends_every_session_of_the_person,
    failed_sign_ins_slow_the_account,
);
