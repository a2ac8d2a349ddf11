//! The boundary with JavaScript: reads the loader's settings, exposes `show` and `hide`, and
//! keeps every failure in the console rather than the host page.

use std::rc::Rc;

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::config::{ShowRequest, WidgetConfig};
use crate::mount::{self, Events};
use crate::outbox;
use crate::state::Question;

fn text(object: &JsValue, key: &str) -> Option<String> {
    Reflect::get(object, &key.into())
        .ok()
        .and_then(|v| v.as_string())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn read_config(window: &web_sys::Window) -> Option<(WidgetConfig, Events)> {
    let raw = Reflect::get(window, &"__koeConfig".into()).ok()?;
    let browser = Array::from(&window.navigator().languages())
        .iter()
        .filter_map(|l| l.as_string())
        .collect::<Vec<_>>()
        .join(",");
    let config = WidgetConfig {
        site: text(&raw, "site")?,
        endpoint: text(&raw, "endpoint")?,
        languages: text(&raw, "lang").unwrap_or(browser),
        color: text(&raw, "color"),
        position_attribute: text(&raw, "position"),
        target: text(&raw, "target"),
    };
    let emit = Reflect::get(&raw, &"emit".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok());
    Some((config, Events(emit)))
}

fn read_request(options: &JsValue) -> Result<ShowRequest, String> {
    if text(options, "mode").as_deref() == Some("article") {
        let article = text(options, "article").ok_or("article mode needs `article`")?;
        let visit = format!("{:x}", (js_sys::Math::random() * 1e12) as u64);
        return Ok(ShowRequest::article(&article, &visit));
    }
    let questions = Reflect::get(options, &"questions".into())
        .ok()
        .filter(Array::is_array)
        .map(|list| {
            Array::from(&list)
                .iter()
                .filter_map(|q| q.as_string())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let chosen = questions
        .iter()
        .map(|q| Question::parse(q).ok_or_else(|| format!("unknown question \"{q}\"")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ShowRequest {
        interaction: text(options, "interaction").ok_or("`interaction` is required")?,
        agent: text(options, "agent"),
        team: text(options, "team"),
        channel: text(options, "channel"),
        token: text(options, "token"),
        customer: text(options, "customer"),
        agent_name: text(options, "agentName"),
        steps: Question::sequence(&chosen),
    })
}

/// Runs when the wasm is instantiated (the binary's `main`). The shipped build aborts on a
/// panic (`-Cpanic=immediate-abort`, see xtask's `toolchain.rs`): the widget stops, the host
/// page gets one `RuntimeError` in its console and goes on.
pub fn start() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some((config, events)) = read_config(&window) else {
        web_sys::console::error_1(&"koe: the loader gave no site or endpoint".into());
        return;
    };
    let config = Rc::new(config);
    outbox::report_errors_to(events.0.clone());
    let api = Object::new();
    let prepare = {
        let (config, events) = (Rc::clone(&config), events.clone());
        Closure::<dyn Fn(JsValue)>::new(move |options: JsValue| match read_request(&options) {
            Ok(request) => mount::prepare(Rc::clone(&config), request, events.clone()),
            Err(error) => web_sys::console::error_2(&"koe: cannot prepare:".into(), &error.into()),
        })
    };
    let show = {
        let config = Rc::clone(&config);
        Closure::<dyn Fn(JsValue)>::new(move |options: JsValue| {
            let shown = read_request(&options)
                .map_err(JsValue::from)
                .and_then(|request| mount::show(Rc::clone(&config), request, events.clone()));
            if let Err(error) = shown {
                web_sys::console::error_2(&"koe: cannot show the survey:".into(), &error);
            }
        })
    };
    let hide = Closure::<dyn Fn()>::new(mount::hide);
    let _ = Reflect::set(&api, &"show".into(), show.as_ref());
    let _ = Reflect::set(&api, &"prepare".into(), prepare.as_ref());
    let _ = Reflect::set(&api, &"hide".into(), hide.as_ref());
    // They live as long as the page.
    show.forget();
    prepare.forget();
    hide.forget();
    let _ = Reflect::set(&window, &"__koeWidget".into(), &api);
    outbox::resume();
}
