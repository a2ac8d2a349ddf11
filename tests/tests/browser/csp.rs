//! The survey on host pages that send a Content-Security-Policy, in English and Japanese:
//! under the strict policy README recommends (no inline styles allowed) it looks exactly as
//! without one — computed styles of the card and a scale button compared, both photographed;
//! without `'wasm-unsafe-eval'` the page hears `error` with `csp_wasm` and its own scripts run
//! on, nothing thrown into it; with `require-trusted-types-for 'script'` it still works.

use serde_json::{Value, json};

use crate::support::{Scene, save_screenshot};

const NONCE: &str = "n0nce-koe-test";

/// The page's own script: records errors thrown into it and Koe's error events, and proves it
/// keeps running.
fn body() -> String {
    format!(
        "<p>Chat ended.</p><script nonce=\"{NONCE}\">window.pageErrors = []; \
         addEventListener('error', function (e) {{ pageErrors.push(String(e.message)); }}); \
         addEventListener('unhandledrejection', function (e) {{ pageErrors.push('rejection: ' + e.reason); }}); \
         window.koeErrors = []; koe('on', 'error', function (d) {{ koeErrors.push(d.code); }}); \
         setInterval(function () {{ window.ticks = (window.ticks || 0) + 1; }}, 20);</script>"
    )
}

/// What README lists: the collector for scripts and connections, WebAssembly, nothing for styles.
fn strict(collector: &str) -> String {
    format!(
        "default-src 'none'; script-src 'nonce-{NONCE}' {collector} 'wasm-unsafe-eval'; \
         connect-src {collector}; style-src 'none'; img-src 'none'"
    )
}

const COMPUTED: &str = "var root = document.querySelector('[data-koe]').shadowRoot; \
    var props = ['display', 'position', 'background-color', 'color', 'border-radius', 'font-size', \
      'font-family', 'padding-top', 'width', 'height', 'box-shadow', 'border-top-width', 'z-index']; \
    function pick(e) { var s = getComputedStyle(e); return props.map(function (p) { return p + ': ' + s.getPropertyValue(p); }); } \
    return [pick(root.querySelector('.koe-card')), pick(root.querySelector('.koe-scale-csat [data-value=\"4\"]')), \
      pick(document.querySelector('[data-koe]'))];";

async fn styles(scene: &Scene, path: &str, csp: Option<&str>, lang: &str) -> Value {
    let attributes = format!("data-lang=\"{lang}\"");
    scene
        .open_page_with_csp(path, csp, &attributes, &body(), NONCE)
        .await;
    scene
        .show(
            &format!("chat-csp-{}-{lang}", path.trim_start_matches('/')),
            "ken",
        )
        .await;
    let b = &scene.browser;
    b.find_in_widget(".koe-scale-csat [data-value='4']").await;
    let computed = b.script(COMPUTED, json!([])).await;
    let shot = format!("widget-csp-{}.png", path.trim_start_matches('/'));
    save_screenshot(b, &shot).await;
    assert_eq!(b.script("return pageErrors;", json!([])).await, json!([]));
    computed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_a_strict_csp_the_survey_looks_exactly_as_without_one() {
    let Some(scene) = Scene::start().await else {
        return;
    };
    let policy = strict(&scene.app.address);
    for lang in ["en", "ja"] {
        let open = styles(&scene, &format!("/no-csp-{lang}"), None, lang).await;
        let strict = styles(&scene, &format!("/strict-{lang}"), Some(&policy), lang).await;
        assert_eq!(
            open, strict,
            "computed styles differ under the strict CSP ({lang})"
        );
        assert!(
            open[0]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p == "position: fixed")
                || open[2]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p == "position: fixed"),
            "the floating card, not the page flow: {open}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_wasm_unsafe_eval_the_page_hears_csp_wasm_and_runs_on() {
    let Some(scene) = Scene::start().await else {
        return;
    };
    let collector = scene.app.address.clone();
    let policy = format!(
        "default-src 'none'; script-src 'nonce-{NONCE}' {collector}; connect-src {collector}; \
         style-src 'none'"
    );
    for lang in ["en", "ja"] {
        let attributes = format!("data-lang=\"{lang}\"");
        scene
            .open_page_with_csp(
                &format!("/no-wasm-{lang}"),
                Some(&policy),
                &attributes,
                &body(),
                NONCE,
            )
            .await;
        scene.show(&format!("chat-no-wasm-{lang}"), "ken").await;
        let b = &scene.browser;
        let codes = b
            .wait_for(
                "Koe's error event",
                "return koeErrors.length > 0 && koeErrors;",
            )
            .await;
        assert_eq!(codes, json!(["csp_wasm"]), "{lang}");
        let ticks = b.script("return window.ticks;", json!([])).await;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert!(
            b.script("return window.ticks;", json!([])).await.as_u64() > ticks.as_u64(),
            "the page's own scripts keep running"
        );
        assert_eq!(
            b.script("return pageErrors;", json!([])).await,
            json!([]),
            "nothing thrown into the page"
        );
        assert_eq!(
            b.script("return !!document.querySelector('[data-koe]');", json!([]))
                .await,
            false
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_trusted_types_required_the_survey_still_works() {
    let Some(scene) = Scene::start().await else {
        return;
    };
    let policy = format!(
        "{}; require-trusted-types-for 'script'",
        strict(&scene.app.address)
    );
    for (lang, csat) in [("en", 4), ("ja", 2)] {
        let attributes = format!("data-lang=\"{lang}\"");
        scene
            .open_page_with_csp(
                &format!("/trusted-types-{lang}"),
                Some(&policy),
                &attributes,
                &body(),
                NONCE,
            )
            .await;
        let interaction = format!("chat-tt-{lang}");
        scene.show(&interaction, "ken").await;
        let b = &scene.browser;
        let option = b
            .find_in_widget(&format!(".koe-scale-csat [data-value='{csat}']"))
            .await;
        b.click(&option).await;
        scene
            .wait_for_response("the answer under Trusted Types", |r| {
                r.interaction.as_str() == interaction
                    && r.state.answers.csat.map(u8::from) == Some(csat)
            })
            .await;
        assert_eq!(b.script("return pageErrors;", json!([])).await, json!([]));
    }
}
