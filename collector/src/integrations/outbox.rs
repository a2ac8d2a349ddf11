//! The integrations' outbox: the calls Koe makes back to a platform (a message into a Chatwoot
//! conversation, a LINE reply or push), written with the event that asks for them and made by a
//! background task — claimed for a minute first (so two collectors on one database do not both
//! make it), retried after 1 s, 2 s, 4 s … (at most an hour apart) until 24 hours after the
//! event (a LINE reply only while its reply token lives), then given up and listed as a dead
//! letter the site's owner sees (and may retry: `koe integration retry`). A platform's refusal
//! of the call itself (a 4xx other than 408 and 429: a wrong token, a closed conversation) is
//! given up at once. The same address rules as webhooks apply: only public addresses unless
//! `webhook_allow_private_networks`, https unless `webhook_allow_http`, no redirects, no proxy.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use super::call::Call;
use super::seal::SealKey;
use super::{Credentials, IntegrationConfig};
use crate::alerts::Reach;
use crate::alerts::delivery::backoff_ms;
use crate::clock;
use crate::ids::SiteId;
use crate::shutdown::Stopping;
use crate::storage::{CallOutcome, DueCall, IntegrationStore, StorageError};

/// How long calls are retried after their event.
pub const GIVE_UP_AFTER_MS: i64 = 24 * 3_600_000;
/// How long a sender holds a claimed call.
const CLAIM_MS: i64 = 60_000;
/// How long one call may take.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// Calls under way at once in one collector.
const AT_ONCE: usize = 16;
/// Calls one site may have under way at once: a site whose helpdesk never answers holds
/// these, and every other site's calls (a LINE reply has a minute) go on.
const PER_SITE: usize = 4;
/// Due calls read per round.
const BATCH: i64 = 64;

/// Makes the calls: the HTTP client and the key that opens credentials.
#[derive(Debug, Clone)]
pub struct Caller {
    client: reqwest::Client,
    reach: Reach,
    seal: SealKey,
}

impl Caller {
    pub fn new(reach: Reach, seal: SealKey) -> Result<Self, reqwest::Error> {
        Ok(Self {
            client: crate::alerts::delivery::outbound_client(reach, CALL_TIMEOUT)?,
            reach,
            seal,
        })
    }

    /// One attempt at `due`, and what it leads to.
    async fn attempt(&self, due: &DueCall) -> CallOutcome {
        let now = clock::now_ms();
        let gave_up = |status: Option<u16>, error: String| CallOutcome::GaveUp { status, error };
        let (Ok(call), Ok(config)) = (
            serde_json::from_str::<Call>(&due.call),
            serde_json::from_str::<IntegrationConfig>(&due.config),
        ) else {
            return gave_up(None, "the stored call cannot be read".into());
        };
        let Ok(credentials) = self
            .seal
            .open(&due.sealed)
            .map_err(|e| e.to_string())
            .and_then(|plain| {
                serde_json::from_str::<Credentials>(&plain).map_err(|e| e.to_string())
            })
        else {
            return gave_up(None, super::seal::Unsealable.to_string());
        };
        let lifetime = call.expires_after_ms.unwrap_or(GIVE_UP_AFTER_MS);
        // Held past its life (a paused integration, a dead letter retried late): a LINE reply
        // token would be refused, so it is not even tried.
        if now - due.received_at_ms >= lifetime {
            return gave_up(None, "expired before it could be made".into());
        }
        let failed = |status: Option<u16>, error: String| {
            let next_at_ms = now + backoff_ms(due.attempts + 1);
            if next_at_ms - due.received_at_ms >= lifetime {
                CallOutcome::GaveUp { status, error }
            } else {
                CallOutcome::Retry {
                    status,
                    error,
                    next_at_ms,
                }
            }
        };
        let (base, auth) = match (&config, &credentials) {
            (IntegrationConfig::Chatwoot(c), Credentials::Chatwoot { api_token, .. }) => {
                (c.url.as_str(), ("api_access_token", api_token.clone()))
            }
            (IntegrationConfig::Line(c), Credentials::Line { access_token, .. }) => (
                c.api_base.as_str(),
                ("authorization", format!("Bearer {access_token}")),
            ),
            _ => return gave_up(None, "this integration makes no calls".into()),
        };
        let Ok(url) = url::Url::parse(&format!("{}{}", base.trim_end_matches('/'), call.path))
        else {
            return gave_up(None, "the stored address cannot be read".into());
        };
        if let Some(refused) = self.refused(&url) {
            return gave_up(None, refused);
        }
        let mut request = self
            .client
            .post(url)
            .header(auth.0, auth.1)
            .json(&call.body);
        if let Some(key) = &call.retry_key {
            request = request.header("x-line-retry-key", key);
        }
        let sent = request.send().await;
        match sent {
            Ok(response) if response.status().is_success() => CallOutcome::Sent {
                status: response.status().as_u16(),
                at_ms: clock::now_ms(),
            },
            // A repeat of a push LINE accepted before (its retry key): sent, once.
            Ok(response) if response.status().as_u16() == 409 && call.retry_key.is_some() => {
                CallOutcome::Sent {
                    status: 409,
                    at_ms: clock::now_ms(),
                }
            }
            Ok(response) => {
                let status = response.status();
                let error = format!("the platform answered {status}");
                if status.is_client_error() && !matches!(status.as_u16(), 408 | 429) {
                    gave_up(Some(status.as_u16()), error)
                } else {
                    failed(Some(status.as_u16()), error)
                }
            }
            Err(error) => failed(None, crate::alerts::delivery::describe(&error)),
        }
    }

