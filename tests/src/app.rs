//! A collector running on port 0 against a fresh database, with two sites registered.

use koe_collector::people::{Grant, SiteRole};
use koe_collector::rollup::{RollupCounters, RollupKey};
use koe_collector::settings::{DatabaseUrl, Settings};
use koe_collector::sites::registration::{RegisteredSite, SiteRequest, register_site};
use koe_collector::sites::{Origin, Site, SiteTimeZone};
use koe_collector::startup::Application;
use koe_collector::storage::StoredResponse;
use koe_shared::token::{self, AttributionClaims};
use koe_shared::{AgentId, Channel, CustomerId, InteractionId, SiteKey, TeamId};
use serde_json::Value;

use crate::{TestBackend, TestDatabase, init_test_logging};

/// Numbers the people tests make, so that each has its own address.
static PEOPLE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The origin the test sites' pages are served from.
pub const SHOP_ORIGIN: &str = "https://shop.example";

/// A registered site and its signing secret.
#[derive(Debug)]
pub struct TestSite {
    pub site: Site,
    pub secret: String,
}

impl TestSite {
    pub fn key(&self) -> &str {
        self.site.key.as_str()
    }

    /// Signs attribution for an interaction with this site's secret.
    pub fn token(
        &self,
        interaction: &str,
        agent: Option<&str>,
        channel: Option<Channel>,
        expires_at: u64,
    ) -> String {
        self.token_for(AttributionClaims {
            site: self.site.key.clone(),
            interaction: InteractionId::try_from(interaction).expect("a valid interaction"),
            agent: agent.map(|a| AgentId::try_from(a).expect("a valid agent")),
            team: None,
            channel,
            expires_at,
            offer: None,
            customer: None,
        })
    }

    /// Signs an interaction and the customer asked about it (version 3), as a site's backend
    /// does for the survey cooldown: only a customer signed so counts for it.
    pub fn customer_token(&self, interaction: &str, customer: &str) -> String {
        self.token_for(AttributionClaims {
            site: self.site.key.clone(),
            interaction: InteractionId::try_from(interaction).expect("a valid interaction"),
            agent: None,
            team: None,
            channel: None,
            expires_at: in_an_hour(),
            offer: None,
            customer: Some(CustomerId::try_from(customer).expect("a valid customer")),
        })
    }

    pub fn token_for(&self, claims: AttributionClaims) -> String {
        String::from(token::sign(self.secret.as_bytes(), &claims))
    }

    pub fn team(name: &str) -> TeamId {
        TeamId::try_from(name).expect("a valid team")
    }
}

/// A Unix time an hour from now, for tokens that should be valid.
pub fn in_an_hour() -> u64 {
    u64::try_from(koe_collector::clock::now_ms() / 1000).expect("after 1970") + 3600
}

pub struct TestApp<S> {
    pub address: String,
    /// The operations listener (`admin_bind`), when the test asked for one.
    pub admin_address: Option<String>,
    /// What the collector was started with (to start it again on the same port).
    pub settings: Settings,
    server: actix_web::dev::ServerHandle,
    pub client: reqwest::Client,
    pub storage: S,
    /// Non-strict, Asia/Tokyo, pages on [`SHOP_ORIGIN`].
    pub site: TestSite,
    /// Strict: attribution only through tokens.
    pub strict_site: TestSite,
    pub db: TestDatabase,
    /// The first owner's link the collector made at its start (no account existed then).
    first_owner_link: Option<String>,
}

impl<S: std::fmt::Debug> std::fmt::Debug for TestApp<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestApp")
            .field("address", &self.address)
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

