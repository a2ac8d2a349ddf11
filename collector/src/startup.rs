//! Building and running the HTTP server. [`Application::build`] binds its own listener, so
//! tests can ask for port 0 and read back the real port.

use std::net::TcpListener;
use std::pin::Pin;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, http::header, web};

use crate::dashboard::{self, SessionKey};
use crate::demo;
use crate::directory::SiteDirectory;
use crate::rate_limit::{self, IpLimiter, SiteLimiter};
use crate::routes;
use crate::routes::widget_assets;
use crate::settings::Settings;
use crate::shutdown::{self, InFlight};
use crate::site::Site;
use crate::storage::{Backend, PgStorage, SqliteStorage, Storage};
use crate::survey_page;
use crate::telemetry::log_request;

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
    /// Where rating links point (`public_url`), when set.
    pub public_url: Option<String>,
}

#[allow(missing_debug_implementations)] // actix's Server is not Debug
pub struct Application {
    port: u16,
    backend: Backend,
    server: Server,
    /// Closes the database once the server has stopped.
    close_storage: Pin<Box<dyn Future<Output = ()> + Send>>,
    in_flight: InFlight,
}

/// The longest a stop waits for requests in flight.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

impl Application {
    /// Opens the database named in the settings (migrating it), binds, and builds the server.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let url = settings.database_url.expose();
        let options = settings.storage_options();
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
            true => Some(demo::ensure_site(&storage, port).await?),
            false => None,
        };
        let sites = SiteDirectory::load(&storage).await?;
        sites.keep_fresh(
            storage.clone(),
            Duration::from_secs(settings.site_refresh_secs.max(1)),
        );
        let closing = storage.clone();
        let state = web::Data::new(AppState {
            storage,
            sites,
            site_limiter: SiteLimiter::new(&settings),
            edit_window_ms: i64::try_from(settings.edit_window().as_millis()).unwrap_or(i64::MAX),
            body_timeout: Duration::from_secs(settings.body_timeout_secs.max(1)),
            demo_site,
            public_url: settings.public_url.clone(),
            session_key: SessionKey::new(settings.session_secret.as_ref().map(|s| s.expose())),
        });
        let ip_limiter = IpLimiter::new(&settings).map(web::Data::new);
        let in_flight = InFlight::default();
        let counted = web::Data::new(in_flight.clone());
        let mut server = HttpServer::new(move || {
            let sites = state.sites.clone();
            let cors = Cors::default()
                .allowed_origin_fn(move |origin, _| sites.knows_origin(origin.as_bytes()))
                .allowed_methods(["POST"])
                .allowed_headers([header::CONTENT_TYPE])
                .max_age(86_400);
            let mut public = web::scope("/api/v1");
            if let Some(limiter) = &ip_limiter {
                public = public.app_data(limiter.clone());
            }
            let public = public
                .wrap(from_fn(rate_limit::per_ip))
                .wrap(cors)
                .route("/responses", web::post().to(routes::submit_response::<S>))
                .route(
                    "/impressions",
                    web::post().to(routes::record_impression::<S>),
                );
            let manage = web::scope("/api/v1/sites/{site}")
                .app_data(web::JsonConfig::default().limit(1024))
                .route("/scores", web::get().to(routes::scores::<S>))
                .route("/responses", web::get().to(routes::list_responses::<S>))
                .route("/keys", web::post().to(routes::create_key::<S>))
                .route("/links", web::post().to(routes::create_links::<S>));
            App::new()
                .wrap(from_fn(log_request))
                .wrap(from_fn(shutdown::count_in_flight))
                .app_data(counted.clone())
                .app_data(state.clone())
                .service(dashboard::scope::<S>())
                .service(manage)
                .service(public)
                .service(
                    web::resource("/koe.js")
                        .route(web::get().to(widget_assets::loader))
                        .route(web::head().to(widget_assets::loader)),
                )
                .service(
                    web::resource("/widget/{name}")
                        .route(web::get().to(widget_assets::hashed))
                        .route(web::head().to(widget_assets::hashed)),
                )
                .route("/s/survey.js", web::get().to(survey_page::script))
                .service(
                    web::resource("/s/{token}")
                        .route(web::get().to(survey_page::show::<S>))
                        .route(web::head().to(survey_page::show::<S>))
                        .route(web::post().to(survey_page::confirm::<S>)),
                )
                .route("/demo", web::get().to(demo::page::<S>))
                .route("/demo.js", web::get().to(demo::script))
                .route("/healthz", web::get().to(routes::healthz))
                .route("/metrics", web::get().to(crate::metrics::endpoint))
                .route("/readyz", web::get().to(routes::readyz::<S>))
                .default_service(web::to(routes::not_found))
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
            server: server.run(),
            in_flight,
            close_storage: Box::pin(async move { closing.close().await }),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
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
        let served = self.server.await;
        self.close_storage.await;
        tracing::info!("stopped");
        served
    }
}
