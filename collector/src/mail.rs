//! Sending mail — invitations and password resets — through the SMTP server `smtp_url` names
//! (lettre, over rustls). Credentials never cross the network in clear: `smtps://` (TLS from
//! the start) and `smtp://…?tls=required` (STARTTLS) go anywhere, a plain `smtp://` only to a
//! relay on this machine (a loopback address). A message is plain text; its body is what the
//! caller wrote, never markup.

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};

/// What stops a mail from being configured or sent; never holds the server's password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    #[error(
        "smtp_url must be smtps://host, smtp://host?tls=required, or plain smtp:// to a loopback \
         address (a relay on this machine): {0}"
    )]
    Url(String),
    #[error("{0} is not a mail address")]
    Address(String),
    #[error("the mail server refused or could not be reached: {0}")]
    Send(String),
}

/// A configured mail server and sender.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The server's host, for messages (never its credentials).
    host: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("host", &self.host)
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

/// Whether `url` keeps credentials off the network in clear (see the module's doc).
fn check_url(url: &str) -> Result<String, MailError> {
    let parsed = url::Url::parse(url).map_err(|e| MailError::Url(e.to_string()))?;
    let host = parsed
        .host_str()
        .ok_or_else(|| MailError::Url("no host".into()))?
        .to_owned();
    let tls = parsed
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    let loopback = host == "localhost"
        || host
            .trim_matches(|c| c == '[' || c == ']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match (parsed.scheme(), tls.as_deref()) {
        ("smtps", None) | ("smtp", Some("required")) => Ok(host),
        ("smtp", None) if loopback => Ok(host),
        ("smtp", None) => Err(MailError::Url(format!(
            "plain smtp:// to {host} would send the password and the links in clear"
        ))),
        (scheme, tls) => Err(MailError::Url(format!("scheme {scheme}, tls {tls:?}"))),
    }
}

impl Mailer {
    /// A mailer for `smtp_url`, sending as `from` (`Koe <koe@example.com>`).
    pub fn new(smtp_url: &str, from: &str) -> Result<Self, MailError> {
        let host = check_url(smtp_url)?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|e| MailError::Url(e.to_string()))?
            .timeout(Some(std::time::Duration::from_secs(10)))
            .build();
        let from = from
            .parse()
            .map_err(|_| MailError::Address(from.to_owned()))?;
        Ok(Self {
            transport,
            from,
            host,
        })
    }

    /// Sends a plain-text mail to `to`.
    #[tracing::instrument(name = "mail::send", skip_all, fields(host = %self.host))]
    pub async fn send(&self, to: &str, subject: &str, body: String) -> Result<(), MailError> {
        let to: Mailbox = to.parse().map_err(|_| MailError::Address(to.to_owned()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| MailError::Send(e.to_string()))?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| {
            tracing::warn!(error = %e, "a mail could not be sent");
            MailError::Send(e.to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_cross_the_network_in_clear() {
        assert!(check_url("smtps://u:p@smtp.example.com").is_ok());
        assert!(check_url("smtp://u:p@smtp.example.com:587?tls=required").is_ok());
        assert!(check_url("smtp://127.0.0.1:2525").is_ok());
        assert!(check_url("smtp://[::1]:25").is_ok());
        assert!(check_url("smtp://u:p@smtp.example.com:25").is_err());
        assert!(check_url("smtp://smtp.example.com?tls=opportunistic").is_err());
        assert!(check_url("http://smtp.example.com").is_err());
        let refused = Mailer::new("smtp://u:hunter2@smtp.example.com", "Koe <k@example.com>")
            .unwrap_err()
            .to_string();
        assert!(!refused.contains("hunter2"), "{refused}");
    }
}
