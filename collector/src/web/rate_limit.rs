//! Rate limits: per client (a middleware in front of every route that writes: the public API,
//! the survey page's POST, the dashboard's sign-in) and per site (checked in the handler once
//! the submission's origin and token have passed). Both answer 429 with `Retry-After`.
//!
//! With `redis_url` set, every check goes first to the limits shared by the fleet
//! ([`SharedLimits`]); only when Redis cannot answer does this process's own limiter decide.
//!
//! Both are governor's keyed GCRA limiters, and both read the limiter's own clock to tell a
//! client how long to wait: building a fresh clock per refused request (what actix-governor
//! does) runs `cpuid`, which under a hypervisor made every refused request of a flood cost
//! more than an accepted one.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{ResponseError as _, web};
use governor::clock::Clock as _;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use ipnet::IpNet;

use crate::ids::SiteId;
use crate::settings::Settings;
use crate::web::client_address::client_key;
use crate::web::error::{IngestError, ManageError};
use crate::web::shared_limits::{Shared, SharedLimits, SharedQuota};

/// Asks the fleet's limits first when there are any; `None` when the local limiter must answer.
async fn shared_answer(
    shared: &Option<(Arc<SharedLimits>, SharedQuota)>,
    key: &str,
    blocked: Option<&str>,
    refuse: bool,
) -> Option<Result<(), u64>> {
    let (limits, quota) = shared.as_ref()?;
    match limits.check(key, blocked, *quota, refuse).await {
        Shared::Allowed => Some(Ok(())),
        Shared::Wait(wait) => Some(Err(wait)),
        Shared::Unavailable => None,
    }
}

/// A keyed limiter that answers "wait this many seconds" when a key is over its quota.
#[derive(Debug)]
struct Limiter<K: Hash + Eq + Clone>(DefaultKeyedRateLimiter<K>);

impl<K: Hash + Eq + Clone> Limiter<K> {
    fn new(quota: Quota) -> Self {
        Self(RateLimiter::keyed(quota))
    }

    /// `Err(seconds to wait, at least 1)` when `key` is over its quota.
    fn check(&self, key: &K) -> Result<(), u64> {
        self.0.check_key(key).map_err(|not_until| {
            not_until
                .wait_time_from(self.0.clock().now())
                .as_secs()
                .max(1)
        })
    }
}

/// Per client (see [`crate::web::client_address`]): a request quota, and a budget of
/// refusals — requests refused for their origin, token or body, and failed sign-ins. A client
/// that spends its refusal budget is refused at once until it refills, and its refusals are
/// never charged to the site's quota: forged traffic for a site cannot starve the site's
/// real widgets. Shared by every worker; idle keys are forgotten every minute.
#[derive(Debug, Clone)]
pub struct IpLimiter {
    limiter: Arc<Limiter<IpAddr>>,
    refused: Arc<Limiter<IpAddr>>,
    /// Clients that spent their refusal budget, and until when they are refused.
    blocked: Arc<Mutex<HashMap<IpAddr, Instant>>>,
    trusted: Arc<[IpNet]>,
    /// The fleet's limits and this limiter's quotas there: requests, refusals.
    shared: Option<(Arc<SharedLimits>, SharedQuota)>,
    shared_refused: Option<(Arc<SharedLimits>, SharedQuota)>,
}

