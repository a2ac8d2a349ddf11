//! Markup sent to any HTML page comes back as text, never as markup: every page renders through
//! askama templates that escape by default. Each request carries a payload in one query
//! parameter, form field or path segment, and no answer may hold the payload's markup. A site's
//! name and a customer's comment show as text on the dashboard too. (`browser/
//! script_injection.rs` checks the same from a browser's side.)

use koe_collector::audit::Actor;
use koe_collector::people::{Grant, SiteRole};
use koe_collector::sites::registration::create_api_key;
use koe_collector::storage::Role;
use koe_tests::{TestApp, TestBackend, TestSite, on_both_backends};
use serde_json::{Value, json};

/// Markup an attacker sends, each with the part that must never come back as it was. Error
/// pages quote a bad value with Rust's `{:?}`, which turns `"` into `\"`, so the test looks for
/// the tag itself rather than the whole payload.
const PAYLOADS: [(&str, &str); 3] = [
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),
    (
        "\"><img src=x onerror=alert(1)>",
        "<img src=x onerror=alert(1)>",
    ),
    (
        "<meta http-equiv=refresh content=0;url=//evil.example>",
        "<meta http-equiv=refresh content=0;url=//evil.example>",
    ),
];

/// A site name no page may turn into markup.
const SITE_NAME: &str = "<script>alert(1)</script> & \"Co\"";

/// One request carrying a payload.
struct Case {
    what: String,
    request: reqwest::RequestBuilder,
    /// Whether the answer must be an HTML page (a redirect or a plain 404 need not be).
    page: bool,
}

impl Case {
    fn new(what: String, request: reqwest::RequestBuilder, page: bool) -> Self {
        Self {
            what,
            request,
            page,
        }
    }
}

/// Sends every case: no answer is a server error, each is a page where one is expected, and
/// none holds a payload's markup.
async fn assert_inert(cases: Vec<Case>) {
    assert!(!cases.is_empty(), "something was sent");
    for Case {
        what,
        request,
        page,
    } in cases
    {
        let response = request.send().await.expect("the collector answers");
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response.text().await.expect("a text body");
        assert!(!status.is_server_error(), "{what}: {status}");
        if page {
            assert!(
                content_type.starts_with("text/html"),
                "{what}: a page, not {content_type:?} ({status})"
            );
        }
        for (_, markup) in PAYLOADS {
            assert!(
                !body.contains(markup),
                "{what}: {markup} came back as markup ({status}):\n{body}"
            );
        }
    }
}

/// A payload as one path segment.
fn segment(payload: &str) -> String {
    url::form_urlencoded::byte_serialize(payload.as_bytes()).collect()
}

/// Signs in to the dashboard as a manager of `site`; returns the session cookie.
async fn session<S: TestBackend>(app: &TestApp<S>, site: &TestSite) -> String {
    let grant = Grant::new(SiteRole::Manager, None, &[]).expect("a grant");
    let (email, password) = app.person(site, &grant).await;
    app.sign_in(&email, &password).await
}

