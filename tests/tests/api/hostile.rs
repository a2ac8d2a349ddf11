//! A corpus of hostile requests against a live collector: every one is either refused with a
//! 4xx `ApiError` and changes nothing, or — where it is legitimate text — stored byte for byte.
//! Afterwards the collector is healthy and its rollups equal a recomputation from raw data.
//! (`bad_payloads.rs` pins exact codes for the common mistakes, `slow_bodies.rs` the deadline
//! for a body; this file is about breadth.)

use std::time::Duration;

use koe_tests::raw_http::send_raw;
use koe_tests::{TestApp, TestBackend, on_both_backends};
use serde_json::{Value, json};

const JSON: &str = "application/json";

/// Strings an attacker tries in every text field.
const HOSTILE_TEXT: [&str; 20] = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "'; DROP TABLE responses; --",
    "\" OR 1=1 --",
    "1; SELECT pg_sleep(10)",
    "$(rm -rf /)",
    "`reboot`",
    "; cat /etc/passwd",
    "../../etc/passwd",
    "=cmd|' /C calc'!A0",
    "+SUM(1+1)",
    "-2+3",
    "@SUM(1)",
    "\u{202E}gpj.exe",
    "zero\u{200B}width\u{200D}joiner",
    "\u{FEFF}byte order mark",
    "{{7*7}}${jndi:ldap://x/a}",
    "%00%0d%0aSet-Cookie: x=1",
    "ｆｕｌｌｗｉｄｔｈ と 日本語",
];

/// The fields of a submission that take text.
const TEXT_FIELDS: [&str; 9] = [
    "site",
    "interaction",
    "agent",
    "team",
    "channel",
    "token",
    "comment",
    "locale",
    "reasons",
];

const SCORE_FIELDS: [&str; 3] = ["csat", "nps", "ces"];

/// Values no score field may take.
fn bad_scores() -> Vec<Value> {
    vec![
        json!("4"),
        json!(4.0),
        json!(4.5),
        json!(-1),
        json!(256),
        json!(1e3),
        serde_json::from_str("18446744073709551616").expect("a big number"),
        json!(true),
        json!([4]),
        json!({ "value": 4 }),
        json!(99),
    ]
}

#[derive(Debug)]
enum Expect {
    /// A 4xx `ApiError`, nothing stored.
    Refused,
    /// Either refused, or (2xx) stored with `field` of `interaction` exactly `text`.
    RefusedOrStored {
        interaction: String,
        field: &'static str,
        text: String,
    },
    /// 2xx, stored with `field` exactly `text`.
    Stored {
        interaction: String,
        field: &'static str,
        text: String,
    },
}

struct Case {
    what: String,
    content_type: &'static str,
    body: Vec<u8>,
    expect: Expect,
}

/// Bodies far over the 8 KiB cap are refused from their declared length, before a byte of
/// them is read. They are sent as a client does that waits for that answer (headers first):
/// a client that keeps writing after the refusal gets its connection reset instead of the
/// 413, which would make the test depend on timing.
const HEADERS_FIRST_ABOVE: usize = 64 * 1024;

fn json_case(what: String, body: &Value, expect: Expect) -> Case {
    Case {
        what,
        content_type: JSON,
        body: body.to_string().into_bytes(),
        expect,
    }
}

fn raw(what: &str, content_type: &'static str, body: impl Into<Vec<u8>>) -> Case {
    Case {
        what: what.to_owned(),
        content_type,
        body: body.into(),
        expect: Expect::Refused,
    }
}

