//! The optional comment, with the site's reason chips that fit the answers given. Its text box
//! is `node`, which the widget focuses when the step appears. A plain function rather than a
//! component: each component costs the wasm about a kilobyte of yew's lifecycle.

use std::rc::Rc;

use koe_shared::survey::TextKey;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::survey::{ReasonChip, SiteSurvey};

#[derive(Debug, Clone, PartialEq)]
pub struct CommentProps {
    /// The text box, focused by the widget.
    pub node: NodeRef,
    pub site: Rc<SiteSurvey>,
    /// The reasons offered (none: no chips).
    pub offered: Vec<ReasonChip>,
    /// Above them: what went wrong, or what went well.
    pub prompt: AttrValue,
    /// The ids picked so far.
    pub picked: Vec<String>,
    pub on_toggle_reason: Callback<String>,
    /// Confirmed text (possibly empty) and the chosen reasons.
    pub on_send: Callback<String>,
    pub on_skip: Callback<()>,
}

pub fn comment_step(props: CommentProps) -> Html {
    let textarea = props.node.clone();
    let on_send = {
        let textarea = textarea.clone();
        let on_send = props.on_send.clone();
        Callback::from(move |_: MouseEvent| {
            let text = textarea
                .cast::<HtmlTextAreaElement>()
                .map(|t| t.value())
                .unwrap_or_default();
            on_send.emit(text);
        })
    };
    let on_skip = props.on_skip.reform(|_: MouseEvent| ());
    let chips = props.offered.iter().map(|reason| {
        let pressed = props.picked.iter().any(|p| *p == *reason.id);
        let id = reason.id.to_string();
        let on_click = props.on_toggle_reason.reform(move |_: MouseEvent| id.clone());
        html! {
            <button type="button" class={if pressed { "koe-chip koe-pressed" } else { "koe-chip" }}
                aria-pressed={if pressed { "true" } else { "false" }} data-reason={reason.id.clone()} onclick={on_click}>
                { reason.label.clone() }
            </button>
        }
    });
    let text = |key| props.site.text(key);
    html! {
        <div class="koe-comment">
            if !props.offered.is_empty() {
                <fieldset class="koe-reasons">
                    <legend>{ props.prompt.clone() }</legend>
                    { for chips }
                </fieldset>
            }
            <label for="koe-comment-text" id="koe-question">{ text(TextKey::CommentQuestion) }</label>
            <textarea id="koe-comment-text" ref={textarea} rows="3" maxlength="2000"
                placeholder={text(TextKey::CommentPlaceholder)}></textarea>
            <div class="koe-actions">
                <button type="button" class="koe-secondary" onclick={on_skip}>{ text(TextKey::Skip) }</button>
                <button type="button" class="koe-primary" onclick={on_send}>{ text(TextKey::Send) }</button>
            </div>
        </div>
    }
}
