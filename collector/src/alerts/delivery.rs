//! The deliverer: a background task that sends the outbox's due alerts, at least once each.
//! A delivery is claimed for a minute before it is sent (so two collectors on one database do
//! not both send it, and one killed mid-send leaves it to be sent again), then marked delivered
//! on a 2xx, or retried after 1 s, 2 s, 4 s … (at most an hour apart, with jitter) until 24 hours
//! after the answer, then given up. Every attempt carries the same `Koe-Event-Id`, so a receiver
//! drops repeats, and a fresh `Koe-Signature`.
//!
//! One slow receiver must not hold back another site's alerts: attempts run side by side, at
//! most [`AT_ONCE`] in all and [`PER_SITE`] per site, each webhook's deliveries in turn (one at
//! a time, its oldest due first), and at most [`MAX_PENDING_PER_WEBHOOK`] wait per webhook —
//! the oldest beyond are dropped, listed with the reason and counted.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng as _;
use tokio::task::JoinSet;

use super::{AlertFacts, Reach, WebhookFormat, body};
use crate::clock;
use crate::ids::{SiteId, WebhookId};
use crate::shutdown::Stopping;
use crate::storage::{AlertStore, AttemptOutcome, DueDelivery, StorageError};

/// How long alerts are retried after the answer.
pub const GIVE_UP_AFTER_MS: i64 = 24 * 3_600_000;
/// Attempts an alert gets before it may be given up, however old it is.
const MIN_ATTEMPTS: i64 = 5;
/// How long a sender holds a claimed delivery (longer than an attempt can take).
const CLAIM_MS: i64 = 60_000;
/// How long one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Attempts under way at once in one collector, across all sites.
pub const AT_ONCE: usize = 16;
/// Attempts one site may have under way at once: a site whose receivers never answer holds
/// these, and every other site's alerts go on.
pub const PER_SITE: usize = 4;
/// Alerts that may wait for one webhook; beyond, the oldest are dropped (a receiver gone for a
/// day would otherwise be sent a day of alerts at once, and the outbox would grow unbounded).
pub const MAX_PENDING_PER_WEBHOOK: i64 = 1_000;
/// Why a dropped delivery was dropped, as listed.
pub const DROPPED_REASON: &str =
    "dropped: more than 1000 alerts were waiting for this webhook (the oldest go first)";
/// Due deliveries read per round.
const BATCH: i64 = 100;

/// What sends alerts: the HTTP client and where dashboard links point.
#[derive(Debug, Clone)]
pub struct Deliverer {
    client: reqwest::Client,
    /// The collector's public address, for dashboard links.
    public_url: String,
    /// What the operator lets webhooks reach.
    reach: Reach,
}

/// Which webhooks and sites have attempts under way in this collector, and the tasks running
/// them.
#[derive(Default)]
struct UnderWay {
    tasks: JoinSet<()>,
    by_task: HashMap<tokio::task::Id, (WebhookId, SiteId)>,
    webhooks: HashSet<WebhookId>,
    per_site: HashMap<SiteId, usize>,
}

impl UnderWay {
    /// Whether `delivery` may start now: a slot is free, its site is under its share and its
    /// webhook has no attempt under way.
    fn may_start(&self, delivery: &DueDelivery) -> bool {
        self.tasks.len() < AT_ONCE
            && !self.webhooks.contains(&delivery.webhook_id)
            && self.per_site.get(&delivery.site_id).copied().unwrap_or(0) < PER_SITE
    }

    /// Runs `attempt`, a delivery of `webhook` of `site`, in a slot.
    fn start(
        &mut self,
        (webhook, site): (WebhookId, SiteId),
        attempt: impl Future<Output = ()> + Send + 'static,
    ) {
        let handle = self.tasks.spawn(attempt);
        self.by_task.insert(handle.id(), (webhook, site));
        self.webhooks.insert(webhook);
        *self.per_site.entry(site).or_default() += 1;
    }

    /// Frees the slot of a finished task (whether it ended or panicked).
    fn end(&mut self, task: tokio::task::Id) {
        let Some((webhook, site)) = self.by_task.remove(&task) else {
            return;
        };
        self.webhooks.remove(&webhook);
        if let Some(n) = self.per_site.get_mut(&site) {
            *n -= 1;
            if *n == 0 {
                self.per_site.remove(&site);
            }
        }
    }

    /// Waits for a task to finish (forever when none runs) and frees its slot.
    async fn next_done(&mut self) {
        match self.tasks.join_next_with_id().await {
            Some(Ok((id, ()))) => self.end(id),
            Some(Err(error)) => {
                tracing::error!(%error, "an alert's attempt failed");
                self.end(error.id());
            }
            None => std::future::pending().await,
        }
    }
}

