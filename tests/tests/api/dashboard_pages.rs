//! The dashboard's pages answer a manager's questions — Overview (did it change?), Agents (who
//! needs coaching?), an agent's page, Channels (which is worst?), Comments (what do unhappy
//! customers say?) — in English and Japanese, with filters in the URL that narrow each page.
//! (The real-browser walk through them is `browser/dashboard.rs`.)

use koe_collector::people::SiteRole;
use koe_collector::responses::{AnswerWrite, Answers, Attribution, Client, Source};
use koe_shared::{
    AgentId, Channel, Comment, CsatScore, InteractionId, NpsScore, Reason, Reasons, TeamId,
};
use koe_tests::{TestApp, TestBackend, on_both_backends};

/// One answer to seed: who, where, when (days ago), what.
struct Seed<'a> {
    interaction: String,
    agent: &'a str,
    channel: Channel,
    days_ago: i64,
    csat: u8,
    reason: Option<&'a str>,
    comment: Option<String>,
    flagged: bool,
}

async fn save<S: TestBackend>(app: &TestApp<S>, seed: Seed<'_>) {
    let now_ms = koe_collector::clock::now_ms();
    let today = app.site.site.today();
    let write = AnswerWrite {
        site_id: app.site.site.id,
        interaction: InteractionId::try_from(seed.interaction).unwrap(),
        attribution: Attribution {
            agent: Some(AgentId::try_from(seed.agent).unwrap()),
            team: Some(TeamId::try_from("tier1").unwrap()),
            channel: Some(seed.channel),
            verified: true,
        },
        answers: Answers {
            csat: Some(CsatScore::try_from(seed.csat).unwrap()),
            nps: Some(NpsScore::try_from(if seed.csat >= 4 { 9 } else { 3 }).unwrap()),
            comment: seed.comment.map(|c| Comment::try_from(c).unwrap()),
            reasons: Reasons::try_from(
                seed.reason
                    .map(|r| Reason::try_from(r).unwrap())
                    .into_iter()
                    .collect::<Vec<_>>(),
            )
            .unwrap(),
            ..Answers::default()
        },
        day: today
            .checked_sub(jiff::Span::new().days(seed.days_ago))
            .unwrap(),
        now_ms,
        edit_window_ms: 86_400_000,
        source: if seed.flagged {
            Source {
                client: Client::SuspectedScanner,
                flagged: true,
            }
        } else {
            Source::WIDGET
        },
    };
    app.storage.save_answers(write).await.unwrap();
}

/// The story every test reads: last period everyone was happy; this period ken (email) had
/// 20 satisfied of 100, most unhappy ones saying "slow", while aiko and mai (chat) stayed at
/// about 85 %; newcomer sora had 2 of 2; one flagged scanner click.
async fn seed_story<S: TestBackend>(app: &TestApp<S>) {
    for i in 0..60 {
        let agent = ["aiko", "ken", "mai"][i % 3];
        let seed = Seed {
            interaction: format!("before-{i}"),
            agent,
            channel: Channel::Chat,
            days_ago: 40,
            csat: 5,
            reason: None,
            comment: None,
            flagged: false,
        };
        save(app, seed).await;
    }
    for i in 0..100 {
        let unhappy = i >= 20;
        let seed = Seed {
            interaction: format!("ken-{i}"),
            agent: "ken",
            channel: Channel::Email,
            days_ago: 3,
            csat: if unhappy { 1 } else { 5 },
            reason: unhappy.then_some("slow"),
            comment: unhappy.then(|| format!("waited for days ({i})")),
            flagged: false,
        };
        save(app, seed).await;
    }
    for (agent, n) in [("aiko", 100), ("mai", 100)] {
        for i in 0..n {
            let seed = Seed {
                interaction: format!("{agent}-{i}"),
                agent,
                channel: Channel::Chat,
                days_ago: 2,
                csat: if i % 20 < 17 { 5 } else { 2 },
                reason: (i % 20 >= 17).then_some("not_solved"),
                comment: Some(format!("chat with {agent} ({i})")),
                flagged: false,
            };
            save(app, seed).await;
        }
    }
    for i in 0..2 {
        let seed = Seed {
            interaction: format!("sora-{i}"),
            agent: "sora",
            channel: Channel::Chat,
            days_ago: 1,
            csat: 5,
            reason: None,
            comment: None,
            flagged: false,
        };
        save(app, seed).await;
    }
    let scanner = Seed {
        interaction: "scanner-1".into(),
        agent: "ken",
        channel: Channel::Email,
        days_ago: 1,
        csat: 1,
        reason: None,
        comment: Some("the-scanners-click".into()),
        flagged: true,
    };
    save(app, scanner).await;
}

