//! Showing and hiding the survey: a host element, an open shadow root holding the widget's
//! own styles (host-page CSS cannot reach in, ours cannot leak out), and focus handed back to
//! the page on close.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlElement, ShadowRootInit, ShadowRootMode};
use yew::{AppHandle, Callback};

use crate::app::{Widget, WidgetProps};
use crate::ask::Verdict;
use crate::config::{ShowRequest, WidgetConfig};
use crate::outbox;
use crate::state::{Answer, Question};
use crate::survey::{self, SiteSurvey};

const STYLE: &str = include_str!("style.css");

struct Mounted {
    app: AppHandle<Widget>,
    host: Element,
    return_focus: Option<HtmlElement>,
}

thread_local! {
    static MOUNTED: RefCell<Option<Mounted>> = const { RefCell::new(None) };
    /// Counts `show` and `hide` calls: a verdict that arrives after a newer call is dropped.
    static GENERATION: Cell<u32> = const { Cell::new(0) };
    /// What `prepare` learned ahead: the survey it asked about, the collector's verdict and the
    /// site's survey.
    static PREPARED: RefCell<Option<(ShowRequest, Verdict, Rc<SiteSurvey>)>> = const { RefCell::new(None) };
}

/// Whether a verdict about `asked` holds for `request`: the collector decides on the
/// interaction and the customer (named, or signed in the token) alone.
fn same_verdict(asked: &ShowRequest, request: &ShowRequest) -> bool {
    asked.interaction == request.interaction
        && asked.customer == request.customer
        && asked.token == request.token
}

/// Asks the collector ahead — while the chat still runs — whether `request`'s survey will be
/// shown, recording nothing, so that its `show` puts it on the page at once. Fires `prepared`
/// with `{interaction, show}` (and the collector's `code` when it refused the survey: the
/// `show` that follows fires `error` with it); when the collector does not answer, `show` asks
/// as usual.
pub fn prepare(config: Rc<WidgetConfig>, request: ShowRequest, events: Events) {
    PREPARED.with(|p| p.borrow_mut().take());
    wasm_bindgen_futures::spawn_local(async move {
        let pending = survey::start(&config);
        let Some(verdict) = crate::ask::peek(&config, &request).await else {
            return;
        };
        let Some(site) = survey::finish(&config, pending).await else {
            return;
        };
        let detail = js_sys::Object::new();
        let _ = Reflect::set(
            &detail,
            &"interaction".into(),
            &request.interaction.as_str().into(),
        );
        let show = matches!(verdict, Verdict::Show);
        let _ = Reflect::set(&detail, &"show".into(), &show.into());
        if let Verdict::Refused(refusal) = &verdict {
            let _ = Reflect::set(&detail, &"code".into(), &refusal.code.as_str().into());
        }
        PREPARED.with(|p| *p.borrow_mut() = Some((request, verdict, Rc::new(site))));
        events.emit("prepared", &detail);
    });
}

fn next_generation() -> u32 {
    GENERATION.with(|g| {
        g.set(g.get().wrapping_add(1));
        g.get()
    })
}

/// Calls the loader's `emit(name, detail)` (listeners from `koe('on', …)`).
#[derive(Debug, Clone)]
pub struct Events(pub Option<Function>);

impl Events {
    fn emit(&self, name: &str, detail: &JsValue) {
        if let Some(emit) = &self.0
            && let Err(error) = emit.call2(&JsValue::NULL, &name.into(), detail)
        {
            web_sys::console::error_2(&"koe: an event listener failed".into(), &error);
        }
    }
}

