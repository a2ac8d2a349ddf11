//! Settings: built-in defaults, then an optional `koe.toml`, then `KOE_*` environment
//! variables, then command-line flags. Secrets print as `[redacted]`.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

mod secret;

pub use secret::{DatabaseUrl, Secret};

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Address the HTTP server listens on (`KOE_BIND`).
    pub bind: String,
    /// `sqlite://PATH` or `postgres://…` (`KOE_DATABASE_URL`).
    pub database_url: DatabaseUrl,
    /// PostgreSQL only: a streaming replica that reports, standings, the response list, CSV and
    /// the dashboard read from (`KOE_DATABASE_READ_URL`); unset, everything reads the primary.
    pub database_read_url: Option<DatabaseUrl>,
    /// How long after its first answer a response may still be changed (`KOE_EDIT_WINDOW_DAYS`).
    pub edit_window_days: u32,
    /// Public endpoints: requests per minute and burst per client IP (`KOE_RATE_LIMIT_IP_PER_MINUTE`).
    pub rate_limit_ip_per_minute: u32,
    pub rate_limit_ip_burst: u32,
    /// Public endpoints: requests per second and burst per site (`KOE_RATE_LIMIT_SITE_PER_SECOND`).
    pub rate_limit_site_per_second: u32,
    pub rate_limit_site_burst: u32,
    /// Turns both rate limits off, e.g. behind a proxy that limits already, or for benchmarks.
    pub rate_limit_enabled: bool,
    /// The proxies in front of Koe, as CIDRs (`["10.0.0.0/8"]`): when a request comes from one,
    /// the client is the right-most `X-Forwarded-For` hop that is not one of them — never the
    /// left-most, which the client writes itself. Empty: the peer address is the client.
    pub trusted_proxies: Vec<String>,
    /// Replaced by `trusted_proxies`; set, it stops the start with an explanation.
    pub trust_proxy_headers: Option<bool>,
    /// Refusals (origin, token, body) a client may cause per minute before it is refused at
    /// once for a while; charged instead of the site's quota (`KOE_RATE_LIMIT_REFUSED_PER_MINUTE`).
    pub rate_limit_refused_per_minute: u32,
    /// Database connections in the pool.
    pub database_max_connections: u32,
    /// Seconds to wait for a database connection before answering 503.
    pub database_timeout_secs: u64,
    /// Seconds a client has to send a public endpoint's whole body (`408` after that), so
    /// a slow sender cannot hold a connection open for ever.
    pub body_timeout_secs: u64,
    /// SQLite: most writes committed together.
    pub sqlite_max_batch: usize,
    /// Seconds between reloads of the site list (origins, time zones) from the database.
    pub site_refresh_secs: u64,
    /// Seconds between purges of responses past each site's retention (the first runs at
    /// start); 0 turns the collector's own purge off (one of a fleet purging for all).
    pub retention_check_secs: u64,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
    /// Serve `/demo`, creating the demo site when missing (`koe serve --demo`).
    pub demo: bool,
    /// The collector's address as customers reach it (rating links point here), e.g.
    /// `https://koe.example.com`; by default the address a request came to (API) or
    /// `http://` + `bind` (CLI).
    pub public_url: Option<String>,
    /// A separate address for `/healthz`, `/readyz` and `/metrics` (e.g. `127.0.0.1:9090`, for
    /// the load balancer and Prometheus only); unset, they are served on `bind` as before.
    pub admin_bind: Option<String>,
    /// Signs dashboard sessions and the hosted page's serve-time stamps; unset, the server
    /// makes a key and keeps it in the database (so every collector of a fleet shares it).
    pub session_secret: Option<Secret>,
    /// The key customer ids are hashed with for the survey cooldown (at least 32 bytes); unset,
    /// the server makes one and keeps it in the database — set it to keep it out of backups.
    pub customer_key: Option<Secret>,
    /// The key integrations' credentials (API tokens, channel secrets) are sealed with at rest;
    /// unset, the server makes one and keeps it in the database — set it so that a copy of the
    /// database alone opens no token.
    pub secrets_key: Option<Secret>,
    /// How often due webhook alerts (and integrations' calls) are looked for, in milliseconds.
    pub webhook_poll_ms: u64,
    /// Redis shared by a fleet of collectors (`redis://127.0.0.1:6379`): rate limits are kept
    /// there, so n collectors enforce one quota. Unset: each collector limits on its own.
    pub redis_url: Option<String>,
    /// Prefix of every key Koe writes in Redis.
    pub redis_key_prefix: String,
    /// Let webhooks call private and local addresses (a receiver inside your network); off,
    /// only public addresses are called.
    pub webhook_allow_private_networks: bool,
    /// Let webhooks use plain `http://`; off, only `https://` (alerts carry customers'
    /// comments, which must not cross the network readable).
    pub webhook_allow_http: bool,
    /// The SMTP server invitations and password resets are sent through:
    /// `smtps://user:password@smtp.example.com` (TLS from the start),
    /// `smtp://user:password@smtp.example.com:587?tls=required` (STARTTLS), or plain
    /// `smtp://127.0.0.1:25` to a relay on this machine only. Unset: no mail is sent (links are
    /// handed over by hand). Prints as `[redacted]`: it may hold a password.
    pub smtp_url: Option<Secret>,
    /// The sender of Koe's mail, e.g. `Koe <koe@example.com>`.
    pub mail_from: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            database_url: DatabaseUrl::new("sqlite://koe.db"),
            database_read_url: None,
            edit_window_days: 7,
            rate_limit_ip_per_minute: 600,
            rate_limit_ip_burst: 120,
            rate_limit_site_per_second: 1000,
            rate_limit_site_burst: 2000,
            rate_limit_enabled: true,
            trusted_proxies: Vec::new(),
            trust_proxy_headers: None,
            rate_limit_refused_per_minute: 60,
            database_max_connections: 8,
            database_timeout_secs: 5,
            body_timeout_secs: 10,
            sqlite_max_batch: 512,
            site_refresh_secs: 5,
            retention_check_secs: 3600,
            workers: 0,
            demo: false,
            public_url: None,
            admin_bind: None,
            session_secret: None,
            customer_key: None,
            secrets_key: None,
            webhook_poll_ms: 1000,
            webhook_allow_private_networks: false,
            webhook_allow_http: false,
            redis_url: None,
            redis_key_prefix: "koe:".into(),
            smtp_url: None,
            mail_from: "Koe <koe@localhost>".into(),
        }
    }
}

