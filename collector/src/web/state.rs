//! What every handler shares: storage, the site directory, limits and keys. Built once by
//! [`crate::startup::Application`]; handlers receive it as `web::Data<AppState<S>>`.

use std::time::Duration;

use crate::sites::Site;
use crate::sites::directory::SiteDirectory;

use crate::web::rate_limit::SiteLimiter;
use crate::web::session::SessionKey;

/// What every handler shares.
#[derive(Debug)]
pub struct AppState<S> {
    pub storage: S,
    pub sites: SiteDirectory,
    pub site_limiter: Option<SiteLimiter>,
    pub edit_window_ms: i64,
    /// How long a public endpoint waits for a whole body.
    pub body_timeout: Duration,
    /// The demo site, when `/demo` is served.
    pub demo_site: Option<Site>,
    /// Signs dashboard sessions.
    pub session_key: SessionKey,
    /// The last readiness probe (`/readyz`).
    pub readiness: crate::web::readiness::Readiness,
    /// Held while the application runs; its background tasks stop when it is dropped.
    pub running: crate::shutdown::Running,
    /// Where rating links point (`public_url`), when set.
    pub public_url: Option<String>,
    /// Hashes customer ids for the survey cooldown.
    pub customer_key: crate::sites::fatigue::CustomerKey,
    /// Seals and opens integrations' credentials.
    pub seal_key: crate::integrations::seal::SealKey,
    /// Where webhooks may go (`webhook_allow_private_networks`, `webhook_allow_http`).
    pub webhook_reach: crate::alerts::Reach,
    /// Where invitations and password resets are mailed (`smtp_url`); `None`: links are handed
    /// over by hand, and the sign-in page offers no reset.
    pub mailer: Option<crate::mail::Mailer>,
}
