//! What a delivery sends: the body in the webhook's format, and the `Koe-Signature` header —
//! `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, checked by the receiver with
//! the webhook's secret (docs/operations.md shows how, in Python). During a rotation's grace
//! the header carries one `v1=` per secret, the new one first: a receiver accepts the alert if
//! any of them matches its secret.

use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use super::{AlertFacts, WebhookFormat};

/// The body of one alert. `dashboard` is the link to the answers in the dashboard.
pub fn render(
    format: WebhookFormat,
    event_id: &str,
    site: &str,
    facts: &AlertFacts,
    dashboard: &str,
) -> String {
    match format {
        WebhookFormat::Json => match &facts.followup {
            None => json!({
                "id": event_id,
                "type": "response.alert",
                "site": site,
                "response": facts,
                "dashboard_url": dashboard,
            }),
            Some(followup) => {
                let mut response = facts.clone();
                response.followup = None;
                json!({
                    "id": event_id,
                    "type": format!("followup.{}", followup.event),
                    "site": site,
                    "followup": followup,
                    "response": response,
                    "dashboard_url": dashboard,
                })
            }
        }
        .to_string(),
        WebhookFormat::Slack => json!({ "text": slack_text(facts, dashboard) }).to_string(),
    }
}

/// One Slack message: the scores, who and where, the comment quoted, a link.
fn slack_text(facts: &AlertFacts, dashboard: &str) -> String {
    let mut scores = Vec::new();
    if let Some(v) = facts.csat {
        scores.push(format!("CSAT {v}/5"));
    }
    if let Some(v) = facts.nps {
        scores.push(format!("NPS {v}/10"));
    }
    if let Some(v) = facts.ces {
        scores.push(format!("effort {v}/7"));
    }
    if let Some(v) = facts.resolved {
        scores.push(if v { "resolved" } else { "not resolved" }.to_owned());
    }
    let headline = match &facts.followup {
        None => ":warning: Unhappy customer".to_owned(),
        Some(f) => {
            let owner = escape(f.owner.as_deref().unwrap_or("nobody yet"));
            match f.event.as_str() {
                "opened" => format!(
                    ":inbox_tray: Follow-up #{} opened (owner {owner}, due {})",
                    f.id, f.due_at
                ),
                "overdue" => format!(
                    ":alarm_clock: Follow-up #{} is overdue (owner {owner}, was due {})",
                    f.id, f.due_at
                ),
                _ => format!(
                    ":white_check_mark: Follow-up #{} closed as {} (cause {}, owner {owner})",
                    f.id,
                    f.status.replace('_', " "),
                    escape(f.cause.as_deref().unwrap_or("none")),
                ),
            }
        }
    };
    let mut text = format!(
        "{headline}: {} — agent {}, channel {}, interaction {}",
        scores.join(", "),
        escape(facts.agent.as_deref().unwrap_or("(none)")),
        escape(facts.channel.as_deref().unwrap_or("(none)")),
        escape(&facts.interaction),
    );
    if let Some(comment) = &facts.comment {
        text.push_str("\n> ");
        text.push_str(&escape(comment).replace('\n', "\n> "));
    }
    text.push_str(&format!("\n<{dashboard}|Open in Koe>"));
    text
}

/// Slack's three control characters in message text.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The `Koe-Signature` header value for `body` sent at `t` (Unix seconds), signed with each of
/// `secrets` in turn.
pub fn signature(secrets: &[&str], t: i64, body: &str) -> String {
    let mut header = format!("t={t}");
    for secret in secrets {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
            .expect("HMAC accepts keys of any length");
        mac.update(format!("{t}.").as_bytes());
        mac.update(body.as_bytes());
        header.push_str(",v1=");
        for byte in mac.finalize().into_bytes() {
            header.push_str(&format!("{byte:02x}"));
        }
    }
    header
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> AlertFacts {
        AlertFacts {
            interaction: "chat-9".into(),
            agent: Some("<!channel> aiko".into()),
            team: None,
            channel: Some("chat".into()),
            csat: Some(1),
            nps: Some(3),
            ces: None,
            resolved: Some(false),
            comment: Some("waited <1 hour> & left".into()),
            reasons: vec!["slow".into()],
            answered_at: "2026-12-01T09:00:00Z".into(),
            day: "2026-12-01".into(),
            followup: None,
        }
    }

    #[test]
    fn a_followup_event_names_its_type_and_says_what_happened() {
        let mut event = facts();
        event.followup = Some(super::super::FollowupNotice {
            event: "overdue".into(),
            id: 12,
            status: "open".into(),
            due_at: "2026-12-02T09:00:00Z".into(),
            owner: Some("ken@example.com".into()),
            cause: None,
        });
        let body: serde_json::Value =
            serde_json::from_str(&render(WebhookFormat::Json, "e1", "s", &event, "u")).unwrap();
        assert_eq!(body["type"], "followup.overdue");
        assert_eq!(body["followup"]["id"], 12);
        assert!(body["response"].get("followup").is_none());
        let slack = render(WebhookFormat::Slack, "e1", "s", &event, "u");
        assert!(slack.contains("Follow-up #12 is overdue"), "{slack}");
        assert!(slack.contains("ken@example.com"), "{slack}");
    }

    #[test]
    fn slack_gets_one_text_with_scores_agent_comment_and_link() {
        let body = render(
            WebhookFormat::Slack,
            "evt_1",
            "site_a",
            &facts(),
            "https://koe.example/dashboard",
        );
        let value: serde_json::Value = serde_json::from_str(&body).unwrap();
        let text = value["text"].as_str().unwrap();
        assert!(text.contains("CSAT 1/5, NPS 3/10, not resolved"), "{text}");
        assert!(
            text.contains("agent &lt;!channel&gt; aiko, channel chat"),
            "an agent id cannot ping a channel or plant a link: {text}"
        );
        assert!(
            text.contains("> waited &lt;1 hour&gt; &amp; left"),
            "{text}"
        );
        assert!(text.ends_with("<https://koe.example/dashboard|Open in Koe>"));
        assert_eq!(value.as_object().unwrap().len(), 1);
    }

    #[test]
    fn the_signature_is_hmac_of_time_dot_body() {
        // Computed with Python: hmac.new(b"whsec_test", b"1800000000.{}", sha256).hexdigest()
        assert_eq!(
            signature(&["whsec_test"], 1_800_000_000, "{}"),
            "t=1800000000,v1=482e6337ac5272392d375c6fdc4d52a7e615dc2facedab0ffe155ddfd6a56e66"
        );
    }

    #[test]
    fn during_a_rotation_each_secret_signs_the_new_one_first() {
        let both = signature(&["whsec_new", "whsec_test"], 1_800_000_000, "{}");
        let new = signature(&["whsec_new"], 1_800_000_000, "{}");
        let (_, new_v1) = new.split_once(',').unwrap();
        assert_eq!(
            both,
            format!(
                "t=1800000000,{new_v1},\
                 v1=482e6337ac5272392d375c6fdc4d52a7e615dc2facedab0ffe155ddfd6a56e66"
            )
        );
    }
}
