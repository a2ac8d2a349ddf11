//! The merge rules at their boundaries: edits, the edit window, attribution, scanners.

use super::*;

const DAY_MS: i64 = 86_400_000;

fn write(now_ms: i64, attribution: Attribution, answers: Answers) -> AnswerWrite {
    AnswerWrite {
        site_id: SiteId::new(1),
        interaction: InteractionId::try_from("i-1").unwrap(),
        attribution,
        answers,
        day: "2026-11-26".parse().unwrap(),
        now_ms,
        edit_window_ms: 7 * DAY_MS,
        source: Source::WIDGET,
    }
}

fn agent(name: &str, verified: bool) -> Attribution {
    Attribution {
        agent: Some(AgentId::try_from(name).unwrap()),
        verified,
        ..Attribution::default()
    }
}

fn csat(v: u8) -> Answers {
    Answers {
        csat: Some(CsatScore::try_from(v).unwrap()),
        ..Answers::default()
    }
}

#[test]
fn later_answers_merge_and_replace() {
    let first = write(0, agent("a", false), csat(2))
        .apply_to(None)
        .unwrap()
        .response;
    let nps = Answers {
        nps: Some(NpsScore::try_from(9).unwrap()),
        ..Answers::default()
    };
    let second = write(DAY_MS, Attribution::default(), nps)
        .apply_to(Some(&first))
        .unwrap()
        .response;
    assert_eq!(second.answers.csat, first.answers.csat);
    assert_eq!(second.answers.nps.map(u8::from), Some(9));
    assert_eq!(second.attribution, first.attribution);
    assert_eq!(
        (
            second.day.to_string(),
            second.created_at_ms,
            second.updated_at_ms
        ),
        ("2026-11-26".to_owned(), 0, DAY_MS)
    );
    let third = write(2 * DAY_MS, Attribution::default(), csat(5))
        .apply_to(Some(&second))
        .unwrap()
        .response;
    assert_eq!(third.answers.csat.map(u8::from), Some(5));
}

#[test]
fn the_edit_window_closes_after_its_length() {
    let first = write(0, Attribution::default(), csat(3))
        .apply_to(None)
        .unwrap()
        .response;
    assert!(
        write(7 * DAY_MS, Attribution::default(), csat(4))
            .apply_to(Some(&first))
            .is_ok()
    );
    assert_eq!(
        write(7 * DAY_MS + 1, Attribution::default(), csat(4))
            .apply_to(Some(&first))
            .map(|m| m.response),
        Err(MergeConflict::EditWindowClosed)
    );
}

#[test]
fn a_token_that_leaves_a_field_out_keeps_the_stored_one() {
    let signed = Attribution {
        agent: Some(AgentId::try_from("ken").unwrap()),
        team: Some(TeamId::try_from("night").unwrap()),
        channel: Some(Channel::Email),
        verified: true,
    };
    let first = write(0, signed.clone(), csat(4))
        .apply_to(None)
        .unwrap()
        .response;
    // A later token signs the channel only.
    let channel_only = Attribution {
        channel: Some(Channel::Phone),
        verified: true,
        ..Attribution::default()
    };
    let merged = write(1, channel_only.clone(), csat(5))
        .apply_to(Some(&first))
        .unwrap()
        .response;
    assert_eq!(
        merged.attribution,
        Attribution {
            channel: Some(Channel::Phone),
            ..signed
        },
        "the signed agent and team stay"
    );
    // Kept unsigned fields are not vouched for by the token.
    let unsigned = write(0, agent("eve", false), csat(4))
        .apply_to(None)
        .unwrap()
        .response;
    let merged = write(1, channel_only, csat(5))
        .apply_to(Some(&unsigned))
        .unwrap()
        .response;
    assert_eq!(merged.attribution.agent, agent("eve", false).agent);
    assert!(!merged.attribution.verified);
}

#[test]
fn only_signed_attribution_changes_attribution() {
    let unsigned = write(0, agent("a", false), csat(3))
        .apply_to(None)
        .unwrap()
        .response;
    assert_eq!(
        write(1, agent("b", false), csat(3))
            .apply_to(Some(&unsigned))
            .map(|m| m.response),
        Err(MergeConflict::AttributionConflict)
    );
    let signed = write(1, agent("b", true), csat(3))
        .apply_to(Some(&unsigned))
        .unwrap()
        .response;
    assert_eq!(signed.attribution, agent("b", true));
    let filled = write(
        2,
        Attribution {
            channel: Some(Channel::Chat),
            ..Attribution::default()
        },
        csat(3),
    )
    .apply_to(Some(&unsigned))
    .unwrap()
    .response;
    assert_eq!(filled.attribution.channel, Some(Channel::Chat));
    let fill_signed = write(
        2,
        Attribution {
            channel: Some(Channel::Chat),
            ..Attribution::default()
        },
        csat(3),
    )
    .apply_to(Some(&signed))
    .map(|m| m.response);
    assert_eq!(
        fill_signed,
        Err(MergeConflict::AttributionConflict),
        "unsigned fields cannot join a signed response"
    );
}

