use serde_json::{Value, json};

use super::*;
use crate::survey::ReasonWhen;
use crate::survey::look;

fn definition(value: Value) -> SurveyDefinition {
    serde_json::from_value(value).expect("the shape of a definition")
}

fn problems(value: Value) -> Vec<String> {
    definition(value)
        .check()
        .expect_err("refused")
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn tag(raw: &str) -> LanguageTag {
    LanguageTag::try_from(raw).unwrap()
}

#[test]
fn an_empty_definition_is_koes_own_survey() {
    let survey = SurveyDefinition::default().check().unwrap();
    assert_eq!(survey.languages, [tag("en"), tag("ja")]);
    assert_eq!(survey.reasons.len(), 5);
    assert!(!survey.own_reasons);
    assert_eq!(survey.reason_label("slow_reply", &tag("ja")), "返信が遅い");
    let resolved = survey.resolve(0, &tag("ja"), "Acme");
    assert_eq!(
        resolved.texts["csat_question"],
        TextKey::CsatQuestion.default_text(crate::Locale::Ja)
    );
    assert_eq!(resolved.look.color, look::DEFAULT_COLOR);
}

#[test]
fn a_sites_survey_resolves_with_its_brand_and_its_own_question() {
    let survey = definition(json!({
        "languages": ["ja", "en", "ko"],
        "texts": {
            "ja": {"brand": "ヤマダ電機", "csat_question": "{brand}の{agent_display_name}の対応はいかがでしたか？"},
            "ko": TextKey::ALL.iter().filter(|k| **k != TextKey::Brand)
                .map(|k| (k.as_str(), if *k == TextKey::StepOf { "{n}/{total}" } else { "한국어" }))
                .collect::<BTreeMap<_, _>>(),
        },
        "reasons": [
            {"id": "slow_reply", "label": {"ko": "느린 답변"}},
            {"id": "friendly", "when": "happy", "label": {"ja": "親切", "en": "Friendly", "ko": "친절"}},
        ],
        "question": {"id": "topic", "kind": "choice", "text": {"ja": "ご用件は？", "en": "What was it about?", "ko": "문의 내용?"},
            "options": [
                {"id": "billing", "label": {"ja": "請求", "en": "Billing", "ko": "청구"}},
                {"id": "delivery", "label": {"ja": "配送", "en": "Delivery", "ko": "배송"}},
            ]},
        "look": {"color": "#FC0", "radius": 4, "font": "host", "theme": "dark", "position": "bottom-left"},
    }))
    .check()
    .unwrap_or_else(|p| panic!("{p:?}"));
    let ja = survey.resolve(3, &tag("ja"), "Site");
    assert_eq!(
        ja.texts["csat_question"],
        "ヤマダ電機の{agent_display_name}の対応はいかがでしたか？"
    );
    assert_eq!(
        ja.text(TextKey::CsatQuestion, None),
        "ヤマダ電機の担当者の対応はいかがでしたか？"
    );
    assert_eq!(
        ja.text(TextKey::CsatQuestion, Some("佐藤")),
        "ヤマダ電機の佐藤の対応はいかがでしたか？"
    );
    assert_eq!(
        ja.reasons[0].label, "返信が遅い",
        "Koe's label for Koe's reason"
    );
    assert_eq!(ja.reasons[1].when, ReasonWhen::Happy);
    assert_eq!(ja.question.as_ref().unwrap().options[1].label, "配送");
    assert_eq!(
        (ja.look.color.as_str(), ja.look.on_color, ja.look.radius),
        ("#ffcc00", "#111111", 4)
    );
    let en = survey.resolve(3, &tag("en"), "Site");
    assert_eq!(
        en.texts["csat_question"],
        TextKey::CsatQuestion.default_text(crate::Locale::En)
    );
    assert_eq!(
        survey.resolve(3, &tag("ko"), "Site").reasons[0].label,
        "느린 답변"
    );
    assert_eq!(
        survey.language_for(&super::super::language::preferences(["fr"])),
        &tag("ja")
    );

    // What `show` prints is a definition that checks to the same survey.
    let again = survey.to_definition().check().unwrap();
    assert_eq!(again, survey);
}

#[test]
fn bad_definitions_are_refused_naming_every_field_and_reason() {
    let cases: &[(&str, Value, &str)] = &[
        (
            "an unknown language tag",
            json!({"languages": ["en", "english"]}),
            "languages[1]: language must be a BCP 47",
        ),
        (
            "a language twice",
            json!({"languages": ["en", "EN"]}),
            "languages[1]: en is listed twice",
        ),
        (
            "too many languages",
            json!({"languages": ["en","ja","fr","de","it","es","pt","ko","zh","ru","ar"]}),
            "languages: at most 10",
        ),
        (
            "texts in a language not spoken",
            json!({"texts": {"fr": {"title": "Avis"}}}),
            "texts.fr: fr is not one of the survey's languages",
        ),
        (
            "an unknown text",
            json!({"texts": {"en": {"csat_title": "x"}}}),
            "texts.en.csat_title: is not a text of the survey",
        ),
        (
            "a text too long",
            json!({"texts": {"en": {"nps_low": "x".repeat(41)}}}),
            "texts.en.nps_low: must be at most 40 characters, got 41",
        ),
        (
            "markup",
            json!({"texts": {"ja": {"thanks": "<b>ありがとう</b>"}}}),
            "texts.ja.thanks: must be plain text, without markup",
        ),
        (
            "an unknown placeholder",
            json!({"texts": {"en": {"csat_question": "Rate {agent}"}}}),
            "may hold only {brand} and {agent_display_name} as placeholders, got {agent}",
        ),
        (
            "a language Koe does not speak, without its texts",
            json!({"languages": ["en", "ko"], "reasons": [{"id": "x", "label": {"en": "X", "ko": "엑스"}}]}),
            "texts.ko.csat_question: is missing",
        ),
        (
            "Koe's reasons in a language Koe does not speak",
            json!({"languages": ["en", "ko"]}),
            "reasons: is missing: Koe's reasons have no ko labels",
        ),
        (
            "a reason without a label in a language",
            json!({"reasons": [{"id": "late", "label": {"en": "Late"}}]}),
            "reasons[0].label.ja: is missing",
        ),
        (
            "a reason id twice",
            json!({"reasons": [{"id": "late", "label": {"en": "A", "ja": "A"}}, {"id": "late", "label": {"en": "B", "ja": "B"}}]}),
            "reasons[1].id: late is listed twice",
        ),
        (
            "a reason id that is not a slug",
            json!({"reasons": [{"id": "Late Reply", "label": {"en": "A", "ja": "A"}}]}),
            "reasons[0].id: must be slugs",
        ),
        (
            "a reason's when",
            json!({"reasons": [{"id": "late", "when": "sad", "label": {"en": "A", "ja": "A"}}]}),
            "reasons[0].when: must be unhappy, happy or always",
        ),
        (
            "too many reasons",
            json!({"reasons": (0..13).map(|i| json!({"id": format!("r{i}"), "label": {"en": "A", "ja": "A"}})).collect::<Vec<_>>()}),
            "reasons: at most 12 reasons, got 13",
        ),
        (
            "a question kind",
            json!({"question": {"id": "q", "kind": "text", "text": {"en": "A", "ja": "A"}}}),
            "question.kind: must be scale or choice",
        ),
        (
            "a choice with nine options",
            json!({"question": {"id": "q", "kind": "choice", "text": {"en": "A", "ja": "A"},
            "options": (0..9).map(|i| json!({"id": format!("o{i}"), "label": {"en": "A", "ja": "A"}})).collect::<Vec<_>>()}}),
            "question.options: a choice has 2 to 8 options, got 9",
        ),
        (
            "an option id twice",
            json!({"question": {"id": "q", "kind": "choice", "text": {"en": "A", "ja": "A"},
            "options": [{"id": "a", "label": {"en": "A", "ja": "A"}}, {"id": "a", "label": {"en": "B", "ja": "B"}}]}}),
            "question.options[1].id: a is listed twice",
        ),
        (
            "a scale without its ends",
            json!({"question": {"id": "q", "kind": "scale", "text": {"en": "A", "ja": "A"}, "low": {"en": "Bad", "ja": "悪い"}}}),
            "question.high.en: is missing",
        ),
        (
            "a question without its text in a language",
            json!({"question": {"id": "q", "kind": "scale", "text": {"en": "A"}, "low": {"en": "L", "ja": "L"}, "high": {"en": "H", "ja": "H"}}}),
            "question.text.ja: is missing",
        ),
        (
            "a colour",
            json!({"look": {"color": "red"}}),
            "look.color: must be #rgb or #rrggbb",
        ),
        (
            "a radius",
            json!({"look": {"radius": 30}}),
            "look.radius: must be 0 to 24 pixels, got 30",
        ),
        (
            "a font",
            json!({"look": {"font": "Comic Sans"}}),
            "look.font: must be one of system, host",
        ),
        (
            "a theme",
            json!({"look": {"theme": "sepia"}}),
            "look.theme: must be one of auto, light, dark",
        ),
        (
            "a position",
            json!({"look": {"position": "top"}}),
            "look.position: must be one of bottom-right, bottom-left",
        ),
    ];
    for (what, value, expected) in cases {
        let problems = problems(value.clone());
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "{what}: expected {expected:?} among {problems:?}"
        );
    }
    // Every problem is named at once.
    let both = problems(json!({"look": {"radius": -1, "theme": "sepia"}}));
    assert_eq!(both.len(), 2, "{both:?}");
    assert!(
        serde_json::from_value::<SurveyDefinition>(json!({"colour": "#fff"})).is_err(),
        "unknown fields are refused"
    );
}

