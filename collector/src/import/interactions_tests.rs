//! Tests of the interactions CSV's parser (`interactions.rs`).

use super::*;

const HEADER: &str = "interaction,channel,team,topic,customer,opened_at,first_response_at,\
                      resolved_at,reopened,contacts,handled_by,agents\n";

fn file(rows: &[&str]) -> String {
    let mut text = HEADER.to_owned();
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    text
}

fn entries(text: &str) -> Vec<FactsEntry> {
    read(text.as_bytes())
        .unwrap_or_else(|e| panic!("{e:?}"))
        .interactions
        .into_iter()
        .map(|row| row.entry)
        .collect()
}

/// The bad rows of a file: (line, field, why).
fn refused(text: &str) -> Vec<BadRow> {
    match read(text.as_bytes()) {
        Err(InteractionsError::BadRows { bad, .. }) => bad,
        other => panic!("not bad rows: {other:?}"),
    }
}

fn agent(id: &str, share: Option<f64>) -> AgentShare {
    AgentShare {
        agent: AgentId::try_from(id).unwrap(),
        share,
    }
}

#[test]
fn a_full_row_gives_every_fact_and_empty_cells_give_none() {
    let read = read(
        file(&[
            "T-1,chat,tokyo,billing,c-1,2026-11-30T14:05:00+09:00,2026-11-30T05:06:00Z,\
             2026-11-30T05:30:00Z,0,1,bot_then_human,aiko:0.7|ken:0.3",
            "T-2,,,,,,,,,,,",
            "T-3",
        ])
        .as_bytes(),
    )
    .unwrap();
    assert_eq!((read.rows, read.blank), (3, 0));
    let lines: Vec<u64> = read.interactions.iter().map(|r| r.line).collect();
    assert_eq!(lines, [2, 3, 4], "the header is line 1");

    let full = &read.interactions[0].entry;
    assert_eq!(full.interaction.as_str(), "T-1");
    let f = &full.facts;
    assert_eq!(f.channel, Some(Some(Channel::Chat)));
    assert_eq!(f.team, Some(Some(TeamId::try_from("tokyo").unwrap())));
    assert_eq!(f.topic, Some(Some(Topic::try_from("billing").unwrap())));
    assert_eq!(f.customer, Some(Some(CustomerId::try_from("c-1").unwrap())));
    assert_eq!(
        f.opened_at,
        Some(Some("2026-11-30T14:05:00+09:00".to_owned()))
    );
    assert_eq!(
        f.first_response_at,
        Some(Some("2026-11-30T05:06:00Z".to_owned()))
    );
    assert_eq!(f.resolved_at, Some(Some("2026-11-30T05:30:00Z".to_owned())));
    assert_eq!((f.reopened, f.contacts), (Some(Some(0)), Some(Some(1))));
    assert_eq!(f.handled_by, Some(Some(HandledBy::BotThenHuman)));
    assert_eq!(
        f.agents,
        Some(Some(vec![
            agent("aiko", Some(0.7)),
            agent("ken", Some(0.3))
        ]))
    );

    for row in &read.interactions[1..] {
        assert_eq!(
            row.entry.facts,
            FactsBody::default(),
            "an empty or missing cell leaves the field absent: {row:?}"
        );
    }
}

#[test]
fn a_file_may_have_some_columns_in_any_order_named_loosely() {
    let text = "\u{feff} Topic ,INTERACTION,contacts\n配送,T-1,2\n";
    let read = entries(text);
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].interaction.as_str(), "T-1");
    assert_eq!(read[0].facts.contacts, Some(Some(2)));
    assert_eq!(
        read[0].facts.channel, None,
        "a column not in the file: absent"
    );
}

#[test]
fn a_cjk_topic_is_read_whole() {
    let read = entries(&file(&[
        "T-1,,,配送 / 返品,,,,,,,,",
        format!("T-2,,,{},,,,,,,,", "配".repeat(64)).as_str(),
        "T-3,,,\"配送, 返品\",,,,,,,,",
    ]));
    let topics: Vec<String> = read
        .iter()
        .map(|e| e.facts.topic.clone().unwrap().unwrap().to_string())
        .collect();
    assert_eq!(
        topics,
        vec![
            "配送 / 返品".to_owned(),
            "配".repeat(64),
            "配送, 返品".to_owned()
        ]
    );
}

#[test]
fn agents_are_separated_by_bars_each_with_an_optional_share() {
    let cases = [
        ("one agent", "aiko", vec![agent("aiko", None)]),
        (
            "shares",
            "aiko:0.7|ken:0.3",
            vec![agent("aiko", Some(0.7)), agent("ken", Some(0.3))],
        ),
        (
            "some shares",
            "aiko:0.5|ken|mia",
            vec![
                agent("aiko", Some(0.5)),
                agent("ken", None),
                agent("mia", None),
            ],
        ),
        (
            "spaces around",
            " aiko : 0.25 | ken ",
            vec![agent("aiko", Some(0.25)), agent("ken", None)],
        ),
        (
            "an id with a ':' and its share",
            "team:aiko:1",
            vec![agent("team:aiko", Some(1.0))],
        ),
        ("山田太郎", "山田太郎:1", vec![agent("山田太郎", Some(1.0))]),
    ];
    for (what, cell, expected) in cases {
        let read = entries(&file(&[format!("T-1,,,,,,,,,,,\"{cell}\"").as_str()]));
        assert_eq!(read[0].facts.agents, Some(Some(expected)), "{what}");
    }
}

