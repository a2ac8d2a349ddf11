//! The site's own survey, as the collector resolved it for this customer
//! (`GET /api/v1/survey`): every text in their language, the reasons, the look, the version the
//! answers record. Fetched when a survey is shown (beside the impression, so it costs no round
//! trip of its own; the browser keeps it a minute), and kept in `localStorage` so that a
//! customer whose collector cannot be reached still sees the site's words.

use std::rc::Rc;

use js_sys::{Array, JSON, Reflect};
use koe_shared::survey::TextKey;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use yew::AttrValue;

use crate::config::WidgetConfig;

/// `v2`: surveys with their scales' options (a `v1` one, kept by an earlier widget, has none).
const CACHE_KEY: &str = "koe:survey:v2:";

/// Which answers a reason is offered after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Unhappy,
    Happy,
    Always,
}

/// A reason chip: its stable id (what is sent) and its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonChip {
    pub id: AttrValue,
    pub label: AttrValue,
    pub when: When,
}

/// The site's own question: a 1–5 scale with its ends named, or a single choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnQuestion {
    pub id: AttrValue,
    pub text: AttrValue,
    /// A scale's ends; `None` for a choice.
    pub ends: Option<(AttrValue, AttrValue)>,
    /// What the customer picks from: a scale's values `1`–`5` or a choice's options, each
    /// with its label (`when` unused).
    pub options: Vec<ReasonChip>,
}

/// The built-in scales' options, as the collector resolved them (`id` the value sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scales {
    pub csat: Vec<ReasonChip>,
    pub nps: Vec<ReasonChip>,
    pub ces: Vec<ReasonChip>,
    pub yes_no: Vec<ReasonChip>,
}

/// How the card looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Look {
    /// The brand colour and the text colour that reads on it (worked out by the collector).
    pub color: String,
    pub on_color: String,
    pub radius: u8,
    /// The host page's font rather than the system's.
    pub host_font: bool,
    /// `auto`, `light` or `dark`.
    pub theme: String,
    pub left: bool,
}

/// The survey for this customer.
#[derive(Debug, Clone)]
pub struct SiteSurvey {
    /// The published version (0: Koe's own); answers record it.
    pub version: u32,
    /// The language it speaks (a BCP 47 tag); answers record it.
    pub lang: String,
    /// Every text, in `TextKey::ALL` order.
    texts: Vec<AttrValue>,
    pub reasons: Vec<ReasonChip>,
    /// The built-in scales' options.
    pub scales: Scales,
    /// The site's own question, asked after the built-in scores.
    pub question: Option<Rc<OwnQuestion>>,
    pub look: Look,
}

/// The same survey is the same address (props compare it; comparing every text costs wasm).
impl PartialEq for SiteSurvey {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

/// `text` with each `{name}` that `value` knows replaced, the rest as written. By hand, split
/// at the braces: `str::find` and `str::replace` cost the wasm over a kilobyte.
fn fill<'a>(text: &str, value: impl Fn(&str) -> Option<&'a str>) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, piece) in text.split('{').enumerate() {
        if i > 0 {
            match piece
                .split_once('}')
                .and_then(|(name, rest)| Some((value(name)?, rest)))
            {
                Some((filled, rest)) => {
                    out.push_str(filled);
                    out.push_str(rest);
                    continue;
                }
                None => out.push('{'),
            }
        }
        out.push_str(piece);
    }
    out
}

