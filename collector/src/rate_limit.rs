//! Rate limits on the public endpoints: per client IP (actix-governor middleware) and per site
//! (checked in the handler, once the site is known). Both answer 429 with `Retry-After`.

use std::net::IpAddr;
use std::num::NonZeroU32;

use actix_governor::governor::clock::{Clock, DefaultClock, QuantaInstant};
use actix_governor::governor::middleware::NoOpMiddleware;
use actix_governor::governor::{DefaultKeyedRateLimiter, NotUntil, Quota, RateLimiter};
use actix_governor::{
    GovernorConfig, GovernorConfigBuilder, KeyExtractor, SimpleKeyExtractionError,
};
use actix_web::dev::ServiceRequest;
use actix_web::{HttpResponse, HttpResponseBuilder, http::header};

use crate::error::json_error;
use crate::settings::Settings;

/// Keys requests by the client's IP: the peer address, or the proxy-reported one when the
/// settings trust proxy headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp {
    pub trust_proxy_headers: bool,
}

impl KeyExtractor for ClientIp {
    type Key = IpAddr;
    type KeyExtractionError = SimpleKeyExtractionError<&'static str>;

    fn extract(&self, req: &ServiceRequest) -> Result<Self::Key, Self::KeyExtractionError> {
        let forwarded = self
            .trust_proxy_headers
            .then(|| {
                req.connection_info()
                    .realip_remote_addr()
                    .and_then(parse_ip)
            })
            .flatten();
        forwarded
            .or_else(|| req.peer_addr().map(|a| a.ip()))
            .ok_or_else(|| SimpleKeyExtractionError::new("could not tell the client's address"))
    }

    fn exceed_rate_limit_response(
        &self,
        negative: &NotUntil<QuantaInstant>,
        mut response: HttpResponseBuilder,
    ) -> HttpResponse {
        let wait = negative
            .wait_time_from(DefaultClock::default().now())
            .as_secs()
            .max(1);
        response.insert_header((header::RETRY_AFTER, wait));
        json_error(
            response,
            "rate_limited",
            &format!("too many requests from this address; retry in {wait} s"),
        )
    }
}

fn parse_ip(raw: &str) -> Option<IpAddr> {
    raw.parse::<IpAddr>()
        .ok()
        .or_else(|| raw.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
}

/// The per-IP middleware configuration; when rate limiting is off it lets everything through.
pub fn per_ip(settings: &Settings) -> GovernorConfig<ClientIp, NoOpMiddleware<QuantaInstant>> {
    let per_minute = u64::from(settings.rate_limit_ip_per_minute.max(1));
    GovernorConfigBuilder::default()
        .period(std::time::Duration::from_nanos(60_000_000_000 / per_minute))
        .burst_size(settings.rate_limit_ip_burst.max(1))
        .permissive(!settings.rate_limit_enabled)
        .key_extractor(ClientIp {
            trust_proxy_headers: settings.trust_proxy_headers,
        })
        .finish()
        .expect("period and burst are at least 1")
}

/// Per-site limits: one site's traffic cannot starve the others.
#[derive(Debug)]
pub struct SiteLimiter(DefaultKeyedRateLimiter<i64>);

impl SiteLimiter {
    pub fn new(settings: &Settings) -> Option<Self> {
        if !settings.rate_limit_enabled {
            return None;
        }
        let rate = NonZeroU32::new(settings.rate_limit_site_per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(settings.rate_limit_site_burst).unwrap_or(rate);
        Some(Self(RateLimiter::keyed(
            Quota::per_second(rate).allow_burst(burst),
        )))
    }

    /// `Err(seconds to wait)` when the site is over its limit.
    pub fn check(&self, site_id: i64) -> Result<(), u64> {
        self.0.check_key(&site_id).map_err(|not_until| {
            not_until
                .wait_time_from(DefaultClock::default().now())
                .as_secs()
                .max(1)
        })
    }
}
