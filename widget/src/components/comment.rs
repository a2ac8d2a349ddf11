//! The optional comment, with reason chips after a low score.

use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::locale::Texts;
use crate::state::REASONS;

#[derive(Debug, Clone, PartialEq, Properties)]
pub struct CommentProps {
    pub texts: &'static Texts,
    /// Offer reason chips (a low score was given).
    pub show_reasons: bool,
    pub reasons: Vec<&'static str>,
    pub on_toggle_reason: Callback<&'static str>,
    /// Confirmed text (possibly empty) and the chosen reasons.
    pub on_send: Callback<String>,
    pub on_skip: Callback<()>,
}

#[function_component(CommentStep)]
pub fn comment_step(props: &CommentProps) -> Html {
    let textarea = use_node_ref();
    {
        let textarea = textarea.clone();
        use_effect_with((), move |_| {
            if let Some(element) = textarea.cast::<HtmlTextAreaElement>() {
                let _ = element.focus();
            }
        });
    }
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
    let chips = REASONS.iter().zip(props.texts.reason_labels).map(|(reason, label)| {
        let pressed = props.reasons.contains(reason);
        let on_click = props.on_toggle_reason.reform(move |_: MouseEvent| *reason);
        html! {
            <button type="button" class={if pressed { "koe-chip koe-pressed" } else { "koe-chip" }}
                aria-pressed={if pressed { "true" } else { "false" }} data-reason={*reason} onclick={on_click}>
                { label }
            </button>
        }
    });
    html! {
        <div class="koe-comment">
            if props.show_reasons {
                <fieldset class="koe-reasons">
                    <legend>{ props.texts.reasons_question }</legend>
                    { for chips }
                </fieldset>
            }
            <label for="koe-comment-text" id="koe-question">{ props.texts.comment_question }</label>
            <textarea id="koe-comment-text" ref={textarea} rows="3" maxlength="2000"
                placeholder={props.texts.comment_placeholder}></textarea>
            <div class="koe-actions">
                <button type="button" class="koe-secondary" onclick={on_skip}>{ props.texts.skip }</button>
                <button type="button" class="koe-primary" onclick={on_send}>{ props.texts.send }</button>
            </div>
        </div>
    }
}
