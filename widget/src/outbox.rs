//! Delivery: every answer and impression becomes a small JSON body in a `localStorage` queue,
//! sent in order and removed only once the collector acknowledges it (2xx) or refuses it for
//! good (a 4xx other than 429). Failures (offline, 5xx, 429) are retried with backoff, and the
//! queue survives reloads: the loader loads the widget again when it is not empty. A refusal is
//! told to the page (`koe('on', 'error', …)`) and the console with the collector's own code and
//! sentence ([`Refusal`]).

use std::cell::{Cell, RefCell};

use js_sys::{Array, Function, JSON, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestInit, Response};

use crate::config::{ShowRequest, WidgetConfig};
use crate::state::Answer;
use crate::survey::{OwnQuestion, SiteSurvey};

pub const QUEUE_KEY: &str = "koe:outbox:v1";
/// Where impressions go (answers go to [`RESPONSES_PATH`]).
pub const IMPRESSIONS_PATH: &str = "/api/v1/impressions";
pub const RESPONSES_PATH: &str = "/api/v1/responses";
pub const ANSWERED_KEY: &str = "koe:answered:v1";
const REMEMBERED: u32 = 200;

/// A JSON object written field by field (the widget carries no JSON library).
#[derive(Debug, Default)]
pub struct JsonObject(String);

impl JsonObject {
    fn key(&mut self, key: &str) -> &mut String {
        self.0.push(if self.0.is_empty() { '{' } else { ',' });
        push_string(&mut self.0, key);
        self.0.push(':');
        &mut self.0
    }

    pub fn string(mut self, key: &str, value: Option<&str>) -> Self {
        if let Some(value) = value {
            push_string(self.key(key), value);
        }
        self
    }

    pub fn number(mut self, key: &str, value: u32) -> Self {
        let out = self.key(key);
        out.push_str(&value.to_string());
        self
    }

    pub fn boolean(mut self, key: &str, value: bool) -> Self {
        self.key(key).push_str(if value { "true" } else { "false" });
        self
    }

    /// A value already written as JSON.
    pub fn raw(mut self, key: &str, json: &str) -> Self {
        self.key(key).push_str(json);
        self
    }

    pub fn strings(mut self, key: &str, values: &[&str]) -> Self {
        let out = self.key(key);
        out.push('[');
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_string(out, value);
        }
        out.push(']');
        self
    }

    pub fn finish(mut self) -> String {
        if self.0.is_empty() {
            self.0.push('{');
        }
        self.0.push('}');
        self.0
    }
}

fn push_string(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn attributed(config: &WidgetConfig, request: &ShowRequest) -> JsonObject {
    JsonObject::default()
        .string("site", Some(&config.site))
        .string("interaction", Some(&request.interaction))
        .string("agent", request.agent.as_deref())
        .string("team", request.team.as_deref())
        .string("channel", request.channel.as_deref())
        .string("token", request.token.as_deref())
}

/// The body of `POST /api/v1/responses` for one answer to `survey` (its language and version
/// go with it).
pub fn submission_body(
    config: &WidgetConfig,
    request: &ShowRequest,
    survey: &SiteSurvey,
    answer: &Answer,
) -> String {
    let body = attributed(config, request)
        .string("locale", Some(&survey.lang))
        .number("survey_version", survey.version);
    match answer {
        Answer::Csat(v) => body.number("csat", (*v).into()),
        Answer::Nps(v) => body.number("nps", (*v).into()),
        Answer::Ces(v) => body.number("ces", (*v).into()),
        Answer::Resolved(v) => body.boolean("resolved", *v),
        Answer::Comment { text, reasons } => {
            let text = text.trim();
            let body = body.string("comment", (!text.is_empty()).then_some(text));
            if reasons.is_empty() {
                body
            } else {
                let ids: Vec<&str> = reasons.iter().map(String::as_str).collect();
                body.strings("reasons", &ids)
            }
        }
        Answer::Own(picked) => match &survey.question {
            Some(own) => {
                let question = JsonObject::default()
                    .string("id", Some(&own.id))
                    .raw("answer", &own_answer(own, *picked));
                body.raw("question", &question.finish())
            }
            None => body,
        },
    }
    .finish()
}

/// The answer to the site's own question as JSON: a choice's option id (`picked` its
/// position), or the scale's value (`picked` itself).
pub fn own_answer(own: &OwnQuestion, picked: u8) -> String {
    match (&own.ends, own.options.get(usize::from(picked))) {
        (None, Some(option)) => {
            let mut json = String::new();
            push_string(&mut json, &option.id);
            json
        }
        _ => picked.to_string(),
    }
}

/// The body of `POST /api/v1/impressions`: the attribution and, when the site named them, the
/// customer (for its cooldown).
/// `peek` asks without recording (`koe('prepare')`).
pub fn impression_body(config: &WidgetConfig, request: &ShowRequest, peek: bool) -> String {
    let body = attributed(config, request).string("customer", request.customer.as_deref());
    if peek {
        body.boolean("peek", true)
    } else {
        body
    }
    .finish()
}

/// What to do with a delivery after one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Refused for good (a 4xx other than 429): sending it again cannot help.
    Refused,
    Retry,
}

