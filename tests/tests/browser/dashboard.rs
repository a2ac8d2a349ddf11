//! A manager signs in to the dashboard and walks its pages in a real browser: each page, its
//! filters (through the form and the tabs), the keyboard, a 360 px phone, both languages.
//! Every page is photographed for `cargo xtask screenshot` (`dashboard-PAGE-LANG.png`).

use std::collections::BTreeSet;

use koe_collector::responses::{AnswerWrite, Answers, Attribution};
use koe_collector::storage::prelude::*;
use koe_shared::{AgentId, Channel, Comment, CsatScore, InteractionId, NpsScore};
use serde_json::json;

use koe_tests::webdriver::keys::{ENTER, TAB};

use crate::support::{Scene, save_screenshot, sign_in_as};
use koe_collector::people::SiteRole;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_walks_every_page_with_filters_keyboard_and_a_phone() {
    let Some(scene) = Scene::start().await else {
        return;
    };
    let app = &scene.app;
    let site = &scene.site;
    let today = site.site.today();
    let agents = ["aiko", "ken", "mai", "sora"];
    let mut weeks = BTreeSet::new();
    let base_ms = koe_collector::clock::now_ms();
    for i in 0..160i64 {
        let day = today.checked_sub(jiff::Span::new().days(i % 42)).unwrap();
        weeks.insert(
            day.checked_sub(
                jiff::Span::new().days(i64::from(day.weekday().to_monday_zero_offset())),
            )
            .unwrap(),
        );
        let agent = agents[(i % 4) as usize];
        let csat = u8::try_from(1 + (i * 7 + i / 5) % 5).unwrap();
        let comment = match i {
            159 => Some("<script>document.title='pwned'</script> the reply was slow".to_owned()),
            _ if csat <= 2 => Some(format!("待ち時間が長かった ({i})")),
            _ => None,
        };
        let write = AnswerWrite {
            site_id: site.site.id,
            interaction: InteractionId::try_from(format!("chat-{i}")).unwrap(),
            attribution: Attribution {
                agent: Some(AgentId::try_from(agent).unwrap()),
                channel: Some(if i % 3 == 0 {
                    Channel::Email
                } else {
                    Channel::Chat
                }),
                verified: true,
                ..Attribution::default()
            },
            answers: Answers {
                csat: Some(CsatScore::try_from(if i == 159 { 1 } else { csat }).unwrap()),
                nps: Some(NpsScore::try_from(u8::try_from((i * 3) % 11).unwrap()).unwrap()),
                comment: comment.map(|c| Comment::try_from(c).unwrap()),
                ..Answers::default()
            },
            day,
            now_ms: base_ms - 1_000 + i, // later rows are newer: the last one tops the list
            edit_window_ms: 1,
            source: koe_collector::responses::Source::WIDGET,
        };
        app.storage.save_answers(write).await.unwrap();
    }
    let b = &scene.browser;
    b.resize(1280, 2200).await;
    sign_in_as(b, app, site, SiteRole::Manager).await;
    b.wait_for("the overview", "return !!document.querySelector('.cards');")
        .await;

    let from = weeks.first().unwrap();
    let base = format!("/dashboard/sites/{}", site.key());
    let filters = format!("from={from}&to={today}&bucket=week");
    let count = |css: &str| {
        let css = css.to_owned();
        async move {
            b.script(
                "return document.querySelectorAll(arguments[0]).length;",
                json!([css]),
            )
            .await
        }
    };

    for lang in ["en", "ja"] {
        // Overview: five cards, the follow-ups' four, three charts each with its table, the
        // latest low ratings.
        b.goto(&app.url(&format!("{base}?{filters}&lang={lang}")))
            .await;
        assert_eq!(count("section[aria-labelledby=h-changes] .card").await, 5);
        assert_eq!(count("section[aria-labelledby=h-followups] .card").await, 4);
        assert_eq!(count("figure svg").await, 3);
        assert_eq!(
            count("figure details table.chart-table").await,
            3,
            "every chart has a table"
        );
        let points = b
            .script(
                "return document.querySelector('figure svg').querySelectorAll('circle').length;",
                json!([]),
            )
            .await;
        assert_eq!(points, weeks.len(), "one CSAT point per week");
        save_screenshot(b, &format!("dashboard-overview-{lang}.png")).await;

        // Agents: the standings, then an agent's page reached by clicking the name.
        b.goto(&app.url(&format!("{base}/agents?{filters}&lang={lang}")))
            .await;
        assert_eq!(count("table.standings tbody tr").await, 4);
        save_screenshot(b, &format!("dashboard-agents-{lang}.png")).await;
        b.click(&b.find("table.standings a[href*='/agents/aiko']").await)
            .await;
        b.wait_for(
            "aiko's page",
            "return location.pathname.endsWith('/agents/aiko') && document.querySelector('h1').textContent === 'aiko';",
        )
        .await;
        assert_eq!(
            count("table.by-channel tbody tr").await,
            2,
            "aiko on chat and email"
        );
        save_screenshot(b, &format!("dashboard-agent-{lang}.png")).await;

        // Channels: by channel, reasons, the agent × channel table.
        b.goto(&app.url(&format!("{base}/channels?{filters}&lang={lang}")))
            .await;
        assert_eq!(count("table.by-channel tbody tr").await, 2);
        assert_eq!(
            count("table.by-agent-channel tbody tr").await,
            8,
            "4 agents × 2 channels"
        );
        save_screenshot(b, &format!("dashboard-channels-{lang}.png")).await;

        // Comments: the feed; the customer's markup is text and never ran.
        b.goto(&app.url(&format!("{base}/comments?{filters}&lang={lang}")))
            .await;
        let comments = b
            .script(
                "return Array.from(document.querySelectorAll('.comment')).map(function (c) { return c.textContent; }).join('|');",
                json!([]),
            )
            .await;
        assert!(
            comments
                .as_str()
                .unwrap()
                .contains("<script>document.title='pwned'</script>"),
            "{comments}"
        );
        let title = b.script("return document.title;", json!([])).await;
        assert!(
            !title.as_str().unwrap().contains("pwned"),
            "the comment's script never ran"
        );
        assert_eq!(count("script").await, 0);
        save_screenshot(b, &format!("dashboard-comments-{lang}.png")).await;
    }

    // Filters through the form: email only, kept in the URL and by the tabs.
    b.goto(&app.url(&format!("{base}?{filters}&lang=en"))).await;
    let all_n = b
        .script(
            "return document.querySelector('.card .ci').textContent;",
            json!([]),
        )
        .await;
    b.script(
        "document.querySelector('select[name=channel]').value = 'email';",
        json!([]),
    )
    .await;
    b.click(&b.find("form.filters button[type=submit]").await)
        .await;
    b.wait_for("the filtered overview", "return location.search.indexOf('channel=email') >= 0 && !!document.querySelector('.cards');")
        .await;
    let email_n = b
        .script(
            "return document.querySelector('.card .ci').textContent;",
            json!([]),
        )
        .await;
    assert_ne!(all_n, email_n, "the cards count email answers only");
    b.click(&b.find("nav.tabs a[href*='/comments']").await)
        .await;
    b.wait_for(
        "the filtered feed",
        "return location.pathname.endsWith('/comments');",
    )
    .await;
    let channels = b
        .script(
            "return Array.from(document.querySelectorAll('.comments .meta')).every(function (m) { return m.textContent.indexOf(' · email') >= 0; });",
            json!([]),
        )
        .await;
    assert_eq!(channels, true, "the tab kept the channel filter");

    // Keyboard: the first Tab reaches the skip link, Enter moves focus to the content.
    b.goto(&app.url(&format!("{base}?{filters}&lang=en"))).await;
    b.press(&[TAB]).await;
    let focused = b
        .script("return document.activeElement.className;", json!([]))
        .await;
    assert_eq!(focused, "skip");
    b.press(&[ENTER]).await;
    b.wait_for(
        "focus on the content",
        "return document.activeElement.id === 'content';",
    )
    .await;

    // A 360 px phone: no page scrolls sideways (wide tables scroll inside their own region).
    b.resize(360, 1600).await;
    for page in ["", "/agents", "/agents/aiko", "/channels", "/comments"] {
        b.goto(&app.url(&format!("{base}{page}?{filters}&lang=ja")))
            .await;
        let overflow = b
            .script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
                json!([]),
            )
            .await;
        assert_eq!(overflow, 0, "{page} fits 360 px");
    }
    b.goto(&app.url(&format!("{base}?{filters}&lang=ja"))).await;
    save_screenshot(b, "dashboard-overview-phone-ja.png").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_date_range_is_shown_inside_the_dashboard_with_a_way_back() {
    let Some(scene) = Scene::start().await else {
        return;
    };
    let app = &scene.app;
    let site = &scene.site;
    let b = &scene.browser;
    sign_in_as(b, app, site, SiteRole::Manager).await;
    b.wait_for(
        "the overview",
        "return !!document.querySelector('nav.tabs');",
    )
    .await;

    // A range that ends before it starts, on the comment feed.
    let today = site.site.today();
    let week_ago = today.checked_sub(jiff::Span::new().days(7)).unwrap();
    let base = format!("/dashboard/sites/{}", site.key());
    b.goto(&app.url(&format!(
        "{base}/comments?from={today}&to={week_ago}&lang=en"
    )))
    .await;
    let shown = b
        .script(
            "var from = document.querySelector('form.filters input[name=from]');
             var to = document.querySelector('form.filters input[name=to]');
             var problem = document.getElementById('filter-problem');
             var current = document.querySelector('nav.tabs a[aria-current=page]');
             return {
               tabs: document.querySelectorAll('nav.tabs a').length,
               current: current && current.textContent,
               signIn: !!document.querySelector('#password'),
               fromValue: from.value,
               fromInvalid: from.getAttribute('aria-invalid'),
               toInvalid: to.getAttribute('aria-invalid'),
               describedBy: from.getAttribute('aria-describedby'),
               problem: problem && problem.textContent,
               besideTheRange: !!(problem && problem.previousElementSibling
                 && problem.previousElementSibling.contains(to)),
             };",
            json!([]),
        )
        .await;
    assert_eq!(shown["tabs"], 5, "the tabs are there: {shown}");
    assert_eq!(shown["current"], "Comments", "{shown}");
    assert_eq!(shown["signIn"], false, "no sign-in form while signed in");
    assert_eq!(
        shown["fromValue"],
        today.to_string(),
        "the bad value is kept: {shown}"
    );
    assert_eq!(
        (
            &shown["fromInvalid"],
            &shown["toInvalid"],
            &shown["describedBy"]
        ),
        (&json!("true"), &json!("true"), &json!("filter-problem")),
        "the range is marked and points at the message: {shown}"
    );
    assert!(
        shown["problem"]
            .as_str()
            .is_some_and(|p| p.contains("is after")),
        "the message says what is wrong: {shown}"
    );
    assert_eq!(
        shown["besideTheRange"], true,
        "the message stands beside the range: {shown}"
    );

    // The way back: the same page with its default filters.
    b.click(&b.find("a.way-back").await).await;
    b.wait_for(
        "the feed with its default filters",
        "return location.pathname.endsWith('/comments') && location.search === '?lang=en' && !!document.getElementById('h-feed') && !document.querySelector('[aria-invalid]');",
    )
    .await;
}
