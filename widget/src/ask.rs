//! Asking the collector before a survey is shown: the site's survey-fatigue rules (its sample,
//! its cooldown for a customer its token signs) may decline it, and then nothing is shown or
//! counted. The same request records the impression when the survey is to be shown. A survey
//! whose impression the collector refuses for good (a strict site's page sent no token, or a
//! `customer` its token does not sign, …) is not shown either: its answers would be refused too,
//! and the customer would be thanked for nothing kept.

use js_sys::Reflect;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::config::{ShowRequest, WidgetConfig};
use crate::outbox::{self, IMPRESSIONS_PATH, Outcome, Refusal};

/// What the collector answered about showing a survey.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// Show it (its impression is counted, or queued to be).
    Show,
    /// Declined by the site's rules, with the reason (`sampled_out`, `cooldown`).
    Declined(JsValue),
    /// Refused for good, with the collector's code and sentence.
    Refused(Refusal),
}

/// Asks whether to show the survey. When the collector cannot answer (offline, overloaded, an
/// error on its side), the survey is shown and the impression queued for delivery, as answers
/// are: a survey shown without a verdict beats a customer never asked.
pub async fn ask(config: &WidgetConfig, request: &ShowRequest) -> Verdict {
    let body = outbox::impression_body(config, request, false);
    verdict(config, &body).await.unwrap_or_else(|| {
        outbox::enqueue(&config.endpoint, IMPRESSIONS_PATH, body);
        Verdict::Show
    })
}

/// Asks ahead whether the survey would be shown, recording nothing (`koe('prepare')`); `None`
/// when the collector did not answer.
pub async fn peek(config: &WidgetConfig, request: &ShowRequest) -> Option<Verdict> {
    verdict(config, &outbox::impression_body(config, request, true)).await
}

async fn verdict(config: &WidgetConfig, body: &str) -> Option<Verdict> {
    let url = format!("{}{IMPRESSIONS_PATH}", config.endpoint);
    let response = outbox::fetch_text(&url, body).await?;
    if outbox::outcome(response.status()) == Outcome::Refused {
        return Some(Verdict::Refused(Refusal::read(&response).await));
    }
    if !response.ok() {
        return None;
    }
    let json = JsFuture::from(response.json().ok()?).await.ok()?;
    let field = |name: &str| Reflect::get(&json, &JsValue::from_str(name)).ok();
    match field("show")?.as_bool()? {
        true => Some(Verdict::Show),
        false => Some(Verdict::Declined(
            field("declined").unwrap_or(JsValue::UNDEFINED),
        )),
    }
}
