//! The survey widget: the reducer's state rendered step by step. Every confirmed answer goes
//! out through `on_answer` at once, so a customer who leaves after one click still counts.

use yew::prelude::*;

use crate::components::card::Card;
use crate::components::comment::CommentStep;
use crate::components::scale::{Scale, ScaleOption};
use crate::components::thanks::Thanks;
use crate::locale::Texts;
use crate::state::{Action, Answer, Phase, Question, Survey};

#[derive(Debug, Clone, PartialEq, Properties)]
pub struct WidgetProps {
    pub texts: &'static Texts,
    pub steps: Vec<Question>,
    /// A confirmed answer, to send now.
    pub on_answer: Callback<Answer>,
    /// The customer closed the survey (button or Escape).
    pub on_close: Callback<()>,
    /// Start at a given state (server-side rendering tests); `None` starts at the first step.
    #[prop_or_default]
    pub initial: Option<Survey>,
}

#[function_component(Widget)]
pub fn widget(props: &WidgetProps) -> Html {
    let survey = {
        let (steps, initial) = (props.steps.clone(), props.initial.clone());
        use_reducer(move || initial.unwrap_or_else(|| Survey::new(steps)))
    };
    let texts = props.texts;

    let answer = {
        let survey = survey.clone();
        let on_answer = props.on_answer.clone();
        Callback::from(move |answer: Answer| {
            on_answer.emit(answer.clone());
            survey.dispatch(Action::Answered(answer));
        })
    };
    let on_close = {
        let survey = survey.clone();
        let on_close = props.on_close.clone();
        Callback::from(move |()| {
            survey.dispatch(Action::Close);
            on_close.emit(());
        })
    };

    let (body, progress) = match (&survey.phase, survey.current()) {
        (Phase::Asking(index), Some(question)) => {
            let progress = (survey.steps.len() > 1)
                .then(|| AttrValue::from(texts.step(index + 1, survey.steps.len())));
            (step(question, texts, &survey, &answer), progress)
        }
        _ => (
            html! { <Thanks title={texts.thanks} detail={texts.thanks_detail} /> },
            None,
        ),
    };
    html! {
        <Card title={texts.survey_label} close_label={texts.close} {progress} on_close={on_close}>
            { body }
        </Card>
    }
}

fn step(
    question: Question,
    texts: &'static Texts,
    survey: &UseReducerHandle<Survey>,
    answer: &Callback<Answer>,
) -> Html {
    let scale = |kind: &'static str,
                 prompt: &'static str,
                 options: Vec<ScaleOption>,
                 anchors: Option<(&'static str, &'static str)>,
                 make: fn(u8) -> Answer| {
        html! {
            <div class="koe-step">
                <p id="koe-question" class="koe-question">{ prompt }</p>
                <p class="koe-hint">{ texts.keyboard_hint }</p>
                <Scale labelled_by="koe-question" kind={kind} options={options}
                    low_label={anchors.map(|a| AttrValue::from(a.0))}
                    high_label={anchors.map(|a| AttrValue::from(a.1))}
                    on_confirm={answer.reform(make)} />
            </div>
        }
    };
    match question {
        Question::Csat => scale(
            "csat",
            texts.csat_question,
            csat_options(texts),
            None,
            Answer::Csat,
        ),
        Question::Nps => scale(
            "nps",
            texts.nps_question,
            numbered(0..=10, texts.nps_low, texts.nps_high),
            Some((texts.nps_low, texts.nps_high)),
            Answer::Nps,
        ),
        Question::Ces => scale(
            "ces",
            texts.ces_question,
            numbered(1..=7, texts.ces_low, texts.ces_high),
            Some((texts.ces_low, texts.ces_high)),
            Answer::Ces,
        ),
        Question::Resolved => scale(
            "resolved",
            texts.resolved_question,
            yes_no(texts),
            None,
            |v| Answer::Resolved(v == 1),
        ),
        Question::Article => scale(
            "article",
            texts.article_question,
            yes_no(texts),
            None,
            |v| Answer::Resolved(v == 1),
        ),
        Question::Comment => {
            let on_toggle_reason = {
                let survey = survey.clone();
                Callback::from(move |reason| survey.dispatch(Action::ToggleReason(reason)))
            };
            let on_send = {
                let reasons = survey.reasons.clone();
                let survey = survey.clone();
                let answer = answer.clone();
                Callback::from(move |text: String| {
                    // Characters the collector refuses (pasted control codes) are dropped
                    // rather than losing the whole comment to a 422.
                    let text = koe_shared::Comment::clean(&text);
                    if text.trim().is_empty() && reasons.is_empty() {
                        survey.dispatch(Action::Skip);
                    } else {
                        answer.emit(Answer::Comment {
                            text,
                            reasons: reasons.clone(),
                        });
                    }
                })
            };
            let on_skip = {
                let survey = survey.clone();
                Callback::from(move |()| survey.dispatch(Action::Skip))
            };
            html! {
                <CommentStep texts={texts} show_reasons={survey.was_unhappy()} reasons={survey.reasons.clone()}
                    {on_toggle_reason} {on_send} {on_skip} />
            }
        }
    }
}

fn csat_options(texts: &Texts) -> Vec<ScaleOption> {
    (1..=5u8)
        .zip(texts.csat_labels)
        .map(|(value, label)| ScaleOption {
            value,
            text: value.to_string().into(),
            label: format!("{value} – {label}").into(),
            face: Some(usize::from(value - 1)),
        })
        .collect()
}

/// A numbered scale whose ends carry their anchor in the accessible name.
fn numbered(values: std::ops::RangeInclusive<u8>, low: &str, high: &str) -> Vec<ScaleOption> {
    let (first, last) = (*values.start(), *values.end());
    values
        .map(|value| {
            let label = match value {
                v if v == first => format!("{v} – {low}"),
                v if v == last => format!("{v} – {high}"),
                v => v.to_string(),
            };
            ScaleOption {
                value,
                text: value.to_string().into(),
                label: label.into(),
                face: None,
            }
        })
        .collect()
}

fn yes_no(texts: &Texts) -> Vec<ScaleOption> {
    vec![
        ScaleOption {
            value: 1,
            text: texts.yes.into(),
            label: texts.yes.into(),
            face: None,
        },
        ScaleOption {
            value: 0,
            text: texts.no.into(),
            label: texts.no.into(),
            face: None,
        },
    ]
}
