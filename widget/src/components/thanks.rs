//! The last step: thanks, announced to screen readers. It takes focus (the widget focuses the
//! node it is given), so Escape and Tab keep working inside the survey after the button that led
//! here is gone. A plain function rather than a component: each component costs the wasm about
//! a kilobyte of yew's lifecycle.

use yew::prelude::*;

pub fn thanks(title: AttrValue, detail: AttrValue, node: NodeRef) -> Html {
    html! {
        <div class="koe-thanks" role="status" tabindex="-1" ref={node}>
            <p class="koe-thanks-title">{ title }</p>
            <p>{ detail }</p>
        </div>
    }
}
