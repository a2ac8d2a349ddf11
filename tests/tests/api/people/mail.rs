//! Mail, against a real SMTP server on loopback (`aiosmtpd`): an invitation made on the People
//! page is mailed with its link, and the link works; "Forgot your password?" mails a reset link
//! to an account's address only, answers an unknown address the same, and mails no second link
//! within five minutes.

use koe_collector::people::SiteRole;
use koe_collector::settings::Secret;
use koe_tests::mail_catcher::MailCatcher;
use koe_tests::{TestApp, TestBackend, on_both_backends};

use super::{page, post, signed_in};

/// The one-time link a mail carries.
fn link_in(mail: &str) -> String {
    let start = mail.find("http://").expect("a link in the mail");
    mail[start..].split_whitespace().next().unwrap().to_owned()
}

/// A mail server on loopback and a collector that mails through it.
async fn mailing_app<S: TestBackend>() -> Option<(MailCatcher, TestApp<S>)> {
    let catcher = MailCatcher::start().await?;
    let url = catcher.url();
    let app = TestApp::<S>::spawn_with(move |s| s.smtp_url = Some(Secret::new(url))).await?;
    Some((catcher, app))
}

async fn an_invitation_is_mailed_and_its_link_works<S: TestBackend>() {
    let Some((catcher, app)) = mailing_app::<S>().await else {
        return;
    };
    let owner = signed_in(&app, &app.site, SiteRole::Owner).await;
    let (status, html) = post(
        &app,
        &owner,
        &format!("/dashboard/sites/{}/people/invite", app.site.key()),
        &[
            ("email", "Hana@Example.com"),
            ("role", "manager"),
            ("lang", "ja"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("hana@example.com"),
        "the page says where it was mailed: {html}"
    );
    let mails = catcher.wait_for(1).await;
    let mail = &mails[0];
    assert!(mail.contains("hana@example.com"), "{mail}");
    let link = link_in(mail);
    assert!(
        html.contains(&link),
        "the mail carries the link the page shows"
    );
    let path = &link[link.find("/dashboard/welcome/").unwrap()..];
    assert_eq!(page(&app, "", path).await.0, 200, "the mailed link opens");
}

async fn a_forgotten_password_is_reset_by_mail_to_the_account_only<S: TestBackend>() {
    let Some((catcher, app)) = mailing_app::<S>().await else {
        return;
    };
    let grant = koe_collector::people::Grant::new(SiteRole::Manager, None, &[]).unwrap();
    let (email, _) = app.person(&app.site, &grant).await;
    let (_, sign_in) = page(&app, "", "/dashboard?lang=en").await;
    assert!(
        sign_in.contains("/dashboard/forgot"),
        "offered when Koe can mail"
    );

    let (status, unknown) = post(
        &app,
        "",
        "/dashboard/forgot",
        &[("email", "nobody@example.com")],
    )
    .await;
    assert_eq!(status, 200);
    let (status, known) = post(&app, "", "/dashboard/forgot", &[("email", &email)]).await;
    assert_eq!(status, 200);
    assert_eq!(
        unknown, known,
        "the same answer whether an account has the address or not"
    );
    let mails = catcher.wait_for(1).await;
    assert!(mails[0].contains(&email), "{}", mails[0]);
    let link = link_in(&mails[0]);
    let path = &link[link.find("/dashboard/welcome/").unwrap()..];
    let (status, _) = post(&app, "", path, &[("password", "my brand new phrase")]).await;
    assert_eq!(status, 303, "the mailed reset link sets a new password");
    app.sign_in(&email, "my brand new phrase").await;

    // Asked again at once: the same page, no second mail.
    let (_, again) = post(&app, "", "/dashboard/forgot", &[("email", &email)]).await;
    assert_eq!(again, known);
    assert_eq!(
        catcher.messages().len(),
        1,
        "no mail for the unknown address, none twice"
    );
}

async fn without_smtp_no_reset_is_offered<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let (_, sign_in) = page(&app, "", "/dashboard?lang=en").await;
    assert!(!sign_in.contains("/dashboard/forgot"));
    assert_eq!(page(&app, "", "/dashboard/forgot").await.0, 404);
}

on_both_backends!(
    an_invitation_is_mailed_and_its_link_works,
    a_forgotten_password_is_reset_by_mail_to_the_account_only,
    without_smtp_no_reset_is_offered,
);
