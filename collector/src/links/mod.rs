//! Rating links for email, SMS and SNS: one signed URL per CSAT and NPS score, a plain survey
//! URL, and a ready-to-paste email block (table layout, inline styles) with its text twin.
//! The tokens are the `shared` format, version 2; a site's backend can sign identical links.

mod issue;

pub use issue::{Recipient, issue};

use askama::Template;
use koe_shared::survey::texts::CSAT_FACES as FACES;
use koe_shared::token::{self, AttributionClaims, Offer, OfferedQuestion};
use koe_shared::{AgentId, Channel, InteractionId, Locale, TeamId};
use serde::Serialize;

use crate::sites::Site;
use crate::sites::survey::QuestionWords;
use crate::templates::render;
use crate::texts::survey::{self as survey_texts, SurveyTexts};

/// The Content-Security-Policy directives a page embedding the survey from `collector` needs
/// (merged into the page's own): the loader and survey files, compiling the survey's
/// WebAssembly, sending answers. Styles need none: they are constructed stylesheets.
pub fn embedding_csp(collector: &str) -> String {
    let origin = url::Url::parse(collector)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|_| collector.trim_end_matches('/').to_owned());
    format!("script-src {origin} 'wasm-unsafe-eval'; connect-src {origin}")
}

/// Longest a link may live.
pub const MAX_EXPIRY_DAYS: u64 = 90;
/// How long a link lives when the caller does not say (`koe link --expires`, the API's
/// `expires_in_days`).
pub const DEFAULT_EXPIRY_DAYS: u64 = 14;

/// What a link set is for: checked by [`LinkRequest::new`], so a held one is valid.
#[derive(Debug, Clone)]
pub struct LinkRequest {
    pub interaction: InteractionId,
    pub agent: Option<AgentId>,
    pub team: Option<TeamId>,
    pub channel: Channel,
    /// Unix seconds.
    pub expires_at: u64,
    pub locale: Locale,
}

/// Why links cannot be made as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("links expire after 1 to {MAX_EXPIRY_DAYS} days, got {0}")]
    Expiry(u64),
    #[error("rating links are for email, phone, sns or other, not {0}")]
    Channel(Channel),
}

impl LinkRequest {
    /// Checks the link's lifetime (from now) and channel; shared by the API and `koe link`.
    pub fn new(
        interaction: InteractionId,
        agent: Option<AgentId>,
        team: Option<TeamId>,
        channel: Channel,
        expires_in_days: u64,
        locale: Locale,
    ) -> Result<Self, LinkError> {
        if !(1..=MAX_EXPIRY_DAYS).contains(&expires_in_days) {
            return Err(LinkError::Expiry(expires_in_days));
        }
        if !matches!(
            channel,
            Channel::Email | Channel::Phone | Channel::Sns | Channel::Other
        ) {
            return Err(LinkError::Channel(channel));
        }
        Ok(Self::in_conversation(
            interaction,
            agent,
            team,
            channel,
            expires_in_days,
            locale,
        ))
    }

