//! A rating scale as an ARIA radio group: arrows move (and check) the focused option, Enter or
//! Space confirms it, a click confirms at once. One option is in the tab order at a time.

use web_sys::{HtmlElement, KeyboardEvent};
use yew::prelude::*;

#[derive(Debug, Clone, PartialEq)]
pub struct ScaleOption {
    pub value: u8,
    /// What the button shows (a number, a face and a number, "Yes").
    pub text: AttrValue,
    /// The accessible name, e.g. "5 – Very satisfied".
    pub label: AttrValue,
    /// A face drawn before the text (CSAT: 0 angry … 4 happy), the same on every platform.
    pub face: Option<usize>,
}

/// A face drawn by the stylesheet (`.koe-face-N`: a ring, two eyes, a mouth from a deep frown
/// to a wide smile): no emoji font needed, so it looks the same on every platform.
fn face(index: usize) -> Html {
    html! { <span class={format!("koe-face koe-face-{index}")} aria-hidden="true"></span> }
}

#[derive(Debug, Clone, PartialEq, Properties)]
pub struct ScaleProps {
    /// `id` of the element that names the group (the question).
    pub labelled_by: AttrValue,
    pub kind: AttrValue,
    pub options: Vec<ScaleOption>,
    #[prop_or_default]
    pub low_label: Option<AttrValue>,
    #[prop_or_default]
    pub high_label: Option<AttrValue>,
    pub on_confirm: Callback<u8>,
}

#[function_component(Scale)]
pub fn scale(props: &ScaleProps) -> Html {
    let focused = use_state(|| None::<usize>);
    let refs = use_memo(props.options.len(), |n| {
        (0..*n).map(|_| NodeRef::default()).collect::<Vec<_>>()
    });

    // The first option takes focus when the scale appears, so keyboard users start on it.
    {
        let refs = refs.clone();
        use_effect_with(props.kind.clone(), move |_| {
            if let Some(first) = refs.first().and_then(|r| r.cast::<HtmlElement>()) {
                let _ = first.focus();
            }
        });
    }

    let count = props.options.len();
    let move_to = {
        let focused = focused.clone();
        let refs = refs.clone();
        move |index: usize| {
            focused.set(Some(index));
            if let Some(element) = refs.get(index).and_then(|r| r.cast::<HtmlElement>()) {
                let _ = element.focus();
            }
        }
    };

    let options = props.options.iter().enumerate().map(|(index, option)| {
        let checked = *focused == Some(index);
        let tab_stop = focused.map_or(index == 0, |f| f == index);
        let on_click = {
            let on_confirm = props.on_confirm.clone();
            let value = option.value;
            Callback::from(move |_: MouseEvent| on_confirm.emit(value))
        };
        let on_keydown = {
            let on_confirm = props.on_confirm.clone();
            let move_to = move_to.clone();
            let value = option.value;
            Callback::from(move |event: KeyboardEvent| {
                let target = match event.key().as_str() {
                    "ArrowRight" | "ArrowDown" => Some((index + 1) % count),
                    "ArrowLeft" | "ArrowUp" => Some((index + count - 1) % count),
                    "Home" => Some(0),
                    "End" => Some(count - 1),
                    "Enter" | " " => {
                        event.prevent_default();
                        on_confirm.emit(value);
                        None
                    }
                    _ => return,
                };
                if let Some(target) = target {
                    event.prevent_default();
                    move_to(target);
                }
            })
        };
        html! {
            <button
                type="button"
                role="radio"
                class={if checked { "koe-option koe-checked" } else { "koe-option" }}
                aria-checked={if checked { "true" } else { "false" }}
                aria-label={option.label.clone()}
                title={option.label.clone()}
                tabindex={if tab_stop { "0" } else { "-1" }}
                data-value={option.value.to_string()}
                ref={refs[index].clone()}
                onclick={on_click}
                onkeydown={on_keydown}
            >
                { for option.face.map(face) }
                { option.text.clone() }
            </button>
        }
    });

    html! {
        <div class={format!("koe-scale koe-scale-{}", props.kind)}>
            <div role="radiogroup" aria-labelledby={props.labelled_by.clone()} class="koe-options">
                { for options }
            </div>
            if props.low_label.is_some() || props.high_label.is_some() {
                <div class="koe-anchors" aria-hidden="true">
                    <span>{ props.low_label.clone().unwrap_or_default() }</span>
                    <span>{ props.high_label.clone().unwrap_or_default() }</span>
                </div>
            }
        </div>
    }
}
