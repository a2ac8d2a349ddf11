//! Asking the collector before a survey is shown: the site's survey-fatigue rules (its sample,
//! its cooldown for a customer its token signs) may decline it, and then nothing is shown or
//! counted. The same request records the impression when the survey is to be shown.

use js_sys::Reflect;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::config::{ShowRequest, WidgetConfig};
use crate::outbox;

const PATH: &str = "/api/v1/impressions";

/// Asks whether to show the survey: `None` to show it, else why not. When the collector cannot
/// answer (offline, overloaded, an error), the survey is shown and the impression queued for
/// delivery, as answers are: a survey shown without a verdict beats a customer never asked.
pub async fn ask(config: &WidgetConfig, request: &ShowRequest) -> Option<JsValue> {
    let body = outbox::impression_body(config, request, false);
    verdict(config, &body).await.unwrap_or_else(|| {
        outbox::enqueue(&config.endpoint, PATH, body);
        None
    })
}

/// Asks ahead whether the survey would be shown, recording nothing (`koe('prepare')`):
/// `Some(None)` to show it, `Some(reason)` declined, `None` when the collector did not answer.
pub async fn peek(config: &WidgetConfig, request: &ShowRequest) -> Option<Option<JsValue>> {
    verdict(config, &outbox::impression_body(config, request, true)).await
}

async fn verdict(config: &WidgetConfig, body: &str) -> Option<Option<JsValue>> {
    let url = format!("{}{PATH}", config.endpoint);
    let response = outbox::fetch_text(&url, body).await.filter(|r| r.ok())?;
    let json = JsFuture::from(response.json().ok()?).await.ok()?;
    let field = |name: &str| Reflect::get(&json, &JsValue::from_str(name)).ok();
    match field("show")?.as_bool()? {
        true => Some(None),
        false => Some(field("declined")),
    }
}