    /// Links asked for inside the conversation itself (a helpdesk's chat, a LINE talk): any
    /// channel, since the links go where the conversation happened. `expires_in_days` is the
    /// caller's own constant, within the bounds.
    pub fn in_conversation(
        interaction: InteractionId,
        agent: Option<AgentId>,
        team: Option<TeamId>,
        channel: Channel,
        expires_in_days: u64,
        locale: Locale,
    ) -> Self {
        let expires_in_days = expires_in_days.clamp(1, MAX_EXPIRY_DAYS);
        let now = u64::try_from(crate::clock::now_ms() / 1000).unwrap_or(0);
        Self {
            interaction,
            agent,
            team,
            channel,
            expires_at: now + expires_in_days * 86_400,
            locale,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScoreLink {
    pub score: u8,
    pub url: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LinkSet {
    pub interaction: String,
    pub expires_at: u64,
    pub survey_url: String,
    pub csat: Vec<ScoreLink>,
    pub nps: Vec<ScoreLink>,
    pub html: String,
    pub text: String,
}

/// The signed token of `request` offering `offer` (none: the plain survey): what a rating
/// link carries, and what a LINE postback carries in its `data`.
pub fn signed(site: &Site, request: &LinkRequest, offer: Option<Offer>) -> String {
    let claims = AttributionClaims {
        site: site.key.clone(),
        interaction: request.interaction.clone(),
        agent: request.agent.clone(),
        team: request.team.clone(),
        channel: Some(request.channel),
        expires_at: request.expires_at,
        offer,
        customer: None,
    };
    token::sign(&site.secret_digest, &claims)
        .as_str()
        .to_owned()
}

/// Signs the link set for one interaction; `base` is the collector's public URL.
pub fn build(site: &Site, base: &str, request: &LinkRequest) -> LinkSet {
    let lang = request.locale.as_str();
    let url = |offer: Option<Offer>| {
        format!(
            "{}/s/{}?lang={lang}",
            base.trim_end_matches('/'),
            signed(site, request, offer)
        )
    };
    let scored =
        |question: OfferedQuestion, scores: std::ops::RangeInclusive<u8>| -> Vec<ScoreLink> {
            scores
                .map(|score| ScoreLink {
                    score,
                    url: url(Offer::new(question, score).ok()),
                })
                .collect()
        };
    let csat = scored(OfferedQuestion::Csat, 1..=5);
    let nps = scored(OfferedQuestion::Nps, 0..=10);
    let survey_url = url(None);
    let t = survey_texts::of(request.locale);
    let words = QuestionWords::of(&site.survey.in_language(lang, &site.name));
    LinkSet {
        interaction: request.interaction.to_string(),
        expires_at: request.expires_at,
        html: email_html(t, &words, lang, &csat, &nps, &survey_url),
        text: email_text(t, &words, &csat, &nps, &survey_url),
        survey_url,
        csat,
        nps,
    }
}

/// One CSAT answer in the email: its link, face and words.
#[derive(Debug)]
struct CsatChoice<'a> {
    url: &'a str,
    score: u8,
    face: &'static str,
    label: &'a str,
}

fn csat_choices<'a>(words: &'a QuestionWords, csat: &'a [ScoreLink]) -> Vec<CsatChoice<'a>> {
    csat.iter()
        .zip(FACES)
        .zip(&words.csat_labels)
        .map(|((link, face), label)| CsatChoice {
            url: &link.url,
            score: link.score,
            face,
            label,
        })
        .collect()
}

/// The email block (`templates/email/rating.html`), escaped for HTML.
#[derive(Debug, Template)]
#[template(path = "email/rating.html")]
struct RatingEmail<'a> {
    t: &'a SurveyTexts,
    words: &'a QuestionWords,
    lang: &'a str,
    csat: Vec<CsatChoice<'a>>,
    nps: &'a [ScoreLink],
    survey: &'a str,
}

/// Its text twin (`templates/email/rating.txt`): a `.txt` template, so nothing is escaped.
#[derive(Debug, Template)]
#[template(path = "email/rating.txt")]
struct RatingEmailText<'a> {
    t: &'a SurveyTexts,
    words: &'a QuestionWords,
    csat: Vec<CsatChoice<'a>>,
    nps: &'a [ScoreLink],
    survey: &'a str,
}

fn email_html(
    t: &SurveyTexts,
    words: &QuestionWords,
    lang: &str,
    csat: &[ScoreLink],
    nps: &[ScoreLink],
    survey: &str,
) -> String {
    render(&RatingEmail {
        t,
        words,
        lang,
        csat: csat_choices(words, csat),
        nps,
        survey,
    })
}

fn email_text(
    t: &SurveyTexts,
    words: &QuestionWords,
    csat: &[ScoreLink],
    nps: &[ScoreLink],
    survey: &str,
) -> String {
    render(&RatingEmailText {
        t,
        words,
        csat: csat_choices(words, csat),
        nps,
        survey,
    })
}
