//! The markup of each step, rendered on the server side: roles, names and texts a screen
//! reader relies on.

use koe_widget::app::{Widget, WidgetProps};
use koe_widget::locale::{EN, JA, Texts};
use koe_widget::state::{Action, Answer, Question, Survey};
use yew::{Callback, ServerRenderer};

async fn render(texts: &'static Texts, survey: Survey) -> String {
    ServerRenderer::<Widget>::with_props(move || WidgetProps {
        texts,
        steps: survey.steps.clone(),
        on_answer: Callback::noop(),
        on_close: Callback::noop(),
        initial: Some(survey),
    })
    .hydratable(false)
    .render()
    .await
}

fn count(html: &str, needle: &str) -> usize {
    html.matches(needle).count()
}

#[tokio::test]
async fn csat_is_a_named_radio_group_of_five() {
    let html = render(&EN, Survey::new(Question::sequence(&[]))).await;
    assert!(html.contains(r#"role="dialog""#) && html.contains(r#"aria-labelledby="koe-title""#));
    assert!(
        html.contains(r#"role="radiogroup" aria-labelledby="koe-question""#),
        "{html}"
    );
    assert_eq!(count(&html, r#"role="radio""#), 5);
    assert!(html.contains(r#"aria-label="5 – Very satisfied""#));
    assert!(html.contains(r#"aria-label="1 – Very dissatisfied""#));
    assert_eq!(
        count(&html, r#"tabindex="0""#),
        1,
        "one tab stop in the group"
    );
    assert!(html.contains("Question 1 of 3"));
    assert!(html.contains(r#"aria-label="Close""#));
}

#[tokio::test]
async fn nps_has_eleven_options_and_named_anchors() {
    let survey = Survey::new(Question::sequence(&[])).apply(Action::Answered(Answer::Csat(4)));
    let html = render(&EN, survey).await;
    assert_eq!(count(&html, r#"role="radio""#), 11);
    assert!(
        html.contains(r#"aria-label="0 – Not likely""#)
            && html.contains(r#"aria-label="10 – Very likely""#)
    );
    assert!(html.contains("Question 2 of 3"));
}

#[tokio::test]
async fn effort_and_resolution_steps() {
    let steps = Question::sequence(&[Question::Ces, Question::Resolved]);
    let html = render(&EN, Survey::new(steps.clone())).await;
    assert_eq!(count(&html, r#"role="radio""#), 7);
    let html = render(
        &EN,
        Survey::new(steps).apply(Action::Answered(Answer::Ces(5))),
    )
    .await;
    assert!(html.contains("Was your issue resolved?"));
    assert!(html.contains(r#"aria-label="Yes""#) && html.contains(r#"aria-label="No""#));
}

#[tokio::test]
async fn reasons_appear_only_after_a_low_score() {
    let happy = Survey::new(vec![Question::Csat, Question::Comment])
        .apply(Action::Answered(Answer::Csat(5)));
    let html = render(&EN, happy).await;
    assert!(html.contains("<textarea") && !html.contains("koe-chip"));
    let unhappy = Survey::new(vec![Question::Csat, Question::Comment])
        .apply(Action::Answered(Answer::Csat(1)));
    let html = render(&EN, unhappy).await;
    assert_eq!(count(&html, r#"aria-pressed="false""#), 5, "{html}");
    assert!(html.contains("What went wrong?"));
}

#[tokio::test]
async fn japanese_labels_and_thanks() {
    let html = render(&JA, Survey::new(Question::sequence(&[]))).await;
    assert!(html.contains("今回のサポートにどのくらい満足されましたか？"));
    assert!(html.contains(r#"aria-label="5 – とても満足""#));
    let done = Survey::new(vec![Question::Csat]).apply(Action::Answered(Answer::Csat(3)));
    let html = render(&JA, done).await;
    assert!(html.contains(r#"role="status""#) && html.contains("ありがとうございました！"));
}
