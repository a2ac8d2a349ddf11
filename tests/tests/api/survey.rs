//! A site's own survey over the API: published as numbered versions (admin key), read back as
//! the definition it was (read key), served to customers in their language from memory and
//! cached by browsers (`GET /api/v1/survey`), and a bad definition refused naming each
//! problem with nothing changed. On SQLite and PostgreSQL.

use koe_collector::audit::Actor;
use koe_collector::sites::registration::create_api_key;
use koe_collector::storage::Role;
use koe_tests::{TestApp, TestBackend, on_both_backends};
use serde_json::{Value, json};

async fn key<S: TestBackend>(app: &TestApp<S>, role: Role) -> String {
    create_api_key(&app.storage, &app.site.site, role, Actor::Cli)
        .await
        .unwrap()
        .1
}

/// PUTs a definition with `key` (and `If-Match` when given): status, ETag and body.
async fn publish<S: TestBackend>(
    app: &TestApp<S>,
    key: &str,
    definition: &Value,
    if_match: Option<&str>,
) -> (u16, String, Value) {
    let mut request = app
        .client
        .put(app.url(&format!("/api/v1/sites/{}/survey", app.site.key())))
        .bearer_auth(key)
        .json(definition);
    if let Some(version) = if_match {
        request = request.header("if-match", version);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let etag = response
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, etag, response.json().await.unwrap_or(Value::Null))
}

/// The public survey for `lang` (and an `Accept-Language`): the response.
async fn customer_survey<S: TestBackend>(
    app: &TestApp<S>,
    lang: Option<&str>,
    accept: Option<&str>,
    if_none_match: Option<&str>,
) -> reqwest::Response {
    let mut url = format!("/api/v1/survey?site={}", app.site.key());
    if let Some(lang) = lang {
        url.push_str(&format!("&lang={lang}"));
    }
    let mut request = app.client.get(app.url(&url));
    if let Some(accept) = accept {
        request = request.header("accept-language", accept);
    }
    if let Some(tag) = if_none_match {
        request = request.header("if-none-match", tag);
    }
    request.send().await.unwrap()
}

/// Every text of the survey in Korean (Koe has none of its own).
fn korean_texts() -> Value {
    let keys = [
        "title",
        "agent_fallback",
        "csat_question",
        "csat_1",
        "csat_2",
        "csat_3",
        "csat_4",
        "csat_5",
        "nps_question",
        "nps_low",
        "nps_high",
        "ces_question",
        "ces_low",
        "ces_high",
        "resolved_question",
        "article_question",
        "reasons_question",
        "praise_question",
        "comment_question",
        "comment_placeholder",
        "thanks",
        "thanks_detail",
        "yes",
        "no",
        "send",
        "skip",
        "close",
        "keyboard_hint",
    ];
    let mut texts: serde_json::Map<String, Value> = keys
        .iter()
        .map(|k| (k.to_string(), json!(format!("한국어 {k}"))))
        .collect();
    texts.insert("step_of".into(), json!("{n}/{total}"));
    Value::Object(texts)
}

fn definition() -> Value {
    json!({
        "languages": ["ja", "en", "ko"],
        "texts": {
            "ja": {"brand": "ヤマダ & Co.", "csat_question": "{brand}の{agent_display_name}の対応はいかがでしたか？"},
            "en": {"csat_question": "How did {brand} do?"},
            "ko": korean_texts(),
        },
        "reasons": [
            {"id": "slow_reply", "label": {"ko": "느린 답변"}},
            {"id": "friendly", "when": "happy", "label": {"ja": "親切", "en": "Friendly", "ko": "친절"}},
        ],
        "question": {"id": "clarity", "kind": "scale",
            "text": {"ja": "説明はわかりやすかったですか？", "en": "How clear was the explanation?", "ko": "설명이 명확했나요?"},
            "low": {"ja": "わかりにくい", "en": "Unclear", "ko": "불명확"},
            "high": {"ja": "わかりやすい", "en": "Clear", "ko": "명확"}},
        "look": {"color": "#0a7", "radius": 4, "font": "host", "theme": "dark", "position": "bottom-left"},
    })
}

