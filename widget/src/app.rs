//! The survey widget: the reducer's state rendered step by step. Every confirmed answer goes
//! out through `on_answer` at once, so a customer who leaves after one click still counts.

use std::rc::Rc;

use koe_shared::survey::TextKey;
use yew::prelude::*;

use crate::components::card::{CardProps, card};
use crate::components::comment::{CommentProps, comment_step};
use crate::components::scale::{Scale, ScaleOption};
use crate::components::thanks::thanks;
use crate::state::{Action, Answer, Phase, Question, Survey};
use crate::survey::{SiteSurvey, When};

#[derive(Debug, Clone, PartialEq, Properties)]
pub struct WidgetProps {
    /// The site's survey in the customer's language: its texts and reasons.
    pub site: Rc<SiteSurvey>,
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
    let texts = &props.site;
    // The comment's text box and the thanks take focus when they appear (a scale focuses its
    // first option itself).
    let focus_node = use_node_ref();
    {
        let node = focus_node.clone();
        use_effect_with(survey.phase.clone(), move |_| {
            if let Some(element) = node.cast::<web_sys::HtmlElement>() {
                let _ = element.focus();
            }
        });
    }

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
            (
                step(question, texts, &survey, &answer, focus_node),
                progress,
            )
        }
        _ => (
            thanks(
                texts.text(TextKey::Thanks),
                texts.text(TextKey::ThanksDetail),
                focus_node,
            ),
            None,
        ),
    };
    card(CardProps {
        title: texts.text(TextKey::Title),
        close_label: texts.text(TextKey::Close),
        progress,
        on_close,
        children: body,
    })
}

fn step(
    question: Question,
    texts: &Rc<SiteSurvey>,
    survey: &UseReducerHandle<Survey>,
    answer: &Callback<Answer>,
    focus_node: NodeRef,
) -> Html {
    let ends = |low, high| (texts.text(low), texts.text(high));
    let (kind, prompt, options, anchors, make): Scaled = match question {
        Question::Csat => (
            "csat",
            texts.text(TextKey::CsatQuestion),
            csat_options(texts),
            None,
            Answer::Csat,
        ),
        Question::Nps => {
            let (low, high) = ends(TextKey::NpsLow, TextKey::NpsHigh);
            let options = numbered(0..=10, &low, &high);
            (
                "nps",
                texts.text(TextKey::NpsQuestion),
                options,
                Some((low, high)),
                Answer::Nps,
            )
        }
        Question::Ces => {
            let (low, high) = ends(TextKey::CesLow, TextKey::CesHigh);
            let options = numbered(1..=7, &low, &high);
            (
                "ces",
                texts.text(TextKey::CesQuestion),
                options,
                Some((low, high)),
                Answer::Ces,
            )
        }
        Question::Resolved => (
            "resolved",
            texts.text(TextKey::ResolvedQuestion),
            yes_no(texts),
            None,
            |v| Answer::Resolved(v == 1),
        ),
        Question::Article => (
            "article",
            texts.text(TextKey::ArticleQuestion),
            yes_no(texts),
            None,
            |v| Answer::Resolved(v == 1),
        ),
        Question::Own => {
            let Some(own) = &texts.question else {
                return Html::default();
            };
            // A scale shows its numbers, a choice its labels; either is picked by position.
            let options = (0u8..)
                .zip(&own.options)
                .map(|(value, option)| ScaleOption {
                    value,
                    text: match own.ends {
                        Some(_) => option.id.clone(),
                        None => option.label.clone(),
                    },
                    label: option.label.clone(),
                    face: None,
                })
                .collect();
            let kind = if own.ends.is_some() { "own" } else { "choice" };
            (
                kind,
                own.text.clone(),
                options,
                own.ends.clone(),
                Answer::Own,
            )
        }
        Question::Comment => return comment(texts, survey, answer, focus_node),
    };
    scale_step(texts, kind, prompt, options, anchors, answer.reform(make))
}

/// What a question answered on a scale shows: its kind, its question, its options, its ends
/// and the answer a pick makes.
type Scaled = (
    &'static str,
    AttrValue,
    Vec<ScaleOption>,
    Option<(AttrValue, AttrValue)>,
    fn(u8) -> Answer,
);

/// The comment, with the reasons that fit the answers given.
fn comment(
    texts: &Rc<SiteSurvey>,
    survey: &UseReducerHandle<Survey>,
    answer: &Callback<Answer>,
    focus_node: NodeRef,
) -> Html {
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
    // The reasons that fit the answers given: after an unhappy one, what went wrong.
    let unhappy = survey.was_unhappy();
    let offered = texts
        .reasons
        .iter()
        .filter(|r| r.when == When::Always || (r.when == When::Unhappy) == unhappy)
        .cloned()
        .collect::<Vec<_>>();
    let prompt = texts.text(if unhappy {
        TextKey::ReasonsQuestion
    } else {
        TextKey::PraiseQuestion
    });
    comment_step(CommentProps {
        node: focus_node,
        site: texts.clone(),
        offered,
        prompt,
        picked: survey.reasons.clone(),
        on_toggle_reason,
        on_send,
        on_skip,
    })
}

/// A question answered on a scale. Not inlined: each copy of its markup costs the wasm.
#[inline(never)]
fn scale_step(
    texts: &SiteSurvey,
    kind: &'static str,
    prompt: AttrValue,
    options: Vec<ScaleOption>,
    anchors: Option<(AttrValue, AttrValue)>,
    on_confirm: Callback<u8>,
) -> Html {
    let (low_label, high_label) = anchors.unzip();
    html! {
        <div class="koe-step">
            <p id="koe-question" class="koe-question">{ prompt }</p>
            <p class="koe-hint">{ texts.text(TextKey::KeyboardHint) }</p>
            <Scale labelled_by="koe-question" kind={kind} options={options}
                {low_label} {high_label} {on_confirm} />
        </div>
    }
}

fn csat_options(texts: &SiteSurvey) -> Vec<ScaleOption> {
    (1..=5u8)
        .zip(texts.csat_labels())
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

fn yes_no(texts: &SiteSurvey) -> Vec<ScaleOption> {
    let (yes, no) = (texts.text(TextKey::Yes), texts.text(TextKey::No));
    vec![
        ScaleOption {
            value: 1,
            text: yes.clone(),
            label: yes,
            face: None,
        },
        ScaleOption {
            value: 0,
            text: no.clone(),
            label: no,
            face: None,
        },
    ]
}
