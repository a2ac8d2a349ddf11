//! The mail Koe sends people: an invitation's link and a password reset's, in the language
//! asked, plain text, through the configured [`Mailer`]. Sending is best effort and said so:
//! the link is still shown to (or printed for) whoever made it, and a failure is logged
//! without the link.

use jiff::Timestamp;

use super::accounts::OneTimeLink;
use crate::mail::{MailError, Mailer};
use crate::texts::people::PeopleTexts;

fn until(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// Mails an invitation to `to`: who invited them (`by`), to which site, as what.
#[tracing::instrument(name = "people::mail_invitation", skip_all)]
pub async fn mail_invitation(
    mailer: &Mailer,
    t: &PeopleTexts,
    to: &str,
    (site, role, by): (&str, &str, &str),
    link: &OneTimeLink,
    url: &str,
) -> Result<(), MailError> {
    let fill = |text: &str| {
        text.replace("{site}", site)
            .replace("{role}", role)
            .replace("{by}", by)
            .replace("{until}", &until(link.expires_at))
            .replace("{link}", url)
    };
    mailer
        .send(to, &fill(t.invite_subject), fill(t.invite_body))
        .await
}

/// Mails a password reset link to `to`.
#[tracing::instrument(name = "people::mail_reset", skip_all)]
pub async fn mail_reset(
    mailer: &Mailer,
    t: &PeopleTexts,
    to: &str,
    link: &OneTimeLink,
    url: &str,
) -> Result<(), MailError> {
    let body = t
        .reset_body
        .replace("{email}", to)
        .replace("{until}", &until(link.expires_at))
        .replace("{link}", url);
    mailer.send(to, t.reset_subject, body).await
}