impl IpLimiter {
    pub fn new(settings: &Settings, shared: Option<Arc<SharedLimits>>) -> Option<Self> {
        if !settings.rate_limit_enabled {
            return None;
        }
        let per_minute = |n: u32| {
            Quota::with_period(Duration::from_nanos(60_000_000_000 / u64::from(n.max(1))))
                .expect("a period of at least 1 ns")
        };
        let quota = per_minute(settings.rate_limit_ip_per_minute)
            .allow_burst(NonZeroU32::new(settings.rate_limit_ip_burst).unwrap_or(NonZeroU32::MIN));
        let refused_per_minute = settings.rate_limit_refused_per_minute.max(1);
        let refused = per_minute(refused_per_minute)
            .allow_burst(NonZeroU32::new(refused_per_minute).unwrap_or(NonZeroU32::MIN));
        let limiter = Self {
            limiter: Arc::new(Limiter::new(quota)),
            refused: Arc::new(Limiter::new(refused)),
            blocked: Arc::default(),
            trusted: settings.trusted_proxies().unwrap_or_default().into(),
            shared: shared.clone().map(|limits| {
                let quota = SharedQuota::new(
                    settings.rate_limit_ip_per_minute,
                    Duration::from_secs(60),
                    settings.rate_limit_ip_burst,
                );
                (limits, quota)
            }),
            shared_refused: shared.map(|limits| {
                let quota = SharedQuota::new(
                    refused_per_minute,
                    Duration::from_secs(60),
                    refused_per_minute,
                );
                (limits, quota)
            }),
        };
        let weak = (
            Arc::downgrade(&limiter.limiter),
            Arc::downgrade(&limiter.refused),
            Arc::downgrade(&limiter.blocked),
        );
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                every.tick().await;
                let (Some(limiter), Some(refused), Some(blocked)) =
                    (weak.0.upgrade(), weak.1.upgrade(), weak.2.upgrade())
                else {
                    return;
                };
                limiter.0.retain_recent();
                refused.0.retain_recent();
                let now = Instant::now();
                lock(&blocked).retain(|_, until| *until > now);
            }
        });
        Some(limiter)
    }

    /// `Err(seconds to wait)` when the client is over its request quota or its refusal budget.
    async fn admit(&self, client: &IpAddr) -> Result<(), u64> {
        let (key, blocked) = (format!("ip:{client}"), format!("blocked:{client}"));
        if let Some(answer) = shared_answer(&self.shared, &key, Some(&blocked), false).await {
            return answer;
        }
        if let Some(until) = lock(&self.blocked).get(client).copied() {
            let now = Instant::now();
            if until > now {
                return Err((until - now).as_secs().max(1));
            }
        }
        self.limiter.check(client)
    }

    /// Charges a refusal to the client's budget; once it is spent, the client is blocked.
    async fn refused(&self, client: IpAddr) {
        let (key, blocked) = (format!("refused:{client}"), format!("blocked:{client}"));
        if shared_answer(&self.shared_refused, &key, Some(&blocked), true)
            .await
            .is_some()
        {
            return;
        }
        if let Err(wait) = self.refused.check(&client) {
            lock(&self.blocked).insert(client, Instant::now() + Duration::from_secs(wait));
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// How long a refused request is held before its `429` (see [`per_ip`]).
const REFUSAL_DELAY: Duration = Duration::from_millis(250);

/// Statuses that are a refusal of what the client sent (origin, token, body, credentials).
fn is_refusal(status: StatusCode) -> bool {
    matches!(status.as_u16(), 400 | 401 | 403 | 408 | 413 | 415 | 422)
}

/// The per-client middleware (`from_fn`) for requests that write: without an [`IpLimiter`]
/// in the app data, or for GET and HEAD, it lets everything through. Refused in the public
/// API's format.
pub async fn per_ip(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let writes = !matches!(*req.method(), Method::GET | Method::HEAD);
    limited(req, next, writes, |wait| {
        IngestError::RateLimited(wait).error_response()
    })
    .await
}

/// The per-client middleware of the authenticated API, for every method: each call costs a
/// key lookup, so a client guessing keys spends its refusal budget on the `401`s and is then
/// refused (`429`) before its key is looked up. Refused in the management API's format.
pub async fn per_ip_managed(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    limited(req, next, true, |wait| {
        ManageError::RateLimited(wait).error_response()
    })
    .await
}

async fn limited(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    applies: bool,
    refusal: impl FnOnce(u64) -> actix_web::HttpResponse,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let limits = req.app_data::<web::Data<IpLimiter>>().cloned();
    let client = limits
        .as_ref()
        .filter(|_| applies)
        .and_then(|limits| client_key(req.request(), &limits.trusted));
    let (Some(limits), Some(client)) = (limits, client) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if let Err(wait) = limits.admit(&client).await {
        // Held a moment before it is answered: a client flooding over keep-alive then waits
        // for each refusal instead of sending its next request at once, so a flood costs the
        // collector a timer per connection rather than its CPU, and other clients keep their
        // latency. A client within its limit never waits.
        actix_web::rt::time::sleep(REFUSAL_DELAY).await;
        return Ok(req.into_response(refusal(wait)));
    }
    let response = next.call(req).await?.map_into_boxed_body();
    if is_refusal(response.status()) {
        limits.refused(client).await;
    }
    Ok(response)
}

/// Per-site limits: one site's traffic cannot starve the others (across the fleet when its
/// limits are shared).
#[derive(Debug)]
pub struct SiteLimiter {
    local: Limiter<SiteId>,
    shared: Option<(Arc<SharedLimits>, SharedQuota)>,
}

impl SiteLimiter {
    pub fn new(settings: &Settings, shared: Option<Arc<SharedLimits>>) -> Option<Self> {
        if !settings.rate_limit_enabled {
            return None;
        }
        let rate = NonZeroU32::new(settings.rate_limit_site_per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(settings.rate_limit_site_burst).unwrap_or(rate);
        let quota = SharedQuota::new(rate.get(), Duration::from_secs(1), burst.get());
        Some(Self {
            local: Limiter::new(Quota::per_second(rate).allow_burst(burst)),
            shared: shared.map(|limits| (limits, quota)),
        })
    }

    /// `Err(seconds to wait)` when the site is over its limit.
    pub async fn check(&self, site_id: SiteId) -> Result<(), u64> {
        let key = format!("site:{site_id}");
        match shared_answer(&self.shared, &key, None, false).await {
            Some(answer) => answer,
            None => self.local.check(&site_id),
        }
    }
}
