//! The Follow-ups pages: a team lead owns their team's new follow-ups and sees only their
//! teams'; a manager works one by form (note, assign, close with a cause, the re-ask link shown
//! once); the Overview has the follow-up card; an agent does not reach the page.

use koe_collector::people::{Grant, SiteRole};
use koe_tests::{TestApp, TestBackend, on_both_backends};
use serde_json::json;

use super::answer;

async fn get<S: TestBackend>(app: &TestApp<S>, cookie: &str, path: &str) -> (u16, String) {
    let response = app
        .client
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

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
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn the_follow_ups_pages_work_one_by_form_and_keep_a_team_lead_to_their_teams<
    S: TestBackend,
>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let lead_grant = Grant::new(SiteRole::TeamLead, None, &["support".to_owned()]).unwrap();
    let (lead_email, lead_password) = app.person(&app.site, &lead_grant).await;
    let lead = app.sign_in(&lead_email, &lead_password).await;
    let manager = app.dashboard_session(SiteRole::Manager).await;
    let agent = app.dashboard_session(SiteRole::Agent).await;
    let support =
        json!({ "csat": 1, "team": "support", "agent": "aiko", "comment": "support was slow" });
    let sales =
        json!({ "csat": 2, "team": "sales", "agent": "ken", "comment": "sales never called" });
    assert_eq!(answer(&app, "chat-support", support).await, 201);
    assert_eq!(answer(&app, "chat-sales", sales).await, 201);
    let site = app.site.key();
    let all = koe_collector::storage::FollowupFilter {
        limit: 10,
        ..Default::default()
    };
    let rows = app.storage.followups(app.site.site.id, &all).await.unwrap();
    let id_of = |interaction: &str| {
        rows.iter()
            .find(|r| r.interaction == interaction)
            .map(|r| r.id)
            .unwrap()
    };
    let (support_id, sales_id) = (id_of("chat-support"), id_of("chat-sales"));
    let support_row = rows.iter().find(|r| r.id == support_id).unwrap();
    assert_eq!(
        support_row.owner_email.as_deref(),
        Some(lead_email.as_str()),
        "the lead of the answer's team owns it"
    );

    // The team lead's queue: theirs by default, their teams' only.
    let (status, page) = get(&app, &lead, &format!("/dashboard/sites/{site}/followups")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("support was slow") && !page.contains("sales never called"),
        "{page}"
    );
    let sales_page = format!("/dashboard/sites/{site}/followups/{sales_id}");
    assert_eq!(get(&app, &lead, &sales_page).await.0, 404);
    let note = [("body", "not mine")];
    assert_eq!(
        post(&app, &lead, &format!("{sales_page}/note"), &note)
            .await
            .0,
        404
    );
    // An agent does not reach it.
    assert_eq!(
        get(&app, &agent, &format!("/dashboard/sites/{site}/followups"))
            .await
            .0,
        403
    );

    // The manager sees both and works one by form.
    let (status, page) = get(
        &app,
        &manager,
        &format!("/dashboard/sites/{site}/followups?whose=all"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("support was slow") && page.contains("sales never called"));
    let detail = format!("/dashboard/sites/{site}/followups/{sales_id}");
    let (status, _) = post(
        &app,
        &manager,
        &format!("{detail}/note"),
        &[("body", "called <b>twice</b>")],
    )
    .await;
    assert_eq!(status, 303);
    let (status, _) = post(
        &app,
        &manager,
        &format!("{detail}/assign"),
        &[("owner", &lead_email)],
    )
    .await;
    assert_eq!(status, 303);
    let (status, page) = post(
        &app,
        &manager,
        &format!("{detail}/close"),
        &[("status", "resolved"), ("cause", "nonsense")],
    )
    .await;
    assert_eq!(
        status, 422,
        "a cause outside the list is refused on the page"
    );
    assert!(page.contains("role=\"alert\""));
    let (status, page) = post(
        &app,
        &manager,
        &format!("{detail}/close"),
        &[("status", "resolved"), ("cause", "product")],
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("id=\"reask-link\"") && page.contains("/recover/koe_rec_"),
        "{page}"
    );
    let (_, page) = get(&app, &manager, &detail).await;
    assert!(
        page.contains("called &#60;b&#62;twice&#60;/b&#62;"),
        "a note is escaped: {page}"
    );
    assert!(
        !page.contains("/recover/koe_rec_"),
        "the link is shown once"
    );
    assert!(page.contains(&lead_email));
    // A POST from another origin is refused.
    let forged = app
        .client
        .post(app.url(&format!("{detail}/contacted")))
        .header("cookie", &manager)
        .header("origin", "https://evil.example")
        .form(&[("lang", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let audit = app.storage.audit_events(app.site.site.id).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "followup_closed" && e.actor.starts_with("user:"))
    );
    // The Overview's card, and the page in Japanese.
    let (_, overview) = get(&app, &manager, &format!("/dashboard/sites/{site}")).await;
    assert!(overview.contains("id=\"h-followups\""));
    let (status, ja) = get(
        &app,
        &manager,
        &format!("/dashboard/sites/{site}/followups?lang=ja&status=all&whose=all"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(ja.contains("フォローアップ") && ja.contains("解決"));
    let _ = support_id;
}

on_both_backends!(the_follow_ups_pages_work_one_by_form_and_keep_a_team_lead_to_their_teams);