async fn signed_in<S: TestBackend>(app: &TestApp<S>) -> String {
    app.dashboard_session(SiteRole::Manager).await
}

/// A page of the site (`path` after `/dashboard/sites/{site}`) as `cookie` sees it: status
/// and body.
async fn page<S: TestBackend>(app: &TestApp<S>, cookie: &str, path: &str) -> (u16, String) {
    let answer = app
        .client
        .get(app.url(&format!("/dashboard/sites/{}{path}", app.site.key())))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (answer.status().as_u16(), answer.text().await.unwrap())
}

async fn ok_page<S: TestBackend>(app: &TestApp<S>, cookie: &str, path: &str) -> String {
    let (status, body) = page(app, cookie, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// The table rows of the table with `class`, each as its cells' texts (tags stripped).
fn rows_of(html: &str, class: &str) -> Vec<Vec<String>> {
    let start = html
        .find(&format!("<table class=\"{class}\""))
        .unwrap_or_else(|| panic!("no table {class}: {html}"));
    let table = &html[start..start + html[start..].find("</table>").unwrap()];
    let body = &table[table.find("<tbody>").unwrap()..];
    body.split("<tr")
        .skip(1)
        .map(|row| {
            row.split("<t")
                .skip(1)
                .filter(|cell| cell.starts_with('d') || cell.starts_with("h scope=\"row\""))
                .map(|cell| {
                    let mut text = String::new();
                    let mut in_tag = true;
                    for c in cell.chars() {
                        match c {
                            '<' => in_tag = true,
                            '>' => in_tag = false,
                            c if !in_tag => text.push(c),
                            _ => {}
                        }
                    }
                    text.trim().to_owned()
                })
                .collect()
        })
        .collect()
}

async fn every_page_answers_a_managers_question_in_both_languages<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    seed_story(&app).await;
    let cookie = signed_in(&app).await;

    let overview = ok_page(&app, &cookie, "?lang=en").await;
    assert!(
        overview.contains("Against the previous period"),
        "{overview}"
    );
    assert!(
        overview.contains(r#"<p class="verdict down">Down</p>"#),
        "CSAT's drop is called a drop: {overview}"
    );
    assert!(overview.contains("n = 302"), "CSAT rests on 302 answers");
    assert!(
        overview.contains("aria-current=\"page\">Overview<"),
        "the current tab is marked"
    );
    assert!(
        overview.contains("chat with mai (99)") && !overview.contains("the-scanners-click"),
        "the latest low ratings leave the newer flagged answer out: {overview}"
    );
    assert!(overview.contains("<details><summary>Show as a table</summary>"));

    let agents = ok_page(&app, &cookie, "/agents?lang=en").await;
    let standings = rows_of(&agents, "standings");
    let order: Vec<&str> = standings.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(order.last(), Some(&"ken"), "ken ranks last: {standings:?}");
    let rank = |agent: &str| order.iter().position(|a| *a == agent).unwrap();
    let sora = &standings[rank("sora")];
    assert_eq!(
        (sora[3].as_str(), sora[4].as_str()),
        ("2", "100.0 (34.2 – 100.0)")
    );
    assert!(
        sora[5].parse::<f64>().unwrap() < 90.0,
        "2 of 2 is shown pulled toward the team, beside its raw value and n: {sora:?}"
    );
    let ken = &standings[rank("ken")];
    assert_eq!(ken[7], "Below the team", "{ken:?}");
    assert!(ken[6].starts_with("Down"), "ken's CSAT fell: {ken:?}");
    assert!(
        agents.contains(&format!(
            "href=\"/dashboard/sites/{}/agents/ken?",
            app.site.key()
        )),
        "each agent links to their page"
    );

    let ken_page = ok_page(&app, &cookie, "/agents/ken?lang=en").await;
    assert!(ken_page.contains("<h1>ken</h1>"), "{ken_page}");
    let channels = rows_of(&ken_page, "by-channel");
    assert_eq!(
        channels.len(),
        1,
        "ken answered by email only: {channels:?}"
    );
    assert!(channels[0][0].starts_with("email"));
    assert_eq!(
        rows_of(&ken_page, "reasons"),
        [["slow", "80"]],
        "80 unhappy customers of ken said slow"
    );
    assert!(
        ken_page.contains("waited for days (99)"),
        "the latest comment"
    );
    assert!(!ken_page.contains("chat with aiko"), "only ken's comments");
    let tabs = &ken_page[ken_page.find("<nav class=\"tabs\"").unwrap()..];
    let tabs = &tabs[..tabs.find("</nav>").unwrap()];
    assert!(
        !tabs.contains("agent=") && tabs.contains("aria-current=\"true\""),
        "the tabs do not narrow other pages to ken; Agents is where his page belongs: {tabs}"
    );

    let channel_page = ok_page(&app, &cookie, "/channels?lang=en").await;
    let by_channel = rows_of(&channel_page, "by-channel");
    assert!(
        by_channel[0][0].starts_with("email") && by_channel[1][0].starts_with("chat"),
        "the worst channel comes first: {by_channel:?}"
    );
    assert!(
        by_channel[1][2].contains("Down") && by_channel[0][2].contains("Nothing to compare with"),
        "chat fell from 100 %; email had no answers before: {by_channel:?}"
    );
    let reasons = rows_of(&channel_page, "reasons");
    assert!(
        reasons.contains(&vec!["email".into(), "slow".into(), "80".into()])
            && reasons.contains(&vec!["chat".into(), "not_solved".into(), "30".into()]),
        "{reasons:?}"
    );
    assert_eq!(rows_of(&channel_page, "by-agent-channel").len(), 4);

    let comments = ok_page(&app, &cookie, "/comments?lang=en").await;
    assert!(
        !comments.contains("the-scanners-click"),
        "flagged answers are left out unless asked for"
    );
    let comments = ok_page(&app, &cookie, "/comments?lang=en&flagged=any").await;
    assert!(
        comments.contains("the-scanners-click") && comments.contains(">flagged</span>"),
        "asked for, a flagged answer is listed, and said to be flagged"
    );

    for (path, words) in [
        ("?lang=ja", ["概要", "前の期間との比較", "低下"]),
        ("/agents?lang=ja", ["担当者", "チームより低い", "補正値"]),
        (
            "/agents/ken?lang=ja",
            ["チャネル別", "不満の理由", "最近のコメント"],
        ),
        (
            "/channels?lang=ja",
            ["チャネル別", "担当者・チャネル別", "CSATの低い順"],
        ),
        (
            "/comments?lang=ja",
            ["コメント", "要確認", "表示中の回答（CSV）"],
        ),
    ] {
        let html = ok_page(&app, &cookie, path).await;
        assert!(html.contains("<html lang=\"ja\">"), "{path}");
        for word in words {
            assert!(html.contains(word), "{path} says {word}");
        }
    }
}

async fn filters_in_the_url_narrow_every_page_and_bad_ones_are_explained<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    seed_story(&app).await;
    let cookie = signed_in(&app).await;

    let email = ok_page(&app, &cookie, "?lang=en&channel=email").await;
    assert!(email.contains("n = 100"), "only ken's email answers count");
    assert!(
        email.contains("<option value=\"email\" selected>"),
        "the form shows the filter"
    );
    assert!(
        email.contains("/agents?from=") && email.contains("channel=email"),
        "the tabs keep the filters"
    );
    let chat_agents = ok_page(&app, &cookie, "/agents?lang=en&channel=chat").await;
    let standings = rows_of(&chat_agents, "standings");
    let ranked: Vec<&str> = standings.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(
        ranked.len(),
        3,
        "ken answered no chat this period: {ranked:?}"
    );
    assert!(!ranked.contains(&"ken"));
    let mai_only = ok_page(&app, &cookie, "/comments?lang=en&agent=mai").await;
    assert!(mai_only.contains("chat with mai") && !mai_only.contains("chat with aiko"));
    let low = ok_page(&app, &cookie, "/comments?lang=en&max_csat=1").await;
    assert!(low.contains("waited for days") && !low.contains("chat with"));
    let reason = ok_page(&app, &cookie, "/comments?lang=en&reason=not_solved").await;
    assert!(reason.contains("chat with") && !reason.contains("waited for days"));
    let by_team = ok_page(&app, &cookie, "/channels?lang=en&team=tier1").await;
    assert!(
        by_team.contains("Reasons are counted by agent and channel, not by team"),
        "reasons say why they are not shown for a team"
    );
    let last_year = ok_page(&app, &cookie, "?lang=en&compare=previous_year").await;
    assert!(last_year.contains("<option value=\"previous_year\" selected>"));

    for (path, expected) in [
        ("?channel=fax", "channel must be one of"),
        ("/agents?from=2026-02-30", "from must be a date"),
        ("/channels?compare=tomorrow", "compare takes"),
        ("/comments?max_csat=9", "max_csat must be"),
        ("/comments?cursor=forged", "cursor is not one"),
        ("?from=2025-01-01&bucket=day", "at most 400 days"),
    ] {
        let (status, body) = page(&app, &cookie, path).await;
        assert_eq!(status, 400, "{path}");
        assert!(body.contains(expected), "{path}: {body}");
    }
}

/// The number in `text` after `key` up to the next `"` (an attribute's value).
fn number_after(text: &str, key: &str) -> f64 {
    let start = text
        .find(key)
        .unwrap_or_else(|| panic!("no {key} in {text}"))
        + key.len();
    text[start..]
        .split('"')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number after {key} in {text}"))
}

async fn a_bad_filter_is_shown_inside_the_signed_in_frame_with_a_way_back<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    seed_story(&app).await;
    let cookie = signed_in(&app).await;
    let site = app.site.key();
    let today = app.site.site.today();
    let week_ago = today.checked_sub(jiff::Span::new().days(7)).unwrap();

    let (status, body) = page(
        &app,
        &cookie,
        &format!("/comments?lang=en&from={today}&to={week_ago}&channel=email"),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("<nav class=\"tabs\"")
            && body.contains("aria-current=\"page\">Comments<")
            && body.contains("Sign out"),
        "the page keeps its signed-in frame: {body}"
    );
    assert!(
        body.contains(&format!(
            "name=\"from\" value=\"{today}\" aria-invalid=\"true\" aria-describedby=\"filter-problem\""
        )) && body.contains(&format!(
            "name=\"to\" value=\"{week_ago}\" aria-invalid=\"true\""
        )),
        "the bad range is kept in the form and marked: {body}"
    );
    assert!(
        body.contains("<option value=\"email\" selected>")
            && !body.contains("name=\"channel\" aria-invalid"),
        "the filter that is fine stays, unmarked: {body}"
    );
    assert!(
        body.contains("id=\"filter-problem\" role=\"alert\">from (") && body.contains("is after"),
        "the message says what is wrong: {body}"
    );
    let way_back = format!("href=\"/dashboard/sites/{site}/comments?lang=en\"");
    assert!(
        body.contains(&format!("<a class=\"way-back\" {way_back}>")),
        "a link opens the same page with its default filters: {body}"
    );
    assert!(
        body.contains(&format!(
            "href=\"/dashboard/sites/{site}/agents?channel=email&#38;lang=en\""
        )),
        "the tabs keep the filters that are fine, not the bad range: {body}"
    );
    let back = ok_page(&app, &cookie, "/comments?lang=en").await;
    assert!(!back.contains("aria-invalid"), "the way back works: {back}");

    // Each kind of refusal marks its own field, on every page.
    let long_ago = today.checked_sub(jiff::Span::new().days(500)).unwrap();
    let too_many_days = format!("/channels?lang=en&from={long_ago}&bucket=day");
    for (path, field) in [
        (
            "?lang=en&channel=fax",
            "name=\"channel\" aria-invalid=\"true\"",
        ),
        (
            "/agents?lang=en&compare=tomorrow",
            "name=\"compare\" aria-invalid=\"true\"",
        ),
        (
            too_many_days.as_str(),
            "name=\"bucket\" aria-invalid=\"true\"",
        ),
        (
            "?lang=en&from=2026-02-30",
            "type=\"text\" name=\"from\" value=\"2026-02-30\" aria-invalid=\"true\"",
        ),
        (
            "/comments?lang=en&max_csat=9",
            "name=\"max_csat\" value=\"9\" size=\"6\" aria-invalid=\"true\"",
        ),
        (
            "/agents/ken?lang=en&team=%07",
            "name=\"team\" value=\"\u{7}\" size=\"10\" aria-invalid=\"true\"",
        ),
    ] {
        let (status, body) = page(&app, &cookie, path).await;
        assert_eq!(status, 400, "{path}");
        assert!(
            body.contains("<nav class=\"tabs\"") && body.contains(field),
            "{path}: {field}: {body}"
        );
    }

    let signed_out = app
        .client
        .get(app.url(&format!(
            "/dashboard/sites/{site}/comments?from={today}&to={week_ago}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            signed_out.status().as_u16(),
            signed_out.headers()["location"].to_str().unwrap()
        ),
        (303, "/dashboard"),
        "signed out, the browser goes to sign in"
    );
}

async fn comparing_with_a_year_earlier_says_so_above_the_cards<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    seed_story(&app).await;
    let cookie = signed_in(&app).await;
    for (path, said, not_said) in [
        (
            "?lang=en&compare=previous_year",
            "Against the same dates a year earlier",
            "Against the previous period",
        ),
        (
            "/agents/ken?lang=en&compare=previous_year",
            "Against the same dates a year earlier",
            "Against the previous period",
        ),
        (
            "?lang=ja&compare=previous_year",
            "前年同期との比較",
            "前の期間との比較",
        ),
        (
            "?lang=en",
            "Against the previous period",
            "Against the same dates a year earlier",
        ),
    ] {
        let html = ok_page(&app, &cookie, path).await;
        assert!(
            html.contains(&format!("<h2 id=\"h-changes\">{said}</h2>")) && !html.contains(not_said),
            "{path} says {said}: {html}"
        );
    }
}

