//! The bench behind BENCHMARKS.md's "Time to a clickable survey" (`cargo xtask bench` runs it;
//! ignored by the normal tests — it measures, it asserts no time): from `koe('show')` to the
//! survey's first button in the page, timed in the page with `performance.now()` and a
//! MutationObserver, for a cold show (a fresh browser, warmed up on another page: nothing of
//! the survey cached), a show with the survey
//! files in the HTTP cache, a show after `koe('prepare')`, and a second show of that survey.
//! Prints a Markdown table, and writes it to `KOE_BENCH_OUT` when set.

use std::fmt::Write as _;

use koe_tests::webdriver::Browser;
use serde_json::json;

use crate::support::Scene;

const TRIALS: usize = 7;

/// Shows the survey; `window.latency` becomes the milliseconds until its first button exists.
const TIMED_SHOW: &str = r#"
    window.latency = null;
    var started = window.started = performance.now();
    function found() {
      var host = document.querySelector('[data-koe]');
      if (!host || !host.shadowRoot || !host.shadowRoot.querySelector('button')) return false;
      window.latency = performance.now() - started;
      return true;
    }
    var inner = new MutationObserver(function () { if (found()) inner.disconnect(); });
    var outer = new MutationObserver(function () {
      var host = document.querySelector('[data-koe]');
      if (host && host.shadowRoot) {
        outer.disconnect();
        if (!found()) inner.observe(host.shadowRoot, { childList: true, subtree: true });
      }
    });
    outer.observe(document.body, { childList: true, subtree: true });
    koe('show', { interaction: arguments[0] });
"#;

async fn timed_show(scene: &Scene, interaction: &str) -> f64 {
    let b = &scene.browser;
    b.script(TIMED_SHOW, json!([interaction])).await;
    let latency = b
        .wait_for(
            "the survey",
            "return window.latency !== null && window.latency;",
        )
        .await
        .as_f64()
        .expect("milliseconds");
    b.script("koe('hide');", json!([])).await;
    latency
}

/// Where a cold show's time went, from the page's Resource Timing (which a cross-origin
/// request gives without `Timing-Allow-Origin` too: its start and its end), in ms after
/// `koe('show')`: the survey's files fetched (glue, wasm), then — once the wasm runs — the
/// site's survey and the impression asked and answered.
const PHASES: &str = r#"
    var t0 = window.started, out = {};
    performance.getEntriesByType('resource').forEach(function (e) {
      var name = /\.wasm$/.test(e.name) ? 'wasm' : /\/widget\/koe-[0-9a-f]+\.js$/.test(e.name) ? 'glue'
        : /\/api\/v1\/survey\?/.test(e.name) ? 'survey' : /\/api\/v1\/impressions$/.test(e.name) ? 'impression' : null;
      if (name && e.startTime >= t0 && !out[name]) out[name] = [e.startTime - t0, e.responseEnd - t0];
    });
    return out;
"#;

/// The phases of cold shows: for each, the median start and end of its request.
fn phases_table(phases: &[serde_json::Value], latency: f64) -> String {
    let mut md = String::from(
        "\n| cold show, phase | starts (median ms after `show`) | ends (median ms) |\n|---|---|---|\n",
    );
    for (name, what) in [
        ("glue", "the glue (JS) fetched"),
        ("wasm", "the wasm fetched (compiled as it streams)"),
        ("survey", "the site's survey asked (once the wasm runs)"),
        ("impression", "the impression asked"),
    ] {
        let at = |i: usize| {
            median(
                phases
                    .iter()
                    .filter_map(|p| p[name][i].as_f64())
                    .collect::<Vec<_>>(),
            )
        };
        if phases.iter().any(|p| p[name].is_array()) {
            let _ = writeln!(md, "| {what} | {:.1} | {:.1} |", at(0), at(1));
        }
    }
    let _ = writeln!(md, "| the first button on the page | | {latency:.1} |");
    md
}

async fn open(scene: &Scene) {
    scene
        .open_page("/latency", "", "", "<p>The chat is still going.</p>")
        .await;
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a bench: cargo xtask bench runs it"]
async fn measure_the_time_to_a_clickable_survey() {
    let Some(mut scene) = Scene::start_with(false).await else {
        return;
    };
    let (mut cold, mut cached, mut prepared, mut second) = (vec![], vec![], vec![], vec![]);
    let mut phases = Vec::new();
    for trial in 0..TRIALS {
        // A fresh browser profile: nothing of the survey is cached. A first page warms the
        // browser itself up, which is not the survey's cost.
        scene.browser = Browser::open().await.expect("a browser");
        let warm = scene.pages.add("/warm-up", "<p>Hello.</p>".to_owned());
        scene.browser.goto(&warm).await;
        open(&scene).await;
        cold.push(timed_show(&scene, &format!("cold-{trial}")).await);
        phases.push(scene.browser.script(PHASES, json!([])).await);
        open(&scene).await;
        cached.push(timed_show(&scene, &format!("cached-{trial}")).await);
        open(&scene).await;
        let interaction = format!("prepared-{trial}");
        scene
            .browser
            .script(
                "window.ready = false; koe('on', 'prepared', function () { window.ready = true; });\
                 koe('prepare', { interaction: arguments[0] });",
                json!([interaction]),
            )
            .await;
        scene
            .browser
            .wait_for("prepare", "return window.ready;")
            .await;
        prepared.push(timed_show(&scene, &interaction).await);
        second.push(timed_show(&scene, &interaction).await);
    }
    let baseline = median(cold.clone());
    let mut md =
        String::from("| show | median ms | min ms | max ms | vs cold |\n|---|---|---|---|---|\n");
    for (name, values) in [
        ("cold (fresh browser, nothing cached)", cold),
        ("cached (survey files in the HTTP cache)", cached),
        ("after `koe('prepare')`", prepared),
        ("the prepared survey shown again", second),
    ] {
        let (min, max) = (
            values.iter().copied().fold(f64::INFINITY, f64::min),
            values.iter().copied().fold(0.0, f64::max),
        );
        let m = median(values);
        let _ = writeln!(
            md,
            "| {name} | {m:.1} | {min:.1} | {max:.1} | ×{:.2} |",
            m / baseline
        );
    }
    md.push_str(&phases_table(&phases, baseline));
    if let Ok(path) = std::env::var("KOE_BENCH_OUT") {
        std::fs::write(&path, &md).expect("the bench table is written");
    }
    println!("{md}");
}
