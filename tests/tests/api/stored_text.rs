//! Text that looks dangerous but is legitimate is stored exactly as written; escaping is the
//! job of whoever displays it (dashboard, CSV, hosted page).

use koe_tests::{TestApp, TestBackend, on_both_backends};
use serde_json::json;

async fn legitimate_text_is_stored_exactly<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let texts = [
        "<script>alert(1)</script>",
        "'; DROP TABLE responses; --",
        "=HYPERLINK(\"http://x\")",
        "مرحبا \u{202E}txt.exe",
        "zero\u{200B}width and emoji 🙇‍♀️",
        "改行\r\nあり\tタブ",
    ];
    for (i, text) in texts.iter().enumerate() {
        let body =
            json!({ "site": app.site.key(), "interaction": format!("t{i}"), "comment": text });
        assert_eq!(app.submit(&body).await.status(), 201, "{text}");
    }
    let stored: Vec<String> = app
        .responses(&app.site)
        .await
        .iter()
        .map(|r| {
            r.state
                .answers
                .comment
                .as_ref()
                .unwrap()
                .as_str()
                .to_owned()
        })
        .collect();
    assert_eq!(stored, texts);
}

on_both_backends!(legitimate_text_is_stored_exactly);