impl<S: TestBackend> TestApp<S> {
    /// A collector with default test settings (rate limits off), or `None` when the backend
    /// is not available here.
    pub async fn spawn() -> Option<Self> {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> Option<Self> {
        let db = TestDatabase::create(S::BACKEND).await?;
        Some(Self::spawn_in(db, configure).await)
    }

    /// A collector on the given database.
    pub async fn spawn_in(db: TestDatabase, configure: impl FnOnce(&mut Settings)) -> Self {
        init_test_logging();
        let storage = S::open(&db.url).await.expect("the test database opens");
        let site = Self::register(&storage, "Shop", false, SHOP_ORIGIN).await;
        let strict_site = Self::register(&storage, "Strict shop", true, SHOP_ORIGIN).await;
        let mut settings = Settings {
            bind: "127.0.0.1:0".into(),
            database_url: DatabaseUrl::new(db.url.clone()),
            rate_limit_enabled: false,
            workers: 1,
            ..Settings::default()
        };
        configure(&mut settings);
        let app = Application::build(settings.clone())
            .await
            .expect("the collector starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let first_owner_link = app.first_owner_link().map(str::to_owned);
        let admin_address = app
            .admin_port()
            .map(|port| format!("http://127.0.0.1:{port}"));
        settings.bind = format!("127.0.0.1:{}", app.port());
        let server = app.handle();
        tokio::spawn(app.run_until_stopped());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");
        Self {
            address,
            admin_address,
            settings,
            server,
            client,
            storage,
            site,
            strict_site,
            db,
            first_owner_link,
        }
    }

    /// The first owner's link the collector made at its start, if no account existed then.
    pub fn first_owner_link(&self) -> Option<&str> {
        self.first_owner_link.as_deref()
    }

    /// Makes every one-time link expired, as 7 days later.
    pub async fn expire_invitations(&self) {
        S::execute(&self.db.url, "UPDATE invitations SET expires_at_ms = 0")
            .await
            .expect("the links expire");
    }

    async fn register(storage: &S, name: &str, strict: bool, origin: &str) -> TestSite {
        let RegisteredSite {
            site,
            signing_secret,
        } = register_site(
            storage,
            SiteRequest {
                name: name.into(),
                origins: vec![Origin::parse(origin).expect("a valid origin")],
                timezone: SiteTimeZone::parse("Asia/Tokyo").expect("a valid zone"),
                strict,
                low_n_threshold: 30,
            },
        )
        .await
        .expect("the site is created");
        TestSite {
            site,
            secret: signing_secret,
        }
    }

    /// Stops the collector (as a crash or a deploy would); requests are refused until
    /// [`TestApp::start_again`].
    pub async fn stop(&self) {
        self.server.stop(false).await;
    }

    /// Starts the collector again on the same port and database.
    pub async fn start_again(&mut self) {
        let app = Application::build(self.settings.clone())
            .await
            .expect("the collector starts again");
        self.server = app.handle();
        tokio::spawn(app.run_until_stopped());
    }

    /// One series of `/metrics`, e.g. `koe_submissions_accepted_total` or
    /// `koe_submissions_refused_total{code="unavailable"}` (counters are process-wide: tests
    /// running alongside add to them, so compare before and after).
    pub async fn metric(&self, series: &str) -> u64 {
        let text = self
            .client
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("/metrics answers")
            .text()
            .await
            .expect("a text body");
        let prefix = format!("{series} ");
        text.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{series} is not in /metrics:\n{text}"))
    }

    /// Registers one more site after start (the collector finds it on first use).
    pub async fn add_site(&self, name: &str, strict: bool, origin: &str) -> TestSite {
        Self::register(&self.storage, name, strict, origin).await
    }

    /// Changes a site's settings through the API (`PATCH /api/v1/sites/{site}`) with a fresh
    /// admin key, as a site owner would; the change must be accepted.
    pub async fn update_site(&self, site: &TestSite, changes: &Value) {
        let (_, admin) = koe_collector::sites::registration::create_api_key(
            &self.storage,
            &site.site,
            koe_collector::storage::Role::Admin,
            koe_collector::audit::Actor::Cli,
        )
        .await
        .expect("an admin key");
        let response = self
            .client
            .patch(self.url(&format!("/api/v1/sites/{}", site.key())))
            .bearer_auth(admin)
            .json(changes)
            .send()
            .await
            .expect("the collector answers");
        assert_eq!(response.status(), 200, "{changes} is refused");
    }

    /// Makes a person holding `grant` on `site`, as an owner would — an invitation, used with
    /// a new password — and gives their address and password. Each call makes a new person.
    pub async fn person(&self, site: &TestSite, grant: &Grant) -> (String, String) {
        let n = PEOPLE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let email = format!("person{n}.{}@example.com", grant.role());
        let password = format!("a long enough phrase {n}");
        let link = koe_collector::people::accounts::invite(
            &self.storage,
            &site.site,
            &email,
            grant,
            &koe_collector::audit::Actor::Cli,
        )
        .await
        .expect("an invitation");
        let form = koe_collector::people::accounts::LinkForm {
            email: None,
            name: "Test Person",
            password: &password,
        };
        koe_collector::people::accounts::use_link(&self.storage, &link.token, form)
            .await
            .expect("the invitation is used");
        (email, password)
    }

    /// Signs in to the dashboard with an address and a password; gives the session cookie
    /// (`name=value`).
    pub async fn sign_in(&self, email: &str, password: &str) -> String {
        let signed_in = self
            .client
            .post(self.url("/dashboard/sign-in"))
            .form(&[("email", email), ("password", password), ("lang", "en")])
            .send()
            .await
            .expect("the collector answers");
        assert_eq!(signed_in.status(), 303, "signed in");
        let cookie = signed_in.headers()["set-cookie"]
            .to_str()
            .expect("a cookie");
        cookie.split(';').next().unwrap_or_default().to_owned()
    }

    /// A new person with `role` on the app's site (a team lead of `support`, an agent `a-1`),
    /// signed in; gives the session cookie.
    pub async fn dashboard_session(&self, role: SiteRole) -> String {
        let grant = Grant::new(role, Some("a-1"), &["support".to_owned()]).expect("a grant");
        let (email, password) = self.person(&self.site, &grant).await;
        self.sign_in(&email, &password).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// POSTs a JSON value as `application/json`, with no `Origin` (like a server would).
    /// The JSON an API route answers to a GET with `api_key`.
    pub async fn get_json(&self, path: &str, api_key: &str) -> Value {
        self.client
            .get(self.url(path))
            .bearer_auth(api_key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.post_raw(
            path,
            "application/json",
            body.to_string().into_bytes(),
            None,
        )
        .await
    }

    /// POSTs a submission to `/api/v1/responses`.
    pub async fn submit(&self, body: &Value) -> reqwest::Response {
        self.post_json("/api/v1/responses", body).await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        origin: Option<&str>,
    ) -> reqwest::Response {
        let mut request = self.client.post(self.url(path)).body(body);
        if !content_type.is_empty() {
            request = request.header("content-type", content_type);
        }
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send().await.expect("the collector answers")
    }

    pub async fn site_by_key(&self, key: &str) -> Option<Site> {
        let key = SiteKey::try_from(key).expect("a valid key");
        self.storage
            .site_by_key(&key)
            .await
            .expect("storage answers")
    }

    /// Every stored response and rollup row of every site: a test compares two snapshots to
    /// prove a refused request changed nothing.
    pub async fn snapshot(
        &self,
    ) -> (
        Vec<StoredResponse>,
        Vec<(RollupKey, RollupCounters)>,
        Vec<RollupKey>,
    ) {
        let mut snapshot = (Vec::new(), Vec::new(), Vec::new());
        for site in self.storage.sites().await.expect("storage answers") {
            snapshot
                .0
                .extend(self.storage.responses(site.id).await.expect("responses"));
            snapshot
                .1
                .extend(self.storage.rollups(site.id).await.expect("rollups"));
            snapshot.2.extend(
                self.storage
                    .impressions(site.id)
                    .await
                    .expect("impressions"),
            );
        }
        snapshot
    }

    /// The responses of any site, by its id (e.g. the demo site).
    pub async fn storage_responses(
        &self,
        site_id: koe_collector::ids::SiteId,
    ) -> Vec<StoredResponse> {
        self.storage.responses(site_id).await.expect("responses")
    }

    pub async fn responses(&self, site: &TestSite) -> Vec<StoredResponse> {
        self.storage
            .responses(site.site.id)
            .await
            .expect("responses")
    }

    /// How many interactions of a site reported an impression.
    pub async fn impression_count(&self, site: &TestSite) -> usize {
        self.storage
            .impressions(site.site.id)
            .await
            .expect("impressions")
            .len()
    }

    pub async fn rollups(&self, site: &TestSite) -> Vec<(RollupKey, RollupCounters)> {
        self.storage.rollups(site.site.id).await.expect("rollups")
    }

    /// Every rollup, reason and question row that differs from the raw data, and every response and key
    /// that disagree, described (`koe verify`).
    pub async fn drift(&self) -> Vec<String> {
        let rollups = koe_collector::verify::rollup_drift(&self.storage)
            .await
            .expect("verify runs");
        let reasons = koe_collector::verify::reason_drift(&self.storage)
            .await
            .expect("verify runs");
        let questions = koe_collector::verify::question_drift(&self.storage)
            .await
            .expect("verify runs");
        let keys = self.storage.key_drift().await.expect("verify runs");
        rollups
            .iter()
            .map(|(site, d)| format!("{site}: {d:?}"))
            .chain(reasons.iter().map(|(site, d)| format!("{site}: {d:?}")))
            .chain(questions.iter().map(|(site, d)| format!("{site}: {d:?}")))
            .chain(keys.iter().map(|d| format!("{d:?}")))
            .collect()
    }
}

/// Reads an error body and returns its code, checking the body has the `ApiError` shape.
pub async fn error_code(response: reqwest::Response) -> String {
    let body: Value = response.json().await.expect("a JSON error body");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    body["error"].as_str().expect("an error code").to_owned()
}