fn field(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn string(object: &JsValue, key: &str) -> Option<String> {
    field(object, key).as_string()
}

/// The list of `{id, label, when}` at `key`: the reasons, or the options of the question.
fn chips(object: &JsValue, key: &str) -> Vec<ReasonChip> {
    Array::from(&field(object, key))
        .iter()
        .filter_map(|r| {
            Some(ReasonChip {
                id: string(&r, "id")?.into(),
                label: string(&r, "label")?.into(),
                when: match string(&r, "when").as_deref() {
                    Some("happy") => When::Happy,
                    Some("always") => When::Always,
                    _ => When::Unhappy,
                },
            })
        })
        .collect()
}

impl SiteSurvey {
    /// A text, `{agent_display_name}` filled in by [`Self::for_agent`].
    pub fn text(&self, key: TextKey) -> AttrValue {
        let at = TextKey::ALL.iter().position(|k| *k == key).unwrap_or(0);
        self.texts.get(at).cloned().unwrap_or_default()
    }

    /// "Question 2 of 3" / 「3問中2問目」.
    pub fn step(&self, n: usize, total: usize) -> String {
        let (n, total) = (n.to_string(), total.to_string());
        fill(&self.text(TextKey::StepOf), |name| match name {
            "n" => Some(n.as_str()),
            "total" => Some(total.as_str()),
            _ => None,
        })
    }

    /// These texts with `{agent_display_name}` as `agent` (else the survey's "our team").
    pub fn for_agent(&self, agent: Option<&str>) -> Self {
        let fallback = self.text(TextKey::AgentFallback);
        let agent = agent.unwrap_or(&fallback);
        let mut survey = self.clone();
        let named = |text: &mut AttrValue| {
            *text = fill(text, |name| (name == "agent_display_name").then_some(agent)).into();
        };
        survey.texts.iter_mut().for_each(named);
        let s = &mut survey.scales;
        for option in [&mut s.csat, &mut s.nps, &mut s.ces, &mut s.yes_no]
            .into_iter()
            .flatten()
        {
            named(&mut option.label);
        }
        survey
    }

    /// From the collector's JSON; `None` when it is not a survey.
    pub fn from_js(value: &JsValue) -> Option<Self> {
        let texts_object = field(value, "texts");
        let texts = TextKey::ALL
            .iter()
            .map(|k| AttrValue::from(string(&texts_object, k.as_str()).unwrap_or_default()))
            .collect();
        let reasons = chips(value, "reasons");
        let look = field(value, "look");
        let scales = field(value, "scales");
        let scales = Scales {
            csat: chips(&scales, "csat"),
            nps: chips(&scales, "nps"),
            ces: chips(&scales, "ces"),
            yes_no: chips(&scales, "yes_no"),
        };
        // A survey without scales (an earlier collector's) cannot be asked.
        if scales.csat.is_empty() {
            return None;
        }
        let question = field(value, "question");
        let text = |key| string(&question, key).map(AttrValue::from);
        let question = text("id").map(|id| {
            Rc::new(OwnQuestion {
                id,
                text: text("text").unwrap_or_default(),
                ends: text("low").zip(text("high")),
                options: chips(&question, "options"),
            })
        });
        Some(Self {
            version: field(value, "version").as_f64()? as u32,
            lang: string(value, "lang")?,
            texts,
            reasons,
            scales,
            question,
            look: Look {
                color: string(&look, "color")?,
                on_color: string(&look, "on_color")?,
                radius: field(&look, "radius").as_f64().unwrap_or(12.0) as u8,
                host_font: string(&look, "font").as_deref() == Some("host"),
                theme: string(&look, "theme").unwrap_or_default(),
                left: string(&look, "position").as_deref() == Some("bottom-left"),
            },
        })
    }
}

/// Asks the collector for the site's survey now; [`finish`] reads the answer.
pub fn start(config: &WidgetConfig) -> Option<js_sys::Promise> {
    Some(web_sys::window()?.fetch_with_str(&url(config)))
}

/// The survey for this page's customer: the collector's answer to [`start`], else the one it
/// last gave this site in this browser; `None` when neither can be had.
pub async fn finish(config: &WidgetConfig, pending: Option<js_sys::Promise>) -> Option<SiteSurvey> {
    let key = format!("{CACHE_KEY}{}:{}", config.site, config.endpoint);
    let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
    if let Some(json) = read(pending).await {
        if let (Some(storage), Ok(text)) = (&storage, JSON::stringify(&json)) {
            let _ = storage.set_item(&key, &String::from(text));
        }
        if let Some(survey) = SiteSurvey::from_js(&json) {
            return Some(survey);
        }
    }
    let cached = storage?.get_item(&key).ok()??;
    SiteSurvey::from_js(&JSON::parse(&cached).ok()?)
}

/// The address of the site's survey for this customer (`GET /api/v1/survey`).
fn url(config: &WidgetConfig) -> String {
    let mut url = format!(
        // `form=2`: this widget reads `scales`; a browser's cached answer of the form before
        // is another URL, never served for this one.
        "{}/api/v1/survey?form=2&site={}",
        config.endpoint,
        encode(&config.site)
    );
    for (name, value) in [
        ("lang", Some(&config.languages)),
        ("color", config.color.as_ref()),
        ("position", config.position_attribute.as_ref()),
    ] {
        if let Some(value) = value {
            url.push_str(&format!("&{name}={}", encode(value)));
        }
    }
    url
}

/// The collector's answer as JSON, if it gave one.
async fn read(pending: Option<js_sys::Promise>) -> Option<JsValue> {
    let response: web_sys::Response = JsFuture::from(pending?).await.ok()?.into();
    if !response.ok() {
        return None;
    }
    JsFuture::from(response.json().ok()?).await.ok()
}

fn encode(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}

#[cfg(not(target_arch = "wasm32"))]
impl SiteSurvey {
    /// Koe's own survey in one of its languages (for tests that render natively).
    pub fn koe(locale: koe_shared::Locale) -> Self {
        let lang = koe_shared::survey::LanguageTag::of_locale(locale);
        Self::from_resolved(&koe_shared::survey::Survey::default().resolve(0, &lang, "Koe"))
    }

    /// What the collector would send, read natively (for tests).
    pub fn from_resolved(resolved: &koe_shared::survey::ResolvedSurvey) -> Self {
        use koe_shared::survey::ReasonWhen;
        Self {
            version: resolved.version,
            lang: resolved.lang.to_string(),
            texts: TextKey::ALL
                .iter()
                .map(|k| {
                    AttrValue::from(resolved.texts.get(k.as_str()).cloned().unwrap_or_default())
                })
                .collect(),
            reasons: resolved
                .reasons
                .iter()
                .map(|r| ReasonChip {
                    id: r.id.clone().into(),
                    label: r.label.clone().into(),
                    when: match r.when {
                        ReasonWhen::Unhappy => When::Unhappy,
                        ReasonWhen::Happy => When::Happy,
                        ReasonWhen::Always => When::Always,
                    },
                })
                .collect(),
            scales: {
                let chips = |options: &[koe_shared::survey::ResolvedOption]| {
                    options
                        .iter()
                        .map(|o| ReasonChip {
                            id: o.id.clone().into(),
                            label: o.label.clone().into(),
                            when: When::Always,
                        })
                        .collect()
                };
                let s = &resolved.scales;
                Scales {
                    csat: chips(&s.csat),
                    nps: chips(&s.nps),
                    ces: chips(&s.ces),
                    yes_no: chips(&s.yes_no),
                }
            },
            question: resolved.question.as_ref().map(|q| {
                Rc::new(OwnQuestion {
                    id: q.id.clone().into(),
                    text: q.text.clone().into(),
                    ends: q
                        .low
                        .clone()
                        .map(Into::into)
                        .zip(q.high.clone().map(Into::into)),
                    options: q
                        .options
                        .iter()
                        .map(|o| ReasonChip {
                            id: o.id.clone().into(),
                            label: o.label.clone().into(),
                            when: When::Always,
                        })
                        .collect(),
                })
            }),
            look: Look {
                color: resolved.look.color.clone(),
                on_color: resolved.look.on_color.to_owned(),
                radius: resolved.look.radius,
                host_font: resolved.look.font == koe_shared::survey::look::Font::Host,
                theme: resolved.look.theme.as_str().to_owned(),
                left: resolved.look.position == koe_shared::survey::look::Position::BottomLeft,
            },
        }
    }
}
