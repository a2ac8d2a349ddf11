//! Building and running the HTTP server. [`Application::build`] binds its own listener, so
//! tests can ask for port 0 and read back the real port.

use std::net::TcpListener;
use std::pin::Pin;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};

use crate::settings::Settings;
use crate::shutdown::{self, InFlight};
use crate::sites::directory::SiteDirectory;
use crate::sites::registration::ensure_demo_site;
use crate::storage::{Backend, PgStorage, SqliteStorage, Storage};
use crate::telemetry::log_request;
use crate::web::rate_limit::{IpLimiter, SiteLimiter};
use crate::web::session::SessionKey;
use crate::web::shared_limits::SharedLimits;
use crate::web::state::AppState;

#[allow(missing_debug_implementations)] // actix's Server is not Debug
pub struct Application {
    port: u16,
    backend: Backend,
    server: Server,
    /// `/healthz`, `/readyz` and `/metrics` on their own listener (`admin_bind`), and its port.
    admin: Option<(u16, Server)>,
    /// Closes the database once the server has stopped.
    close_storage: Pin<Box<dyn Future<Output = ()> + Send>>,
    in_flight: InFlight,
    /// While no account exists: the one-time link that makes the first owner (`koe serve`
    /// prints it; a new start makes a new one).
    first_owner_link: Option<String>,
}

/// The longest a stop waits for requests in flight.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

/// Longest the database connections may take to close once serving has stopped. sqlx's
/// `Pool::close` waits for every connection to come back, and one a background task hands
/// back while the pool is closing can leave it waiting for good (seen once in ~40 runs of
/// `collector/tests/two_collectors.rs`; the race is described in sqlx issue #3217). Every
/// acknowledged write has committed by then, so the process may end without it.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(10);

