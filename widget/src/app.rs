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
use crate::survey::{ReasonChip, SiteSurvey, When};

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
    let ends = |low, high| Some((texts.text(low), texts.text(high)));
    let scales = &texts.scales;
    // Every scale's options come resolved with the survey: (kind, question, options, whether
    // they show their label rather than their number, CSAT's faces, ends, the answer).
    let (kind, prompt, options, labelled, anchors, make): Scaled = match question {
        Question::Csat => (
            "csat",
            TextKey::CsatQuestion,
            &scales.csat,
            false,
            None,
            Answer::Csat,
        ),
        Question::Nps => (
            "nps",
            TextKey::NpsQuestion,
            &scales.nps,
            false,
            ends(TextKey::NpsLow, TextKey::NpsHigh),
            Answer::Nps,
        ),
        Question::Ces => (
            "ces",
            TextKey::CesQuestion,
            &scales.ces,
            false,
            ends(TextKey::CesLow, TextKey::CesHigh),
            Answer::Ces,
        ),
        Question::Resolved => (
            "resolved",
            TextKey::ResolvedQuestion,
            &scales.yes_no,
            true,
            None,
            |v| Answer::Resolved(v == 1),
        ),
        Question::Article => (
            "article",
            TextKey::ArticleQuestion,
            &scales.yes_no,
            true,
            None,
            |v| Answer::Resolved(v == 1),
        ),
        Question::Own => {
            let Some(own) = &texts.question else {
                return Html::default();
            };
            let kind = if own.ends.is_some() { "own" } else { "choice" };
            // The site's own question may be left unanswered: the comment still follows.
            let skip = {
                let survey = survey.clone();
                Callback::from(move |_: MouseEvent| survey.dispatch(Action::Skip))
            };
            return scale_step(
                texts,
                kind,
                own.text.clone(),
                scale_options(&own.options, own.ends.is_none(), kind),
                own.ends.clone(),
                answer.reform(Answer::Own),
                Some(skip),
            );
        }
        Question::Comment => return comment(texts, survey, answer, focus_node),
    };
    scale_step(
        texts,
        kind,
        texts.text(prompt),
        scale_options(options, labelled, kind),
        anchors,
        answer.reform(make),
        None,
    )
}

/// A scale's options from the survey: each sends its number (a choice's option, its position)
/// and shows its number, or its label; CSAT's show a face too.
fn scale_options(options: &[ReasonChip], labelled: bool, kind: &str) -> Vec<ScaleOption> {
    (0u8..)
        .zip(options)
        .map(|(position, option)| ScaleOption {
            value: option.id.parse().unwrap_or(position),
            text: match labelled {
                true => option.label.clone(),
                false => option.id.clone(),
            },
            label: option.label.clone(),
            face: (kind == "csat").then_some(usize::from(position)),
        })
        .collect()
}

/// What a built-in question answered on a scale shows: its kind, its question, its options,
/// whether they show their labels, its ends and the answer a pick makes.
type Scaled<'a> = (
    &'static str,
    TextKey,
    &'a [ReasonChip],
    bool,
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
    on_skip: Option<Callback<MouseEvent>>,
) -> Html {
    let (low_label, high_label) = anchors.unzip();
    html! {
        <div class="koe-step">
            <p id="koe-question" class="koe-question">{ prompt }</p>
            <p class="koe-hint">{ texts.text(TextKey::KeyboardHint) }</p>
            <Scale labelled_by="koe-question" kind={kind} options={options}
                {low_label} {high_label} {on_confirm} />
            if let Some(on_skip) = on_skip {
                <div class="koe-actions">
                    <button type="button" class="koe-secondary" onclick={on_skip}>{ texts.text(TextKey::Skip) }</button>
                </div>
            }
        </div>
    }
}
