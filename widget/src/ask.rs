//! Asking the collector before a survey is shown: the site's survey-fatigue rules (its sample,
//! its cooldown for a named customer) may decline it, and then nothing is shown or counted.
//! The same request records the impression when the survey is to be shown.

use js_sys::Reflect;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::config::{ShowRequest, WidgetConfig};
use crate::outbox;

const PATH: &str = "/api/v1/impressions";

/// The collector's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Show,
    /// Not to be shown: `sampled_out` or `cooldown`.
    Declined(String),
}

/// Asks whether to show the survey. When the collector cannot answer (offline, overloaded,
/// an error), the survey is shown and the impression queued for delivery, as answers are: a
/// survey shown without a verdict is better than a customer never asked.
pub async fn ask(config: &WidgetConfig, request: &ShowRequest) -> Verdict {
    let body = outbox::impression_body(config, request);
    let url = format!("{}{PATH}", config.endpoint);
    let answered = match outbox::fetch_text(&url, &body, false).await {
        Some(response) if response.ok() => read_verdict(response).await,
        _ => None,
    };
    answered.unwrap_or_else(|| {
        outbox::enqueue(&config.endpoint, PATH, body);
        Verdict::Show
    })
}

async fn read_verdict(response: web_sys::Response) -> Option<Verdict> {
    let json = JsFuture::from(response.json().ok()?).await.ok()?;
    let field = |name: &str| Reflect::get(&json, &JsValue::from_str(name)).ok();
    match field("show")?.as_bool()? {
        true => Some(Verdict::Show),
        false => Some(Verdict::Declined(
            field("declined")
                .and_then(|v| v.as_string())
                .unwrap_or_default(),
        )),
    }
}
