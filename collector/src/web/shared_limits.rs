//! Rate limits shared by every collector on one Redis (`redis_url`): the same GCRA the local
//! limiter runs, as one Lua script per check on Redis's own clock, so n collectors enforce one
//! quota instead of n. Redis unreachable (or slower than [`CHECK_TIMEOUT`]) → the caller's local
//! limiter answers, which is logged once per outage and counted in `/metrics`; Redis is tried
//! again after [`RETRY_AFTER`], so ingest never waits on or fails because of it.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;

/// Longest a check waits for Redis before the local limiter answers.
const CHECK_TIMEOUT: Duration = Duration::from_millis(100);
/// How long Redis is left alone after it failed a check.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// GCRA in microseconds on Redis's clock. `KEYS[1]`: the key's theoretical arrival time;
/// `KEYS[2]`: a "blocked" key (may be absent). `ARGV[1]`: emission interval (µs); `ARGV[2]`:
/// burst tolerance (µs); `ARGV[3]`: `admit` (refused while blocked) or `refuse` (a spent budget
/// blocks for its wait). Returns 0 (allowed) or the wait in µs.
const GCRA: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
if ARGV[3] == 'admit' and KEYS[2] ~= '' then
  local blocked = redis.call('PTTL', KEYS[2])
  if blocked > 0 then return blocked * 1000 end
end
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait > 0 then
  if ARGV[3] == 'refuse' and KEYS[2] ~= '' then
    redis.call('SET', KEYS[2], '1', 'PX', math.ceil(wait / 1000))
  end
  return wait
end
local next = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', next), 'PX', math.ceil((next - now) / 1000) + 1000)
return 0
"#;

/// One quota: `per_period` cells every `period`, `burst` at once.
#[derive(Debug, Clone, Copy)]
pub struct SharedQuota {
    interval_us: u64,
    tolerance_us: u64,
}

impl SharedQuota {
    pub fn new(per_period: u32, period: Duration, burst: u32) -> Self {
        let interval_us = (period.as_micros() as u64 / u64::from(per_period.max(1))).max(1);
        Self {
            interval_us,
            tolerance_us: interval_us * u64::from(burst.max(1) - 1),
        }
    }
}

/// What a shared check says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shared {
    Allowed,
    /// Over the quota: wait this many seconds (at least 1).
    Wait(u64),
    /// Redis did not answer: use the local limiter.
    Unavailable,
}

/// The connection to Redis and the outage state, shared by every limiter of the process.
pub struct SharedLimits {
    client: redis::Client,
    /// Made on the first check that finds Redis up (and again after it failed to be made).
    redis: Mutex<Option<ConnectionManager>>,
    script: redis::Script,
    prefix: String,
    down_until: Mutex<Option<Instant>>,
    /// An outage is logged once, when it starts.
    degraded: AtomicBool,
}

impl std::fmt::Debug for SharedLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedLimits")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl SharedLimits {
    /// Checks the URL; connects on the first check (a Redis down at start is an outage like
    /// any other).
    pub fn new(url: &str, prefix: &str) -> Result<Self, redis::RedisError> {
        Ok(Self {
            client: redis::Client::open(url)?,
            redis: Mutex::new(None),
            script: redis::Script::new(GCRA),
            prefix: prefix.to_owned(),
            down_until: Mutex::new(None),
            degraded: AtomicBool::new(false),
        })
    }

    /// Checks `key` against `quota`; `blocked` names the key's "refused at once" marker.
    pub async fn check(
        &self,
        key: &str,
        blocked: Option<&str>,
        quota: SharedQuota,
        refuse: bool,
    ) -> Shared {
        if self
            .down_until
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some_and(|until| Instant::now() < until)
        {
            crate::web::metrics::limit_fell_back();
            return Shared::Unavailable;
        }
        let Some(mut redis) = self.connection().await else {
            return self.down("cannot connect");
        };
        let mut invocation = self.script.prepare_invoke();
        invocation
            .key(format!("{}{key}", self.prefix))
            .key(blocked.map_or_else(String::new, |b| format!("{}{b}", self.prefix)))
            .arg(quota.interval_us)
            .arg(quota.tolerance_us)
            .arg(if refuse { "refuse" } else { "admit" });
        let answer: Result<Result<u64, _>, _> =
            tokio::time::timeout(CHECK_TIMEOUT, invocation.invoke_async(&mut redis)).await;
        match answer {
            Ok(Ok(0)) => self.up(Shared::Allowed),
            Ok(Ok(wait_us)) => self.up(Shared::Wait(wait_us.div_ceil(1_000_000).max(1))),
            Ok(Err(error)) => self.down(&error.to_string()),
            Err(_) => self.down("timed out"),
        }
    }

    /// The shared connection, made if there is none yet.
    async fn connection(&self) -> Option<ConnectionManager> {
        let made = self.redis.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if made.is_some() {
            return made;
        }
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(CHECK_TIMEOUT)
            .set_response_timeout(CHECK_TIMEOUT)
            .set_number_of_retries(1);
        let connecting = ConnectionManager::new_with_config(self.client.clone(), config);
        let manager = tokio::time::timeout(CHECK_TIMEOUT, connecting)
            .await
            .ok()?
            .ok()?;
        *self.redis.lock().unwrap_or_else(|p| p.into_inner()) = Some(manager.clone());
        Some(manager)
    }

    fn up(&self, answer: Shared) -> Shared {
        if self.degraded.swap(false, Ordering::Relaxed) {
            tracing::info!("Redis answers again: rate limits are shared by the fleet again");
        }
        answer
    }

    fn down(&self, error: &str) -> Shared {
        *self.down_until.lock().unwrap_or_else(|p| p.into_inner()) =
            Some(Instant::now() + RETRY_AFTER);
        if !self.degraded.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                error,
                "Redis is unreachable: rate limits are per collector until it answers"
            );
        }
        crate::web::metrics::limit_fell_back();
        Shared::Unavailable
    }
}