impl Deliverer {
    /// Alerts go through [`outbound_client`].
    pub fn new(public_url: String, reach: Reach) -> Result<Self, reqwest::Error> {
        Ok(Self {
            client: outbound_client(reach, ATTEMPT_TIMEOUT)?,
            public_url,
            reach,
        })
    }

    /// Starts the due deliveries this collector may start now, each claimed first; how many
    /// started.
    async fn start_due<S: AlertStore>(
        self: &Arc<Self>,
        storage: &S,
        under_way: &mut UnderWay,
    ) -> Result<usize, StorageError> {
        let mut started = 0;
        for delivery in storage.due_deliveries(clock::now_ms(), BATCH).await? {
            if under_way.tasks.len() >= AT_ONCE {
                break;
            }
            if !under_way.may_start(&delivery) {
                continue;
            }
            let claimed_until = clock::now_ms() + CLAIM_MS;
            if !storage.claim_delivery(&delivery, claimed_until).await? {
                continue;
            }
            let slot = (delivery.webhook_id, delivery.site_id);
            let (deliverer, storage) = (Arc::clone(self), storage.clone());
            let attempt = async move {
                let outcome = deliverer.attempt(&delivery).await;
                if let AttemptOutcome::GaveUp { error, .. } = &outcome {
                    tracing::warn!(event = %delivery.event_id, error = %error, "gave up delivering an alert");
                }
                if let Err(error) = storage
                    .finish_attempt(delivery.id, claimed_until, outcome)
                    .await
                {
                    // The claim runs out and the alert is sent again: at least once.
                    tracing::warn!(%error, "could not record an alert's attempt");
                }
            };
            under_way.start(slot, attempt);
            started += 1;
        }
        Ok(started)
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
        let Ok(url) = url::Url::parse(&delivery.url) else {
            return AttemptOutcome::GaveUp {
                status: None,
                error: "the stored URL cannot be read".into(),
            };
        };
        if !self.reach.private_networks
            && let Some(refused) = super::address::refused_literal(&url)
        {
            return AttemptOutcome::GaveUp {
                status: None,
                error: refused,
            };
        }
        if !self.reach.allows_scheme(url.scheme()) {
            return AttemptOutcome::GaveUp {
                status: None,
                error: "plain http is not allowed (webhook_allow_http): use https".into(),
            };
        }
        let mut secrets = vec![delivery.secret.as_str()];
        secrets.extend(delivery.previous_secret.as_deref());
        let signature = body::signature(&secrets, now / 1000, &body);
        let sent = self
            .client
            .post(url)
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

/// An HTTP client for calls to addresses a site's admin chose (webhooks, integrations):
/// redirects not followed (a receiver cannot send the call elsewhere), no proxy from the
/// environment (it would resolve names itself), and unless `reach` allows private networks,
/// names resolved to public addresses only ([`address`](super::address)).
pub fn outbound_client(reach: Reach, timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
    let builder = reqwest::Client::builder()
        .timeout(timeout)
        .user_agent(concat!("Koe/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy();
    let builder = match reach.private_networks {
        true => builder,
        false => builder.dns_resolver(Arc::new(super::address::PublicOnly)),
    };
    builder.build()
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
pub fn describe(error: &reqwest::Error) -> String {
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

/// Keeps delivering until the application stops: a round (drop the excess, start what is due)
/// every `period`, and again whenever an attempt ends (its slot is free). `on_dropped` is told
/// how many alerts a round dropped (the `/metrics` counter). Attempts under way when it stops
/// are cut short; their claims run out and they are sent again.
pub fn keep_delivering<S: AlertStore>(
    storage: S,
    deliverer: Deliverer,
    period: Duration,
    on_dropped: fn(usize),
    mut stopping: Stopping,
) {
    let deliverer = Arc::new(deliverer);
    tokio::spawn(async move {
        let mut under_way = UnderWay::default();
        let mut trimmed_at: Option<Instant> = None;
        loop {
            if trimmed_at.is_none_or(|at| at.elapsed() >= period) {
                trimmed_at = Some(Instant::now());
                match storage
                    .drop_excess_deliveries(
                        MAX_PENDING_PER_WEBHOOK,
                        DROPPED_REASON,
                        clock::now_ms(),
                    )
                    .await
                {
                    Ok(0) => {}
                    Ok(dropped) => {
                        tracing::warn!(dropped, "dropped alerts waiting beyond a webhook's cap");
                        on_dropped(dropped);
                    }
                    Err(error) => tracing::warn!(%error, "could not trim the alert outbox"),
                }
            }
            if let Err(error) = deliverer.start_due(&storage, &mut under_way).await {
                tracing::warn!(%error, "could not deliver alerts");
            }
            tokio::select! {
                _ = stopping.stopped() => return,
                _ = under_way.next_done() => {}
                _ = tokio::time::sleep(period) => {}
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