/// Shows a survey, replacing any that is open, once the collector agrees (the site's sample and
/// cooldown; a declined survey fires `declined` with its reason and shows nothing; a refused one
/// fires `error` with the collector's code and shows nothing). Does nothing for an interaction
/// this browser has answered already.
pub fn show(config: Rc<WidgetConfig>, request: ShowRequest, events: Events) -> Result<(), JsValue> {
    if request.remembered() && outbox::was_answered(&config.site, &request.interaction) {
        return Ok(());
    }
    hide();
    let generation = next_generation();
    let prepared = PREPARED.with(|p| {
        p.borrow()
            .as_ref()
            .filter(|(asked, ..)| same_verdict(asked, &request))
            .map(|(_, verdict, site)| (verdict.clone(), Rc::clone(site)))
    });
    if let Some((verdict, site)) = prepared {
        // Decided ahead: no round trip before the survey; the impression is counted behind it,
        // and should it now be declined after all (the customer surveyed since, elsewhere) or
        // refused (the token expired since), the survey goes again at once.
        if matches!(verdict, Verdict::Show) {
            let (config, request, events) = (Rc::clone(&config), request.clone(), events.clone());
            let site = Rc::clone(&site);
            wasm_bindgen_futures::spawn_local(async move {
                let late = crate::ask::ask(&config, &request).await;
                if !matches!(late, Verdict::Show) && GENERATION.with(Cell::get) == generation {
                    hide();
                    settle(config, request, events, late, site);
                }
            });
        }
        settle(config, request, events, verdict, site);
        return Ok(());
    }
    wasm_bindgen_futures::spawn_local(async move {
        // The site's survey is asked for first, so it travels beside the impression.
        let pending = survey::start(&config);
        let verdict = crate::ask::ask(&config, &request).await;
        let site = survey::finish(&config, pending).await;
        if GENERATION.with(Cell::get) != generation {
            return;
        }
        match site {
            Some(site) => settle(config, request, events, verdict, Rc::new(site)),
            None if matches!(verdict, Verdict::Show) => {
                web_sys::console::error_1(&"koe: the site's survey could not be loaded".into());
                let detail = js_sys::Object::new();
                let _ = Reflect::set(&detail, &"code".into(), &"survey_unavailable".into());
                let _ = Reflect::set(
                    &detail,
                    &"interaction".into(),
                    &request.interaction.as_str().into(),
                );
                events.emit("error", &detail);
            }
            None => {}
        }
    });
    Ok(())
}

/// Shows the survey, or tells the page why not: `declined` with the site's reason, or `error`
/// with the collector's code when it refused the survey.
fn settle(
    config: Rc<WidgetConfig>,
    request: ShowRequest,
    events: Events,
    verdict: Verdict,
    site: Rc<SiteSurvey>,
) {
    match verdict {
        Verdict::Show => {
            if let Err(error) = mount(config, request, events, site) {
                web_sys::console::error_2(&"koe: cannot show the survey:".into(), &error);
            }
        }
        Verdict::Declined(reason) => {
            let detail = js_sys::Object::new();
            let _ = Reflect::set(
                &detail,
                &"interaction".into(),
                &request.interaction.as_str().into(),
            );
            let _ = Reflect::set(&detail, &"reason".into(), &reason);
            events.emit("declined", &detail);
        }
        Verdict::Refused(refusal) => {
            refusal.warn(&format!("the survey for \"{}\"", request.interaction));
            events.emit("error", &refusal.survey_detail(&request.interaction));
        }
    }
}