#[test]
fn every_bad_cell_is_refused_naming_its_line_and_field() {
    let long_id = "x".repeat(129);
    let many = (0..21)
        .map(|i| format!("a{i}"))
        .collect::<Vec<_>>()
        .join("|");
    let cases: Vec<(&str, String, &str, &str)> = vec![
        (
            "no interaction",
            ",chat,,,,,,,,,,".into(),
            "interaction",
            "is empty",
        ),
        (
            "an interaction too long",
            format!("{long_id},,,,,,,,,,,"),
            "interaction",
            "at most 128",
        ),
        (
            "an unknown channel",
            "T-1,fax,,,,,,,,,,".into(),
            "channel",
            "channel must be one of",
        ),
        (
            "a control character in a team",
            "T-1,,\"to\u{7}kyo\",,,,,,,,,".into(),
            "team",
            "team must not contain control",
        ),
        (
            "a topic too long",
            format!("T-1,,,{},,,,,,,,", "配".repeat(65)),
            "topic",
            "at most 64",
        ),
        (
            "a control character in a topic",
            "T-1,,,\"bill\u{7}ing\",,,,,,,,".into(),
            "topic",
            "control",
        ),
        (
            "a customer too long",
            format!("T-1,,,,{long_id},,,,,,,"),
            "customer",
            "at most 128",
        ),
        (
            "a time without an offset",
            "T-1,,,,,2026-11-30T05:00:00,,,,,,".into(),
            "opened_at",
            "RFC 3339",
        ),
        (
            "a day without a time",
            "T-1,,,,,,2026-11-30,,,,,".into(),
            "first_response_at",
            "RFC 3339",
        ),
        (
            "a resolution in words",
            "T-1,,,,,,,yesterday,,,,".into(),
            "resolved_at",
            "RFC 3339",
        ),
        (
            "a first response before the opening",
            "T-1,,,,,2026-11-30T05:00:00Z,2026-11-30T04:59:00Z,,,,,".into(),
            "first_response_at",
            "earlier than opened_at",
        ),
        (
            "a resolution before the opening",
            "T-1,,,,,2026-11-30T05:00:00Z,,2026-11-30T04:00:00Z,,,,".into(),
            "resolved_at",
            "earlier than opened_at",
        ),
        (
            "a negative reopen count",
            "T-1,,,,,,,,-1,,,".into(),
            "reopened",
            "whole number",
        ),
        (
            "a reopen count in words",
            "T-1,,,,,,,,once,,,".into(),
            "reopened",
            "\"once\"",
        ),
        (
            "no contacts",
            "T-1,,,,,,,,,0,,".into(),
            "contacts",
            "at least 1",
        ),
        (
            "half a contact",
            "T-1,,,,,,,,,1.5,,".into(),
            "contacts",
            "whole number",
        ),
        (
            "an unknown handler",
            "T-1,,,,,,,,,,robot,".into(),
            "handled_by",
            "must be one of human, bot, bot_then_human",
        ),
        (
            "a handler in capitals",
            "T-1,,,,,,,,,,Human,".into(),
            "handled_by",
            "must be one of",
        ),
        (
            "a share in words",
            "T-1,,,,,,,,,,,aiko:half".into(),
            "agents",
            "share from 0 to 1",
        ),
        (
            "a share over 1",
            "T-1,,,,,,,,,,,aiko:1.5".into(),
            "agents",
            "more than 1",
        ),
        (
            "shares adding up to more than 1",
            "T-1,,,,,,,,,,,aiko:0.6|ken:0.5".into(),
            "agents",
            "more than 1",
        ),
        (
            "a negative share",
            "T-1,,,,,,,,,,,aiko:-0.1".into(),
            "agents",
            "from 0 to 1",
        ),
        (
            "an agent twice",
            "T-1,,,,,,,,,,,aiko|ken|aiko".into(),
            "agents",
            "more than once",
        ),
        (
            "an empty agent",
            "T-1,,,,,,,,,,,aiko||ken".into(),
            "agents",
            "must not be empty",
        ),
        (
            "21 agents",
            format!("T-1,,,,,,,,,,,{many}"),
            "agents",
            "at most 20",
        ),
    ];
    for (what, row, field, why) in cases {
        let bad = refused(&file(&["T-0,chat,,,,,,,,,,", row.as_str()]));
        assert_eq!(bad.len(), 1, "{what}: {bad:?}");
        assert_eq!(
            (bad[0].line, bad[0].field),
            (3, Some(field)),
            "{what}: {bad:?}"
        );
        assert!(bad[0].why.contains(why), "{what}: {:?}", bad[0].why);
    }
}