#[test]
fn a_reason_left_out_is_retired_with_its_label_and_a_renamed_one_keeps_its_id() {
    let v1 = SurveyDefinition::default().check().unwrap();
    let v2 = definition(json!({"reasons": [
        {"id": "slow_reply", "label": {"en": "Waited too long", "ja": "待ち時間が長い"}},
        {"id": "wrong_answer", "label": {"en": "Wrong answer", "ja": "回答が間違っていた"}},
    ]}))
    .check()
    .unwrap()
    .succeeding(&v1);
    let en = tag("en");
    assert_eq!(v2.reason_label("slow_reply", &en), "Waited too long");
    assert_eq!(
        v2.reason_label("unfriendly", &en),
        "Unfriendly",
        "retired, under its old label"
    );
    assert_eq!(v2.retired_reasons.len(), 4);
    assert!(v2.knows_reason(&Reason::try_from("other").unwrap()));
    let v3 = definition(
        json!({"reasons": [{"id": "unfriendly", "label": {"en": "Rude", "ja": "失礼"}}]}),
    )
    .check()
    .unwrap()
    .succeeding(&v2);
    assert_eq!(v3.reason_label("unfriendly", &en), "Rude", "offered again");
    assert_eq!(v3.reason_label("wrong_answer", &en), "Wrong answer");
    assert_eq!(
        v3.retired_reasons.len(),
        5,
        "slow_reply, wrong_answer, not_resolved, hard_to_understand, other"
    );
    assert_eq!(v3.reason_label("never_seen", &en), "never_seen");
}

