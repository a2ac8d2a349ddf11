//! The dashboard's Service page (`/dashboard/sites/{site}/service`): read and admin keys open
//! it in English and Japanese, its cards show what the service API computes, the drivers call
//! out a band that goes with unhappy customers; a bad filter — the page's own topic too — is
//! said inside the signed-in frame with 400; markup in a topic comes back as text. (The
//! real-browser walk is `browser/service_page.rs`.)

use koe_collector::audit::Actor;
use koe_collector::people::SiteRole;
use koe_collector::sites::registration::create_api_key;
use koe_collector::storage::Role;
use koe_tests::{TestApp, TestBackend, on_both_backends};
use serde_json::{Value, json};

/// A topic with markup in it, as a helpdesk might name a category.
const MARKUP_TOPIC: &str = "<b>配送</b> & \"co\"";

async fn key<S: TestBackend>(app: &TestApp<S>, role: Role) -> String {
    create_api_key(&app.storage, &app.site.site, role, Actor::Cli)
        .await
        .expect("a key")
        .1
}

async fn put<S: TestBackend>(app: &TestApp<S>, key: &str, path: &str, body: &Value) -> u16 {
    app.client
        .put(app.url(&format!("/api/v1/sites/{}{path}", app.site.key())))
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .expect("the collector answers")
        .status()
        .as_u16()
}

/// The story: 40 chats of aiko's opened two to four days ago. Half were answered within
/// 10 minutes in one contact (topic "billing", CSAT 5); half waited 30 hours and took three
/// contacts (the markup topic, a bot then a person, CSAT 1). Active users every day of the
/// default range; three help-article answers, two of them "resolved".
async fn seed_story<S: TestBackend>(app: &TestApp<S>) {
    let write = key(app, Role::Write).await;
    let now = koe_collector::clock::now_ms() / 1000;
    let at = |secs: i64| jiff::Timestamp::from_second(secs).unwrap().to_string();
    for i in 0..40_i64 {
        let slow = i % 2 == 1;
        let opened = now - 2 * 86_400 - i * 3600;
        let interaction = format!("svc-{i}");
        let facts = json!({
            "channel": "chat",
            "topic": if slow { MARKUP_TOPIC } else { "billing" },
            "opened_at": at(opened),
            "first_response_at": at(opened + if slow { 30 * 3600 } else { 600 }),
            "resolved_at": at(opened + 31 * 3600),
            "contacts": if slow { 3 } else { 1 },
            "handled_by": if slow { "bot_then_human" } else { "human" },
            "agents": [{"agent": "aiko"}],
        });
        let status = put(app, &write, &format!("/interactions/{interaction}"), &facts).await;
        assert_eq!(status, 201, "the facts of {interaction} are stored");
        let sent = app
            .submit(&json!({
                "site": app.site.key(),
                "interaction": interaction,
                "agent": "aiko",
                "channel": "chat",
                "csat": if slow { 1 } else { 5 },
                "nps": if slow { 2 } else { 9 },
            }))
            .await;
        assert_eq!(sent.status(), 201, "the answer about {interaction}");
    }
    let today = app.site.site.today();
    for back in 0..30 {
        let day = today.checked_sub(jiff::Span::new().days(back)).unwrap();
        let status = put(
            app,
            &write,
            &format!("/volumes/{day}"),
            &json!({"active_users": 100}),
        )
        .await;
        assert_eq!(status, 200, "active users of {day}");
    }
    for (i, resolved) in [true, true, false].into_iter().enumerate() {
        let sent = app
            .submit(&json!({
                "site": app.site.key(),
                "interaction": format!("article-{i}"),
                "channel": "help_center",
                "resolved": resolved,
            }))
            .await;
        assert_eq!(sent.status(), 201, "a help-article answer");
    }
}

/// The Service page with `query` as `cookie` sees it: status and body.
async fn service_page<S: TestBackend>(
    app: &TestApp<S>,
    cookie: &str,
    query: &[(&str, &str)],
) -> (u16, String) {
    let answer = app
        .client
        .get(app.url(&format!("/dashboard/sites/{}/service", app.site.key())))
        .query(query)
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (answer.status().as_u16(), answer.text().await.unwrap())
}

/// The card `kpi-{id}` of a page, from its opening tag to its end.
fn card<'h>(html: &'h str, id: &str) -> &'h str {
    let start = html
        .find(&format!("id=\"kpi-{id}\""))
        .unwrap_or_else(|| panic!("no card {id}: {html}"));
    let rest = &html[start..];
    &rest[..rest.find("</li>").unwrap_or(rest.len())]
}

