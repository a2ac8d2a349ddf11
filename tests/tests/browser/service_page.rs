//! A manager reads the Service page in a real browser: a site's helpdesk sent interaction facts
//! and active users through the API, its customers answered the survey; the page's cards say
//! what the service API computes, the drivers call out the band that goes with unhappy
//! customers, axe finds nothing in English or Japanese, the filters form works from the
//! keyboard alone, and a 360 px phone does not scroll sideways. Both languages are
//! photographed (`dashboard-service-LANG.png` in `build/screenshots/`).

use koe_collector::audit::Actor;
use koe_collector::facts::settings::duration;
use koe_collector::sites::registration::create_api_key;
use koe_collector::storage::Role;
use koe_tests::TestApp;
use koe_tests::webdriver::keys::{ENTER, TAB};
use serde_json::{Value, json};

use crate::accessibility::{assert_none, axe_source, violations};
use crate::support::{Scene, save_screenshot, sign_in_as};
use koe_collector::people::SiteRole;

/// Chats seeded: half answered within 10 minutes in one contact (topic "billing", CSAT 5),
/// half after 30 hours in three (topic "配送", CSAT 1).
const CHATS: i64 = 48;

async fn put<S: koe_tests::TestBackend>(app: &TestApp<S>, key: &str, path: &str, body: &Value) {
    let response = app
        .client
        .put(app.url(&format!("/api/v1/sites/{}{path}", app.site.key())))
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .expect("the collector answers");
    assert!(
        response.status().is_success(),
        "PUT {path}: {}",
        response.status()
    );
}

