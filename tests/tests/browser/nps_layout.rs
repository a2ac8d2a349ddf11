//! The NPS scale's layout: 0–10 on one row when the survey is at least ~340 px wide, two
//! balanced rows (0–5, 6–10) below that, "Not likely" / "Very likely" under the ends, every
//! button at least 24 × 24 CSS px (WCAG 2.5.8). Photographed at both widths.

use serde_json::{Value, json};

use crate::support::{Scene, save_screenshot};

const BOXES: &str = "var root = document.querySelector('[data-koe]').shadowRoot; \
    return [root.querySelector('.koe-card').getBoundingClientRect().width, \
      [].map.call(root.querySelectorAll('.koe-scale-nps .koe-option'), function (o) { \
        var r = o.getBoundingClientRect(); return [Math.round(r.top), r.width, r.height]; }), \
      [].map.call(root.querySelectorAll('.koe-scale-nps .koe-anchors span'), function (s) { return s.textContent; })];";

/// The distinct rows' tops, and how many buttons each holds.
fn rows(boxes: &Value) -> Vec<usize> {
    let mut rows: Vec<(i64, usize)> = Vec::new();
    for b in boxes.as_array().unwrap() {
        let top = b[0].as_i64().unwrap();
        match rows.iter_mut().find(|(t, _)| (*t - top).abs() <= 2) {
            Some(row) => row.1 += 1,
            None => rows.push((top, 1)),
        }
    }
    rows.into_iter().map(|(_, n)| n).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nps_is_one_row_when_wide_and_two_balanced_rows_when_narrow() {
    let Some(scene) = Scene::start().await else {
        return;
    };
    let b = &scene.browser;
    for (width, expected, shot) in [
        (1024, vec![11], "widget-nps-wide.png"),
        (320, vec![6, 5], "widget-nps-phone.png"),
    ] {
        b.resize(width, 800).await;
        scene
            .open_page(
                &format!("/nps-{width}"),
                "data-lang=\"en\"",
                "",
                "<p>Chat ended.</p>",
            )
            .await;
        let token = scene.site.token(
            &format!("chat-nps-{width}"),
            Some("ken"),
            Some(koe_shared::Channel::Chat),
            koe_tests::in_an_hour(),
        );
        b.script(
            "koe('show', { interaction: arguments[0], agent: 'ken', channel: 'chat', token: arguments[1], questions: ['nps'] });",
            json!([format!("chat-nps-{width}"), token]),
        )
        .await;
        b.find_in_widget(".koe-scale-nps [data-value='10']").await;
        let measured = b.script(BOXES, json!([])).await;
        let card = measured[0].as_f64().unwrap();
        assert_eq!(
            rows(&measured[1]),
            expected,
            "{width} px window, card {card} px: {measured}"
        );
        for button in measured[1].as_array().unwrap() {
            assert!(
                button[1].as_f64() >= Some(24.0) && button[2].as_f64() >= Some(24.0),
                "a target under 24 × 24: {button}"
            );
        }
        assert_eq!(
            measured[2],
            json!(["Not likely", "Very likely"]),
            "{measured}"
        );
        save_screenshot(b, shot).await;
    }
}
