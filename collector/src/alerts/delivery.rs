//! The deliverer: a background task that sends the outbox's due alerts, at least once each.
//! A delivery is claimed for a minute before it is sent (so two collectors on one database do
//! not both send it, and one killed mid-send leaves it to be sent again), then marked delivered
//! on a 2xx, or retried after 1 s, 2 s, 4 s … (at most an hour apart, with jitter) until 24 hours
//! after the answer, then given up. Every attempt carries the same `Koe-Event-Id`, so a receiver
//! drops repeats, and a fresh `Koe-Signature`.

use std::time::Duration;

use rand::Rng as _;

use super::{AlertFacts, WebhookFormat, body};
use crate::clock;
use crate::shutdown::Stopping;
use crate::storage::{AlertStore, AttemptOutcome, DueDelivery};

/// How long alerts are retried after the answer.
pub const GIVE_UP_AFTER_MS: i64 = 24 * 3_600_000;
/// Attempts an alert gets before it may be given up, however old it is.
const MIN_ATTEMPTS: i64 = 5;
/// How long a sender holds a claimed delivery (longer than an attempt can take).
const CLAIM_MS: i64 = 60_000;
/// How long one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries taken per poll.
const BATCH: i64 = 20;

/// What sends alerts: the HTTP client and where dashboard links point.
#[derive(Debug, Clone)]
pub struct Deliverer {
    client: reqwest::Client,
    /// The collector's public address, for dashboard links.
    public_url: String,
    /// Private and local receivers allowed (`webhook_allow_private_networks`).
    allow_private: bool,
}