async fn the_trend_places_days_by_date_and_keeps_a_low_n_label_inside<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    // Answers 40, 3, 2 and 1 days ago; the last day only sora's 2 of 2 (100 %, low n).
    seed_story(&app).await;
    let cookie = signed_in(&app).await;
    let today = app.site.site.today();
    let from = today.checked_sub(jiff::Span::new().days(45)).unwrap();
    let html = ok_page(
        &app,
        &cookie,
        &format!("?lang=en&bucket=day&from={from}&to={today}"),
    )
    .await;
    let start = html.find("<svg class=\"chart\"").expect("a chart");
    let svg = &html[start..start + html[start..].find("</svg>").unwrap()];
    assert!(svg.contains("viewBox=\"0 0 640 220\""), "{svg}");
    let x: Vec<f64> = svg
        .split("<circle ")
        .skip(1)
        .map(|circle| number_after(circle, "cx=\""))
        .collect();
    assert_eq!(x.len(), 4, "a point per day with answers: {svg}");
    let (gap, next) = (x[1] - x[0], x[2] - x[1]);
    assert!(
        (gap / next - 37.0).abs() < 0.5 && ((x[3] - x[2]) - next).abs() < 0.2,
        "37 days without answers are 37 times as wide as one: {x:?}"
    );
    let label = svg
        .split("<text ")
        .skip(1)
        .find(|text| text.contains(">n=2<"))
        .unwrap_or_else(|| panic!("the 2 answers of the last day are labelled: {svg}"));
    let baseline = number_after(label, " y=\"");
    assert!(
        baseline - 10.0 >= 0.0,
        "the label of a point at 100 % lies inside the viewBox: {label}"
    );
}