impl Settings {
    /// Where webhooks may go.
    pub fn webhook_reach(&self) -> crate::alerts::Reach {
        crate::alerts::Reach {
            private_networks: self.webhook_allow_private_networks,
            plain_http: self.webhook_allow_http,
        }
    }

    /// Reads `config_file` (when it exists) and `KOE_*` variables over the defaults.
    pub fn load(config_file: &Path) -> Result<Self, config::ConfigError> {
        config::Config::builder()
            .add_source(
                config::File::from(config_file)
                    .format(config::FileFormat::Toml)
                    .required(false),
            )
            .add_source(
                config::Environment::with_prefix("KOE")
                    .try_parsing(true)
                    .list_separator(",")
                    .with_list_parse_key("trusted_proxies"),
            )
            .build()?
            .try_deserialize()
    }

    /// The dashboard's session secret, if set: an empty value means unset.
    pub fn session_secret(&self) -> Option<&str> {
        self.session_secret
            .as_ref()
            .map(Secret::expose)
            .filter(|s| !s.is_empty())
    }

    /// The trusted proxies, parsed.
    pub fn trusted_proxies(&self) -> Result<Vec<ipnet::IpNet>, SettingsError> {
        self.trusted_proxies
            .iter()
            .map(|cidr| {
                cidr.trim()
                    .parse::<ipnet::IpNet>()
                    .or_else(|_| {
                        cidr.trim()
                            .parse::<std::net::IpAddr>()
                            .map(ipnet::IpNet::from)
                    })
                    .map_err(|_| SettingsError::TrustedProxy(cidr.clone()))
            })
            .collect()
    }

    /// Refuses settings the collector must not start with.
    pub fn check(&self) -> Result<(), SettingsError> {
        if self.trust_proxy_headers.is_some() {
            return Err(SettingsError::TrustProxyHeaders);
        }
        self.trusted_proxies()?;
        if let Some(read) = self
            .database_read_url
            .as_ref()
            .filter(|u| !u.expose().is_empty())
            && (!read.expose().starts_with("postgres")
                || !self.database_url.expose().starts_with("postgres"))
        {
            return Err(SettingsError::ReadUrl);
        }
        if let Some(secret) = self.session_secret()
            && secret.len() < MIN_SESSION_SECRET_BYTES
        {
            return Err(SettingsError::ShortSessionSecret(secret.len()));
        }
        self.checked_customer_key()?;
        if let Some(key) = self.secrets_key()
            && key.len() < MIN_CUSTOMER_KEY_BYTES
        {
            return Err(SettingsError::ShortSecretsKey(key.len()));
        }
        Ok(())
    }

    /// The configured customer-hash key, if set, refused when shorter than
    /// [`MIN_CUSTOMER_KEY_BYTES`]: a short key lets a leaked dump test guesses of customer ids.
    pub fn checked_customer_key(&self) -> Result<Option<&str>, SettingsError> {
        match self.customer_key() {
            Some(key) if key.len() < MIN_CUSTOMER_KEY_BYTES => {
                Err(SettingsError::ShortCustomerKey(key.len()))
            }
            key => Ok(key),
        }
    }

    /// The configured SMTP server, if set: an empty value means unset.
    pub fn smtp_url(&self) -> Option<&str> {
        self.smtp_url
            .as_ref()
            .map(Secret::expose)
            .filter(|s| !s.is_empty())
    }

    /// The configured key of integrations' credentials, if set: an empty value means unset.
    pub fn secrets_key(&self) -> Option<&str> {
        self.secrets_key
            .as_ref()
            .map(Secret::expose)
            .filter(|s| !s.is_empty())
    }

