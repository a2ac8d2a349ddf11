//! Japanese from `data-lang`, and the screenshots of both languages (`cargo xtask screenshot`
//! runs this test; the PNGs go to `build/screenshots/`). The CSAT faces are drawn by the
//! survey's stylesheet, not emoji: they need no font, so a page (or a machine) without a
//! colour-emoji font shows them as photographed here.

use crate::support::{Scene, save_screenshot};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_lang_ja_renders_japanese_and_both_languages_are_photographed() {
    let Some(scene) = Scene::start().await else {
        return;
    };
    let b = &scene.browser;
    let page = "<main style='font:16px sans-serif;padding:24px'><h1>Koe Coffee</h1><p>Support chat ended.</p></main>";

    scene.open_page("/ja", "data-lang=\"ja\"", "", page).await;
    scene.show("chat-ja-1", "mai").await;
    let five = b.find_in_widget(".koe-scale-csat [data-value='5']").await;
    assert_eq!(
        b.attribute(&five, "aria-label").await.as_deref(),
        Some("5 – とても満足")
    );
    let question = b
        .script("return document.querySelector('[data-koe]').shadowRoot.querySelector('#koe-question').textContent;", serde_json::json!([]))
        .await;
    assert_eq!(question, "今回のサポートにどのくらい満足されましたか？");
    let faces = b
        .script(
            "var root = document.querySelector('[data-koe]').shadowRoot;              return [].map.call(root.querySelectorAll('.koe-scale-csat .koe-option'), function (o) {                var f = o.querySelector('.koe-face'), r = f && f.getBoundingClientRect();                return [o.textContent, !!f && r.width >= 20 && r.height >= 20]; });",
            serde_json::json!([]),
        )
        .await;
    assert_eq!(
        faces,
        serde_json::json!([
            ["1", true],
            ["2", true],
            ["3", true],
            ["4", true],
            ["5", true]
        ]),
        "five drawn faces, and no emoji in the buttons' text"
    );
    save_screenshot(b, "widget-ja.png").await;

    scene.open_page("/en", "data-lang=\"en\"", "", page).await;
    scene.show("chat-en-1", "mai").await;
    let five = b.find_in_widget(".koe-scale-csat [data-value='5']").await;
    assert_eq!(
        b.attribute(&five, "aria-label").await.as_deref(),
        Some("5 – Very satisfied")
    );
    save_screenshot(b, "widget-en.png").await;
}