async fn browsers_asking_for_a_favicon_are_not_told_404<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let answer = app
        .client
        .get(app.url("/favicon.ico"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer.status().as_u16(),
        204,
        "no icon, and no error either"
    );
    assert!(
        answer.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age="),
        "asked once, not beside every page"
    );
}

async fn the_comment_feed_pages_and_its_csv_holds_exactly_the_page_shown<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    seed_story(&app).await;
    let cookie = signed_in(&app).await;
    let interactions = |html: &str| -> Vec<String> {
        html.split("<span class=\"interaction\">")
            .skip(1)
            .map(|s| s[..s.find('<').unwrap()].to_owned())
            .collect()
    };
    let first = ok_page(&app, &cookie, "/comments?lang=en").await;
    let first_ids = interactions(&first);
    assert_eq!(first_ids.len(), 50, "a page of 50");
    let older = first
        .split("rel=\"next\"")
        .next()
        .and_then(|s| s.rsplit("href=\"").next())
        .map(|s| s.trim_end_matches("\" ").replace("&#38;", "&"))
        .expect("a link to older comments");
    let second = app
        .client
        .get(app.url(&older))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let second_ids = interactions(&second);
    assert_eq!(second_ids.len(), 50);
    assert!(
        second_ids.iter().all(|id| !first_ids.contains(id)),
        "the next page holds other responses: {first_ids:?} {second_ids:?} {older}"
    );
    let csv_link = second
        .split("\">These responses (CSV)")
        .next()
        .and_then(|s| s.rsplit("href=\"").next())
        .map(|s| s.replace("&#38;", "&"))
        .expect("a CSV link");
    let csv = app
        .client
        .get(app.url(&csv_link))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csv_ids: Vec<String> = csv
        .split("\r\n")
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').nth(3).unwrap().to_owned())
        .collect();
    assert_eq!(csv_ids, second_ids, "the CSV holds exactly the page shown");
}

on_both_backends!(
    every_page_answers_a_managers_question_in_both_languages,
    filters_in_the_url_narrow_every_page_and_bad_ones_are_explained,
    the_comment_feed_pages_and_its_csv_holds_exactly_the_page_shown,
    a_bad_filter_is_shown_inside_the_signed_in_frame_with_a_way_back,
    comparing_with_a_year_earlier_says_so_above_the_cards,
    the_trend_places_days_by_date_and_keeps_a_low_n_label_inside,
    browsers_asking_for_a_favicon_are_not_told_404,
);
