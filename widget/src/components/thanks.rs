//! The last step: thanks, announced to screen readers. It takes focus, so Escape and Tab keep
//! working inside the survey after the button that led here is gone.

use web_sys::HtmlElement;
use yew::prelude::*;

#[derive(Debug, Clone, PartialEq, Properties)]
pub struct ThanksProps {
    pub title: AttrValue,
    pub detail: AttrValue,
}

#[function_component(Thanks)]
pub fn thanks(props: &ThanksProps) -> Html {
    let node = use_node_ref();
    {
        let node = node.clone();
        use_effect_with((), move |_| {
            if let Some(element) = node.cast::<HtmlElement>() {
                let _ = element.focus();
            }
        });
    }
    html! {
        <div class="koe-thanks" role="status" tabindex="-1" ref={node}>
            <p class="koe-thanks-title">{ props.title.clone() }</p>
            <p>{ props.detail.clone() }</p>
        </div>
    }
}
