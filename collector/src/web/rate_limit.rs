//! Rate limits on the public endpoints: per client IP (a middleware in front of them) and per
//! site (checked in the handler, once the site is known). Both answer 429 with `Retry-After`.
//!
//! Both are governor's keyed GCRA limiters, and both read the limiter's own clock to tell a
//! client how long to wait: building a fresh clock per refused request (what actix-governor
//! does) runs `cpuid`, which under a hypervisor made every refused request of a flood cost
//! more than an accepted one.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{ResponseError as _, web};
use governor::clock::Clock as _;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::settings::Settings;
use crate::web::error::IngestError;

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

/// Per client IP: the peer address, or the proxy-reported one when the settings trust proxy
/// headers. Shared by every worker; keys idle for a while are forgotten every minute.
#[derive(Debug, Clone)]
pub struct IpLimiter {
    limiter: Arc<Limiter<IpAddr>>,
    trust_proxy_headers: bool,
}

impl IpLimiter {
    pub fn new(settings: &Settings) -> Option<Self> {
        if !settings.rate_limit_enabled {
            return None;
        }
        let per_minute = u64::from(settings.rate_limit_ip_per_minute.max(1));
        let quota = Quota::with_period(Duration::from_nanos(60_000_000_000 / per_minute))
            .expect("a period of at least 1 ns")
            .allow_burst(NonZeroU32::new(settings.rate_limit_ip_burst).unwrap_or(NonZeroU32::MIN));
        let limiter = Arc::new(Limiter::new(quota));
        let weak = Arc::downgrade(&limiter);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            while let Some(limiter) = {
                every.tick().await;
                weak.upgrade()
            } {
                limiter.0.retain_recent();
            }
        });
        Some(Self {
            limiter,
            trust_proxy_headers: settings.trust_proxy_headers,
        })
    }

    fn client_ip(&self, req: &ServiceRequest) -> Option<IpAddr> {
        let forwarded = self
            .trust_proxy_headers
            .then(|| {
                req.connection_info()
                    .realip_remote_addr()
                    .and_then(parse_ip)
            })
            .flatten();
        forwarded.or_else(|| req.peer_addr().map(|a| a.ip()))
    }
}

/// How long a refused request is held before its `429` (see [`per_ip`]).
const REFUSAL_DELAY: Duration = Duration::from_millis(250);

/// The per-IP middleware (`from_fn`); without an [`IpLimiter`] in the app data it lets
/// everything through.
pub async fn per_ip(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let verdict = req
        .app_data::<web::Data<IpLimiter>>()
        .and_then(|limits| Some(limits.limiter.check(&limits.client_ip(&req)?)));
    if let Some(Err(wait)) = verdict {
        // Held a moment before it is answered: a client flooding over keep-alive then waits
        // for each refusal instead of sending its next request at once, so a flood costs the
        // collector a timer per connection rather than its CPU, and other clients keep their
        // latency. A client within its limit never waits.
        actix_web::rt::time::sleep(REFUSAL_DELAY).await;
        return Ok(req.into_response(IngestError::RateLimited(wait).error_response()));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

fn parse_ip(raw: &str) -> Option<IpAddr> {
    raw.parse::<IpAddr>()
        .ok()
        .or_else(|| raw.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
}

/// Per-site limits: one site's traffic cannot starve the others.
#[derive(Debug)]
pub struct SiteLimiter(Limiter<i64>);

impl SiteLimiter {
    pub fn new(settings: &Settings) -> Option<Self> {
        if !settings.rate_limit_enabled {
            return None;
        }
        let rate = NonZeroU32::new(settings.rate_limit_site_per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(settings.rate_limit_site_burst).unwrap_or(rate);
        Some(Self(Limiter::new(
            Quota::per_second(rate).allow_burst(burst),
        )))
    }

    /// `Err(seconds to wait)` when the site is over its limit.
    pub fn check(&self, site_id: i64) -> Result<(), u64> {
        self.0.check(&site_id)
    }
}
