//! The markup of each step, rendered on the server side: roles, names and texts a screen
//! reader relies on.

use std::rc::Rc;

use koe_shared::Locale;
use koe_widget::app::{Widget, WidgetProps};
use koe_widget::state::{Action, Answer, Question, Survey};
use koe_widget::survey::SiteSurvey;
use yew::{Callback, ServerRenderer};

const EN: Locale = Locale::En;
const JA: Locale = Locale::Ja;

async fn render(locale: &Locale, survey: Survey) -> String {
    let locale = *locale;
    ServerRenderer::<Widget>::with_props(move || WidgetProps {
        site: Rc::new(SiteSurvey::koe(locale)),
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

/// The survey is a guest on a page with its own header, main and footer: it adds no landmark
/// of the page's (a `<header>` outside a section would be a second `banner`), in any state.
#[tokio::test]
async fn no_step_adds_a_landmark_to_the_host_page() {
    let steps = Question::sequence(&[Question::Csat, Question::Comment]);
    let states = [
        Survey::new(steps.clone()),
        Survey::new(steps.clone()).apply(Action::Answered(Answer::Csat(1))),
        Survey::new(vec![Question::Csat]).apply(Action::Answered(Answer::Csat(5))),
    ];
    for survey in states {
        let html = render(&JA, survey).await;
        for landmark in [
            "<header",
            "<footer",
            "<main",
            "<nav",
            "<aside",
            "<form",
            "role=\"banner\"",
            "role=\"region\"",
            "role=\"contentinfo\"",
            "role=\"main\"",
        ] {
            assert!(!html.contains(landmark), "{landmark} in {html}");
        }
    }
}

/// A site's own texts and reasons, with the agent's name where its question names them.
#[tokio::test]
async fn the_sites_own_words_and_reasons_are_shown() {
    let definition: koe_shared::survey::SurveyDefinition = serde_json::from_value(serde_json::json!({
        "texts": {"ja": {"brand": "ヤマダ", "csat_question": "{brand}の{agent_display_name}の対応はいかがでしたか？",
                         "csat_5": "{agent_display_name}に大満足"}},
        "reasons": [{"id": "late", "label": {"en": "Late", "ja": "遅い"}},
                    {"id": "kind", "when": "happy", "label": {"en": "Kind", "ja": "親切"}}],
    }))
    .unwrap();
    let survey = definition.check().unwrap();
    let ja = koe_shared::survey::LanguageTag::try_from("ja").unwrap();
    let site = survey.resolve(3, &ja, "Site");
    assert_eq!(SiteSurvey::from_resolved(&site).version, 3);
    let html = |site: koe_shared::survey::ResolvedSurvey, state: Survey| async move {
        ServerRenderer::<Widget>::with_props(move || WidgetProps {
            site: Rc::new(SiteSurvey::from_resolved(&site).for_agent(Some("佐藤"))),
            steps: state.steps.clone(),
            on_answer: Callback::noop(),
            on_close: Callback::noop(),
            initial: Some(state),
        })
        .hydratable(false)
        .render()
        .await
    };
    let first = html(
        site.clone(),
        Survey::new(vec![Question::Csat, Question::Comment]),
    )
    .await;
    assert!(
        first.contains("ヤマダの佐藤の対応はいかがでしたか？"),
        "{first}"
    );
    assert!(
        first.contains(r#"aria-label="5 – 佐藤に大満足""#),
        "the agent in a scale's label too: {first}"
    );
    let unhappy = Survey::new(vec![Question::Csat, Question::Comment])
        .apply(Action::Answered(Answer::Csat(1)));
    let comment = html(site.clone(), unhappy).await;
    assert!(
        comment.contains(r#"data-reason="late""#) && !comment.contains("親切"),
        "{comment}"
    );
    let happy = Survey::new(vec![Question::Csat, Question::Comment])
        .apply(Action::Answered(Answer::Csat(5)));
    let comment = html(site, happy).await;
    assert!(comment.contains("親切") && comment.contains("どの点がよかったですか？"));
}

/// A site's own question, after the scores and before the comment: a choice is a radio group
/// of its labels, a scale five numbers with its ends named — in the customer's language.
#[tokio::test]
async fn the_sites_own_question_is_a_named_radio_group_before_the_comment() {
    let ja = koe_shared::survey::LanguageTag::try_from("ja").unwrap();
    let own = |question: serde_json::Value| {
        let definition: koe_shared::survey::SurveyDefinition =
            serde_json::from_value(serde_json::json!({ "question": question })).unwrap();
        definition.check().unwrap().resolve(2, &ja, "Site")
    };
    let choice = own(serde_json::json!({"id": "topic", "kind": "choice",
        "text": {"en": "What was it about?", "ja": "お問い合わせの内容は？"},
        "options": [{"id": "billing", "label": {"en": "Billing", "ja": "請求"}},
                    {"id": "delivery", "label": {"en": "Delivery", "ja": "配送"}}]}));
    let steps = Question::with_own(
        Question::sequence(&[Question::Csat, Question::Comment]),
        true,
    );
    assert_eq!(steps, [Question::Csat, Question::Own, Question::Comment]);
    let render = |site: koe_shared::survey::ResolvedSurvey| {
        let state = Survey::new(steps.clone()).apply(Action::Answered(Answer::Csat(4)));
        async move {
            ServerRenderer::<Widget>::with_props(move || WidgetProps {
                site: Rc::new(SiteSurvey::from_resolved(&site)),
                steps: state.steps.clone(),
                on_answer: Callback::noop(),
                on_close: Callback::noop(),
                initial: Some(state),
            })
            .hydratable(false)
            .render()
            .await
        }
    };
    let html = render(choice).await;
    assert!(
        html.contains("お問い合わせの内容は？")
            && html.contains(r#"role="radiogroup" aria-labelledby="koe-question""#),
        "{html}"
    );
    assert_eq!(count(&html, r#"role="radio""#), 2);
    assert!(html.contains(r#"aria-label="請求""#) && html.contains(">配送</button>"));
    assert!(
        html.contains("koe-scale-choice") && html.contains("3問中2問目"),
        "{html}"
    );
    assert!(
        html.contains(r#"class="koe-secondary">スキップ</button>"#),
        "it may be left unanswered: {html}"
    );
    let scale = own(serde_json::json!({"id": "clarity", "kind": "scale",
        "text": {"en": "Clear?", "ja": "説明はわかりやすかったですか？"},
        "low": {"en": "Unclear", "ja": "わかりにくい"}, "high": {"en": "Clear", "ja": "わかりやすい"}}));
    let html = render(scale).await;
    assert_eq!(count(&html, r#"role="radio""#), 5);
    assert!(
        html.contains(r#"aria-label="1 – わかりにくい""#)
            && html.contains(r#"aria-label="5 – わかりやすい""#)
            && html.contains(">3</button>"),
        "{html}"
    );
    assert!(
        html.contains(r#"class="koe-anchors""#),
        "the ends are shown"
    );
    assert_eq!(
        Question::with_own(vec![Question::Article, Question::Comment], true),
        [Question::Article, Question::Comment],
        "help-article mode asks one thing"
    );
    assert_eq!(
        Question::with_own(vec![Question::Csat], false),
        [Question::Csat]
    );
}