async fn read_and_admin_keys_see_the_service_in_both_languages<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    seed_story(&app).await;
    let read = key(&app, Role::Read).await;
    let service = app
        .get_json(
            &format!("/api/v1/sites/{}/service?bucket=all", app.site.key()),
            &read,
        )
        .await;
    let row = &service["rows"][0];

    for role in [SiteRole::Manager, SiteRole::Admin] {
        let cookie = app.dashboard_session(role).await;
        let (status, html) = service_page(&app, &cookie, &[("lang", "en")]).await;
        assert_eq!(status, 200, "{role:?}: {html}");
        assert!(
            html.contains("aria-current=\"page\">Service<"),
            "{role:?}: the Service tab is current"
        );
        assert_eq!(
            html.matches("<li class=\"card kpi").count(),
            7,
            "seven cards: {html}"
        );
        let fcr = card(&html, "fcr");
        assert!(
            fcr.contains(&format!(
                "<p class=\"value\">{:.1}</p>",
                row["fcr"]["value"].as_f64().unwrap()
            )) && fcr.contains(&format!("n = {}", row["fcr"]["n"])),
            "the facts' FCR as the API computes it: {fcr} against {row}"
        );
        assert!(
            fcr.contains("<p class=\"value\">50.0</p>"),
            "one contact in half the chats: {fcr}"
        );
        assert!(
            fcr.contains("Customers say resolved: –"),
            "the survey's own FCR beside it (no one was asked here): {fcr}"
        );
        let contact_rate = card(&html, "contact-rate");
        assert!(
            contact_rate.contains(&format!(
                "<p class=\"value\">{:.2}</p>",
                row["contact_rate"]["value"].as_f64().unwrap()
            )),
            "{contact_rate} against {row}"
        );
        assert!(
            card(&html, "self-resolution").contains("<p class=\"value\">66.7</p>"),
            "two of three help-article answers"
        );
        assert!(
            card(&html, "csat").contains("<p class=\"value\">50.0</p>"),
            "the survey's CSAT"
        );
        assert!(
            card(&html, "frt").contains("Within target (1 h): 50.0"),
            "{}",
            card(&html, "frt")
        );
        let slow_band = "<tr class=\"called-out low-n\"><td>First response time</td>\
                         <th scope=\"row\">≥ 1 d</th>";
        assert!(
            html.contains(slow_band) && html.contains("Clearly lower"),
            "the slow band is called out, and marked as resting on few answers: {html}"
        );
        assert!(
            html.contains("id=\"bands-frt\"") && html.contains("<caption>Contacts</caption>"),
            "a table of bands per cut"
        );
        assert!(
            html.contains("<input type=\"hidden\" name=\"compare\" value=\"previous\">")
                && !html.contains("<select name=\"compare\""),
            "the page does not compare periods, and keeps the choice for the other tabs"
        );
    }

    let cookie = app.dashboard_session(SiteRole::Manager).await;
    let (status, html) = service_page(&app, &cookie, &[("lang", "ja")]).await;
    assert_eq!(status, 200);
    assert!(html.contains("<html lang=\"ja\">"));
    for words in [
        "aria-current=\"page\">サービス<",
        "不満のお客様に共通すること",
        "明らかに低い",
        "初回応答時間（中央値）",
        "区分別のCSATとNPS",
    ] {
        assert!(html.contains(words), "the Japanese page says {words}");
    }

    // Without active users for every day, the contact rate says why instead of a number.
    let from = app
        .site
        .site
        .today()
        .checked_sub(jiff::Span::new().days(40))
        .unwrap()
        .to_string();
    let (status, html) =
        service_page(&app, &cookie, &[("lang", "en"), ("from", from.as_str())]).await;
    assert_eq!(status, 200);
    let contact_rate = card(&html, "contact-rate");
    assert!(
        contact_rate.contains("<p class=\"value\">–</p>")
            && contact_rate.contains("Cannot be computed: <span lang=\"en\">")
            && contact_rate.contains("active users were not sent for 11 of the 41 days"),
        "{contact_rate}"
    );
    let (_, by_agent) = service_page(&app, &cookie, &[("lang", "en"), ("agent", "aiko")]).await;
    assert!(
        card(&by_agent, "contact-rate").contains("Cannot be computed: <span lang=\"en\">"),
        "narrowed to an agent, the contact rate says why it is missing: {}",
        card(&by_agent, "contact-rate")
    );
    assert!(
        card(&by_agent, "self-resolution")
            .contains("clear the agent, topic and channel filters to see self-resolution"),
        "help articles have no agent: the card says how to see them: {}",
        card(&by_agent, "self-resolution")
    );
}

