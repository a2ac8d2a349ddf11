//! LINE: a tap on a rating card's postback is the person's answer and counts in the reports
//! like a widget answer; it is thanked through the reply endpoint with the "resolved?" quick
//! replies; a redelivery does nothing again; a forged signature stores nothing.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use koe_collector::integrations::flex::{CardAnswer, MAX_POSTBACK_DATA, rating_card};
use koe_collector::links::LinkRequest;
use koe_shared::{AgentId, Channel, InteractionId, Locale};
use koe_tests::{TestApp, TestBackend, on_both_backends};
use serde_json::{Value, json};
use sha2::Sha256;

use super::{add, app, fixture, keys, until_event};

/// LINE's documented example channel secret.
const CHANNEL_SECRET: &str = "8c570fa6dd201bb328f1c1eac23a96d8";

fn signature(secret: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

async fn deliver<S: TestBackend>(
    app: &TestApp<S>,
    url: &str,
    body: &str,
    sig: &str,
) -> (u16, Value) {
    let response = app
        .client
        .post(url)
        .header("content-type", "application/json")
        .header("x-line-signature", sig)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

async fn a_postback_rating_counts_like_a_widget_answer_and_a_forged_one_stores_nothing<
    S: TestBackend,
>() {
    let Some(app) = app::<S>().await else {
        return;
    };
    let platform = koe_tests::platform::Platform::start().await;
    let (admin, read) = keys(&app).await;
    let added = add(
        &app,
        &admin,
        json!({
            "settings": { "kind": "line", "ask_resolved": true, "api_base": platform.url },
            "credentials": { "kind": "line", "channel_secret": CHANNEL_SECRET, "access_token": "line-token" },
        }),
    )
    .await;
    let hook = added["webhook_url"].as_str().unwrap().to_owned();

    // The card the site's bot sends (as `koe link --format line-flex-postback` prints it).
    let request = LinkRequest::in_conversation(
        InteractionId::try_from("line-talk-7".to_owned()).unwrap(),
        Some(AgentId::try_from("Kenta".to_owned()).unwrap()),
        None,
        Channel::Sns,
        14,
        Locale::Ja,
    );
    let card = rating_card(&app.site.site, &app.address, &request, CardAnswer::Postback).unwrap();
    assert_eq!(card["type"], "flex");
    let buttons = card["contents"]["footer"]["contents"].as_array().unwrap();
    assert_eq!(buttons.len(), 5);
    let data = buttons[3]["action"]["data"].as_str().unwrap().to_owned();
    assert!(data.len() <= MAX_POSTBACK_DATA, "{}", data.len());

    // The person taps "satisfied" (4); LINE sends the postback.
    let body = fixture("line/webhook_postback.json").replace("koe=PLACEHOLDER_TOKEN&s=4", &data);
    let (status, answer) = deliver(&app, &hook, &body, "bm90IHRoZSBzaWduYXR1cmU=").await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (401, Some("invalid_signature"))
    );
    assert!(
        app.responses(&app.site).await.is_empty(),
        "a forged tap stores nothing"
    );

    let (status, answer) = deliver(&app, &hook, &body, &signature(CHANNEL_SECRET, &body)).await;
    assert_eq!(
        (status, &answer["received"]),
        (200, &json!(["recorded"])),
        "{answer}"
    );
    let replies = platform.wait_for(1).await;
    until_event(&app, &admin, "sent").await;
    let reply = &replies[0];
    assert_eq!(reply.path, "/v2/bot/message/reply");
    assert_eq!(reply.header("authorization"), Some("Bearer line-token"));
    assert_eq!(reply.body["replyToken"], "b60d432864f44d079f6d8efe86cf404b");
    let messages = reply.body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2, "{messages:?}");
    let quick = messages[1]["quickReply"]["items"].as_array().unwrap();
    assert_eq!(quick.len(), 2, "yes and no");

    // LINE delivers it again: nothing more is stored or sent.
    let again = fixture("line/webhook_redelivery_postback.json")
        .replace("koe=PLACEHOLDER_TOKEN&s=4", &data);
    let (status, answer) = deliver(&app, &hook, &again, &signature(CHANNEL_SECRET, &again)).await;
    assert_eq!(
        (status, &answer["received"]),
        (200, &json!(["duplicate"])),
        "{answer}"
    );

    let scores = app
        .get_json(
            &format!(
                "/api/v1/sites/{}/scores?bucket=all&group_by=agent",
                app.site.key()
            ),
            &read,
        )
        .await;
    let row = &scores["rows"][0];
    assert_eq!(row["agent"], "Kenta", "{scores}");
    assert_eq!(row["csat"]["n"], 1, "{scores}");

    // The "resolved?" quick reply: the answer gains it.
    let yes = quick[0]["action"]["data"].as_str().unwrap();
    let follow = fixture("line/webhook_postback.json")
        .replace("koe=PLACEHOLDER_TOKEN&s=4", yes)
        .replace("01FZ74A0TDDPYRVKNK77XKC3ZR", "01FZ74A0TDDPYRVKNK77XKC3ZS");
    let (status, _) = deliver(&app, &hook, &follow, &signature(CHANNEL_SECRET, &follow)).await;
    assert_eq!(status, 200);
    let stored = app.responses(&app.site).await;
    assert_eq!(stored.len(), 1, "one interaction, one response");
    let answers = &stored[0].state.answers;
    assert_eq!(answers.csat.map(u8::from), Some(4));
    assert_eq!(answers.resolved.map(bool::from), Some(true));
}

async fn a_card_is_pushed_only_when_asked_and_once_per_interaction<S: TestBackend>() {
    let Some(app) = app::<S>().await else {
        return;
    };
    let platform = koe_tests::platform::Platform::start().await;
    let (admin, _) = keys(&app).await;
    let added = add(
        &app,
        &admin,
        json!({
            "settings": { "kind": "line", "ask_resolved": false, "api_base": platform.url },
            "credentials": { "kind": "line", "channel_secret": CHANNEL_SECRET, "access_token": "line-token" },
        }),
    )
    .await;
    let push = format!(
        "/api/v1/sites/{}/integrations/{}/push",
        app.site.key(),
        added["id"]
    );
    let ask = |to: &str| {
        app.client
            .post(app.url(&push))
            .bearer_auth(&admin)
            .json(
                &json!({ "to": to, "interaction": "line-talk-9", "agent": "Kenta", "lang": "en" }),
            )
            .send()
    };
    let person = "U4af4980629a1b2c3d4e5f60718293a4b";
    assert_eq!(ask("someone").await.unwrap().status(), 400);
    let pushed = ask(person).await.unwrap();
    assert_eq!(pushed.status(), 202);
    assert_eq!(pushed.json::<Value>().await.unwrap()["pushed"], "queued");
    let again: Value = ask(person).await.unwrap().json().await.unwrap();
    assert_eq!(again["pushed"], "duplicate");
    let calls = platform.wait_for(1).await;
    until_event(&app, &admin, "sent").await;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].path, "/v2/bot/message/push");
    assert_eq!(calls[0].body["to"], person);
    assert_eq!(calls[0].body["messages"][0]["type"], "flex");
    let key = calls[0].header("x-line-retry-key").unwrap();
    assert_eq!(key.len(), 36, "a UUID: {key}");
}

on_both_backends!(
    a_postback_rating_counts_like_a_widget_answer_and_a_forged_one_stores_nothing,
    a_card_is_pushed_only_when_asked_and_once_per_interaction,
);
