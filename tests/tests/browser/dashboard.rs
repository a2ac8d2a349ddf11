//! A manager signs in to the dashboard and reads seeded scores (also photographed for
//! `cargo xtask screenshot`).

use std::collections::BTreeSet;

use koe_collector::audit::Actor;
use koe_collector::responses::{AnswerWrite, Answers, Attribution};
use koe_collector::sites::registration::create_api_key;
use koe_collector::storage::{Role, Storage};
use koe_shared::{AgentId, Channel, Comment, CsatScore, InteractionId, NpsScore};
use serde_json::json;

use crate::support::{Scene, save_screenshot};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_signs_in_and_reads_scores_charts_and_escaped_comments() {
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
    let (_, key) = create_api_key(&app.storage, &site.site, Role::Read, Actor::Cli)
        .await
        .unwrap();

    let b = &scene.browser;
    b.goto(&app.url("/dashboard?lang=en")).await;
    let input = b.find("#api_key").await;
    b.type_into(&input, &key).await;
    b.click(&b.find("button[type=submit]").await).await;
    b.wait_for("the site page", "return !!document.querySelector('table');")
        .await;

    let from = weeks.first().unwrap();
    b.goto(&app.url(&format!(
        "/dashboard/sites/{}?from={from}&to={today}&bucket=week&lang=en",
        site.key()
    )))
    .await;
    let rows = b
        .script(
            "return document.querySelectorAll('table.by-agent-channel tbody tr').length;",
            json!([]),
        )
        .await;
    assert_eq!(rows, 8, "4 agents × 2 channels");
    let points = b
        .script(
            "return document.querySelector('figure svg').querySelectorAll('circle').length;",
            json!([]),
        )
        .await;
    assert_eq!(points, weeks.len(), "one CSAT point per week");
    let comment = b
        .script(
            "return Array.from(document.querySelectorAll('.comment')).map(function (c) { return c.textContent; }).join('|');",
            json!([]),
        )
        .await;
    assert!(
        comment
            .as_str()
            .unwrap()
            .contains("<script>document.title='pwned'</script>"),
        "{comment}"
    );
    let title = b.script("return document.title;", json!([])).await;
    assert!(
        !title.as_str().unwrap().contains("pwned"),
        "the comment's script never ran"
    );
    assert_eq!(
        b.script(
            "return document.querySelectorAll('script').length;",
            json!([])
        )
        .await,
        0
    );
    save_screenshot(b, "dashboard.png").await;
}