pub fn outcome(status: u16) -> Outcome {
    match status {
        200..=299 => Outcome::Delivered,
        // 408: the body did not arrive in time (a slow network) — sending it again can help.
        408 | 429 | 500..=599 | 0 => Outcome::Retry,
        _ => Outcome::Refused,
    }
}

/// Seconds before retry `attempt` (1, 2, 4 … capped at 60).
pub fn backoff_ms(attempt: u32) -> i32 {
    1000 * 2_i32.pow(attempt.min(6)).min(60)
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn load(key: &str) -> Array {
    storage()
        .and_then(|s| s.get_item(key).ok().flatten())
        .and_then(|text| JSON::parse(&text).ok())
        .and_then(|value| value.dyn_into::<Array>().ok())
        .unwrap_or_default()
}

fn save(key: &str, items: &Array) {
    if let (Some(storage), Ok(text)) = (storage(), JSON::stringify(items))
        && storage.set_item(key, &String::from(text)).is_err()
    {
        web_sys::console::warn_1(&"koe: could not keep the answer for retry (storage full)".into());
    }
}

/// Whether this browser already answered the interaction.
pub fn was_answered(site: &str, interaction: &str) -> bool {
    let id = JsValue::from(format!("{site}|{interaction}"));
    load(ANSWERED_KEY).includes(&id, 0)
}

pub fn mark_answered(site: &str, interaction: &str) {
    if was_answered(site, interaction) {
        return;
    }
    let answered = load(ANSWERED_KEY);
    answered.push(&format!("{site}|{interaction}").into());
    while answered.length() > REMEMBERED {
        answered.shift();
    }
    save(ANSWERED_KEY, &answered);
}

thread_local! {
    static SENDING: Cell<bool> = const { Cell::new(false) };
    /// The page's `koe('on', 'error', fn)` listeners, through the loader's `emit`.
    static ON_ERROR: RefCell<Option<Function>> = const { RefCell::new(None) };
}

/// Where answers the collector refuses for good are reported (the loader's `emit`).
pub fn report_errors_to(emit: Option<Function>) {
    ON_ERROR.with(|on| *on.borrow_mut() = emit);
}

/// Why the collector refused a request for good: its `{error, message}` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The collector's code (`token_required`, `edit_window_closed`, …); `refused` when the
    /// answer carried none (something between the page and the collector refused it).
    pub code: String,
    /// The collector's sentence, or the HTTP status when it gave none.
    pub message: String,
}

impl Refusal {
    /// Reads a refusal's body (the collector's `ApiError`).
    pub async fn read(response: &Response) -> Self {
        let status = response.status();
        let body = match response.json() {
            Ok(promise) => JsFuture::from(promise).await.ok(),
            Err(_) => None,
        };
        let field = |name: &str| {
            body.as_ref()
                .and_then(|b| Reflect::get(b, &name.into()).ok())
                .and_then(|v| v.as_string())
        };
        Self {
            code: field("error").unwrap_or_else(|| "refused".into()),
            message: field("message").unwrap_or_else(|| format!("HTTP {status}")),
        }
    }

    /// Says in the console what was refused and why (never the body sent: the collector's
    /// code and sentence are what a developer can act on).
    pub fn warn(&self, what: &str) {
        web_sys::console::warn_1(
            &format!(
                "koe: the collector refused {what}: {} ({})",
                self.code, self.message
            )
            .into(),
        );
    }

    /// The `koe('on', 'error', …)` detail for a survey whose impression was refused: the
    /// collector's code, the interaction and the collector's sentence.
    pub fn survey_detail(&self, interaction: &str) -> JsValue {
        let detail = js_sys::Object::new();
        let _ = Reflect::set(&detail, &"code".into(), &self.code.as_str().into());
        let _ = Reflect::set(&detail, &"interaction".into(), &interaction.into());
        let _ = Reflect::set(&detail, &"message".into(), &self.message.as_str().into());
        detail.into()
    }

