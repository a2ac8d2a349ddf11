//! What every browser test needs: a collector, a site for the host pages' origin, a browser.

use std::time::{Duration, Instant};

use koe_collector::people::{Grant, SiteRole};
use koe_collector::storage::{SqliteStorage, StoredResponse};
use koe_shared::Channel;
use koe_tests::host_page::{HostPages, embedding_page, embedding_page_with_nonce};
use koe_tests::webdriver::Browser;
use koe_tests::{TestApp, TestBackend, TestSite, in_an_hour};
use serde_json::json;

pub struct Scene<S = SqliteStorage> {
    pub app: TestApp<S>,
    pub pages: HostPages,
    pub site: TestSite,
    pub browser: Browser,
}

impl Scene {
    /// A strict site (attribution only through tokens); `None` when browser tests are off
    /// here (no ChromeDriver configured).
    pub async fn start() -> Option<Self> {
        Self::start_with(true).await
    }

    pub async fn start_with(strict: bool) -> Option<Self> {
        let browser = Browser::open().await?;
        let app = TestApp::<SqliteStorage>::spawn()
            .await
            .expect("SQLite is always available");
        Some(Scene::around(app, browser, strict).await)
    }
}

impl<S: TestBackend> Scene<S> {
    /// Host pages and a site (strict or not) for a collector already running, in `browser`.
    pub async fn around(app: TestApp<S>, browser: Browser, strict: bool) -> Self {
        let pages = HostPages::start();
        let site = app.add_site("Browser shop", strict, &pages.origin).await;
        Self {
            app,
            pages,
            site,
            browser,
        }
    }

    /// Publishes an embedding page and opens it.
    pub async fn open_page(&self, path: &str, attributes: &str, head: &str, body: &str) {
        let html = embedding_page(&self.app.address, self.site.key(), attributes, head, body);
        let url = self.pages.add(path, html);
        self.browser.goto(&url).await;
        self.browser
            .wait_for(
                "the loader",
                "return typeof window.koe === 'function' && !window.koe.q;",
            )
            .await;
    }

    /// Publishes an embedding page served with a Content-Security-Policy header (its inline
    /// scripts carry `nonce`) and opens it.
    pub async fn open_page_with_csp(
        &self,
        path: &str,
        csp: Option<&str>,
        attributes: &str,
        body: &str,
        nonce: &str,
    ) {
        let html = embedding_page_with_nonce(
            &self.app.address,
            self.site.key(),
            attributes,
            "",
            body,
            Some(nonce),
        );
        let header = csp.map(|policy| format!("Content-Security-Policy: {policy}"));
        let url = self.pages.add_with_header(path, html, header.as_deref());
        self.browser.goto(&url).await;
        self.browser
            .wait_for(
                "the loader",
                "return typeof window.koe === 'function' && !window.koe.q;",
            )
            .await;
    }

    /// Calls `koe('show', …)` for an interaction, with a token signed as the site's backend would.
    pub async fn show(&self, interaction: &str, agent: &str) {
        let token = self
            .site
            .token(interaction, Some(agent), Some(Channel::Chat), in_an_hour());
        self.browser
            .script(
                "koe('show', { interaction: arguments[0], agent: arguments[1], channel: 'chat', token: arguments[2] });",
                json!([interaction, agent, token]),
            )
            .await;
    }

    /// Waits until the collector holds a response for this site matching `done`.
    pub async fn wait_for_response(
        &self,
        what: &str,
        done: impl Fn(&StoredResponse) -> bool,
    ) -> Vec<StoredResponse> {
        let started = Instant::now();
        loop {
            let responses = self.app.responses(&self.site).await;
            if responses.iter().any(&done) {
                return responses;
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "timed out waiting for {what}: {responses:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Writes a PNG of the browser's viewport to `build/screenshots/NAME`.
pub async fn save_screenshot(browser: &Browser, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../build/screenshots");
    std::fs::create_dir_all(&dir).expect("a screenshot folder");
    std::fs::write(dir.join(name), browser.screenshot().await).expect("the screenshot is written");
}

/// Makes a person with `role` on `site` (a team lead of `support`, an agent `a-1`) and signs
/// them in through the sign-in form, as they would.
pub async fn sign_in_as<S: TestBackend>(
    b: &Browser,
    app: &TestApp<S>,
    site: &TestSite,
    role: SiteRole,
) {
    let grant = Grant::new(role, Some("a-1"), &["support".to_owned()]).expect("a grant");
    let (email, password) = app.person(site, &grant).await;
    b.goto(&app.url("/dashboard?lang=en")).await;
    b.type_into(&b.find("#email").await, &email).await;
    b.type_into(&b.find("#password").await, &password).await;
    b.click(&b.find("button[type=submit]").await).await;
}