fn confirmation(now_ms: i64, csat: u8, flagged: bool) -> AnswerWrite {
    AnswerWrite {
        site_id: SiteId::new(1),
        interaction: InteractionId::try_from("i-1").unwrap(),
        attribution: Attribution::default(),
        answers: Answers {
            csat: Some(CsatScore::try_from(csat).unwrap()),
            ..Answers::default()
        },
        day: "2026-11-26".parse().unwrap(),
        now_ms,
        edit_window_ms: 86_400_000,
        source: Source {
            client: if flagged {
                Client::SuspectedScanner
            } else {
                Client::Browser
            },
            flagged,
        },
    }
}

#[test]
fn a_scanners_answer_never_replaces_a_persons() {
    let person = confirmation(0, 5, false).apply_to(None).unwrap().response;
    let merged = confirmation(10, 1, true).apply_to(Some(&person)).unwrap();
    assert_eq!(
        merged.response, person,
        "the person's answer stands, counted"
    );
    let aside = merged
        .set_aside
        .expect("the scanner's answer is kept aside");
    assert_eq!(aside.answers.csat.map(u8::from), Some(1));
    assert!(aside.source.flagged);
    assert_eq!(
        (aside.created_at_ms, aside.day, aside.updated_at_ms),
        (person.created_at_ms, person.day, 10),
        "kept at the person's response's place in time, so it has one place per interaction"
    );
}

#[test]
fn a_later_scanners_answer_replaces_the_one_kept_aside_in_the_same_place() {
    let person = confirmation(0, 5, false).apply_to(None).unwrap().response;
    let first = confirmation(10, 1, true).apply_to(Some(&person)).unwrap();
    let mut later = confirmation(20, 2, true);
    later.answers.comment = Some(Comment::try_from("x".repeat(1900)).unwrap());
    let second = later.apply_to(Some(&person)).unwrap();
    assert_eq!(second.response, person, "the person's answer stands");
    let (first, second) = (first.set_aside.unwrap(), second.set_aside.unwrap());
    assert_eq!(
        (second.created_at_ms, second.day),
        (first.created_at_ms, first.day),
        "the same place: storage updates the row kept aside instead of adding one"
    );
    assert_eq!(
        second.answers.csat.map(u8::from),
        Some(2),
        "the latest answers"
    );
    assert_eq!(second.updated_at_ms, 20);
}

#[test]
fn a_person_days_after_a_scanner_gets_their_own_window_and_day() {
    let scanner = confirmation(0, 1, true).apply_to(None).unwrap().response;
    let mut person = confirmation(8 * 86_400_000, 4, false);
    person.day = "2026-12-04".parse().unwrap();
    let merged = person.apply_to(Some(&scanner)).unwrap();
    assert_eq!(
        merged.response.created_at_ms,
        8 * 86_400_000,
        "the window starts now"
    );
    assert_eq!(merged.response.day.to_string(), "2026-12-04");
    assert_eq!(
        merged.set_aside,
        Some(ResponseState {
            created_at_ms: 8 * 86_400_000,
            day: "2026-12-04".parse().unwrap(),
            ..scanner
        }),
        "the suspect answers, kept beside the person's response"
    );
}

#[test]
fn a_widget_follow_up_completes_a_quick_confirmation() {
    let quick = confirmation(0, 5, true).apply_to(None).unwrap().response;
    let follow_up = AnswerWrite {
        answers: Answers {
            nps: Some(NpsScore::try_from(9).unwrap()),
            ..Answers::default()
        },
        source: Source::WIDGET,
        ..confirmation(10, 5, false)
    };
    let merged = follow_up.apply_to(Some(&quick)).unwrap();
    assert_eq!(merged.response.answers.csat.map(u8::from), Some(5), "kept");
    assert!(!merged.response.source.flagged, "a person ran the widget");
    assert_eq!(merged.set_aside, None);
}

#[test]
fn a_persons_answer_replaces_a_scanners_which_is_kept_aside() {
    let scanner = confirmation(0, 1, true).apply_to(None).unwrap().response;
    let merged = confirmation(10, 4, false).apply_to(Some(&scanner)).unwrap();
    assert_eq!(merged.response.answers.csat.map(u8::from), Some(4));
    assert!(!merged.response.source.flagged, "counted from now on");
    assert_eq!(
        merged.set_aside,
        Some(ResponseState {
            created_at_ms: 10,
            ..scanner
        })
    );
}