    /// The detail for an answer given up on: `code: 'answer_refused'` as ever, the question it
    /// answered and the collector's code as `reason`.
    fn answer_detail(&self, interaction: &str, question: &str) -> JsValue {
        let detail = self.survey_detail(interaction);
        let _ = Reflect::set(&detail, &"code".into(), &"answer_refused".into());
        let _ = Reflect::set(&detail, &"question".into(), &question.into());
        let _ = Reflect::set(&detail, &"reason".into(), &self.code.as_str().into());
        detail
    }
}

/// The question an answer's body answers: its one answer field (reasons come with the comment).
pub fn question_of(has_field: impl Fn(&str) -> bool) -> &'static str {
    ["csat", "nps", "ces", "resolved", "question", "comment"]
        .into_iter()
        .find(|field| has_field(field))
        .unwrap_or("comment")
}

/// Tells the page and the console that the collector refused a queued body for good: an
/// answer (`{code: 'answer_refused', interaction, question, reason, message}`), or the
/// impression of a survey shown while the collector could not be reached (`{code,
/// interaction, message}`, `code` the collector's), so the site can offer another way to
/// reach it.
fn report_refused(url: &str, body: &str, refusal: &Refusal) {
    let sent = JSON::parse(body).unwrap_or(JsValue::NULL);
    let text = |name: &str| {
        Reflect::get(&sent, &name.into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    let interaction = text("interaction");
    let detail = if url.ends_with(IMPRESSIONS_PATH) {
        refusal.warn(&format!("the survey for \"{interaction}\""));
        refusal.survey_detail(&interaction)
    } else {
        let question = question_of(|field| Reflect::has(&sent, &field.into()).unwrap_or(false));
        refusal.warn(&format!("the {question} answer for \"{interaction}\""));
        refusal.answer_detail(&interaction, question)
    };
    ON_ERROR.with(|on| {
        if let Some(emit) = on.borrow().as_ref() {
            let _ = emit.call2(&JsValue::NULL, &"error".into(), &detail);
        }
    });
}

/// Queues a body for `path` on the collector and starts delivery.
pub fn enqueue(endpoint: &str, path: &str, body: String) {
    let entry = js_sys::Object::new();
    let _ = Reflect::set(&entry, &"u".into(), &format!("{endpoint}{path}").into());
    let _ = Reflect::set(&entry, &"b".into(), &body.into());
    let queue = load(QUEUE_KEY);
    queue.push(&entry);
    save(QUEUE_KEY, &queue);
    resume();
}

/// Sends whatever waits in the queue, oldest first, one at a time.
pub fn resume() {
    if SENDING.with(|s| s.replace(true)) {
        return;
    }
    wasm_bindgen_futures::spawn_local(async {
        let mut attempt = 0;
        loop {
            let queue = load(QUEUE_KEY);
            let head = queue.get(0);
            if head.is_undefined() {
                break;
            }
            let url = Reflect::get(&head, &"u".into())
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default();
            let body = Reflect::get(&head, &"b".into())
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default();
            let response = fetch_text(&url, &body).await;
            let status = response.as_ref().map_or(0, Response::status);
            match outcome(status) {
                Outcome::Retry => {
                    sleep(backoff_ms(attempt)).await;
                    attempt += 1;
                }
                done => {
                    if done == Outcome::Refused
                        && let Some(response) = &response
                    {
                        report_refused(&url, &body, &Refusal::read(response).await);
                    }
                    attempt = 0;
                    drop_head(&body);
                }
            }
        }
        SENDING.with(|s| s.set(false));
    });
}

/// Removes the delivered entry (another tab may have removed it already).
fn drop_head(body: &str) {
    let queue = load(QUEUE_KEY);
    let head_body = Reflect::get(&queue.get(0), &"b".into())
        .ok()
        .and_then(|v| v.as_string());
    if head_body.as_deref() == Some(body) {
        queue.shift();
        save(QUEUE_KEY, &queue);
    }
}

/// POSTs `body` as `text/plain` (no CORS preflight) with `keepalive`, so it survives the page
/// closing, and gives the response (`None` when the network failed).
pub async fn fetch_text(url: &str, body: &str) -> Option<Response> {
    let window = web_sys::window()?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&body.into());
    let _ = Reflect::set(&init, &"keepalive".into(), &JsValue::TRUE);
    let headers = js_sys::Object::new();
    let _ = Reflect::set(
        &headers,
        &"content-type".into(),
        &"text/plain;charset=UTF-8".into(),
    );
    init.set_headers(&headers);
    JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .ok()?
        .dyn_into::<Response>()
        .ok()
}

async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Question;
    use koe_shared::Locale;

    fn config() -> WidgetConfig {
        WidgetConfig {
            site: "site_1".into(),
            endpoint: "https://koe.example".into(),
            languages: "ja-JP,en".into(),
            color: None,
            position_attribute: None,
            target: None,
        }
    }

    fn body(answer: &Answer) -> String {
        submission_body(&config(), &request(), &SiteSurvey::koe(Locale::Ja), answer)
    }

    fn request() -> ShowRequest {
        ShowRequest {
            interaction: "chat \"7\"".into(),
            agent: Some("佐藤".into()),
            team: None,
            channel: Some("chat".into()),
            token: Some("tok.en".into()),
            customer: None,
            agent_name: None,
            steps: vec![Question::Csat],
        }
    }

    #[test]
    fn bodies_are_the_collector_wire_format() {
        assert_eq!(
            body(&Answer::Csat(4)),
            r#"{"site":"site_1","interaction":"chat \"7\"","agent":"佐藤","channel":"chat","token":"tok.en","locale":"ja","survey_version":0,"csat":4}"#
        );
        let comment = Answer::Comment {
            text: " line\none\u{1}\\ ".into(),
            reasons: vec!["slow_reply".into(), "other".into()],
        };
        assert!(
            body(&comment)
                .ends_with(r#""comment":"line\none\u0001\\","reasons":["slow_reply","other"]}"#)
        );
        let empty = Answer::Comment {
            text: "  ".into(),
            reasons: vec!["other".into()],
        };
        assert!(!body(&empty).contains("comment"));
        assert!(body(&Answer::Resolved(false)).ends_with(r#""resolved":false}"#));
        assert!(impression_body(&config(), &request(), false).ends_with(r#""token":"tok.en"}"#));
        assert!(
            impression_body(&config(), &request(), true)
                .ends_with(r#""token":"tok.en","peek":true}"#)
        );
    }

    #[test]
    fn the_sites_own_question_is_answered_by_its_id_and_option_or_value() {
        let own = |question: serde_json::Value| {
            let definition: koe_shared::survey::SurveyDefinition =
                serde_json::from_value(serde_json::json!({ "question": question })).unwrap();
            let ja = koe_shared::survey::LanguageTag::try_from("ja").unwrap();
            SiteSurvey::from_resolved(&definition.check().unwrap().resolve(2, &ja, "Site"))
        };
        let choice = own(serde_json::json!({"id": "topic", "kind": "choice",
            "text": {"en": "About?", "ja": "内容は？"},
            "options": [{"id": "billing", "label": {"en": "Billing", "ja": "請求"}},
                        {"id": "delivery", "label": {"en": "Delivery", "ja": "配送"}}]}));
        let sent = submission_body(&config(), &request(), &choice, &Answer::Own(1));
        assert!(
            sent.ends_with(r#""survey_version":2,"question":{"id":"topic","answer":"delivery"}}"#),
            "{sent}"
        );
        assert_eq!(
            question_of(|f| sent.contains(&format!("\"{f}\":"))),
            "question"
        );
        let scale = own(serde_json::json!({"id": "clarity", "kind": "scale",
            "text": {"en": "Clear?", "ja": "明確？"},
            "low": {"en": "No", "ja": "いいえ"}, "high": {"en": "Yes", "ja": "はい"}}));
        let sent = submission_body(&config(), &request(), &scale, &Answer::Own(4));
        assert!(
            sent.ends_with(r#""question":{"id":"clarity","answer":4}}"#),
            "{sent}"
        );
    }

    #[test]
    fn a_refused_answer_is_named_by_the_question_it_answers() {
        let comment = |text: &str, reasons: Vec<&'static str>| Answer::Comment {
            text: text.into(),
            reasons: reasons.into_iter().map(Into::into).collect(),
        };
        let cases = [
            (Answer::Csat(2), "csat"),
            (Answer::Nps(9), "nps"),
            (Answer::Ces(3), "ces"),
            (Answer::Resolved(false), "resolved"),
            (comment("slow", vec![]), "comment"),
            (comment("", vec!["other"]), "comment"),
        ];
        for (answer, expected) in cases {
            let sent = body(&answer);
            let question = question_of(|field| sent.contains(&format!("\"{field}\":")));
            assert_eq!(question, expected, "{sent}");
        }
    }

    #[test]
    fn only_transient_failures_are_retried() {
        assert_eq!(outcome(201), Outcome::Delivered);
        assert_eq!(outcome(200), Outcome::Delivered);
        for status in [0, 408, 429, 500, 503] {
            assert_eq!(outcome(status), Outcome::Retry, "{status}");
        }
        for status in [400, 403, 409, 413, 422] {
            assert_eq!(outcome(status), Outcome::Refused, "{status}");
        }
        assert_eq!(
            (backoff_ms(0), backoff_ms(1), backoff_ms(10)),
            (1000, 2000, 60_000)
        );
    }
}
