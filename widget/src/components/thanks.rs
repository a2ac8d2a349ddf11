//! The last step: thanks, announced to screen readers.

use yew::prelude::*;

#[derive(Debug, Clone, PartialEq, Properties)]
pub struct ThanksProps {
    pub title: AttrValue,
    pub detail: AttrValue,
}

#[function_component(Thanks)]
pub fn thanks(props: &ThanksProps) -> Html {
    html! {
        <div class="koe-thanks" role="status">
            <p class="koe-thanks-title">{ props.title.clone() }</p>
            <p>{ props.detail.clone() }</p>
        </div>
    }
}
