//! Rating links for email, SMS and SNS: one signed URL per CSAT and NPS score, a plain survey
//! URL, and a ready-to-paste email block (table layout, inline styles) with its text twin.
//! The tokens are the `shared` format, version 2; a site's backend can sign identical links.

use std::fmt::Write as _;

use koe_shared::token::{self, AttributionClaims, Offer, OfferedQuestion};
use koe_shared::{AgentId, Channel, InteractionId, TeamId};
use serde::Serialize;

use crate::dashboard::escape;
use crate::site::Site;
use crate::survey_texts::{self, SurveyTexts};

/// What a link set is for.
#[derive(Debug, Clone)]
pub struct LinkRequest {
    pub interaction: InteractionId,
    pub agent: Option<AgentId>,
    pub team: Option<TeamId>,
    pub channel: Channel,
    pub expires_at: u64,
    pub ja: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScoreLink {
    pub score: u8,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinkSet {
    pub interaction: String,
    pub expires_at: u64,
    pub survey_url: String,
    pub csat: Vec<ScoreLink>,
    pub nps: Vec<ScoreLink>,
    pub html: String,
    pub text: String,
}

pub(crate) const FACES: [&str; 5] = ["😠", "🙁", "😐", "🙂", "😄"];

/// Signs the link set for one interaction; `base` is the collector's public URL.
pub fn build(site: &Site, base: &str, request: &LinkRequest) -> LinkSet {
    let lang = if request.ja { "ja" } else { "en" };
    let url = |offer: Option<Offer>| {
        let claims = AttributionClaims {
            site: site.key.clone(),
            interaction: request.interaction.clone(),
            agent: request.agent.clone(),
            team: request.team.clone(),
            channel: Some(request.channel),
            expires_at: request.expires_at,
            offer,
        };
        format!(
            "{}/s/{}?lang={lang}",
            base.trim_end_matches('/'),
            token::sign(&site.secret_digest, &claims).as_str()
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
    let t = if request.ja {
        &survey_texts::JA
    } else {
        &survey_texts::EN
    };
    LinkSet {
        interaction: request.interaction.to_string(),
        expires_at: request.expires_at,
        html: email_html(t, lang, &csat, &nps, &survey_url),
        text: email_text(t, &csat, &nps, &survey_url),
        survey_url,
        csat,
        nps,
    }
}

const CELL: &str = "display:inline-block;min-width:34px;padding:8px 6px;border:1px solid #c9cbd1;border-radius:6px;background:#ffffff;color:#1b1b1f;text-decoration:none;text-align:center;font-size:15px;line-height:1.3";

fn email_html(
    t: &SurveyTexts,
    lang: &str,
    csat: &[ScoreLink],
    nps: &[ScoreLink],
    survey: &str,
) -> String {
    let mut html = format!(
        r#"<table role="presentation" lang="{lang}" cellpadding="0" cellspacing="0" border="0" style="font-family:Arial,'Hiragino Sans','Meiryo',sans-serif;color:#1b1b1f;max-width:560px"><tr><td style="padding:8px 0;font-size:16px;font-weight:bold">{}</td></tr><tr><td><table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr>"#,
        escape(t.csat_question)
    );
    for ((link, face), label) in csat.iter().zip(FACES).zip(t.csat_labels) {
        let _ = write!(
            html,
            r#"<td style="padding:0 6px 0 0"><a href="{url}" title="{n} – {label}" style="{CELL};min-width:64px">{face}<br>{n}<br><span style="font-size:11px;color:#55575e">{label}</span></a></td>"#,
            url = escape(&link.url),
            n = link.score,
            label = escape(label),
        );
    }
    let _ = write!(
        html,
        r#"</tr></table></td></tr><tr><td style="padding:16px 0 8px;font-size:16px;font-weight:bold">{}</td></tr><tr><td><table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr>"#,
        escape(t.nps_question)
    );
    for link in nps {
        let _ = write!(
            html,
            r#"<td style="padding:0 4px 0 0"><a href="{}" style="{CELL}">{}</a></td>"#,
            escape(&link.url),
            link.score
        );
    }
    let _ = write!(
        html,
        r#"</tr></table><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td style="font-size:12px;color:#55575e;padding-top:4px">0 – {low}</td><td style="font-size:12px;color:#55575e;padding-top:4px;text-align:right">10 – {high}</td></tr></table></td></tr><tr><td style="padding:16px 0 0;font-size:13px"><a href="{survey}" style="color:#2454d6">{open}</a><br><span style="color:#55575e">{foot}</span></td></tr></table>"#,
        low = escape(t.nps_low),
        high = escape(t.nps_high),
        survey = escape(survey),
        open = escape(t.open_survey),
        foot = escape(t.footnote),
    );
    html
}

fn email_text(t: &SurveyTexts, csat: &[ScoreLink], nps: &[ScoreLink], survey: &str) -> String {
    let mut text = format!("{}\n", t.csat_question);
    for (link, label) in csat.iter().zip(t.csat_labels) {
        let _ = writeln!(text, "  {} – {label}: {}", link.score, link.url);
    }
    let _ = writeln!(
        text,
        "\n{} (0 – {}, 10 – {})",
        t.nps_question, t.nps_low, t.nps_high
    );
    for link in nps {
        let _ = writeln!(text, "  {}: {}", link.score, link.url);
    }
    let _ = writeln!(text, "\n{}: {survey}", t.open_survey);
    text
}