async fn a_published_survey_reaches_customers_in_their_language<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let (read, admin) = (key(&app, Role::Read).await, key(&app, Role::Admin).await);

    // Before any is published: Koe's own, version 0, in the language asked.
    let koe: Value = customer_survey(&app, Some("ja"), None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(koe["version"], 0);
    assert_eq!(
        koe["texts"]["csat_question"],
        "今回のサポートにどのくらい満足されましたか？"
    );
    assert_eq!(koe["reasons"].as_array().unwrap().len(), 5);

    // A read key does not publish.
    assert_eq!(publish(&app, &read, &definition(), None).await.0, 403);
    let (status, etag, body) = publish(&app, &admin, &definition(), Some("\"0\"")).await;
    assert_eq!((status, etag.as_str()), (200, "\"1\""), "{body}");
    assert_eq!(body["version"], 1);

    // In Japanese, `{brand}` is filled and `{agent_display_name}` left for the page.
    let response = customer_survey(&app, Some("ja-JP"), None, None).await;
    assert_eq!(
        response.headers()["cache-control"].to_str().unwrap(),
        "public, max-age=60"
    );
    let tag = response.headers()["etag"].to_str().unwrap().to_owned();
    assert!(
        tag.starts_with("\"v1-ja-"),
        "the version and language: {tag}"
    );
    assert!(tag.ends_with("-f2\""), "the answer's form: {tag}");
    let ja: Value = response.json().await.unwrap();
    assert_eq!(
        ja["texts"]["csat_question"],
        "ヤマダ & Co.の{agent_display_name}の対応はいかがでしたか？"
    );
    // Every scale comes resolved: the values sent and their accessible names.
    assert_eq!(
        ja["scales"]["csat"][4],
        json!({"id": "5", "label": "5 – とても満足"})
    );
    assert_eq!(
        ja["scales"]["nps"][0],
        json!({"id": "0", "label": "0 – まったく薦めない"})
    );
    assert_eq!(ja["scales"]["ces"].as_array().unwrap().len(), 7);
    assert_eq!(
        ja["scales"]["yes_no"],
        json!([{"id": "1", "label": "はい"}, {"id": "0", "label": "いいえ"}])
    );
    assert_eq!(
        ja["question"]["options"][0],
        json!({"id": "1", "label": "1 – わかりにくい"}),
        "a scale question's values too"
    );
    assert_eq!(
        ja["texts"]["nps_question"], "当社を友人や同僚に薦める可能性はどのくらいありますか？",
        "Koe's where the site set none"
    );
    assert_eq!(
        ja["reasons"][0],
        json!({"id": "slow_reply", "label": "返信が遅い", "when": "unhappy"})
    );
    assert_eq!(ja["question"]["low"], "わかりにくい");
    assert_eq!(ja["look"]["color"], "#00aa77");
    assert_eq!(
        (ja["look"]["radius"].as_u64(), ja["look"]["theme"].as_str()),
        (Some(4), Some("dark"))
    );
    // Not changed: 304 without a body.
    let again = customer_survey(&app, Some("ja-JP"), None, Some(&tag)).await;
    assert_eq!(again.status().as_u16(), 304);

    // Korean by the browser's languages; French falls to the survey's first language.
    let ko: Value = customer_survey(&app, None, Some("ko-KR,ko;q=0.9"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (ko["lang"].as_str(), ko["reasons"][0]["label"].as_str()),
        (Some("ko"), Some("느린 답변"))
    );
    let fr: Value = customer_survey(&app, Some("fr"), Some("de"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(fr["lang"], "ja");
    let en: Value = customer_survey(&app, Some("en"), None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        en["texts"]["csat_question"], "How did ヤマダ & Co. do?",
        "the brand is the site's in every language"
    );

    // The hosted page a rating link opens asks in the site's words too, marked with their
    // language where it is not the page's own (Koe's sentences around them are English here).
    let links: Value = app
        .client
        .post(app.url(&format!("/api/v1/sites/{}/links", app.site.key())))
        .bearer_auth(&admin)
        .json(&json!({"interaction": "mail-1", "channel": "email", "lang": "en"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = links["csat"][3]["url"]
        .as_str()
        .unwrap()
        .replace("lang=en", "lang=ko");
    let page = app
        .client
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"<fieldset lang="ko">"#) && page.contains("한국어 csat_question"),
        "{page}"
    );

    // The definition reads back as it was published, and publishes again as it is.
    let path = format!("/api/v1/sites/{}/survey", app.site.key());
    let shown = app.get_json(&path, &read).await;
    assert_eq!(shown["version"], 1);
    assert_eq!(shown["definition"]["texts"], definition()["texts"]);
    assert_eq!(shown["definition"]["question"]["id"], "clarity");

    // Publishing over a version someone replaced is refused, and changes nothing.
    let (status, _, body) = publish(&app, &admin, &json!({}), Some("\"0\"")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("survey_changed")),
        "{body}"
    );
    // Koe's own again, as version 2: the reasons it dropped are retired, not forgotten.
    let (status, _, body) = publish(&app, &admin, &json!({}), None).await;
    assert_eq!((status, body["version"].as_u64()), (200, Some(2)), "{body}");
    assert_eq!(body["definition"]["retired_reasons"][0]["id"], "friendly");

    let versions = app.get_json(&format!("{path}/versions"), &read).await;
    let listed: Vec<(u64, String)> = versions["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_u64().unwrap(),
                v["published_by"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].0, 2, "newest first");
    assert!(listed[1].1.starts_with("key:"), "{listed:?}");
    let audit = app.storage.audit_events(app.site.site.id).await.unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "survey_published")
            .count(),
        2
    );
}

async fn a_bad_definition_is_refused_naming_each_problem_and_changes_nothing<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let admin = key(&app, Role::Admin).await;
    let bad = json!({
        "languages": ["ja", "en", "ko"],
        "texts": {"ja": {"thanks": "<b>ありがとう</b>"}, "en": {"nps_low": "x".repeat(41)}},
        "reasons": [{"id": "late", "label": {"ja": "遅い", "en": "Late", "ko": "늦음"}},
                    {"id": "late", "label": {"ja": "遅い", "en": "Late", "ko": "늦음"}}],
        "question": {"id": "topic", "kind": "choice", "text": {"ja": "用件", "en": "Topic", "ko": "주제"},
            "options": (0..9).map(|i| json!({"id": format!("o{i}"), "label": {"ja": "a", "en": "a", "ko": "a"}})).collect::<Vec<_>>()},
    });
    let (status, _, body) = publish(&app, &admin, &bad, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("invalid_survey")),
        "{body}"
    );
    let fields: Vec<&str> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    for expected in [
        "texts.ja.thanks",
        "texts.en.nps_low",
        "texts.ko.csat_question",
        "reasons[1].id",
        "question.options",
    ] {
        assert!(fields.contains(&expected), "{expected} among {fields:?}");
    }
    assert_eq!(
        body["field"], fields[0],
        "the first problem's field, as the message's"
    );
    // A field the format does not have is refused too.
    let (status, _, _) = publish(&app, &admin, &json!({"colour": "#fff"}), None).await;
    assert_eq!(status, 400);

    let read = key(&app, Role::Read).await;
    let shown = app
        .get_json(&format!("/api/v1/sites/{}/survey", app.site.key()), &read)
        .await;
    assert_eq!(shown["version"], 0, "nothing was published");
}

