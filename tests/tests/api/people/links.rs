//! One-time links: an invitation works once and not after it expires or is withdrawn; a bad
//! password is refused with the rule it breaks and uses nothing; an address is one account
//! whatever its case or width; the first owner's link works only while no account exists; a
//! reset ends the account's sessions.

use koe_collector::audit::Actor;
use koe_collector::people::accounts::{self, AccountError, LinkForm};
use koe_collector::people::{Grant, SiteRole};
use koe_tests::{TestApp, TestBackend, on_both_backends};

use super::{page, post};

fn manager() -> Grant {
    Grant::new(SiteRole::Manager, None, &[]).unwrap()
}

async fn an_invitation_works_once_and_a_bad_password_uses_nothing<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let link = accounts::invite(
        &app.storage,
        &app.site.site,
        "Ayumi@Example.com",
        &manager(),
        &Actor::Cli,
    )
    .await
    .unwrap();
    let path = format!("/dashboard/welcome/{}", link.token);
    let (status, shown) = page(&app, "", &path).await;
    assert_eq!(status, 200);
    assert!(
        shown.contains("ayumi@example.com"),
        "the address, normalised: {shown}"
    );

    for (password, rule) in [
        ("short", "at least 12"),
        ("qwerty123456", "most common"),
        ("ayumi@example.com", "email address"),
    ] {
        let (status, body) = post(
            &app,
            "",
            &path,
            &[("name", "Ayumi"), ("password", password)],
        )
        .await;
        assert_eq!(status, 422, "{password}");
        assert!(body.contains(rule), "{password}: says why ({rule}): {body}");
    }
    assert_eq!(
        app.storage.count_users().await.unwrap(),
        0,
        "nothing was stored"
    );

    let (status, _) = post(
        &app,
        "",
        &path,
        &[("name", "Ayumi"), ("password", "a long enough phrase")],
    )
    .await;
    assert_eq!(status, 303, "accepted and signed in");
    let (status, body) = post(
        &app,
        "",
        &path,
        &[("name", "Mallory"), ("password", "another long phrase")],
    )
    .await;
    assert_eq!(status, 404, "a link works once: {body}");
    assert_eq!(
        page(&app, "", &path).await.0,
        404,
        "and then shows nothing of itself"
    );
    // The same person in another case or width is the same account.
    let again = accounts::invite(
        &app.storage,
        &app.site.site,
        "ＡＹＵＭＩ@example.com",
        &manager(),
        &Actor::Cli,
    )
    .await
    .unwrap();
    let reused = accounts::use_link(
        &app.storage,
        &again.token,
        LinkForm {
            name: "Imposter",
            password: "a different long phrase",
            ..Default::default()
        },
    )
    .await;
    assert!(
        matches!(reused, Err(AccountError::WrongPassword(_))),
        "an existing account accepts only with its own password: {reused:?}"
    );
    assert_eq!(
        app.storage.count_users().await.unwrap(),
        1,
        "one person, one account"
    );

    let audit = app.storage.audit_events(app.site.site.id).await.unwrap();
    let accepted = audit
        .iter()
        .find(|e| e.action == "invitation_accepted")
        .expect("the acceptance is audited");
    assert_eq!(accepted.actor, "user:ayumi@example.com");
}

async fn expired_and_withdrawn_invitations_do_nothing<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let withdrawn = accounts::invite(
        &app.storage,
        &app.site.site,
        "w@example.com",
        &manager(),
        &Actor::Cli,
    )
    .await
    .unwrap();
    let pending = koe_collector::people::members::pending(&app.storage, &app.site.site)
        .await
        .unwrap();
    assert_eq!(pending.len(), 1);
    assert!(
        koe_collector::people::members::withdraw_invitation(
            &app.storage,
            &app.site.site,
            pending[0].id,
            &Actor::Cli
        )
        .await
        .unwrap()
    );
    let path = format!("/dashboard/welcome/{}", withdrawn.token);
    let (status, _) = post(&app, "", &path, &[("password", "a long enough phrase")]).await;
    assert_eq!(status, 404, "a withdrawn invitation");

    let expired = accounts::invite(
        &app.storage,
        &app.site.site,
        "x@example.com",
        &manager(),
        &Actor::Cli,
    )
    .await
    .unwrap();
    app.expire_invitations().await;
    let path = format!("/dashboard/welcome/{}", expired.token);
    let (status, _) = post(&app, "", &path, &[("password", "a long enough phrase")]).await;
    assert_eq!(status, 404, "an expired invitation");
    assert_eq!(app.storage.count_users().await.unwrap(), 0);
}

async fn the_first_owner_link_works_while_no_account_exists<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let first = app
        .first_owner_link()
        .expect("an empty database prints a link");
    let path = &first[first.find("/dashboard/welcome/").unwrap()..];
    let (status, shown) = page(&app, "", path).await;
    assert_eq!(status, 200);
    assert!(
        shown.contains("id=\"email\""),
        "the first owner gives their address"
    );
    let (status, _) = post(
        &app,
        "",
        path,
        &[
            ("email", "owner@example.com"),
            ("name", "Owner"),
            ("password", "the owner's long phrase"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let owner = app
        .sign_in("owner@example.com", "the owner's long phrase")
        .await;
    for site in [app.site.key(), app.strict_site.key()] {
        let (status, _) = page(&app, &owner, &format!("/dashboard/sites/{site}/people")).await;
        assert_eq!(status, 200, "owner of every site there was");
    }
    assert!(
        accounts::first_owner_link(&app.storage)
            .await
            .unwrap()
            .is_none(),
        "no second first owner"
    );
}

async fn a_reset_sets_the_password_and_ends_every_session<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let (email, password) = app.person(&app.site, &manager()).await;
    let cookie = app.sign_in(&email, &password).await;
    let reset = accounts::reset_link(&app.storage, &email, &Actor::Cli)
        .await
        .unwrap();
    let path = format!("/dashboard/welcome/{}", reset.token);
    let (status, _) = post(&app, "", &path, &[("password", "my new long phrase")]).await;
    assert_eq!(status, 303);
    let site_page = format!("/dashboard/sites/{}", app.site.key());
    assert_eq!(
        page(&app, &cookie, &site_page).await.0,
        303,
        "the old session ended"
    );
    let refused = app
        .client
        .post(app.url("/dashboard/sign-in"))
        .form(&[("email", email.as_str()), ("password", password.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401, "the old password no longer works");
    app.sign_in(&email, "my new long phrase").await;
}

on_both_backends!(
    an_invitation_works_once_and_a_bad_password_uses_nothing,
    expired_and_withdrawn_invitations_do_nothing,
    the_first_owner_link_works_while_no_account_exists,
    a_reset_sets_the_password_and_ends_every_session,
);