#[test]
fn bad_lines_name_their_line_and_a_bad_row_keeps_the_rest_out() {
    let cases: Vec<(&str, String, Option<&str>, &str)> = vec![
        (
            "an interaction twice",
            "T-0,email,,,,,,,,,,".into(),
            Some("interaction"),
            "also on line 2",
        ),
        (
            "a cell more than the header",
            "T-1,chat,,配送,返品,,,,,,,,".into(),
            None,
            "13 cells and the header 12",
        ),
        (
            "a cell over 8 KiB",
            format!("T-1,,,,,,,,,,,{}", "a".repeat(9_000)),
            Some("agents"),
            "8 KiB",
        ),
    ];
    for (what, row, field, why) in cases {
        let text = file(&["T-0,chat,,,,,,,,,,", row.as_str(), "T-9,,,,,,,,,,,"]);
        match read(text.as_bytes()) {
            Err(InteractionsError::BadRows { rows, bad, count }) => {
                assert_eq!((rows, count), (3, 1), "{what}: {bad:?}");
                assert_eq!((bad[0].line, bad[0].field), (3, field), "{what}: {bad:?}");
                assert!(bad[0].why.contains(why), "{what}: {:?}", bad[0].why);
            }
            other => panic!("{what}: {other:?}"),
        }
    }
}

#[test]
fn lines_are_counted_across_quoted_line_breaks_and_blank_rows_are_passed_over() {
    let text = file(&[
        "T-1,,,\"配送\",,,,,,,,",
        ",,,,,,,,,,,",
        "T-2,,,,,\"2026-11-30T05:00:00Z\",,,,,,\"aiko|\nken\"",
        "T-3,,,,,,,,,0,,",
    ]);
    let bad = refused(&text);
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(
        (bad[0].line, bad[0].field),
        (6, Some("contacts")),
        "{bad:?}"
    );

    let fine = text.replace(",0,,", ",1,,");
    let read = read(fine.as_bytes()).unwrap();
    assert_eq!((read.rows, read.blank, read.interactions.len()), (4, 1, 3));
    assert_eq!(read.interactions[2].line, 6);
}

#[test]
fn a_file_of_many_bad_rows_lists_the_first_hundred_and_counts_them_all() {
    let rows: Vec<String> = (0..500).map(|i| format!("T-{i},fax,,,,,,,,,,")).collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    match read(file(&rows).as_bytes()) {
        Err(InteractionsError::BadRows { rows, bad, count }) => {
            assert_eq!((rows, count, bad.len()), (500, 500, MAX_BAD_LISTED));
            assert_eq!(bad[0].line, 2, "in file order, from the first");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_header_with_unknown_repeated_or_missing_columns_is_refused_naming_them() {
    let cases = [
        (
            "unknown columns",
            "interaction,mood,topic,Notes\n",
            &["\"mood\"", "\"Notes\"", "interaction, channel, team"][..],
        ),
        (
            "a repeated column",
            "interaction,topic,Topic\n",
            &["\"topic\" appears twice"][..],
        ),
        (
            "no interaction column",
            "channel,topic\n",
            &["no \"interaction\" column"][..],
        ),
        ("an empty file", "", &["no \"interaction\" column"][..]),
    ];
    for (what, text, named) in cases {
        let error = read(text.as_bytes()).unwrap_err();
        assert!(
            matches!(error, InteractionsError::Header(_)),
            "{what}: {error:?}"
        );
        let message = error.to_string();
        for name in named {
            assert!(message.contains(name), "{what}: {message}");
        }
    }
    let long = format!("interaction,{}\n", "m".repeat(60_000));
    let message = read(long.as_bytes()).unwrap_err().to_string();
    assert!(
        message.chars().count() < 800,
        "a long header is quoted clipped: {} characters",
        message.chars().count()
    );
}

#[test]
fn a_file_longer_than_one_import_reads_is_refused_whole() {
    let rows = ["T-1", "T-2", "T-3", "T-4"];
    assert!(read_at_most(file(&rows[..3]).as_bytes(), 3).is_ok());
    let error = read_at_most(file(&rows).as_bytes(), 3).unwrap_err();
    assert!(
        matches!(error, InteractionsError::TooManyLines { max: 3 }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("split it into files of at most 3 rows")
    );
}

#[test]
fn a_quote_left_open_stops_the_reading_at_its_line() {
    let mut text = HEADER.to_owned();
    text.push_str("T-1,,,\"open,,,,,,,,\n");
    text.push_str(&"T-9,,,,,,,,,,,\n".repeat(10_000));
    let bad = refused(&text);
    assert_eq!(
        (bad.len(), bad[0].line, bad[0].field),
        (1, 2, None),
        "{bad:?}"
    );
    assert!(bad[0].why.contains("64 KiB"), "{bad:?}");
}