impl Application {
    /// Opens the database named in the settings (migrating it), binds, and builds the server.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        settings.check().map_err(anyhow::Error::msg)?;
        let url = settings.database_url.expose();
        let options = crate::storage::StorageOptions::from(&settings);
        match Backend::of_url(url)? {
            Backend::Sqlite => {
                let storage = SqliteStorage::connect(url, &options).await?;
                Self::with_storage(settings, Backend::Sqlite, storage).await
            }
            Backend::Postgres => {
                let storage = PgStorage::connect(url, &options).await?;
                Self::with_storage(settings, Backend::Postgres, storage).await
            }
        }
    }

    async fn with_storage<S: Storage>(
        settings: Settings,
        backend: Backend,
        storage: S,
    ) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|e| anyhow::anyhow!("could not listen on {}: {e}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let demo_site = match settings.demo {
            true => Some(ensure_demo_site(&storage, port).await?),
            false => None,
        };
        let sites = SiteDirectory::load(&storage).await?;
        sites.keep_fresh(
            storage.clone(),
            Duration::from_secs(settings.site_refresh_secs.max(1)),
        );
        let shared_limits = match settings.redis_url.as_deref().filter(|u| !u.is_empty()) {
            Some(url) => Some(std::sync::Arc::new(
                SharedLimits::new(url, &settings.redis_key_prefix)
                    .map_err(|e| anyhow::anyhow!("redis_url: {e}"))?,
            )),
            None => None,
        };
        let customer_key =
            crate::surveying::customer_key(settings.customer_key(), &storage).await?;
        let seal_key =
            crate::integrations::manage::seal_key(settings.secrets_key(), &storage).await?;
        let session_key = match settings.session_secret() {
            Some(secret) => SessionKey::from_secret(secret),
            None => SessionKey::from_stored(storage.server_key(SessionKey::STORED_NAME).await?),
        };
        let first_owner_link = crate::people::accounts::first_owner_link(&storage)
            .await?
            .map(|link| {
                let base = settings.public_url.clone().unwrap_or_else(|| {
                    let host = settings
                        .bind
                        .rsplit_once(':')
                        .map_or("localhost", |(h, _)| h);
                    let host = if host == "0.0.0.0" || host == "[::]" {
                        "localhost"
                    } else {
                        host
                    };
                    format!("http://{host}:{port}")
                });
                link.url(&base)
            });
        let mailer = match settings.smtp_url() {
            Some(url) => Some(
                crate::mail::Mailer::new(url, &settings.mail_from)
                    .map_err(|e| anyhow::anyhow!("smtp_url / mail_from: {e}"))?,
            ),
            None => None,
        };
        let closing = storage.clone();
        let state = web::Data::new(AppState {
            storage,
            sites,
            site_limiter: SiteLimiter::new(&settings, shared_limits.clone()),
            edit_window_ms: i64::try_from(settings.edit_window().as_millis()).unwrap_or(i64::MAX),
            body_timeout: Duration::from_secs(settings.body_timeout_secs.max(1)),
            demo_site,
            public_url: settings.public_url.clone(),
            session_key,
            readiness: Default::default(),
            running: shutdown::Running::new(),
            customer_key,
            seal_key: seal_key.clone(),
            webhook_reach: settings.webhook_reach(),
            mailer,
        });
        let public_url = settings
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", settings.bind));
        crate::alerts::delivery::keep_delivering(
            state.storage.clone(),
            crate::alerts::delivery::Deliverer::new(public_url, settings.webhook_reach())
                .map_err(|e| anyhow::anyhow!("could not make the webhook client: {e}"))?,
            Duration::from_millis(settings.webhook_poll_ms.max(10)),
            crate::web::metrics::alerts_dropped,
            state.running.stopping(),
        );
        crate::integrations::outbox::keep_calling(
            state.storage.clone(),
            crate::integrations::outbox::Caller::new(settings.webhook_reach(), seal_key)
                .map_err(|e| anyhow::anyhow!("could not make the integrations' client: {e}"))?,
            Duration::from_millis(settings.webhook_poll_ms.max(10)),
            state.running.stopping(),
        );
        crate::followups::overdue::keep_noticing(state.storage.clone(), state.running.stopping());
        if settings.retention_check_secs > 0 {
            crate::responses::retention::keep_purging(
                state.storage.clone(),
                Duration::from_secs(settings.retention_check_secs),
                settings.edit_window_days,
                state.running.stopping(),
            );
        }
        let admin = match &settings.admin_bind {
            Some(bind) => Some(operations_server(bind, state.clone())?),
            None => None,
        };
        let on_public = admin.is_none();
        let ip_limiter = IpLimiter::new(&settings, shared_limits).map(web::Data::new);
        let in_flight = InFlight::default();
        let counted = web::Data::new(in_flight.clone());
        let mut server = HttpServer::new(move || {
            let (state, ip_limiter) = (state.clone(), ip_limiter.clone());
            App::new()
                .wrap(from_fn(log_request))
                .wrap(from_fn(shutdown::count_in_flight))
                .app_data(counted.clone())
                .configure(move |routes| {
                    crate::web::routes(routes, state.clone(), ip_limiter);
                    if on_public {
                        crate::web::operations(routes, state);
                    }
                })
        })
        .listen(listener)?
        .disable_signals()
        .shutdown_timeout(SHUTDOWN_TIMEOUT.as_secs());
        if settings.workers > 0 {
            server = server.workers(settings.workers);
        }
        tracing::info!(port, ?backend, "koe collector listening");
        Ok(Self {
            port,
            backend,
            admin,
            server: server.run(),
            in_flight,
            close_storage: Box::pin(async move { closing.close().await }),
            first_owner_link,
        })
    }

    /// While no account exists: the link that makes the first owner (see the field).
    pub fn first_owner_link(&self) -> Option<&str> {
        self.first_owner_link.as_deref()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the operations listener (`admin_bind`), when there is one.
    pub fn admin_port(&self) -> Option<u16> {
        self.admin.as_ref().map(|(port, _)| *port)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A handle to stop the server (tests use it to take the collector down and up again).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM or SIGINT: then it stops accepting connections, lets the requests in
    /// flight finish (each answered only after its commit), and closes the database cleanly.
    pub async fn run_until_signalled(self) -> std::io::Result<()> {
        let stop = shutdown::on_signal(self.handle(), self.in_flight.clone(), SHUTDOWN_TIMEOUT);
        let watching = tokio::spawn(stop);
        let served = self.run_until_stopped().await;
        watching.abort();
        served
    }

    /// Serves until stopped through [`Application::handle`], then closes the database.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let admin = self.admin.map(|(_, server)| {
            let handle = server.handle();
            (handle, tokio::spawn(server))
        });
        let served = self.server.await;
        if let Some((handle, serving)) = admin {
            handle.stop(true).await;
            let _ = serving.await;
        }
        if tokio::time::timeout(CLOSE_TIMEOUT, self.close_storage)
            .await
            .is_err()
        {
            tracing::warn!(
                "the database connections did not all close within {} s; stopping anyway",
                CLOSE_TIMEOUT.as_secs()
            );
        }
        tracing::info!("stopped");
        served
    }
}

/// The operations listener (`admin_bind`): health, readiness and metrics, off the public port,
/// so the internet can neither scrape the counters nor spam the readiness probe.
fn operations_server<S: Storage>(
    bind: &str,
    state: web::Data<AppState<S>>,
) -> anyhow::Result<(u16, Server)> {
    let listener = TcpListener::bind(bind)
        .map_err(|e| anyhow::anyhow!("could not listen on admin_bind {bind}: {e}"))?;
    let port = listener.local_addr()?.port();
    let server = HttpServer::new(move || {
        let state = state.clone();
        App::new().configure(move |routes| crate::web::operations(routes, state))
    })
    .listen(listener)?
    .disable_signals()
    .workers(1)
    .run();
    tracing::info!(port, "operations listening (health, readiness, metrics)");
    Ok((port, server))
}