    /// Why `url` may not be called, if it may not.
    fn refused(&self, url: &url::Url) -> Option<String> {
        if !self.reach.private_networks
            && let Some(refused) = crate::alerts::address::refused_literal(url)
        {
            return Some(refused);
        }
        (!self.reach.allows_scheme(url.scheme()))
            .then(|| "plain http is not allowed (webhook_allow_http): use https".into())
    }

    /// Claims and starts the due calls this collector may start now (a site at most
    /// [`PER_SITE`] at once); how many started.
    async fn start_due<S: IntegrationStore>(
        self: &Arc<Self>,
        storage: &S,
        under_way: &mut UnderWay,
    ) -> Result<usize, StorageError> {
        let mut started = 0;
        for due in storage.due_calls(clock::now_ms(), BATCH).await? {
            if under_way.tasks.len() >= AT_ONCE {
                break;
            }
            if under_way.per_site.get(&due.site_id).copied().unwrap_or(0) >= PER_SITE {
                continue;
            }
            let claimed_until = clock::now_ms() + CLAIM_MS;
            if !storage.claim_call(&due, claimed_until).await? {
                continue;
            }
            let site = due.site_id;
            let (caller, storage) = (Arc::clone(self), storage.clone());
            let task = under_way.tasks.spawn(async move {
                let outcome = caller.attempt(&due).await;
                let error = match &outcome {
                    CallOutcome::Sent { .. } => None,
                    CallOutcome::Retry { error, .. } | CallOutcome::GaveUp { error, .. } => {
                        Some(error.clone())
                    }
                };
                if let CallOutcome::GaveUp { error, .. } = &outcome {
                    tracing::warn!(integration = %due.integration_id, %error, "gave up a call to an integration");
                }
                // The last error shown (cleared by a call that went through), noted before the call's
                // state: whoever sees the state sees the integration's error with it.
                if let Err(e) = storage
                    .note_integration(due.integration_id, Some(error.as_deref().unwrap_or("")), clock::now_ms())
                    .await
                {
                    tracing::warn!(error = %e, "could not note an integration's outcome");
                }
                if let Err(error) = storage.finish_call(due.id, claimed_until, outcome).await {
                    // The claim runs out and the call is made again: at least once.
                    tracing::warn!(%error, "could not record an integration's call");
                }
            });
            under_way.by_task.insert(task.id(), site);
            *under_way.per_site.entry(site).or_default() += 1;
            started += 1;
        }
        Ok(started)
    }
}

/// The calls under way in this collector, and how many each site has.
#[derive(Default)]
struct UnderWay {
    tasks: JoinSet<()>,
    by_task: HashMap<tokio::task::Id, SiteId>,
    per_site: HashMap<SiteId, usize>,
}

impl UnderWay {
    /// Waits for a call to end (forever when none runs) and frees its site's slot.
    async fn next_done(&mut self) {
        let id = match self.tasks.join_next_with_id().await {
            Some(Ok((id, ()))) => id,
            Some(Err(error)) => {
                tracing::error!(%error, "an integration's call failed");
                error.id()
            }
            None => return std::future::pending().await,
        };
        if let Some(site) = self.by_task.remove(&id)
            && let Some(n) = self.per_site.get_mut(&site)
        {
            *n -= 1;
            if *n == 0 {
                self.per_site.remove(&site);
            }
        }
    }
}

/// Keeps making due calls until the application stops: a round every `period`, and again
/// whenever a call ends.
pub fn keep_calling<S: IntegrationStore>(
    storage: S,
    caller: Caller,
    period: Duration,
    mut stopping: Stopping,
) {
    let caller = Arc::new(caller);
    tokio::spawn(async move {
        let mut under_way = UnderWay::default();
        loop {
            if let Err(error) = caller.start_due(&storage, &mut under_way).await {
                tracing::warn!(%error, "could not make integrations' calls");
            }
            tokio::select! {
                _ = stopping.stopped() => return,
                _ = under_way.next_done() => {}
                _ = tokio::time::sleep(period) => {}
            }
        }
    });
}