/// Puts the survey on the page (the collector has counted its impression, or will).
fn mount(
    config: Rc<WidgetConfig>,
    request: ShowRequest,
    events: Events,
    site: Rc<SiteSurvey>,
) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let return_focus = document
        .active_element()
        .and_then(|e| e.dyn_into::<HtmlElement>().ok());

    let host = document.create_element("div")?;
    host.set_attribute("data-koe", "")?;
    let look = &site.look;
    let mut class = String::from(match (&config.target, look.left) {
        (Some(_), _) => "koe-inline",
        (None, true) => "koe-left",
        (None, false) => "koe-right",
    });
    for (on, name) in [
        (look.host_font, " koe-host-font"),
        (look.theme == "dark", " koe-dark"),
        (look.theme == "light", " koe-light"),
    ] {
        if on {
            class.push_str(name);
        }
    }
    host.set_class_name(&class);
    let parent = config
        .target
        .as_deref()
        .and_then(|selector| document.query_selector(selector).ok().flatten());
    match parent.or_else(|| document.body().map(Into::into)) {
        Some(parent) => parent.append_child(&host)?,
        None => return Err("no body to show the survey in".into()),
    };
    let shadow = host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))?;
    let css = format!(
        ":host{{--koe-brand:{};--koe-on-brand:{};--koe-radius:{}px}}{STYLE}",
        look.color, look.on_color, look.radius
    );
    adopt_styles(&shadow, &css)?;
    let root = document.create_element("div")?;
    root.set_attribute("lang", &site.lang)?;
    shadow.append_child(&root)?;

    let site = Rc::new(site.for_agent(request.agent_name.as_deref()));
    let request = Rc::new(request);
    let on_answer = {
        let (config, request, events) = (Rc::clone(&config), Rc::clone(&request), events.clone());
        let site = Rc::clone(&site);
        Callback::from(move |answer: Answer| {
            outbox::enqueue(
                &config.endpoint,
                outbox::RESPONSES_PATH,
                outbox::submission_body(&config, &request, &site, &answer),
            );
            if request.remembered() {
                outbox::mark_answered(&config.site, &request.interaction);
            }
            events.emit("answered", &answer_detail(&request, &site, &answer));
        })
    };
    let on_close = Callback::from(move |()| {
        // Unmount after the current event has finished dispatching inside the app.
        wasm_bindgen_futures::spawn_local(async { hide() });
        events.emit("closed", &JsValue::UNDEFINED);
    });
    let props = WidgetProps {
        steps: Question::with_own(request.steps.clone(), site.question.is_some()),
        site,
        on_answer,
        on_close,
        initial: None,
    };
    let app = yew::Renderer::<Widget>::with_root_and_props(root, props).render();
    MOUNTED.with(|m| {
        *m.borrow_mut() = Some(Mounted {
            app,
            host,
            return_focus,
        })
    });
    Ok(())
}

/// Gives the shadow root its styles as a constructed stylesheet (`adoptedStyleSheets`): CSSOM,
/// which a host page's `style-src` does not govern, so a strict Content-Security-Policy still
/// shows the survey styled. (Every browser the widget's WebAssembly features need has them:
/// Chrome 73, Firefox 101, Safari 16.4.)
fn adopt_styles(shadow: &web_sys::ShadowRoot, css: &str) -> Result<(), JsValue> {
    let sheet = web_sys::CssStyleSheet::new()?;
    sheet.replace_sync(css)?;
    shadow.set_adopted_style_sheets(&js_sys::Array::of1(&sheet));
    Ok(())
}

/// Removes the survey, if one is shown (or about to be), and gives focus back to where it was.
pub fn hide() {
    next_generation();
    let Some(mounted) = MOUNTED.with(|m| m.borrow_mut().take()) else {
        return;
    };
    mounted.app.destroy();
    mounted.host.remove();
    if let Some(element) = mounted.return_focus {
        let _ = element.focus();
    }
}

fn answer_detail(request: &ShowRequest, site: &SiteSurvey, answer: &Answer) -> JsValue {
    let detail = js_sys::Object::new();
    let value: JsValue = match answer {
        Answer::Csat(v) | Answer::Nps(v) | Answer::Ces(v) => JsValue::from(*v),
        Answer::Resolved(v) => JsValue::from(*v),
        Answer::Comment { text, .. } => JsValue::from(text.as_str()),
        Answer::Own(picked) => site
            .question
            .as_ref()
            .and_then(|own| js_sys::JSON::parse(&outbox::own_answer(own, *picked)).ok())
            .unwrap_or_default(),
    };
    let _ = Reflect::set(
        &detail,
        &"interaction".into(),
        &request.interaction.as_str().into(),
    );
    let _ = Reflect::set(&detail, &"question".into(), &answer.question().into());
    let _ = Reflect::set(&detail, &"value".into(), &value);
    detail.into()
}
