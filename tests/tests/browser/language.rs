//! Japanese from `data-lang`, and the screenshots of both languages (`cargo xtask screenshot`
//! runs this test; the PNGs go to `build/screenshots/`).

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
