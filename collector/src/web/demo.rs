//! `/demo`: a small shop's support chat that ends with the Koe survey, so `cargo xtask serve`
//! shows the product working. The demo site is created on start when missing; its tokens are
//! signed with the stored secret digest (HMAC gives the same MAC, see `shared/docs`).

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use koe_shared::token::{self, AttributionClaims};
use koe_shared::{AgentId, Channel, InteractionId, SiteKey};
use rand::Rng as _;

use crate::clock;
use crate::secrets;
use crate::site::{NewSite, Origin, Site, SiteTimeZone};
use crate::startup::AppState;
use crate::storage::{Storage, StorageError};

/// The demo site's public key: fixed, so the page and the database agree across restarts.
pub const DEMO_SITE_KEY: &str = "site_demo";

/// Finds or creates the demo site, reachable from the collector's own origin on `port`.
pub async fn ensure_site<S: Storage>(storage: &S, port: u16) -> Result<Site, StorageError> {
    let key = SiteKey::try_from(DEMO_SITE_KEY).map_err(|e| StorageError::Corrupt(e.to_string()))?;
    if let Some(site) = storage.site_by_key(&key).await? {
        return Ok(site);
    }
    let origins = [
        format!("http://localhost:{port}"),
        format!("http://127.0.0.1:{port}"),
    ]
    .iter()
    .map(|o| Origin::parse(o).map_err(StorageError::Corrupt))
    .collect::<Result<Vec<_>, _>>()?;
    storage
        .create_site(NewSite {
            key,
            name: "Demo".into(),
            origins,
            timezone: SiteTimeZone::parse("Asia/Tokyo").map_err(StorageError::Corrupt)?,
            strict: true,
            low_n_threshold: 30,
            secret_digest: secrets::digest(&secrets::new_signing_secret()),
            created_at_ms: clock::now_ms(),
        })
        .await
}

#[derive(Debug, serde::Deserialize)]
pub struct DemoQuery {
    lang: Option<String>,
}

/// The demo shop page, with a fresh interaction and a token signed for it.
pub async fn page<S: Storage>(
    req: HttpRequest,
    query: web::Query<DemoQuery>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    let Some(site) = &state.demo_site else {
        return HttpResponse::NotFound().body("the demo is off: start with `koe serve --demo`");
    };
    let ja =
        query.lang.as_deref() == Some("ja") || (query.lang.is_none() && prefers_japanese(&req));
    let interaction = format!("demo-chat-{:08x}", rand::rng().random::<u32>());
    let agents = ["aiko", "ken", "mai", "sora"];
    let agent = agents[rand::rng().random_range(0..agents.len())];
    let claims = AttributionClaims {
        site: site.key.clone(),
        interaction: InteractionId::try_from(interaction.as_str()).expect("a valid interaction id"),
        agent: Some(AgentId::try_from(agent).expect("a valid agent id")),
        team: None,
        channel: Some(Channel::Chat),
        expires_at: u64::try_from(clock::now_ms() / 1000).unwrap_or(0) + 3600,
        offer: None,
    };
    let token = token::sign(&site.secret_digest, &claims);
    let t = if ja { &JA } else { &EN };
    let html = PAGE
        .replace("{lang}", if ja { "ja" } else { "en" })
        .replace("{title}", t.title)
        .replace("{greeting}", t.greeting)
        .replace("{question}", t.question)
        .replace("{answer}", &t.answer.replace("{agent}", agent))
        .replace("{end}", t.end)
        .replace("{other}", t.other)
        .replace("{other_lang}", if ja { "en" } else { "ja" })
        .replace("{site}", DEMO_SITE_KEY)
        .replace("{interaction}", &interaction)
        .replace("{agent}", agent)
        .replace("{token}", token.as_str());
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(html)
}

/// The demo page's script: ends the chat and shows the survey.
pub async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/javascript; charset=utf-8"))
        .body(SCRIPT)
}

fn prefers_japanese(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("ja"))
}

struct DemoTexts {
    title: &'static str,
    greeting: &'static str,
    question: &'static str,
    answer: &'static str,
    end: &'static str,
    other: &'static str,
}

const EN: DemoTexts = DemoTexts {
    title: "Koe Coffee — support chat",
    greeting: "Hi! This is Koe Coffee support. How can we help?",
    question: "My beans arrived but the bag was torn.",
    answer: "Sorry about that! I'm {agent}; a new bag ships today, no need to return the old one.",
    end: "End chat",
    other: "日本語",
};

const JA: DemoTexts = DemoTexts {
    title: "Koe コーヒー — サポートチャット",
    greeting: "こんにちは。Koe コーヒーのサポートです。ご用件をどうぞ。",
    question: "豆が届いたのですが、袋が破れていました。",
    answer: "申し訳ございません。担当の{agent}です。本日新しい袋を発送いたします。古い袋の返送は不要です。",
    end: "チャットを終了",
    other: "English",
};

const PAGE: &str = r##"<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{margin:0;font:16px/1.5 system-ui,sans-serif;background:#f4efe8;color:#2b2118}
header{background:#3b2a1e;color:#fff;padding:12px 20px;display:flex;justify-content:space-between;align-items:center}
header a{color:#f4d9b0}
main{max-width:560px;margin:24px auto;padding:0 16px}
.msg{padding:10px 14px;border-radius:14px;margin:8px 0;max-width:80%}
.agent{background:#fff}.customer{background:#d8ecd6;margin-left:auto}
button{font:inherit;padding:10px 16px;border-radius:8px;border:0;background:#3b2a1e;color:#fff;cursor:pointer}
</style>
<script async src="/koe.js" data-site="{site}" data-lang="{lang}" data-color="#3b2a1e"></script>
<script>window.koe=window.koe||function(){(koe.q=koe.q||[]).push(arguments)};</script>
<script defer src="/demo.js"></script>
</head>
<body>
<header><strong>{title}</strong><a href="?lang={other_lang}">{other}</a></header>
<main>
<p class="msg agent">{greeting}</p>
<p class="msg customer">{question}</p>
<p class="msg agent">{answer}</p>
<button id="end-chat" data-interaction="{interaction}" data-agent="{agent}" data-token="{token}">{end}</button>
</main>
</body>
</html>
"##;

const SCRIPT: &str = r#"document.getElementById("end-chat").addEventListener("click", function (event) {
  var b = event.currentTarget;
  b.disabled = true;
  koe("show", { interaction: b.dataset.interaction, agent: b.dataset.agent, channel: "chat", token: b.dataset.token, questions: ["csat", "nps", "resolved", "comment"] });
});
"#;
