//! Bodies that are not a submission at all: broken JSON or UTF-8, the wrong media type, too
//! large, the wrong shape.

use super::{Case, JSON, raw};

pub(super) fn cases(site: &str) -> Vec<Case> {
    let nested = format!("{}{}", "[".repeat(200), "]".repeat(200));
    vec![
        raw("empty body", JSON, "", 400, "invalid_json"),
        raw("not JSON", JSON, "hello", 400, "invalid_json"),
        raw(
            "truncated JSON",
            JSON,
            format!(r#"{{"site":"{site}","interaction":"c","csat":4"#),
            400,
            "invalid_json",
        ),
        raw(
            "trailing garbage",
            JSON,
            format!(r#"{{"site":"{site}","interaction":"c","csat":4}} x"#),
            400,
            "invalid_json",
        ),
        raw("single quotes", JSON, "{'site':'s'}", 400, "invalid_json"),
        raw(
            "invalid UTF-8",
            JSON,
            b"{\"site\":\"\xff\xfe\"}".to_vec(),
            400,
            "invalid_utf8",
        ),
        raw(
            "overlong UTF-8 slash",
            JSON,
            b"{\"site\":\"\xc0\xaf\"}".to_vec(),
            400,
            "invalid_utf8",
        ),
        raw(
            "UTF-16 surrogate in UTF-8",
            JSON,
            b"{\"site\":\"\xed\xa0\x80\"}".to_vec(),
            400,
            "invalid_utf8",
        ),
        raw(
            "no content type",
            "",
            format!(r#"{{"site":"{site}","interaction":"c","csat":4}}"#),
            415,
            "unsupported_media_type",
        ),
        raw(
            "form content type",
            "application/x-www-form-urlencoded",
            "site=x&csat=4",
            415,
            "unsupported_media_type",
        ),
        raw(
            "multipart",
            "multipart/form-data; boundary=x",
            "--x--",
            415,
            "unsupported_media_type",
        ),
        raw(
            "XML",
            "application/xml",
            "<csat>4</csat>",
            415,
            "unsupported_media_type",
        ),
        raw(
            "over 8 KiB",
            JSON,
            format!(
                r#"{{"site":"{site}","interaction":"c","comment":"{}"}}"#,
                "a".repeat(9000)
            ),
            413,
            "payload_too_large",
        ),
        raw(
            "deep nesting",
            JSON,
            format!(r#"{{"site":"{site}","interaction":"c","reasons":{nested}}}"#),
            422,
            "invalid_field",
        ),
        raw(
            "duplicate key",
            JSON,
            format!(r#"{{"site":"{site}","interaction":"c","csat":4,"csat":5}}"#),
            422,
            "invalid_field",
        ),
        raw("top-level array", JSON, "[]", 422, "invalid_field"),
        raw("top-level null", JSON, "null", 422, "invalid_field"),
        raw("top-level number", JSON, "42", 422, "invalid_field"),
        raw("top-level string", JSON, r#""csat""#, 422, "invalid_field"),
    ]
}