    /// The configured customer-hash key, if set: an empty value means unset.
    pub fn customer_key(&self) -> Option<&str> {
        self.customer_key
            .as_ref()
            .map(Secret::expose)
            .filter(|s| !s.is_empty())
    }

    pub fn edit_window(&self) -> Duration {
        Duration::from_secs(u64::from(self.edit_window_days) * 86_400)
    }
}

/// The shortest session secret accepted: 256 bits, the size of the HMAC-SHA256 key.
pub const MIN_SESSION_SECRET_BYTES: usize = 32;

/// The shortest `customer_key` accepted.
pub const MIN_CUSTOMER_KEY_BYTES: usize = 32;

/// Settings the collector must not start with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error(
        "trust_proxy_headers is gone: it believed the left-most X-Forwarded-For entry, which any \
         client can write. List your proxies instead, e.g. trusted_proxies = [\"10.0.0.0/8\"] \
         (KOE_TRUSTED_PROXIES)"
    )]
    TrustProxyHeaders,
    #[error("trusted_proxies: {0:?} is not an IP network like 10.0.0.0/8")]
    TrustedProxy(String),
    #[error(
        "database_read_url is a PostgreSQL replica of a PostgreSQL database_url; SQLite reads \
         its own file"
    )]
    ReadUrl,
    #[error(
        "session_secret must be at least {MIN_SESSION_SECRET_BYTES} bytes (it is {0}): a short \
         secret lets sessions be forged; make one with `openssl rand -hex 32`, or leave it unset \
         for a random key kept in the database"
    )]
    ShortSessionSecret(usize),
    #[error(
        "customer_key must be at least {MIN_CUSTOMER_KEY_BYTES} bytes (it is {0}): a short key lets \
         a leaked database dump test guesses of customer ids; make one with `openssl rand -hex \
         32`, or leave it unset for a key kept in the database"
    )]
    ShortCustomerKey(usize),
    #[error(
        "secrets_key must be at least {MIN_CUSTOMER_KEY_BYTES} bytes (it is {0}): integrations' \
         credentials are sealed with it, and a short key can be guessed from a copy of the database"
    )]
    ShortSecretsKey(usize),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_print() {
        let url = DatabaseUrl::new("postgres://koe:hunter2@db.internal:5432/koe");
        for shown in [
            format!("{url}"),
            format!("{url:?}"),
            format!(
                "{:?}",
                Settings {
                    database_url: url.clone(),
                    session_secret: Some(Secret::new("hunter2-session")),
                    ..Settings::default()
                }
            ),
        ] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(shown.contains("[redacted]"), "{shown}");
        }
        assert_eq!(
            DatabaseUrl::new("sqlite://koe.db").to_string(),
            "sqlite://koe.db"
        );
    }

    #[test]
    fn short_session_secrets_are_refused_and_empty_means_unset() {
        let with = |secret: &str| Settings {
            session_secret: Some(Secret::new(secret)),
            ..Settings::default()
        };
        let refused = with("hunter2").check().unwrap_err();
        assert!(
            refused.to_string().contains("at least 32 bytes"),
            "{refused}"
        );
        assert!(with(&"k".repeat(31)).check().is_err());
        assert!(with(&"k".repeat(32)).check().is_ok());
        assert!(with("").check().is_ok());
        assert_eq!(with("").session_secret(), None, "empty means unset");
        assert!(Settings::default().check().is_ok());
    }

    #[test]
    fn short_customer_keys_are_refused_and_empty_means_unset() {
        let with = |key: &str| Settings {
            customer_key: Some(Secret::new(key)),
            ..Settings::default()
        };
        let refused = with("pepper").check().unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("customer_key must be at least 32 bytes"),
            "{refused}"
        );
        assert!(with(&"k".repeat(31)).check().is_err());
        assert!(with(&"k".repeat(31)).checked_customer_key().is_err());
        assert!(with(&"k".repeat(32)).check().is_ok());
        assert_eq!(
            with("").checked_customer_key(),
            Ok(None),
            "empty means unset"
        );
    }

    #[test]
    fn the_old_proxy_setting_stops_the_start_with_its_replacement_named() {
        let old = Settings {
            trust_proxy_headers: Some(true),
            ..Settings::default()
        };
        let refused = old.check().unwrap_err();
        assert!(refused.to_string().contains("trusted_proxies"), "{refused}");
        let listed = Settings {
            trusted_proxies: vec!["10.0.0.0/8".into(), "192.0.2.1".into()],
            ..Settings::default()
        };
        assert_eq!(listed.trusted_proxies().unwrap().len(), 2);
        let bad = Settings {
            trusted_proxies: vec!["ten dot zero".into()],
            ..Settings::default()
        };
        assert!(
            bad.check()
                .unwrap_err()
                .to_string()
                .contains("is not an IP network")
        );
    }

    #[test]
    fn a_missing_file_leaves_the_defaults() {
        let settings = Settings::load(Path::new("/nonexistent/koe.toml")).unwrap();
        assert_eq!(settings.edit_window_days, 7);
    }
}