fn corpus(site: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut n = 0;
    for field in TEXT_FIELDS {
        for text in HOSTILE_TEXT {
            n += 1;
            let interaction = format!("h{n}");
            let mut body = json!({ "site": site, "interaction": interaction, "csat": 3 });
            body[field] = match field {
                "reasons" => json!([text]),
                _ => json!(text),
            };
            let what = format!("{field} = {text:?}");
            let expect = match field {
                // Free text: always legitimate, always kept exactly.
                "comment" => Expect::Stored {
                    interaction,
                    field,
                    text: text.to_owned(),
                },
                // Identifiers have a narrow alphabet; if one of these passes it must be intact.
                "interaction" | "agent" | "team" => Expect::RefusedOrStored {
                    interaction: if field == "interaction" {
                        text.to_owned()
                    } else {
                        interaction
                    },
                    field,
                    text: text.to_owned(),
                },
                _ => Expect::Refused,
            };
            cases.push(json_case(what, &body, expect));
        }
    }
    for field in SCORE_FIELDS {
        for value in bad_scores() {
            let body = json!({ "site": site, "interaction": "scores", field: value });
            cases.push(json_case(
                format!("{field} = {value}"),
                &body,
                Expect::Refused,
            ));
        }
    }
    let valid = format!(r#"{{"site":"{site}","interaction":"cut","csat":4,"comment":"fine"}}"#);
    for cut in [
        1,
        2,
        10,
        20,
        valid.len() / 2,
        valid.len() - 2,
        valid.len() - 1,
    ] {
        cases.push(raw(
            &format!("truncated at {cut}"),
            JSON,
            valid.as_bytes()[..cut].to_vec(),
        ));
    }
    let deep = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let nested_object = |depth: usize| {
        format!(
            r#"{{"site":"{site}","interaction":"n","csat":4,"comment":{}}}"#,
            "{\"a\":".repeat(depth) + "1" + &"}".repeat(depth)
        )
    };
    cases.extend([
        raw("nested arrays, 100 deep", JSON, deep(100)),
        raw("nested arrays, 100 000 deep", JSON, deep(100_000)),
        raw("nested objects, 1 000 deep", JSON, nested_object(1_000)),
        raw(
            "duplicate key",
            JSON,
            format!(r#"{{"site":"{site}","interaction":"d","csat":4,"csat":1}}"#),
        ),
        raw(
            "duplicate site",
            JSON,
            format!(r#"{{"site":"{site}","site":"{site}","interaction":"d","csat":4}}"#),
        ),
        raw(
            "unknown field",
            JSON,
            format!(r#"{{"site":"{site}","interaction":"u","csat":4,"admin":true}}"#),
        ),
        raw("JSON null", JSON, "null"),
        raw("JSON array", JSON, format!(r#"[{{"site":"{site}"}}]"#)),
        raw("JSON string", JSON, r#""csat""#),
        raw("JSON number", JSON, "4"),
        raw("empty object", JSON, "{}"),
        raw("only whitespace", JSON, "   \n\t  "),
        raw(
            "raw NUL inside a string",
            JSON,
            format!(
                "{{\"site\":\"{site}\",\"interaction\":\"z\",\"comment\":\"a\0b\",\"csat\":4}}"
            ),
        ),
        raw(
            "escaped NUL in the comment",
            JSON,
            format!(r#"{{"site":"{site}","interaction":"z","comment":"a\u0000b","csat":4}}"#),
        ),
        raw(
            "escaped NUL in the interaction",
            JSON,
            format!(r#"{{"site":"{site}","interaction":"a\u0000b","csat":4}}"#),
        ),
        raw(
            "lone surrogate escape",
            JSON,
            format!(r#"{{"site":"{site}","interaction":"s","comment":"\ud800","csat":4}}"#),
        ),
        raw("invalid UTF-8", JSON, b"{\"comment\":\"\xff\"}".to_vec()),
        raw("overlong NUL", JSON, b"{\"comment\":\"\xc0\x80\"}".to_vec()),
        raw(
            "overlong slash",
            JSON,
            b"{\"comment\":\"\xe0\x80\xaf\"}".to_vec(),
        ),
        raw(
            "UTF-8 beyond U+10FFFF",
            JSON,
            b"{\"comment\":\"\xf4\x90\x80\x80\"}".to_vec(),
        ),
        raw(
            "truncated UTF-8 sequence",
            JSON,
            b"{\"comment\":\"\xe3\x81\"}".to_vec(),
        ),
        raw("UTF-16 body", JSON, [0xff, 0xfe, b'{', 0, b'}', 0].to_vec()),
        raw("no content type", "", valid.clone()),
        raw("text/html", "text/html", valid.clone()),
        raw("form", "application/x-www-form-urlencoded", "csat=4"),
        raw("multipart", "multipart/form-data; boundary=b", "--b--"),
        raw("XML", "application/xml", "<csat>4</csat>"),
        raw(
            "JSON as UTF-16",
            "application/json; charset=utf-16",
            valid.clone(),
        ),
        raw("JSON patch", "application/json-patch+json", valid.clone()),
        raw(
            "JSON with a Latin-1 charset",
            "application/json; charset=iso-8859-1",
            valid.clone(),
        ),
        raw("1 MiB body", JSON, vec![b' '; 1 << 20]),
        raw(
            "1 MiB comment",
            JSON,
            format!(
                r#"{{"site":"{site}","interaction":"big","comment":"{}"}}"#,
                "x".repeat(1 << 20)
            ),
        ),
        raw(
            "a million reasons",
            JSON,
            format!(
                r#"{{"site":"{site}","interaction":"r","csat":4,"reasons":[{}"x"]}}"#,
                "\"x\",".repeat(1_000_000)
            ),
        ),
        raw(
            "comment one over its limit",
            JSON,
            format!(
                r#"{{"site":"{site}","interaction":"l","comment":"{}"}}"#,
                "あ".repeat(2001)
            ),
        ),
        raw(
            "interaction one over its limit",
            JSON,
            format!(
                r#"{{"site":"{site}","interaction":"{}","csat":4}}"#,
                "i".repeat(129)
            ),
        ),
    ]);
    cases
}

async fn stored_text(
    app: &TestApp<impl TestBackend>,
    interaction: &str,
    field: &str,
) -> Option<String> {
    let response = app
        .responses(&app.site)
        .await
        .into_iter()
        .find(|r| r.interaction.as_str() == interaction)?;
    let (a, x) = (&response.state.attribution, &response.state.answers);
    Some(match field {
        "interaction" => response.interaction.as_str().to_owned(),
        "agent" => a.agent.as_ref()?.as_str().to_owned(),
        "team" => a.team.as_ref()?.as_str().to_owned(),
        "comment" => x.comment.as_ref()?.as_str().to_owned(),
        _ => return None,
    })
}

async fn every_hostile_request_is_refused_or_stored_exactly<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let cases = corpus(app.site.key());
    assert!(
        cases.len() >= 200,
        "the corpus holds {} requests",
        cases.len()
    );
    let mut stored = 0;
    for case in cases {
        let before = app.snapshot().await;
        let (status, body) = if case.body.len() > HEADERS_FIRST_ABOVE {
            let length = case.body.len();
            let (status, body, _) = send_raw(
                &app.url("/"),
                case.content_type,
                length,
                b"",
                0,
                Duration::ZERO,
            )
            .await;
            (status, body)
        } else {
            let response = app
                .post_raw("/api/v1/responses", case.content_type, case.body, None)
                .await;
            let status = response.status().as_u16();
            (status, response.json().await.unwrap_or(Value::Null))
        };
        let refused = (400..500).contains(&status);
        if refused {
            assert!(
                body["error"].as_str().is_some_and(|c| !c.is_empty())
                    && body["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{}: {status} {body} is not an ApiError",
                case.what
            );
            assert_eq!(
                app.snapshot().await,
                before,
                "{}: refused but stored",
                case.what
            );
        }
        match case.expect {
            Expect::Refused => assert!(refused, "{}: answered {status}", case.what),
            Expect::RefusedOrStored {
                interaction,
                field,
                text,
            }
            | Expect::Stored {
                interaction,
                field,
                text,
            } if !refused => {
                assert!(
                    matches!(status, 200 | 201),
                    "{}: answered {status}",
                    case.what
                );
                assert_eq!(
                    stored_text(&app, &interaction, field).await.as_deref(),
                    Some(text.as_str()),
                    "{}: not stored byte for byte",
                    case.what
                );
                stored += 1;
            }
            Expect::Stored { .. } => panic!("{}: legitimate text refused ({status})", case.what),
            Expect::RefusedOrStored { .. } => {}
        }
    }
    assert!(
        stored >= HOSTILE_TEXT.len(),
        "every hostile comment is kept ({stored} stored)"
    );
    assert!(
        app.drift().await.is_empty(),
        "rollups equal the recomputation"
    );
    let health = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("answers");
    assert_eq!(health.status(), 200);
    let fine = json!({ "site": app.site.key(), "interaction": "after", "csat": 5 });
    assert_eq!(
        app.submit(&fine).await.status(),
        201,
        "still taking answers"
    );
}

on_both_backends!(every_hostile_request_is_refused_or_stored_exactly);
