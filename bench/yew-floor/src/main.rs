//! A yew app with a CSAT and an NPS scale and nothing else: no styles, no texts, no network,
//! no storage. `cargo xtask bench` builds it exactly as it builds the widget and reports its
//! weight as the floor under which no yew widget can go.
#![forbid(unsafe_code)]

use yew::prelude::*;

#[derive(Properties, PartialEq)]
struct ScaleProps {
    from: u8,
    to: u8,
    on_pick: Callback<u8>,
}

#[function_component]
fn Scale(props: &ScaleProps) -> Html {
    let buttons = (props.from..=props.to).map(|value| {
        let on_pick = props.on_pick.clone();
        html! { <button onclick={move |_| on_pick.emit(value)}>{ value }</button> }
    });
    html! { <div>{ for buttons }</div> }
}

#[function_component]
fn Survey() -> Html {
    let csat = use_state(|| None::<u8>);
    let nps = use_state(|| None::<u8>);
    let pick = |state: UseStateHandle<Option<u8>>| Callback::from(move |v| state.set(Some(v)));
    html! {
        <>
            <Scale from={1} to={5} on_pick={pick(csat.clone())} />
            <Scale from={0} to={10} on_pick={pick(nps.clone())} />
            <p>{ csat.unwrap_or_default() }{ nps.unwrap_or_default() }</p>
        </>
    }
}

fn main() {
    yew::Renderer::<Survey>::new().render();
}
