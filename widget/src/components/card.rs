//! The survey's frame: a labelled dialog with a close button; Escape closes it. It adds no
//! landmark to the host page (its top is a `div`, not a `header`, which would be the page's
//! second `banner`).

use web_sys::KeyboardEvent;
use yew::prelude::*;

/// What the frame shows around a step.
#[derive(Debug, Clone, PartialEq)]
pub struct CardProps {
    pub title: AttrValue,
    pub close_label: AttrValue,
    /// "Question 2 of 3", when asking.
    pub progress: Option<AttrValue>,
    pub on_close: Callback<()>,
    pub children: Html,
}

/// A plain function rather than a component: it keeps no state, and each component costs the
/// wasm about a kilobyte of yew's lifecycle.
pub fn card(props: CardProps) -> Html {
    let on_keydown = {
        let on_close = props.on_close.clone();
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Escape" {
                event.prevent_default();
                on_close.emit(());
            }
        })
    };
    let on_close_click = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    html! {
        <section class="koe-card" role="dialog" aria-modal="false" aria-labelledby="koe-title" onkeydown={on_keydown}>
            <div class="koe-header">
                <h2 id="koe-title" class="koe-title">{ props.title.clone() }</h2>
                if let Some(progress) = &props.progress {
                    <p class="koe-progress">{ progress.clone() }</p>
                }
                <button type="button" class="koe-close" aria-label={props.close_label.clone()} onclick={on_close_click}>
                    <span aria-hidden="true">{ "×" }</span>
                </button>
            </div>
            { props.children }
        </section>
    }
}
