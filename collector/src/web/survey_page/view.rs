//! The hosted survey page: the offered score preselected and one button to confirm it, a
//! plain form for the follow-up questions (the widget takes over when JavaScript runs), and
//! friendly pages for links that cannot be used. Rendered from `templates/survey/`, which
//! escape every value.

use askama::Template;
use koe_shared::OfferedQuestion;

pub use crate::sites::survey::QuestionWords as Words;
use crate::templates::render;
use crate::texts::survey::SurveyTexts;

/// Radio buttons for one question (`templates/survey/scale.html`).
#[derive(Debug)]
struct Scale<'a> {
    /// The form field, and the legend's id (`q-csat`, `q-nps`).
    name: &'static str,
    /// The language of its words (the site's survey's).
    lang: &'a str,
    legend: &'a str,
    options: Vec<ScaleOption>,
    required: bool,
    /// The words at both ends of the NPS scale.
    anchors: Option<Anchors<'a>>,
}

#[derive(Debug)]
struct ScaleOption {
    value: u8,
    /// What the button shows (the number).
    text: String,
    /// For CSAT, the face drawn above it by the page's stylesheet (0 angry … 4 happy): no
    /// emoji font needed.
    face: Option<usize>,
    /// What it means, for its title and screen readers.
    label: String,
    checked: bool,
}

#[derive(Debug)]
struct Anchors<'a> {
    low: &'a str,
    high: &'a str,
}

/// Radio buttons for one question, `checked` preselected.
fn scale(t: &Words, question: OfferedQuestion, checked: Option<u8>, required: bool) -> Scale<'_> {
    let (name, legend, values) = match question {
        OfferedQuestion::Csat => ("csat", t.csat_question.as_str(), 1..=5u8),
        OfferedQuestion::Nps => ("nps", t.nps_question.as_str(), 0..=10u8),
    };
    let options = values
        .map(|value| {
            let face = (question == OfferedQuestion::Csat).then(|| usize::from(value - 1));
            let (text, label) = match question {
                OfferedQuestion::Csat => {
                    let i = usize::from(value - 1);
                    (value.to_string(), format!("{value} – {}", t.csat_labels[i]))
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
            ScaleOption {
                value,
                text,
                face,
                label,
                checked: checked == Some(value),
            }
        })
        .collect();
    Scale {
        name,
        lang: &t.lang,
        legend,
        options,
        required,
        anchors: (question == OfferedQuestion::Nps).then_some(Anchors {
            low: &t.nps_low,
            high: &t.nps_high,
        }),
    }
}

#[derive(Debug, Template)]
#[template(path = "survey/confirm.html")]
struct ConfirmPage<'a> {
    t: &'a SurveyTexts,
    action: &'a str,
    scale: Scale<'a>,
    served_at: &'a str,
    error: Option<&'a str>,
}

/// The page a link opens: nothing is recorded until the customer confirms.
pub fn confirm(
    t: &SurveyTexts,
    words: &Words,
    action: &str,
    question: OfferedQuestion,
    offered: Option<u8>,
    served_at: &str,
    error: Option<&str>,
) -> String {
    render(&ConfirmPage {
        t,
        action,
        scale: scale(words, question, offered, true),
        served_at,
        error,
    })
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

/// The follow-up as the page writes it: absent values as empty attributes, which the
/// page-mode script reads as "none".
#[derive(Debug)]
struct FollowUpView<'a> {
    site: &'a str,
    interaction: &'a str,
    agent: &'a str,
    team: &'a str,
    channel: &'a str,
    token: &'a str,
    /// "Two more questions" or "One more question": as many as `questions` names.
    heading: &'static str,
    questions: &'static str,
    /// The language the widget asks the rest in: the site's survey's, as the page's questions.
    lang: &'a str,
    nps: Option<Scale<'a>>,
}

#[derive(Debug, Template)]
#[template(path = "survey/thanks.html")]
struct ThanksPage<'a> {
    t: &'a SurveyTexts,
    action: &'a str,
    follow_up: Option<FollowUpView<'a>>,
    served_at: &'a str,
}

/// After a confirmed score: thanks, then the remaining questions — as a plain form, which the
/// widget (page mode, inline) replaces when JavaScript runs.
pub fn thanks(
    t: &SurveyTexts,
    words: &Words,
    action: &str,
    follow_up: Option<&FollowUp<'_>>,
    served_at: &str,
) -> String {
    let follow_up = follow_up.map(|f| FollowUpView {
        site: f.site,
        interaction: f.interaction,
        agent: f.agent.unwrap_or_default(),
        team: f.team.unwrap_or_default(),
        channel: f.channel.unwrap_or_default(),
        token: f.token,
        heading: if f.ask_nps {
            t.follow_up
        } else {
            t.follow_up_one
        },
        questions: if f.ask_nps { "nps,comment" } else { "comment" },
        lang: &words.lang,
        nps: f
            .ask_nps
            .then(|| scale(words, OfferedQuestion::Nps, None, false)),
    });
    render(&ThanksPage {
        t,
        action,
        follow_up,
        served_at,
    })
}

#[derive(Debug, Template)]
#[template(path = "survey/recover.html")]
struct RecoverPage<'a> {
    t: &'a SurveyTexts,
    action: &'a str,
    resolved: Option<bool>,
    scale: Scale<'a>,
    error: Option<&'a str>,
}

/// Asking again after a follow-up closed as resolved: resolved now?, and CSAT (`csat`
/// preselected, from a one-click link's face).
pub fn recover(
    t: &SurveyTexts,
    words: &Words,
    action: &str,
    resolved: Option<bool>,
    csat: Option<u8>,
    error: Option<&str>,
) -> String {
    render(&RecoverPage {
        t,
        action,
        resolved,
        scale: scale(words, OfferedQuestion::Csat, csat, true),
        error,
    })
}

/// A page that only tells something (`templates/survey/notice.html`).
#[derive(Debug, Template)]
#[template(path = "survey/notice.html")]
struct NoticePage<'a> {
    t: &'a SurveyTexts,
    message: &'a str,
    /// `status` for good news, `alert` for a problem.
    role: &'static str,
}

pub fn done(t: &SurveyTexts) -> String {
    notice(t, t.done)
}

/// Good news only (`role="status"`).
pub fn notice(t: &SurveyTexts, message: &str) -> String {
    render(&NoticePage {
        t,
        message,
        role: "status",
    })
}

/// A link that cannot be used: expired, tampered, unknown, or its answer closed.
pub fn problem(t: &SurveyTexts, message: &str) -> String {
    render(&NoticePage {
        t,
        message,
        role: "alert",
    })
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
