//! A table of bad submissions: each gets its status and error code, and none stores anything.

mod bodies;

use koe_tests::{TestApp, TestBackend, error_code, on_both_backends};
use serde_json::{Value, json};

pub(crate) const JSON: &str = "application/json";

/// One bad request: what is sent and what must come back.
pub(crate) struct Case {
    what: &'static str,
    content_type: &'static str,
    body: Vec<u8>,
    status: u16,
    code: &'static str,
}

fn case(what: &'static str, body: Value, status: u16, code: &'static str) -> Case {
    Case {
        what,
        content_type: JSON,
        body: body.to_string().into_bytes(),
        status,
        code,
    }
}

pub(crate) fn raw(
    what: &'static str,
    content_type: &'static str,
    body: impl Into<Vec<u8>>,
    status: u16,
    code: &'static str,
) -> Case {
    Case {
        what,
        content_type,
        body: body.into(),
        status,
        code,
    }
}

/// A valid submission with one field replaced (or removed, for `Value::Null` on a required one).
fn with(site: &str, field: &str, value: Value) -> Value {
    let mut body = json!({ "site": site, "interaction": "chat-1", "csat": 4 });
    body[field] = value;
    body
}

fn cases(site: &str) -> Vec<Case> {
    let mut cases = bodies::cases(site);
    cases.extend(fields(site));
    cases
}