impl Deliverer {
    /// Redirects are not followed (a receiver cannot send the alert elsewhere), no proxy from
    /// the environment is used (it would resolve names itself), and unless `allow_private`,
    /// names resolve to public addresses only ([`address`](super::address)).
    pub fn new(public_url: String, allow_private: bool) -> Result<Self, reqwest::Error> {
        let builder = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .user_agent(concat!("Koe-Webhook/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy();
        let builder = match allow_private {
            true => builder,
            false => builder.dns_resolver(std::sync::Arc::new(super::address::PublicOnly)),
        };
        Ok(Self {
            client: builder.build()?,
            public_url,
            allow_private,
        })
    }

    /// Sends what is due now; how many deliveries were attempted.
    pub async fn deliver_due<S: AlertStore>(
        &self,
        storage: &S,
    ) -> Result<usize, crate::storage::StorageError> {
        let mut attempted = 0;
        for delivery in storage.due_deliveries(clock::now_ms(), BATCH).await? {
            // Claimed from now, not from when the batch was read: earlier attempts in the
            // batch may have taken their whole timeout.
            let claimed_until = clock::now_ms() + CLAIM_MS;
            if !storage.claim_delivery(&delivery, claimed_until).await? {
                continue;
            }
            let outcome = self.attempt(&delivery).await;
            if let AttemptOutcome::GaveUp { error, .. } = &outcome {
                tracing::warn!(event = %delivery.event_id, error = %error, "gave up delivering an alert");
            }
            storage
                .finish_attempt(delivery.id, claimed_until, outcome)
                .await?;
            attempted += 1;
        }
        Ok(attempted)
    }

    /// One attempt, and what it leads to.
    async fn attempt(&self, delivery: &DueDelivery) -> AttemptOutcome {
        let now = clock::now_ms();
        let failed = |status: Option<u16>, error: String| {
            // After an outage of the collector itself, an old alert still gets a few tries.
            let tried = delivery.attempts + 1 >= MIN_ATTEMPTS;
            if tried && now - delivery.created_at_ms >= GIVE_UP_AFTER_MS {
                AttemptOutcome::GaveUp { status, error }
            } else {
                AttemptOutcome::Retry {
                    status,
                    error,
                    next_at_ms: now + backoff_ms(delivery.attempts + 1),
                }
            }
        };
        let (format, facts) = match (
            delivery.format.parse::<WebhookFormat>(),
            serde_json::from_str::<AlertFacts>(&delivery.payload),
        ) {
            (Ok(format), Ok(facts)) => (format, facts),
            _ => {
                return AttemptOutcome::GaveUp {
                    status: None,
                    error: "the stored alert cannot be read".into(),
                };
            }
        };
        let body = body::render(
            format,
            &delivery.event_id,
            &delivery.site_key,
            &facts,
            &self.dashboard_link(&delivery.site_key, &facts),
        );
        if !self.allow_private
            && let Some(refused) = url::Url::parse(&delivery.url)
                .ok()
                .as_ref()
                .and_then(super::address::refused_literal)
        {
            return AttemptOutcome::GaveUp {
                status: None,
                error: refused,
            };
        }
        let signature = body::signature(&delivery.secret, now / 1000, &body);
        let sent = self
            .client
            .post(&delivery.url)
            .header("content-type", "application/json")
            .header("koe-signature", signature)
            .header("koe-event-id", delivery.event_id.as_str())
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => AttemptOutcome::Delivered {
                status: response.status().as_u16(),
                at_ms: clock::now_ms(),
            },
            Ok(response) => {
                let status = response.status();
                failed(
                    Some(status.as_u16()),
                    format!("the receiver answered {status}"),
                )
            }
            Err(error) => failed(None, describe(&error)),
        }
    }

    /// The dashboard's comment feed of the site, narrowed to the agent when there is one.
    fn dashboard_link(&self, site: &str, facts: &AlertFacts) -> String {
        let base = self.public_url.trim_end_matches('/');
        let mut link = format!("{base}/dashboard/sites/{site}/comments");
        if let Some(agent) = &facts.agent {
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("agent", agent)
                .finish();
            link.push('?');
            link.push_str(&query);
        }
        link
    }
}

/// Milliseconds before attempt `n + 1` after `n` failed ones: 1 s doubling, at most an hour,
/// plus up to a tenth of it at random (so a receiver back from an outage is not hit by every
/// alert at once).
pub fn backoff_ms(failed: i64) -> i64 {
    let exponent = u32::try_from(failed.clamp(1, 13) - 1).unwrap_or(0);
    let base = (1_000_i64 << exponent).min(3_600_000);
    base + rand::rng().random_range(0..=base / 10)
}

/// A transport error in a few words: never the URL (it may hold a token) nor the system's
/// detail (listed to the site's admins, it would tell open ports from closed ones), except
/// that a receiver refused for its address says so.
fn describe(error: &reqwest::Error) -> String {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if text.contains("private or local addresses") {
            return text;
        }
        source = cause.source();
    }
    if error.is_timeout() {
        "timed out".into()
    } else if error.is_connect() {
        "could not connect".into()
    } else {
        "the exchange failed".into()
    }
}

/// Keeps delivering until the application stops: polls every `period` (at once again when a
/// whole batch was due).
pub fn keep_delivering<S: AlertStore>(
    storage: S,
    deliverer: Deliverer,
    period: Duration,
    mut stopping: Stopping,
) {
    tokio::spawn(async move {
        loop {
            let attempted = match deliverer.deliver_due(&storage).await {
                Ok(n) => n,
                Err(error) => {
                    tracing::warn!(error = %error, "could not deliver alerts");
                    0
                }
            };
            if attempted < BATCH as usize {
                tokio::select! {
                    _ = stopping.stopped() => return,
                    _ = tokio::time::sleep(period) => {}
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_from_a_second_to_an_hour() {
        for (failed, base) in [
            (1, 1_000),
            (2, 2_000),
            (5, 16_000),
            (13, 3_600_000),
            (40, 3_600_000),
        ] {
            let wait = backoff_ms(failed);
            assert!(
                (base..=base + base / 10).contains(&wait),
                "{failed}: {wait}"
            );
        }
    }
}
