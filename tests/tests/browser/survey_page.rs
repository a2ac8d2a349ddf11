//! The dashboard's Survey page: an owner edits the site's survey, previews it — the shipped
//! widget and the hosted page, each in a frame, in every language of the draft — is told every
//! problem of a bad draft with nothing saved, and publishes; the preview is what a customer then
//! sees (the two renders compared). axe finds nothing on the page. Photographed in both
//! languages (`dashboard-survey-{en,ja}.png`).

use koe_collector::audit::Actor;
use koe_collector::people::SiteRole;
use koe_collector::sites::registration::create_api_key;
use koe_collector::storage::Role;
use serde_json::json;

use crate::accessibility::{assert_none, axe_source, violations};
use crate::support::{Scene, save_screenshot, sign_in_as};

const DRAFT: &str = r##"languages = ["ja", "en"]

[texts.ja]
brand = "ヤマダ電機"
csat_question = "{brand}のサポートはいかがでしたか？"

[texts.en]
csat_question = "How was {brand}'s support?"

[look]
color = "#00796b"
radius = 6
"##;

/// The card of the survey in `frame` (a CSS selector), once it shows.
const CARD_IN_FRAME: &str = "var f = document.querySelector(arguments[0]);\
    var d = f && f.contentDocument, h = d && d.querySelector('[data-koe]');\
    var q = h && h.shadowRoot && h.shadowRoot.querySelector('#koe-question');\
    return q ? [q.textContent, h.shadowRoot.querySelector('.koe-card').outerHTML] : null;";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_previews_a_survey_in_each_language_and_publishes_what_customers_then_see() {
    let Some(axe) = axe_source() else {
        return;
    };
    let Some(scene) = Scene::start_with(false).await else {
        return;
    };
    let (app, b) = (&scene.app, &scene.browser);
    sign_in_as(b, app, &scene.site, SiteRole::Owner).await;
    b.wait_for("signed in", "return !!document.querySelector('h1');")
        .await;
    let page = app.url(&format!("/dashboard/sites/{}/survey", scene.site.key()));
    b.goto(&format!("{page}?lang=ja")).await;
    b.find("#definition").await;
    let set_definition = "document.getElementById('definition').value = arguments[0];";

    // A bad draft: every problem named, nothing saved.
    b.script(
        set_definition,
        json!(["[look]\nradius = 40\ntheme = \"sepia\"\n"]),
    )
    .await;
    b.click(&b.find("button[value=preview]").await).await;
    let problems = b
        .wait_for(
            "the problems",
            "var p = document.getElementById('problems'); return p && p.textContent;",
        )
        .await;
    let problems = problems.as_str().unwrap();
    assert!(
        problems.contains("look.radius") && problems.contains("look.theme"),
        "{problems}"
    );
    assert_eq!(
        b.script("return !!document.getElementById('draft');", json!([]))
            .await,
        false,
        "nothing saved"
    );

    b.script(set_definition, json!([DRAFT])).await;
    b.click(&b.find("button[value=preview]").await).await;
    b.wait_for("the draft", "return !!document.getElementById('draft');")
        .await;
    let mut previewed = Vec::new();
    for (lang, question) in [
        ("ja", "ヤマダ電機のサポートはいかがでしたか？"),
        ("en", "How was ヤマダ電機's support?"),
    ] {
        let frame = format!("iframe.preview-widget[data-lang='{lang}']");
        let shown = b
            .wait_for(
                &format!("the widget's preview in {lang}"),
                &CARD_IN_FRAME.replace("arguments[0]", &format!("\"{frame}\"")),
            )
            .await;
        assert_eq!(shown[0], question);
        previewed.push(shown[1].as_str().unwrap().to_owned());
        let legend = b
            .wait_for(
                &format!("the hosted page's preview in {lang}"),
                &format!("var f = document.querySelector(\"iframe.preview-page[data-lang='{lang}']\");\
                          var l = f && f.contentDocument && f.contentDocument.querySelector('legend');\
                          return l && l.textContent;"),
            )
            .await;
        assert_eq!(legend.as_str().map(str::trim), Some(question));
    }
    assert_none(&violations(b, &axe, None).await, "the Survey page (ja)");
    save_screenshot(b, "dashboard-survey-ja.png").await;
    b.goto(&format!("{page}?lang=en")).await;
    b.find("#draft").await;
    assert_none(&violations(b, &axe, None).await, "the Survey page (en)");
    save_screenshot(b, "dashboard-survey-en.png").await;

    // Nothing reached customers yet.
    let customers = || async {
        let url = app.url(&format!("/api/v1/survey?site={}&lang=ja", scene.site.key()));
        let survey: serde_json::Value = app
            .client
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        survey["version"].clone()
    };
    assert_eq!(customers().await, 0);

    // Someone publishes through the API meanwhile: the draft, started from version 0, can no
    // longer be published over theirs — the page says so, and a try is refused.
    let (_, admin) = create_api_key(&app.storage, &scene.site.site, Role::Admin, Actor::Cli)
        .await
        .unwrap();
    let theirs = app
        .client
        .put(app.url(&format!("/api/v1/sites/{}/survey", scene.site.key())))
        .bearer_auth(&admin)
        .json(&json!({"look": {"radius": 2}}))
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), 200);
    b.goto(&format!("{page}?lang=en")).await;
    b.find("#stale").await;
    b.click(&b.find("button[value=publish]").await).await;
    let refused = b
        .wait_for(
            "the refusal",
            "var p = document.getElementById('problems'); return p && p.textContent;",
        )
        .await;
    assert!(
        refused.as_str().unwrap().contains("changed meanwhile"),
        "{refused}"
    );
    assert_eq!(customers().await, 1, "theirs stands");
    b.click(&b.find("button[value=discard]").await).await;
    b.wait_for(
        "the draft discarded",
        "return !document.getElementById('draft') && !document.getElementById('stale');",
    )
    .await;
    let shown = b
        .script(
            "return document.getElementById('definition').value;",
            json!([]),
        )
        .await;
    assert!(
        shown.as_str().unwrap().contains("radius = 2"),
        "the published survey: {shown}"
    );

    // Started again from it: published as previewed.
    b.script(set_definition, json!([DRAFT])).await;
    b.click(&b.find("button[value=publish]").await).await;
    let published = b
        .wait_for(
            "published",
            "var p = document.getElementById('published'); return p && p.textContent;",
        )
        .await;
    assert!(published.as_str().unwrap().ends_with('2'), "{published}");
    assert_eq!(customers().await, 2);

    scene
        .open_page(
            "/after-publish",
            "data-lang=\"ja\"",
            "",
            "<main><h1>Shop</h1></main>",
        )
        .await;
    b.script(
        "koe('show', { interaction: 'live-1', questions: ['csat', 'nps', 'ces', 'resolved', 'comment'] });",
        json!([]),
    )
    .await;
    b.find_in_widget("#koe-question").await;
    let live = b
        .script(
            "return document.querySelector('[data-koe]').shadowRoot.querySelector('.koe-card').outerHTML;",
            json!([]),
        )
        .await;
    assert_eq!(
        live.as_str().unwrap(),
        previewed[0],
        "the preview is what a customer sees"
    );
}
