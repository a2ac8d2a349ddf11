//! `/demo`: a small shop's support chat that ends with the Koe survey, so `cargo xtask serve`
//! shows the product working. The demo site is created on start when missing; its tokens are
//! signed with the stored secret digest (HMAC gives the same MAC, see `shared/docs`).

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use askama::Template;
use koe_shared::token::{self, AttributionClaims};
use koe_shared::{AgentId, Channel, InteractionId, Locale};
use rand::Rng as _;

use crate::clock;
use crate::sites::registration::DEMO_SITE_KEY;
use crate::storage::Storage;
use crate::templates::render;
use crate::texts::demo as demo_texts;
use crate::web::state::AppState;

#[derive(Debug, serde::Deserialize)]
pub struct DemoQuery {
    lang: Option<String>,
}

/// The demo shop page, with a fresh interaction and a token signed for it.
#[tracing::instrument(name = "demo::page", skip_all)]
pub async fn page<S: Storage>(
    req: HttpRequest,
    query: web::Query<DemoQuery>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    let Some(site) = &state.demo_site else {
        return HttpResponse::NotFound().body("the demo is off: start with `koe serve --demo`");
    };
    let locale = crate::web::request::locale_of(&req, query.lang.as_deref());
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
        customer: None,
    };
    let token = token::sign(&site.secret_digest, &claims);
    let t = demo_texts::of(locale);
    let shop = DemoPage {
        lang: locale.as_str(),
        t,
        answer: t.answer.replace("{agent}", agent),
        other_lang: match locale {
            Locale::Ja => "en",
            Locale::En => "ja",
        },
        site: DEMO_SITE_KEY,
        interaction: &interaction,
        agent,
        token: token.as_str(),
    };
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(render(&shop))
}

/// The demo page's script: ends the chat and shows the survey.
pub async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/javascript; charset=utf-8"))
        .body(SCRIPT)
}

/// The demo shop's page (`templates/demo/page.html`); every value is escaped there.
#[derive(Debug, Template)]
#[template(path = "demo/page.html")]
struct DemoPage<'a> {
    lang: &'static str,
    t: &'static demo_texts::DemoTexts,
    /// The agent's reply, naming the agent.
    answer: String,
    /// The language the switch link offers.
    other_lang: &'static str,
    site: &'static str,
    interaction: &'a str,
    agent: &'a str,
    token: &'a str,
}

const SCRIPT: &str = r#"document.getElementById("end-chat").addEventListener("click", function (event) {
  var b = event.currentTarget;
  b.disabled = true;
  koe("show", { interaction: b.dataset.interaction, agent: b.dataset.agent, channel: "chat", token: b.dataset.token, questions: ["csat", "nps", "resolved", "comment"] });
});
"#;
