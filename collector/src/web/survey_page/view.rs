//! The hosted survey page: the offered score preselected and one button to confirm it, a
//! plain form for the follow-up questions (the widget takes over when JavaScript runs), and
//! friendly pages for links that cannot be used.

use std::fmt::Write as _;

use koe_shared::OfferedQuestion;

use crate::dashboard::escape;
use crate::links::FACES;
use crate::survey_texts::SurveyTexts;

const STYLE: &str = "body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI','Hiragino Sans','Noto Sans JP',sans-serif;color:#1b1b1f;background:#f7f7f9}\
main{max-width:560px;margin:0 auto;padding:24px 16px}h1{font-size:20px}fieldset{border:0;padding:0;margin:0 0 16px}legend{font-weight:600;margin-bottom:8px}\
.scale{display:flex;flex-wrap:wrap;gap:6px}.scale label{flex:1 0 44px;display:flex;flex-direction:column;align-items:center;border:1px solid #c9cbd1;border-radius:8px;padding:8px 4px;background:#fff;cursor:pointer;text-align:center;font-size:14px}\
.scale input{margin:0 0 4px}.scale label:has(input:checked){border-color:#2454d6;box-shadow:0 0 0 2px #2454d6;font-weight:600}.scale input:focus-visible{outline:3px solid #2454d6}\
.anchors{display:flex;justify-content:space-between;font-size:12px;color:#55575e}textarea{width:100%;box-sizing:border-box;font:inherit;padding:8px;border:1px solid #c9cbd1;border-radius:8px}\
button{font:inherit;padding:10px 18px;border:0;border-radius:8px;background:#2454d6;color:#fff;cursor:pointer}.help{color:#55575e;font-size:14px}.notice{background:#fff;border:1px solid #c9cbd1;border-radius:8px;padding:12px}\
@media (prefers-color-scheme:dark){body{background:#16171a;color:#eee}.scale label,.notice{background:#1f2024;border-color:#3a3c44}.help,.anchors{color:#b3b6bf}}";

fn page(t: &SurveyTexts, body: &str) -> String {
    format!(
        r#"<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>{title}</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>"#,
        lang = t.lang,
        title = escape(t.title),
    )
}

/// Radio buttons for one question, `checked` preselected.
fn scale(
    t: &SurveyTexts,
    question: OfferedQuestion,
    checked: Option<u8>,
    required: bool,
) -> String {
    let (name, legend, values) = match question {
        OfferedQuestion::Csat => ("csat", t.csat_question, 1..=5u8),
        OfferedQuestion::Nps => ("nps", t.nps_question, 0..=10u8),
    };
    let mut html = format!(
        r#"<fieldset><legend id="q-{name}">{}</legend><div class="scale">"#,
        escape(legend)
    );
    for value in values {
        let (text, label) = match question {
            OfferedQuestion::Csat => {
                let i = usize::from(value - 1);
                (
                    format!("{} {value}", FACES[i]),
                    format!("{value} – {}", t.csat_labels[i]),
                )
            }
            OfferedQuestion::Nps => (
                value.to_string(),
                match value {
                    0 => format!("0 – {}", t.nps_low),
                    10 => format!("10 – {}", t.nps_high),
                    v => v.to_string(),
                },
            ),
        };
        let _ = write!(
            html,
            r#"<label title="{label}"><input type="radio" name="{name}" value="{value}" aria-label="{label}"{checked}{required}>{text}</label>"#,
            label = escape(&label),
            checked = if checked == Some(value) {
                " checked"
            } else {
                ""
            },
            required = if required { " required" } else { "" },
        );
    }
    html.push_str("</div>");
    if question == OfferedQuestion::Nps {
        let _ = write!(
            html,
            r#"<div class="anchors" aria-hidden="true"><span>{}</span><span>{}</span></div>"#,
            escape(t.nps_low),
            escape(t.nps_high)
        );
    }
    html.push_str("</fieldset>");
    html
}