#[test]
fn an_answer_is_checked_against_the_question_asked_now() {
    let answer =
        |raw: Value| -> crate::survey::QuestionAnswer { serde_json::from_value(raw).unwrap() };
    let choice = definition(json!({"question": {"id": "topic", "kind": "choice",
        "text": {"en": "About?", "ja": "内容は？"},
        "options": [{"id": "billing", "label": {"en": "Billing", "ja": "請求"}},
                    {"id": "delivery", "label": {"en": "Delivery", "ja": "配送"}}]}}))
    .check()
    .unwrap();
    assert_eq!(
        choice.check_answer(&answer(json!({"id": "topic", "answer": "billing"}))),
        Ok(())
    );
    let refusals = [
        (
            json!({"id": "clarity", "answer": 3}),
            "question.id: the site's survey asks topic, not clarity",
        ),
        (
            json!({"id": "topic", "answer": "refunds"}),
            "question.answer: refunds is not one of topic's options (billing, delivery)",
        ),
        (
            json!({"id": "topic", "answer": 2}),
            "question.answer: 2 is not one of topic's options (billing, delivery)",
        ),
    ];
    for (raw, says) in refusals {
        assert_eq!(choice.check_answer(&answer(raw)), Err(says.to_owned()));
    }
    let scale = definition(json!({"question": {"id": "clarity", "kind": "scale",
        "text": {"en": "Clear?", "ja": "明確？"},
        "low": {"en": "No", "ja": "いいえ"}, "high": {"en": "Yes", "ja": "はい"}}}))
    .check()
    .unwrap();
    assert_eq!(
        scale.check_answer(&answer(json!({"id": "clarity", "answer": 5}))),
        Ok(())
    );
    assert!(
        scale
            .check_answer(&answer(json!({"id": "clarity", "answer": "yes"})))
            .is_err()
    );
    assert!(
        Survey::default()
            .check_answer(&answer(json!({"id": "clarity", "answer": 5})))
            .is_err()
    );
}

#[test]
fn an_answer_is_stored_as_its_id_and_value_and_read_back() {
    use crate::survey::{AnswerValue, QuestionAnswer};
    for (stored, value) in [
        ("clarity:4", AnswerValue::Scale(4)),
        (
            "topic:billing",
            AnswerValue::Choice(Reason::try_from("billing").unwrap()),
        ),
    ] {
        let read = QuestionAnswer::from_stored(stored).unwrap();
        assert_eq!(read.answer, value);
        assert_eq!(read.stored(), stored);
    }
    for corrupt in ["clarity", "clarity:9", "Clarity:4", "topic:Billing"] {
        assert_eq!(QuestionAnswer::from_stored(corrupt), None, "{corrupt}");
    }
}

#[test]
fn a_question_keeps_its_kind_under_its_id() {
    let scale = definition(json!({"question": {"id": "clarity", "kind": "scale",
        "text": {"en": "Clear?", "ja": "明確？"},
        "low": {"en": "No", "ja": "いいえ"}, "high": {"en": "Yes", "ja": "はい"}}}))
    .check()
    .unwrap();
    let choice = |id: &str| {
        definition(json!({"question": {"id": id, "kind": "choice",
            "text": {"en": "Clear?", "ja": "明確？"},
            "options": [{"id": "yes", "label": {"en": "Yes", "ja": "はい"}},
                        {"id": "no", "label": {"en": "No", "ja": "いいえ"}}]}}))
        .check()
        .unwrap()
    };
    let refused = choice("clarity").may_follow(&scale).unwrap_err();
    assert_eq!(refused.field, "question.kind");
    assert!(
        refused.reason.contains("clarity is published as a scale"),
        "{refused}"
    );
    assert_eq!(choice("clear_enough").may_follow(&scale), Ok(()));
    assert_eq!(scale.may_follow(&scale), Ok(()));
}