/// Bodies that parse into a submission with one thing wrong.
fn fields(site: &str) -> Vec<Case> {
    let long = |n: usize| Value::String("x".repeat(n));
    vec![
        case(
            "missing site",
            json!({ "interaction": "c", "csat": 4 }),
            422,
            "missing_field",
        ),
        case(
            "missing interaction",
            json!({ "site": site, "csat": 4 }),
            422,
            "missing_field",
        ),
        case(
            "unknown field",
            with(site, "mood", json!("happy")),
            422,
            "unknown_field",
        ),
        case(
            "misspelt field",
            with(site, "cast", json!(4)),
            422,
            "unknown_field",
        ),
        case(
            "no answer at all",
            json!({ "site": site, "interaction": "c" }),
            422,
            "no_answers",
        ),
        case(
            "only attribution",
            json!({ "site": site, "interaction": "c", "agent": "a" }),
            422,
            "no_answers",
        ),
        case(
            "unknown site",
            with("site_unknown", "csat", json!(4)),
            422,
            "unknown_site",
        ),
        case("csat 0", with(site, "csat", json!(0)), 422, "invalid_field"),
        case("csat 6", with(site, "csat", json!(6)), 422, "invalid_field"),
        case(
            "csat negative",
            with(site, "csat", json!(-1)),
            422,
            "invalid_field",
        ),
        case(
            "csat float",
            with(site, "csat", json!(3.5)),
            422,
            "invalid_field",
        ),
        case(
            "csat 4.0",
            with(site, "csat", json!(4.0)),
            422,
            "invalid_field",
        ),
        case(
            "csat string",
            with(site, "csat", json!("4")),
            422,
            "invalid_field",
        ),
        case(
            "csat bool",
            with(site, "csat", json!(true)),
            422,
            "invalid_field",
        ),
        case(
            "csat huge",
            with(site, "csat", json!(1_u64 << 40)),
            422,
            "invalid_field",
        ),
        case(
            "csat array",
            with(site, "csat", json!([4])),
            422,
            "invalid_field",
        ),
        case("nps 11", with(site, "nps", json!(11)), 422, "invalid_field"),
        case("nps -1", with(site, "nps", json!(-1)), 422, "invalid_field"),
        case(
            "nps string",
            with(site, "nps", json!("10")),
            422,
            "invalid_field",
        ),
        case("ces 0", with(site, "ces", json!(0)), 422, "invalid_field"),
        case("ces 8", with(site, "ces", json!(8)), 422, "invalid_field"),
        case(
            "resolved as text",
            with(site, "resolved", json!("yes")),
            422,
            "invalid_field",
        ),
        case(
            "resolved as number",
            with(site, "resolved", json!(1)),
            422,
            "invalid_field",
        ),
        case(
            "empty comment",
            with(site, "comment", json!("")),
            422,
            "invalid_field",
        ),
        case(
            "blank comment",
            with(site, "comment", json!(" \n\t ")),
            422,
            "invalid_field",
        ),
        case(
            "comment over 2000",
            with(site, "comment", long(2001)),
            422,
            "invalid_field",
        ),
        case(
            "comment with NUL",
            with(site, "comment", json!("a\u{0}b")),
            422,
            "invalid_field",
        ),
        case(
            "comment with escape",
            with(site, "comment", json!("a\u{1b}[31mred")),
            422,
            "invalid_field",
        ),
        case(
            "comment as number",
            with(site, "comment", json!(5)),
            422,
            "invalid_field",
        ),
        case(
            "reasons not a list",
            with(site, "reasons", json!("slow")),
            422,
            "invalid_field",
        ),
        case(
            "reason with capitals",
            with(site, "reasons", json!(["Slow"])),
            422,
            "invalid_field",
        ),
        case(
            "reason with space",
            with(site, "reasons", json!(["too slow"])),
            422,
            "invalid_field",
        ),
        case(
            "reason with script",
            with(site, "reasons", json!(["<script>"])),
            422,
            "invalid_field",
        ),
        case(
            "thirteen reasons",
            with(
                site,
                "reasons",
                json!([
                    "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m"
                ]),
            ),
            422,
            "invalid_field",
        ),
        case(
            "reason number",
            with(site, "reasons", json!([1])),
            422,
            "invalid_field",
        ),
        case(
            "unknown channel",
            with(site, "channel", json!("fax")),
            422,
            "invalid_field",
        ),
        case(
            "channel in capitals",
            with(site, "channel", json!("CHAT")),
            422,
            "invalid_field",
        ),
        case(
            "a locale that is not a language tag",
            with(site, "locale", json!("french")),
            422,
            "invalid_field",
        ),
        case(
            "empty site",
            with(site, "site", json!("")),
            422,
            "invalid_field",
        ),
        case(
            "site over 128",
            with(site, "site", long(129)),
            422,
            "invalid_field",
        ),
        case(
            "empty interaction",
            with(site, "interaction", json!("")),
            422,
            "invalid_field",
        ),
        case(
            "blank interaction",
            with(site, "interaction", json!("   ")),
            422,
            "invalid_field",
        ),
        case(
            "interaction over 128",
            with(site, "interaction", long(129)),
            422,
            "invalid_field",
        ),
        case(
            "interaction with newline",
            with(site, "interaction", json!("a\nb")),
            422,
            "invalid_field",
        ),
        case(
            "interaction as number",
            with(site, "interaction", json!(12)),
            422,
            "invalid_field",
        ),
        case(
            "agent empty",
            with(site, "agent", json!("")),
            422,
            "invalid_field",
        ),
        case(
            "team over 128",
            with(site, "team", long(129)),
            422,
            "invalid_field",
        ),
        case(
            "token with spaces",
            with(site, "token", json!("not a token")),
            422,
            "invalid_field",
        ),
        case(
            "token not signed",
            with(site, "token", json!("abc.def")),
            403,
            "invalid_token",
        ),
        case(
            "token without a dot",
            with(site, "token", json!("abcdef")),
            403,
            "invalid_token",
        ),
    ]
}

async fn every_bad_payload_is_refused_and_changes_nothing<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let cases = cases(app.site.key());
    assert!(cases.len() >= 50, "the table holds {} cases", cases.len());
    let before = app.snapshot().await;
    for case in cases {
        let response = app
            .post_raw("/api/v1/responses", case.content_type, case.body, None)
            .await;
        assert_eq!(response.status(), case.status, "{}", case.what);
        assert_eq!(error_code(response).await, case.code, "{}", case.what);
        assert_eq!(
            app.snapshot().await,
            before,
            "{} stored something",
            case.what
        );
    }
    let fine = app.submit(&with(app.site.key(), "csat", json!(4))).await;
    assert_eq!(
        fine.status(),
        201,
        "the collector is still healthy afterwards"
    );
}

on_both_backends!(every_bad_payload_is_refused_and_changes_nothing);
