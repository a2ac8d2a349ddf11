//! The widget keeps to its shadow root: hostile host CSS cannot break it, it changes nothing
//! on the host page, and it sends the collector only the survey's own fields — never the host's
//! cookies, storage, form values or URL.

use serde_json::json;

use crate::support::Scene;

const HOSTILE_CSS: &str = "<style>
* { all: unset !important; }
button { display: none !important; }
div { font-size: 72px !important; color: red !important; }
html, body { display: block; font-size: 40px; }
#host-text { display: block; color: rgb(1, 2, 3); }
</style>";

const HOST_STYLE: &str = "var p = document.getElementById('host-text'); var s = getComputedStyle(p); \
    return [s.display, s.color, s.fontSize, document.body.children.length - document.querySelectorAll('[data-koe]').length];";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_host_css_cannot_break_the_survey_and_the_host_is_untouched() {
    let Some(scene) = Scene::start().await else {
        return;
    };
    scene
        .open_page(
            "/hostile",
            "",
            HOSTILE_CSS,
            "<p id='host-text'>Host paragraph</p><button id='host-button'>Host</button>",
        )
        .await;
    let b = &scene.browser;
    let before = b.script(HOST_STYLE, json!([])).await;

    scene.show("chat-hostile-1", "sora").await;
    let option = b.find_in_widget(".koe-scale-csat [data-value='2']").await;
    let size = b
        .script(
            "var e = document.querySelector('[data-koe]').shadowRoot.querySelector('.koe-option'); var r = e.getBoundingClientRect(); \
             return [getComputedStyle(e).display, r.width > 20 && r.height > 20, getComputedStyle(e).fontSize];",
            json!([]),
        )
        .await;
    assert_ne!(
        size[0], "none",
        "host `button {{ display: none }}` does not reach the survey"
    );
    assert_eq!(size[1], true, "options keep a usable size");
    assert_ne!(size[2], "72px", "host font sizes do not reach the survey");
    b.click(&option).await;
    scene
        .wait_for_response("CSAT 2", |r| r.state.answers.csat.map(u8::from) == Some(2))
        .await;

    assert_eq!(
        b.script(HOST_STYLE, json!([])).await,
        before,
        "the host page's own elements are unchanged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_never_shows_a_survey_downloads_no_wasm() {
    let Some(scene) = Scene::start().await else {
        return;
    };
    scene
        .open_page("/quiet", "", "", "<p>No chat today.</p>")
        .await;
    let b = &scene.browser;
    // Give a stray download every chance to start.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let resources = b
        .script(
            "return performance.getEntriesByType('resource').map(function (e) { return e.name; });",
            json!([]),
        )
        .await;
    let resources: Vec<String> = serde_json::from_value(resources).expect("a list of URLs");
    assert!(
        resources.iter().any(|r| r.ends_with("/koe.js")),
        "the loader itself loads: {resources:?}"
    );
    assert!(
        !resources.iter().any(|r| r.contains("/widget/")),
        "nothing more: {resources:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_survey_fits_a_320_px_phone() {
    let Some(scene) = Scene::start().await else {
        return;
    };
    let b = &scene.browser;
    b.resize(320, 640).await;
    scene
        .open_page(
            "/phone",
            "",
            "<meta name='viewport' content='width=device-width, initial-scale=1'>",
            "<p>Chat ended.</p>",
        )
        .await;
    let width = b.script("return window.innerWidth;", json!([])).await;
    assert!(
        width.as_u64().is_some_and(|w| w <= 340),
        "the page is phone-sized: {width}"
    );
    scene.show("chat-phone-1", "ken").await;
    let five = b.find_in_widget(".koe-scale-csat [data-value='5']").await;
    let fits = b
        .script(
            "var h = document.querySelector('[data-koe]'); var card = h.shadowRoot.querySelector('.koe-card').getBoundingClientRect(); \
             var options = Array.from(h.shadowRoot.querySelectorAll('.koe-option')).map(function (o) { return o.getBoundingClientRect(); }); \
             return [card.left >= 0, card.right <= window.innerWidth, options.every(function (r) { return r.left >= 0 && r.right <= window.innerWidth && r.width >= 24; })];",
            json!([]),
        )
        .await;
    assert_eq!(fits, json!([true, true, true]), "window {width} px wide");
    b.click(&five).await;
    scene
        .wait_for_response("CSAT 5", |r| r.state.answers.csat.map(u8::from) == Some(5))
        .await;
}

/// Records every request the page makes with `fetch` or `sendBeacon`, before `koe.js` runs.
const RECORD_REQUESTS: &str = "<script>
window.__sent = [];
var realFetch = window.fetch;
window.fetch = function (url, init) { window.__sent.push([String(url && url.url || url), String(init && init.body)]); return realFetch.apply(this, arguments); };
var realBeacon = navigator.sendBeacon.bind(navigator);
navigator.sendBeacon = function (url, body) { window.__sent.push([String(url), String(body)]); return realBeacon(url, body); };
document.cookie = 'host_session=SECRET-COOKIE-7; path=/';
localStorage.setItem('host:token', 'SECRET-STORAGE-7');
history.replaceState(null, '', '/checkout?email=secret%40example.com');
</script>";

const HOST_STATE: &str = "return [document.cookie, localStorage.getItem('host:token'), \
    Object.keys(localStorage).filter(function (k) { return k.indexOf('koe:') !== 0; }).sort()];";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_survey_sends_only_the_answers_and_reads_nothing_of_the_host() {
    let Some(scene) = Scene::start().await else {
        return;
    };
    scene
        .open_page(
            "/checkout",
            "",
            RECORD_REQUESTS,
            "<form><input id='card' value='SECRET-INPUT-7'></form>",
        )
        .await;
    let b = &scene.browser;
    let host_before = b.script(HOST_STATE, json!([])).await;
    scene.show("chat-private-1", "aiko").await;
    b.click(&b.find_in_widget(".koe-scale-csat [data-value='4']").await)
        .await;
    b.click(&b.find_in_widget(".koe-scale-nps [data-value='8']").await)
        .await;
    scene
        .wait_for_response("NPS 8", |r| r.state.answers.nps.map(u8::from) == Some(8))
        .await;

    let sent: Vec<(String, String)> =
        serde_json::from_value(b.script("return window.__sent;", json!([])).await).unwrap();
    let posts = sent.iter().filter(|(_, body)| body != "undefined").count();
    assert!(posts >= 3, "an impression and two answers: {sent:?}");
    for (url, body) in &sent {
        assert!(
            url.starts_with(&scene.app.address),
            "only to the collector: {url}"
        );
        for secret in ["SECRET", "secret%40", "secret@", "checkout"] {
            assert!(!url.contains(secret), "{secret} leaked in {url}");
            assert!(!body.contains(secret), "{secret} leaked in {body}");
        }
        if body == "undefined" {
            continue; // a GET: the survey's own code, or the site's survey
        }
        let fields: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(body).expect("a JSON body");
        for field in fields.keys() {
            assert!(
                [
                    "site",
                    "interaction",
                    "agent",
                    "team",
                    "channel",
                    "token",
                    "csat",
                    "nps",
                    "ces",
                    "resolved",
                    "comment",
                    "reasons",
                    "locale",
                    "survey_version"
                ]
                .contains(&field.as_str()),
                "only survey fields: {field} in {body}"
            );
        }
    }
    assert_eq!(
        b.script(HOST_STATE, json!([])).await,
        host_before,
        "the host's cookies and storage are untouched"
    );
}