/// The character a reference names: the five named ones an escaper may use, or any numeric
/// one (so the test does not depend on which form the escaper picks).
fn character(reference: &str) -> Option<char> {
    match reference {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let number = reference.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

/// HTML with its character references decoded: what a reader sees, tags left in place.
fn unescape(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find('&') {
        text.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        let decoded = rest
            .split_once(';')
            .and_then(|(reference, after)| character(reference).map(|c| (c, after)));
        match decoded {
            Some((c, after)) => {
                text.push(c);
                rest = after;
            }
            None => text.push('&'),
        }
    }
    text.push_str(rest);
    text
}

/// Every query parameter a dashboard page reads (the shared filters and the comment feed's).
const DASHBOARD_PARAMETERS: [&str; 19] = [
    "from",
    "to",
    "bucket",
    "compare",
    "team",
    "channel",
    "agent",
    "lang",
    "sort",
    "min_csat",
    "max_csat",
    "min_nps",
    "max_nps",
    "reason",
    "has_comment",
    "flagged",
    "cursor",
    "limit",
    "topic",
];

async fn markup_in_any_dashboard_parameter_comes_back_as_text<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let cookie = session(&app, &app.site).await;
    let site = app.site.key();
    let signed_in = |path: &str| {
        app.client
            .get(app.url(path))
            .header("cookie", cookie.as_str())
    };
    let mut cases = Vec::new();
    for (payload, _) in PAYLOADS {
        cases.push(Case::new(
            format!("/dashboard ?lang={payload}"),
            app.client
                .get(app.url("/dashboard"))
                .query(&[("lang", payload)]),
            true,
        ));
        cases.push(Case::new(
            format!("/dashboard ?lang={payload}, signed in (a redirect)"),
            signed_in("/dashboard").query(&[("lang", payload)]),
            false,
        ));
        for form in [
            [
                ("email", payload),
                ("password", "wrong password"),
                ("lang", "en"),
            ],
            [
                ("email", "x@example.com"),
                ("password", "wrong"),
                ("lang", payload),
            ],
        ] {
            cases.push(Case::new(
                format!("sign-in form {form:?}"),
                app.client
                    .post(app.url("/dashboard/sign-in"))
                    .header("origin", app.address.as_str())
                    .form(&form),
                true,
            ));
        }
        for page in [
            "",
            "/agents",
            "/agents/aiko",
            "/channels",
            "/comments",
            "/service",
        ] {
            for param in DASHBOARD_PARAMETERS {
                cases.push(Case::new(
                    format!("page {page:?} ?{param}={payload}"),
                    signed_in(&format!("/dashboard/sites/{site}{page}")).query(&[(param, payload)]),
                    true,
                ));
            }
        }
        cases.push(Case::new(
            format!("an agent's page named {payload}"),
            signed_in(&format!(
                "/dashboard/sites/{site}/agents/{}",
                segment(payload)
            )),
            true,
        ));
        // The CSV routes answer a bad range with the dashboard's problem page, which quotes it.
        for csv in ["scores.csv", "responses.csv"] {
            for param in ["from", "to"] {
                cases.push(Case::new(
                    format!("{csv} ?{param}={payload}"),
                    signed_in(&format!("/dashboard/sites/{site}/{csv}")).query(&[(param, payload)]),
                    true,
                ));
            }
        }
        cases.push(Case::new(
            format!("site path {payload} (a plain 404)"),
            signed_in(&format!("/dashboard/sites/{}", segment(payload))),
            false,
        ));
    }
    assert_inert(cases).await;
}

async fn markup_in_any_survey_page_parameter_comes_back_as_text<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let (_, admin) = create_api_key(&app.storage, &app.site.site, Role::Admin, Actor::Cli)
        .await
        .expect("a key is created");
    let links: Value = app
        .client
        .post(app.url(&format!("/api/v1/sites/{}/links", app.site.key())))
        .bearer_auth(admin)
        .json(&json!({ "interaction": "ticket-markup", "agent": "aiko", "channel": "email", "lang": "en" }))
        .send()
        .await
        .expect("the collector answers")
        .json()
        .await
        .expect("a link set");
    let url = links["csat"][3]["url"].as_str().expect("a CSAT 4 link");
    let token = url
        .split("/s/")
        .nth(1)
        .and_then(|rest| rest.split('?').next())
        .expect("a token in the link");
    let path = format!("/s/{token}");
    let mut cases = Vec::new();
    for (payload, _) in PAYLOADS {
        cases.push(Case::new(
            format!("GET ?lang={payload}"),
            app.client.get(app.url(&path)).query(&[("lang", payload)]),
            true,
        ));
        cases.push(Case::new(
            format!("GET /s/{payload}"),
            app.client
                .get(app.url(&format!("/s/{}", segment(payload))))
                .query(&[("lang", "en")]),
            true,
        ));
        // Thanks (with the follow-up form), the question again, or done: each page once.
        let forms = [
            (
                "lang",
                vec![("csat", "4"), ("served_at", "0"), ("lang", payload)],
            ),
            ("csat", vec![("csat", payload), ("served_at", "0")]),
            ("nps", vec![("nps", payload), ("served_at", "0")]),
            ("comment", vec![("comment", payload), ("served_at", "0")]),
            ("served_at", vec![("csat", "4"), ("served_at", payload)]),
        ];
        for (field, form) in forms {
            let lang = if field == "lang" { payload } else { "en" };
            cases.push(Case::new(
                format!("POST {field}={payload}"),
                app.client
                    .post(app.url(&path))
                    .query(&[("lang", lang)])
                    .form(&form),
                true,
            ));
        }
    }
    assert_inert(cases).await;
}

async fn markup_in_the_demo_pages_language_comes_back_as_text<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn_with(|s| s.demo = true).await else {
        return;
    };
    let cases = PAYLOADS
        .into_iter()
        .map(|(payload, _)| {
            Case::new(
                format!("/demo ?lang={payload}"),
                app.client.get(app.url("/demo")).query(&[("lang", payload)]),
                true,
            )
        })
        .collect();
    assert_inert(cases).await;
}

async fn a_site_name_and_a_comment_with_markup_show_as_text_on_the_dashboard<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let site = app
        .add_site(SITE_NAME, false, "https://markup.example")
        .await;
    let comment = PAYLOADS[1].0;
    let answer = json!({
        "site": site.key(), "interaction": "chat-markup", "agent": "aiko", "csat": 1, "comment": comment,
    });
    assert_eq!(
        app.submit(&answer).await.status(),
        201,
        "the comment is kept"
    );
    let cookie = session(&app, &site).await;
    // The Overview (latest low ratings), the comment feed and the agent's page show it.
    for page in ["", "/comments", "/agents/aiko"] {
        let answer = app
            .client
            .get(app.url(&format!("/dashboard/sites/{}{page}", site.key())))
            .query(&[("lang", "en")])
            .header("cookie", cookie.as_str())
            .send()
            .await
            .expect("the collector answers");
        assert_eq!(answer.status(), 200);
        let html = answer.text().await.expect("a page");
        for (_, markup) in PAYLOADS {
            assert!(
                !html.contains(markup),
                "{page}: {markup} came back as markup:\n{html}"
            );
        }
        let text = unescape(&html);
        assert!(
            text.contains(&format!("<p class=\"site\">{SITE_NAME}</p>")),
            "{page}: the name is shown as text:\n{html}"
        );
        assert!(
            text.contains(&format!("<p class=\"comment\">{comment}</p>")),
            "{page}: the comment is shown as text:\n{html}"
        );
    }
}

on_both_backends!(
    markup_in_any_dashboard_parameter_comes_back_as_text,
    markup_in_any_survey_page_parameter_comes_back_as_text,
    markup_in_the_demo_pages_language_comes_back_as_text,
    a_site_name_and_a_comment_with_markup_show_as_text_on_the_dashboard,
);
