//! Each role against every dashboard page: what it reaches answers 200, what a wider role
//! reaches answers 403 — checked on the server, whatever links the page draws. A team lead's
//! reports are of their teams, an agent's of their own answers; no filter widens them.

use koe_collector::people::{Need, SiteRole};
use koe_tests::{TestApp, TestBackend, on_both_backends};
use serde_json::json;

use super::{page, post, signed_in};

/// Every signed-in page of a site, with what it needs.
const PAGES: [(&str, Need); 13] = [
    ("", Need::Reports),
    ("/agents", Need::Reports),
    ("/agents/a-1", Need::Reports),
    ("/channels", Need::Reports),
    ("/comments", Need::Reports),
    ("/service", Need::Reports),
    ("/scores.csv", Need::Export),
    ("/responses.csv", Need::Export),
    ("/integrations", Need::Administer),
    ("/audit", Need::Audit),
    ("/people", Need::People),
    ("/me", Need::OwnPage),
    ("/people/invitations/1/withdraw", Need::People),
];

async fn each_role_reaches_its_pages_and_no_wider_ones<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let site = app.site.key().to_owned();
    for role in SiteRole::ALL {
        let cookie = signed_in(&app, &app.site, role).await;
        for (path, need) in PAGES {
            let url = format!("/dashboard/sites/{site}{path}");
            let (status, body) = if path.ends_with("/withdraw") {
                post(&app, &cookie, &url, &[]).await
            } else {
                page(&app, &cookie, &url).await
            };
            match role.may(need) {
                // A withdrawal of an invitation that does not exist: past the role check.
                true if path.ends_with("/withdraw") => assert_eq!(status, 404, "{role} {path}"),
                true => assert_eq!(status, 200, "{role} reaches {path}: {body}"),
                false => assert_eq!(status, 403, "{role} is refused {path}: {body}"),
            }
        }
        // A person's session opens no API route: machines use keys.
        let api = app
            .client
            .get(app.url(&format!("/api/v1/sites/{site}/scores")))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(api.status(), 401, "{role}: the API takes keys only");
    }
    // Nobody may invite through a wider role: a manager's post is refused and stores nothing.
    let manager = signed_in(&app, &app.site, SiteRole::Manager).await;
    let (status, _) = post(
        &app,
        &manager,
        &format!("/dashboard/sites/{site}/people/invite"),
        &[("email", "eve@example.com"), ("role", "owner")],
    )
    .await;
    assert_eq!(status, 403);
    let owner = signed_in(&app, &app.site, SiteRole::Owner).await;
    let (_, people) = page(&app, &owner, &format!("/dashboard/sites/{site}/people")).await;
    assert!(
        !people.contains("eve@example.com"),
        "no invitation was made"
    );
}

async fn a_team_lead_sees_their_teams_and_an_agent_only_themselves<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let site = app.site.key().to_owned();
    for (i, (agent, team, comment)) in [
        ("a-1", "support", "kind-words-for-a-1"),
        ("zed-support", "support", "words-for-zed"),
        ("sam-sales", "sales", "words-for-sam"),
    ]
    .into_iter()
    .enumerate()
    {
        let answer = json!({
            "site": site, "interaction": format!("chat-{i}"), "agent": agent, "team": team,
            "channel": "chat", "csat": 2, "comment": comment,
        });
        assert_eq!(app.submit(&answer).await.status(), 201);
    }

    let lead = signed_in(&app, &app.site, SiteRole::TeamLead).await;
    let base = format!("/dashboard/sites/{site}");
    // Other teams count in the whole site's total only, which names no one.
    let (status, overview) = page(&app, &lead, &format!("{base}?lang=en")).await;
    assert_eq!(status, 200);
    assert!(
        overview.contains("every team together") && overview.contains(", n 3)"),
        "the whole site's total, all three answers: {overview}"
    );
    assert!(!overview.contains("sam-sales"), "{overview}");
    let manager = signed_in(&app, &app.site, SiteRole::Manager).await;
    let (_, whole) = page(&app, &manager, &format!("{base}?lang=en")).await;
    assert!(
        !whole.contains("every team together"),
        "a manager's Overview is the whole site already"
    );
    let (status, agents) = page(&app, &lead, &format!("{base}/agents")).await;
    assert_eq!(status, 200);
    assert!(
        agents.contains("zed-support"),
        "their team's agents: {agents}"
    );
    assert!(
        !agents.contains("sam-sales"),
        "no other team's agent: {agents}"
    );
    let (_, comments) = page(&app, &lead, &format!("{base}/comments")).await;
    assert!(comments.contains("words-for-zed") && !comments.contains("words-for-sam"));
    for widened in [
        "?team=sales",
        "/agents/sam-sales?team=sales",
        "/comments?team=sales",
    ] {
        let (status, _) = page(&app, &lead, &format!("{base}{widened}")).await;
        assert_eq!(status, 403, "a team lead asking for {widened}");
    }

    let agent = signed_in(&app, &app.site, SiteRole::Agent).await;
    let (status, own) = page(&app, &agent, &format!("{base}/me")).await;
    assert_eq!(status, 200, "{own}");
    assert!(
        own.contains("kind-words-for-a-1"),
        "their own comment: {own}"
    );
    for other in ["zed-support", "sam-sales", "words-for-zed", "words-for-sam"] {
        assert!(!own.contains(other), "an agent's page never shows {other}");
    }
    let (status, _) = page(&app, &agent, &format!("{base}/me?agent=zed-support")).await;
    assert_eq!(status, 403, "an agent asking for another agent's answers");
}

