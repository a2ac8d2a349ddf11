//! A customer answers with the keyboard only.

use koe_tests::webdriver::keys::{END, ENTER, ESCAPE, LEFT, RIGHT, SPACE, TAB};

use crate::support::Scene;

/// The value of the focused option inside the survey, if an option has focus.
const FOCUSED_VALUE: &str = "var h = document.querySelector('[data-koe]'); var a = h && h.shadowRoot.activeElement; return a && a.getAttribute('data-value');";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tab_arrows_enter_space_and_escape_are_enough() {
    let Some(scene) = Scene::start().await else {
        return;
    };
    scene
        .open_page("/keys", "", "", "<button id='help'>Help</button>")
        .await;
    let b = &scene.browser;
    b.script(
        "document.getElementById('help').focus();",
        serde_json::json!([]),
    )
    .await;
    scene.show("chat-keys-1", "ken").await;

    // The first CSAT option takes focus; arrows move (wrapping), Enter confirms.
    b.find_in_widget(".koe-scale-csat").await;
    assert_eq!(b.wait_for("focus on CSAT 1", FOCUSED_VALUE).await, "1");
    b.press(&[RIGHT, RIGHT, RIGHT, RIGHT, RIGHT, LEFT]).await;
    assert_eq!(b.script(FOCUSED_VALUE, serde_json::json!([])).await, "5");
    let checked = b.find_in_widget("[aria-checked='true']").await;
    assert_eq!(
        b.attribute(&checked, "aria-label").await.as_deref(),
        Some("5 – Very satisfied")
    );
    b.press(&[LEFT, ENTER]).await;

    // NPS: End jumps to 10, Space confirms.
    b.find_in_widget(".koe-scale-nps").await;
    assert_eq!(b.wait_for("focus on NPS 0", FOCUSED_VALUE).await, "0");
    b.press(&[END, SPACE]).await;

    // The comment: the text area has focus; Tab, Tab reaches Send.
    b.find_in_widget("textarea").await;
    b.wait_for(
        "focus in the comment",
        "var h = document.querySelector('[data-koe]'); return h.shadowRoot.activeElement && h.shadowRoot.activeElement.tagName === 'TEXTAREA';",
    )
    .await;
    b.press(&['G', 'o', 'o', 'd']).await;
    b.press(&[TAB, TAB, ENTER]).await;
    b.find_in_widget(".koe-thanks").await;

    let responses = scene
        .wait_for_response("the comment", |r| r.state.answers.comment.is_some())
        .await;
    let answers = &responses[0].state.answers;
    assert_eq!(
        (answers.csat.map(u8::from), answers.nps.map(u8::from)),
        (Some(4), Some(10))
    );
    assert_eq!(answers.comment.as_ref().map(|c| c.as_str()), Some("Good"));

    // Escape closes the survey and focus returns to where it was.
    b.press(&[ESCAPE]).await;
    b.wait_for(
        "the survey to close",
        "return !document.querySelector('[data-koe]');",
    )
    .await;
    assert_eq!(
        b.script("return document.activeElement.id;", serde_json::json!([]))
            .await,
        "help"
    );
}