async fn a_bad_filter_is_said_inside_the_service_pages_frame<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let cookie = app.dashboard_session(SiteRole::Manager).await;
    let too_long = "t".repeat(65);
    for (query, field, message) in [
        (
            vec![("lang", "en"), ("channel", "fax")],
            "name=\"channel\" aria-invalid=\"true\"",
            "channel must be one of",
        ),
        (
            vec![("lang", "en"), ("topic", "\u{7}")],
            "name=\"topic\" value=\"\u{7}\" size=\"6\" aria-invalid=\"true\"",
            "topic must not contain control characters",
        ),
        (
            vec![("lang", "en"), ("topic", too_long.as_str())],
            "name=\"topic\"",
            "topic must be at most 64 characters",
        ),
        (
            vec![("lang", "en"), ("compare", "tomorrow")],
            "name=\"compare\" aria-invalid=\"true\"",
            "compare takes",
        ),
        (
            vec![("lang", "en"), ("from", "2026-02-30")],
            "name=\"from\" value=\"2026-02-30\" aria-invalid=\"true\"",
            "from must be a date",
        ),
    ] {
        let (status, html) = service_page(&app, &cookie, &query).await;
        assert_eq!(status, 400, "{query:?}: {html}");
        assert!(
            html.contains("<nav class=\"tabs\"")
                && html.contains("aria-current=\"page\">Service<")
                && html.contains("Sign out"),
            "{query:?}: the page keeps its signed-in frame: {html}"
        );
        assert!(html.contains(field), "{query:?}: {field}: {html}");
        assert!(html.contains(message), "{query:?}: {message}: {html}");
        assert!(
            html.contains(&format!(
                "<a class=\"way-back\" href=\"/dashboard/sites/{}/service?lang=en\">",
                app.site.key()
            )),
            "{query:?}: a way back to the page's default filters"
        );
    }
}

async fn markup_in_a_topic_comes_back_as_text<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    seed_story(&app).await;
    let cookie = app.dashboard_session(SiteRole::Manager).await;
    let (status, html) = service_page(&app, &cookie, &[("lang", "en")]).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("&#60;b&#62;配送&#60;/b&#62;") && !html.contains("<b>"),
        "the topic's markup is text in the drivers' tables: {html}"
    );

    // Filtered by it: the form shows it as a value, the facts' cards narrow to it, the
    // survey's say they are not narrowed by a topic.
    let (status, html) =
        service_page(&app, &cookie, &[("lang", "en"), ("topic", MARKUP_TOPIC)]).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        !html.contains("<b>") && html.contains("name=\"topic\" value=\"&#60;b&#62;配送"),
        "{html}"
    );
    assert!(
        card(&html, "fcr").contains("<p class=\"value\">0.0</p>"),
        "the slow topic's chats took three contacts: {}",
        card(&html, "fcr")
    );
    assert!(
        card(&html, "csat").contains("Not narrowed by topic"),
        "{}",
        card(&html, "csat")
    );
    let other_lang = html
        .split("lang=\"ja\"")
        .next()
        .and_then(|before| before.rsplit("href=\"").next())
        .unwrap_or_default();
    assert!(
        other_lang.contains("topic=%3Cb%3E"),
        "the language switch keeps the topic, encoded: {other_lang}"
    );

    for payload in [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
    ] {
        for name in [
            "topic", "team", "agent", "from", "channel", "compare", "bucket",
        ] {
            let (status, html) = service_page(&app, &cookie, &[(name, payload)]).await;
            assert!(status == 200 || status == 400, "{name}={payload}: {status}");
            assert!(
                !html.contains("<script>alert(1)") && !html.contains("<img src=x"),
                "{name}={payload} came back as markup: {html}"
            );
        }
    }
}

on_both_backends!(
    read_and_admin_keys_see_the_service_in_both_languages,
    a_bad_filter_is_said_inside_the_service_pages_frame,
    markup_in_a_topic_comes_back_as_text,
);