async fn a_person_switches_sites_and_sees_none_they_hold_no_role_on<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let grant = koe_collector::people::Grant::new(SiteRole::Manager, None, &[]).unwrap();
    let (email, password) = app.person(&app.site, &grant).await;
    // The same person is invited to the second site: one account, two sites.
    let link = koe_collector::people::accounts::invite(
        &app.storage,
        &app.strict_site.site,
        &email,
        &grant,
        &koe_collector::audit::Actor::Cli,
    )
    .await
    .unwrap();
    let accepted = koe_collector::people::accounts::use_link(
        &app.storage,
        &link.token,
        koe_collector::people::accounts::LinkForm {
            password: &password,
            ..Default::default()
        },
    )
    .await;
    assert!(
        accepted.is_ok(),
        "an existing account accepts with its password"
    );
    let cookie = app.sign_in(&email, &password).await;
    for site in [app.site.key(), app.strict_site.key()] {
        let (status, _) = page(&app, &cookie, &format!("/dashboard/sites/{site}")).await;
        assert_eq!(status, 200, "both sites, one sign-in");
    }
    let (_, index) = page(&app, &cookie, "/dashboard").await;
    assert!(index.contains(&app.site.site.name) && index.contains(&app.strict_site.site.name));
    // Taken off the second site, the person's next page of it is not found.
    koe_collector::people::members::remove(
        &app.storage,
        &app.strict_site.site,
        &email,
        &koe_collector::audit::Actor::Cli,
    )
    .await
    .unwrap();
    let (status, _) = page(
        &app,
        &cookie,
        &format!("/dashboard/sites/{}", app.strict_site.key()),
    )
    .await;
    assert_eq!(status, 404);
}

async fn a_percent_encoded_path_reaches_no_wider_page<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let site = app.site.key().to_owned();
    let grant =
        koe_collector::people::Grant::new(SiteRole::TeamLead, None, &["support".to_owned()])
            .unwrap();
    let (email, password) = app.person(&app.site, &grant).await;
    let lead = app.sign_in(&email, &password).await;
    // The router decodes `%70` to `p` before it matches: the role check must see the page it
    // matched, not the raw path.
    for (path, form) in [
        ("/%70eople", None),
        ("/%61udit", None),
        ("/%69ntegrations", None),
        ("/scores%2Ecsv", None),
        (
            "/%70eople/invite",
            Some([("email", "mallory@example.com"), ("role", "owner")]),
        ),
    ] {
        let url = format!("/dashboard/sites/{site}{path}");
        let (status, body) = match form {
            Some(form) => post(&app, &lead, &url, &form).await,
            None => page(&app, &lead, &url).await,
        };
        assert_eq!(status, 403, "a team lead at {path}: {body}");
    }
    let people = app.storage.members_of(app.site.site.id).await.unwrap();
    let lead_row = people.iter().find(|m| m.email == email).unwrap();
    assert_eq!(lead_row.role, "team_lead", "no one became owner");
    assert!(
        koe_collector::people::members::pending(&app.storage, &app.site.site)
            .await
            .unwrap()
            .is_empty(),
        "no invitation was made"
    );
}

async fn an_owner_changes_and_removes_people_but_never_the_last_owner<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let base = format!("/dashboard/sites/{}/people", app.site.key());
    let grant = koe_collector::people::Grant::new(SiteRole::Owner, None, &[]).unwrap();
    let (owner_email, owner_password) = app.person(&app.site, &grant).await;
    let owner = app.sign_in(&owner_email, &owner_password).await;
    let manager = koe_collector::people::Grant::new(SiteRole::Manager, None, &[]).unwrap();
    let (email, _) = app.person(&app.site, &manager).await;
    let id_of = |address: String| {
        let app = &app;
        async move {
            let people = app.storage.members_of(app.site.site.id).await.unwrap();
            people
                .iter()
                .find(|m| m.email == address)
                .unwrap()
                .user_id
                .get()
        }
    };
    let (member, me) = (id_of(email.clone()).await, id_of(owner_email.clone()).await);

    let (status, _) = post(
        &app,
        &owner,
        &format!("{base}/{member}/role"),
        &[("role", "team_lead"), ("teams", "support")],
    )
    .await;
    assert_eq!(status, 303, "a role changed");
    let (_, listed) = page(&app, &owner, &base).await;
    assert!(listed.contains("value=\"support\""), "{listed}");
    let (status, body) = post(
        &app,
        &owner,
        &format!("{base}/{me}/role"),
        &[("role", "manager")],
    )
    .await;
    assert_eq!(status, 409, "the only owner cannot step down: {body}");
    assert!(
        body.contains("only one owner") || body.contains("at least one owner"),
        "{body}"
    );
    let (status, _) = post(&app, &owner, &format!("{base}/{me}/remove"), &[]).await;
    assert_eq!(status, 409, "nor be removed");
    let (status, _) = post(&app, &owner, &format!("{base}/{member}/remove"), &[]).await;
    assert_eq!(status, 303);
    let people = app.storage.members_of(app.site.site.id).await.unwrap();
    assert_eq!(people.len(), 1, "the owner alone is left");
    assert_eq!(people[0].role, "owner");
    let (status, _) = post(&app, &owner, &format!("{base}/{member}/remove"), &[]).await;
    assert_eq!(status, 404, "a person of no role here");
}

on_both_backends!(
    an_owner_changes_and_removes_people_but_never_the_last_owner,
    each_role_reaches_its_pages_and_no_wider_ones,
    a_team_lead_sees_their_teams_and_an_agent_only_themselves,
    a_person_switches_sites_and_sees_none_they_hold_no_role_on,
    a_percent_encoded_path_reaches_no_wider_page,
);