/// The page a link opens: nothing is recorded until the customer confirms.
pub fn confirm(
    t: &SurveyTexts,
    action: &str,
    question: OfferedQuestion,
    offered: Option<u8>,
    served_at_ms: i64,
    error: Option<&str>,
) -> String {
    let error = error
        .map(|e| format!(r#"<p class="notice" role="alert">{}</p>"#, escape(e)))
        .unwrap_or_default();
    page(
        t,
        &format!(
            r#"<h1>{title}</h1>{error}<form method="post" action="{action}">{scale}<input type="hidden" name="served_at" value="{served_at_ms}"><p class="help">{help}</p><button type="submit">{confirm}</button></form>"#,
            title = escape(t.title),
            action = escape(action),
            scale = scale(t, question, offered, true),
            help = escape(t.confirm_help),
            confirm = escape(t.confirm),
        ),
    )
}

/// What the page knows to set the widget up in page mode.
#[derive(Debug)]
pub struct FollowUp<'a> {
    pub site: &'a str,
    pub interaction: &'a str,
    pub agent: Option<&'a str>,
    pub team: Option<&'a str>,
    pub channel: Option<&'a str>,
    pub token: &'a str,
    pub ask_nps: bool,
}

/// After a confirmed score: thanks, then the remaining questions — as a plain form, which the
/// widget (page mode, inline) replaces when JavaScript runs.
pub fn thanks(
    t: &SurveyTexts,
    action: &str,
    follow_up: Option<&FollowUp<'_>>,
    served_at_ms: i64,
) -> String {
    let mut body = format!(
        r#"<h1>{}</h1><p class="notice" role="status">{}</p>"#,
        escape(t.title),
        escape(t.thanks)
    );
    if let Some(f) = follow_up {
        let questions = if f.ask_nps { "nps,comment" } else { "comment" };
        let nps = if f.ask_nps {
            scale(t, OfferedQuestion::Nps, None, false)
        } else {
            String::new()
        };
        let _ = write!(
            body,
            r##"<h2>{heading}</h2><div id="koe-followup" data-site="{site}" data-interaction="{interaction}" data-agent="{agent}" data-team="{team}" data-channel="{channel}" data-token="{token}" data-questions="{questions}" data-lang="{lang}"></div><form class="nojs" method="post" action="{action}">{nps}<label for="comment">{comment}</label><textarea id="comment" name="comment" rows="4" maxlength="2000"></textarea><input type="hidden" name="served_at" value="{served_at_ms}"><p><button type="submit">{send}</button></p></form><script async src="/koe.js" data-site="{site}" data-lang="{lang}" data-target="#koe-followup"></script><script defer src="/s/survey.js"></script>"##,
            heading = escape(t.follow_up),
            site = escape(f.site),
            interaction = escape(f.interaction),
            agent = escape(f.agent.unwrap_or_default()),
            team = escape(f.team.unwrap_or_default()),
            channel = escape(f.channel.unwrap_or_default()),
            token = escape(f.token),
            lang = t.lang,
            action = escape(action),
            comment = escape(t.comment),
            send = escape(t.send),
        );
    }
    page(t, &body)
}

pub fn done(t: &SurveyTexts) -> String {
    page(
        t,
        &format!(
            r#"<h1>{}</h1><p class="notice" role="status">{}</p>"#,
            escape(t.title),
            escape(t.done)
        ),
    )
}

/// A link that cannot be used: expired, tampered, unknown, or its answer closed.
pub fn problem(t: &SurveyTexts, message: &str) -> String {
    page(
        t,
        &format!(
            r#"<h1>{}</h1><p class="notice" role="alert">{}</p>"#,
            escape(t.title),
            escape(message)
        ),
    )
}

/// The page-mode glue: hides the plain form and shows the widget inline with the same token.
pub const SCRIPT: &str = r#"(function () {
  var box = document.getElementById("koe-followup");
  if (!box) return;
  window.koe = window.koe || function () { (koe.q = koe.q || []).push(arguments); };
  var form = document.querySelector("form.nojs");
  if (form) form.hidden = true;
  var d = box.dataset;
  koe("show", { interaction: d.interaction, agent: d.agent || undefined, team: d.team || undefined,
                channel: d.channel || undefined, token: d.token, questions: d.questions.split(",") });
})();
"#;