/// The helpdesk's facts, the customers' answers and the site's active users, through the API.
async fn seed<S: koe_tests::TestBackend>(app: &TestApp<S>) {
    let (_, write) = create_api_key(&app.storage, &app.site.site, Role::Write, Actor::Cli)
        .await
        .unwrap();
    let now = koe_collector::clock::now_ms() / 1000;
    let at = |secs: i64| jiff::Timestamp::from_second(secs).unwrap().to_string();
    for i in 0..CHATS {
        let slow = i % 2 == 1;
        // Spread over twelve days, so the trend has more than one week.
        let opened = now - (2 + i % 12) * 86_400 - (i / 12) * 3600;
        let interaction = format!("chat-{i}");
        // (Picked outside `json!`, which reads `[..][i]` as an array and a stray index.)
        let agent = ["aiko", "ken"][usize::from(i % 4 >= 2)];
        put(
            app,
            &write,
            &format!("/interactions/{interaction}"),
            &json!({
                "channel": "chat",
                "topic": if slow { "配送" } else { "billing" },
                "opened_at": at(opened),
                "first_response_at": at(opened + if slow { 30 * 3600 } else { 600 }),
                "resolved_at": at(opened + 31 * 3600),
                "contacts": if slow { 3 } else { 1 },
                "handled_by": if slow { "bot_then_human" } else { "human" },
                "agents": [{"agent": agent}],
            }),
        )
        .await;
        let sent = app
            .submit(&json!({
                "site": app.site.key(),
                "interaction": interaction,
                "agent": agent,
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
        put(
            app,
            &write,
            &format!("/volumes/{day}"),
            &json!({"active_users": 100}),
        )
        .await;
    }
    for (i, resolved) in [true, true, true, false].into_iter().enumerate() {
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

/// What each card shows as its value, and the n beside it, by the card's id.
const CARDS: &str = "var out = {};
    document.querySelectorAll('li.kpi').forEach(function (card) {
      var ci = card.querySelector('.ci');
      out[card.id.replace('kpi-', '')] = {
        value: card.querySelector('.value').textContent,
        ci: ci ? ci.textContent : '',
        spark: !!card.querySelector('svg.spark'),
      };
    });
    return out;";

/// The values the cards must show, from the API's numbers formatted as the page does.
fn expected(service: &Value, scores: &Value) -> Vec<(&'static str, String, u64)> {
    let row = &service["rows"][0];
    let survey = &scores["rows"][0];
    let value = |v: &Value, what: &str| {
        v["value"]
            .as_f64()
            .unwrap_or_else(|| panic!("the API has {what}: {service} {scores}"))
    };
    let n = |v: &Value| v["n"].as_u64().unwrap_or_default();
    let frt = &row["frt_median"];
    let frt_text = duration(frt["seconds"].as_f64().expect("an FRT median").round() as i64);
    vec![
        (
            "csat",
            format!("{:.1}", value(&survey["csat"], "CSAT")),
            n(&survey["csat"]),
        ),
        (
            "fcr",
            format!("{:.1}", value(&row["fcr"], "FCR")),
            n(&row["fcr"]),
        ),
        (
            "nps",
            format!("{:.0}", value(&survey["nps"], "NPS")),
            n(&survey["nps"]),
        ),
        (
            "frt",
            if frt["at_least"] == true {
                format!("≥ {frt_text}")
            } else {
                frt_text
            },
            n(frt),
        ),
        (
            "handled",
            format!("{:.1}", value(&row["handled_per_day"], "handled per day")),
            n(&row["handled_per_day"]),
        ),
        (
            "self-resolution",
            format!("{:.1}", value(&row["self_resolution"], "self-resolution")),
            n(&row["self_resolution"]),
        ),
        (
            "contact-rate",
            format!("{:.2}", value(&row["contact_rate"], "the contact rate")),
            n(&row["contact_rate"]),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_page_agrees_with_the_api_in_both_languages_and_by_keyboard() {
    let Some(scene) = Scene::start_with(false).await else {
        return;
    };
    let app = &scene.app;
    seed(app).await;
    let (_, read) = create_api_key(&app.storage, &app.site.site, Role::Read, Actor::Cli)
        .await
        .unwrap();
    let site = app.site.key();
    let service = app
        .get_json(&format!("/api/v1/sites/{site}/service?bucket=all"), &read)
        .await;
    let scores = app
        .get_json(&format!("/api/v1/sites/{site}/scores?bucket=all"), &read)
        .await;
    let cards = expected(&service, &scores);
    assert_eq!(
        cards[1].1, "50.0",
        "half the chats took one contact: {service}"
    );

    let b = &scene.browser;
    b.resize(1280, 2600).await;
    sign_in_as(b, app, &app.site, SiteRole::Manager).await;
    b.wait_for("the overview", "return !!document.querySelector('.cards');")
        .await;
    let base = format!("/dashboard/sites/{site}/service");
    let axe = axe_source();

    for (lang, tab, called_out) in [
        ("en", "Service", "Clearly lower"),
        ("ja", "サービス", "明らかに低い"),
    ] {
        b.goto(&app.url(&format!("{base}?lang={lang}"))).await;
        b.wait_for(
            "the service cards",
            "return document.querySelectorAll('li.kpi').length === 7;",
        )
        .await;
        let shown = b.script(CARDS, json!([])).await;
        for (id, value, n) in &cards {
            let card = &shown[*id];
            assert_eq!(
                card["value"],
                value.as_str(),
                "{lang}: the {id} card: {shown}"
            );
            assert!(
                card["ci"]
                    .as_str()
                    .is_some_and(|ci| ci.ends_with(&format!("n = {n}"))),
                "{lang}: the {id} card's n: {shown}"
            );
        }
        for id in ["csat", "fcr", "frt", "handled"] {
            assert_eq!(shown[id]["spark"], true, "{lang}: {id} has its trend line");
        }
        let page = b
            .script(
                "var current = document.querySelector('nav.tabs a[aria-current=page]');
                 var rows = document.querySelectorAll('table.unhappy tbody tr.called-out');
                 return {
                   tabs: document.querySelectorAll('nav.tabs a').length,
                   current: current && current.textContent,
                   calledOut: rows.length,
                   firstCalledOut: rows.length ? rows[0].textContent : null,
                   bandTables: document.querySelectorAll('table.bands caption').length,
                 };",
                json!([]),
            )
            .await;
        assert_eq!(page["tabs"], 5, "{lang}: {page}");
        assert_eq!(page["current"], tab, "{lang}: {page}");
        assert!(
            page["calledOut"].as_u64() >= Some(1)
                && page["firstCalledOut"]
                    .as_str()
                    .is_some_and(|row| row.contains(called_out)),
            "{lang}: a band that goes with unhappy customers is called out in words: {page}"
        );
        assert_eq!(
            page["bandTables"], 4,
            "{lang}: FRT, contacts, handled by, topic"
        );
        if let Some(axe) = &axe {
            assert_none(
                &violations(b, axe, None).await,
                &format!("the Service page ({lang})"),
            );
        }
        save_screenshot(b, &format!("dashboard-service-{lang}.png")).await;
    }

    // The keyboard alone: Tab through the filters form to the topic, type it, Enter.
    b.goto(&app.url(&format!("{base}?lang=en"))).await;
    b.wait_for(
        "the service cards",
        "return !!document.getElementById('kpi-fcr');",
    )
    .await;
    let mut passed = Vec::new();
    for _ in 0..60 {
        b.press(&[TAB]).await;
        let name = b
            .script(
                "return document.activeElement.getAttribute('name') || document.activeElement.className || document.activeElement.tagName;",
                json!([]),
            )
            .await;
        let name = name.as_str().unwrap_or_default().to_owned();
        let done = name == "topic";
        if passed.last() != Some(&name) {
            passed.push(name);
        }
        if done {
            break;
        }
    }
    assert_eq!(
        passed.last().map(String::as_str),
        Some("topic"),
        "Tab reaches the topic: {passed:?}"
    );
    for field in ["from", "to", "bucket", "team", "channel", "agent"] {
        assert!(
            passed.iter().any(|name| name == field),
            "Tab passes {field} on its way: {passed:?}"
        );
    }
    assert!(
        !passed.iter().any(|name| name == "compare"),
        "the page does not compare periods: {passed:?}"
    );
    b.press(&['b', 'i', 'l', 'l', 'i', 'n', 'g']).await;
    b.press(&[ENTER]).await;
    b.wait_for(
        "the page narrowed to billing",
        "return location.search.indexOf('topic=billing') >= 0 && !!document.getElementById('kpi-fcr');",
    )
    .await;
    let billing = app
        .get_json(
            &format!("/api/v1/sites/{site}/service?bucket=all&topic=billing"),
            &read,
        )
        .await;
    let fcr = b
        .script(
            "return document.querySelector('#kpi-fcr .value').textContent;",
            json!([]),
        )
        .await;
    assert_eq!(
        fcr,
        format!(
            "{:.1}",
            billing["rows"][0]["fcr"]["value"].as_f64().unwrap()
        )
        .as_str(),
        "the card narrows to the topic: {billing}"
    );
    assert_eq!(fcr, "100.0", "billing chats took one contact each");
    let kept = b
        .script(
            "return [document.querySelector('input[name=topic]').value, document.querySelector('#kpi-csat .note').textContent];",
            json!([]),
        )
        .await;
    assert_eq!(
        kept,
        json!(["billing", "Not narrowed by topic"]),
        "the form keeps the topic, and CSAT says it is not narrowed by it"
    );

    // A 360 px phone: the page does not scroll sideways.
    b.resize(360, 1600).await;
    for lang in ["en", "ja"] {
        b.goto(&app.url(&format!("{base}?lang={lang}"))).await;
        b.find("#kpi-fcr").await;
        let overflow = b
            .script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
                json!([]),
            )
            .await;
        assert_eq!(overflow, 0, "the Service page fits 360 px ({lang})");
    }
}