async fn a_renamed_reason_keeps_one_series_and_a_dropped_one_its_label<S: TestBackend>() {
    let Some(app) = TestApp::<S>::spawn().await else {
        return;
    };
    let (read, admin) = (key(&app, Role::Read).await, key(&app, Role::Admin).await);
    let unhappy = |interaction: &str, reason: &str| json!({"site": app.site.key(), "interaction": interaction, "csat": 1, "reasons": [reason]});
    for (interaction, reason) in [("r-1", "slow_reply"), ("r-2", "unfriendly")] {
        assert_eq!(
            app.submit(&unhappy(interaction, reason)).await.status(),
            201
        );
    }
    let renamed = json!({"reasons": [
        {"id": "slow_reply", "label": {"en": "Waited too long", "ja": "待ち時間が長い"}},
        {"id": "wrong_answer", "label": {"en": "Wrong answer", "ja": "回答が間違っていた"}},
    ]});
    assert_eq!(publish(&app, &admin, &renamed, None).await.0, 200);
    assert_eq!(
        app.submit(&unhappy("r-3", "slow_reply")).await.status(),
        201
    );

    let reasons = app
        .get_json(&format!("/api/v1/sites/{}/reasons", app.site.key()), &read)
        .await;
    let mut rows: Vec<(String, String, u64)> = reasons["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["reason"].as_str().unwrap().to_owned(),
                r["label"].as_str().unwrap().to_owned(),
                r["unhappy"].as_u64().unwrap(),
            )
        })
        .collect();
    rows.sort();
    assert_eq!(
        rows,
        [
            ("slow_reply".to_owned(), "Waited too long".to_owned(), 2),
            ("unfriendly".to_owned(), "Unfriendly".to_owned(), 1),
        ],
        "one series under the new label; the dropped reason under its last one"
    );
}

on_both_backends!(
    a_published_survey_reaches_customers_in_their_language,
    a_bad_definition_is_refused_naming_each_problem_and_changes_nothing,
    a_renamed_reason_keeps_one_series_and_a_dropped_one_its_label
);
