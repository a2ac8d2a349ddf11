//! The headless Chromium the browser tests drive: a thin wrapper over fantoccini's WebDriver
//! client that starts one ChromeDriver per test binary, opens one session per `Browser` with
//! its own throwaway profile folder, and turns WebDriver failures into test failures.

use std::io;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::error::CmdError;
use fantoccini::{Client, ClientBuilder, Locator};
// ChromeDriver listens on 127.0.0.1 only, so plain HTTP is enough: no TLS stack is built.
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::runtime::{Handle, RuntimeFlavor};

pub use fantoccini::elements::Element;

/// The keys the tests press, as fantoccini's W3C key codes.
pub mod keys {
    use fantoccini::key::Key;

    pub const TAB: Key = Key::Tab;
    pub const ENTER: Key = Key::Enter;
    pub const ESCAPE: Key = Key::Escape;
    pub const SPACE: Key = Key::Space;
    pub const END: Key = Key::End;
    pub const LEFT: Key = Key::Left;
    pub const RIGHT: Key = Key::Right;
    pub const DOWN: Key = Key::Down;
}

struct Driver {
    url: String,
    _process: Mutex<Child>,
}

static DRIVER: OnceLock<Option<Driver>> = OnceLock::new();

/// The shared ChromeDriver, started on first use; `None` when `KOE_CHROMEDRIVER` is unset or
/// empty (browser tests are then skipped, which `cargo xtask test` allows only outside CI).
fn driver() -> Option<&'static Driver> {
    DRIVER
        .get_or_init(|| {
            let path = std::env::var("KOE_CHROMEDRIVER")
                .ok()
                .filter(|p| !p.is_empty())?;
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .ok()?
                .local_addr()
                .ok()?
                .port();
            let process = Command::new(&path)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("KOE_CHROMEDRIVER={path} does not start: {e}"));
            let url = format!("http://127.0.0.1:{port}");
            let started = Instant::now();
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(
                    started.elapsed() < Duration::from_secs(20),
                    "ChromeDriver did not start"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
            Some(Driver {
                url,
                _process: Mutex::new(process),
            })
        })
        .as_ref()
}

/// A failed WebDriver command fails the test, saying what was asked.
fn check<T>(what: &str, result: Result<T, CmdError>) -> T {
    result.unwrap_or_else(|e| panic!("WebDriver {what}: {e}"))
}

/// A browser window (one WebDriver session). On drop the session is closed, then its profile
/// folder removed.
#[derive(Debug)]
pub struct Browser {
    /// `None` only inside `drop`, once the session is closed.
    client: Option<Client>,
    /// Chromium's `--user-data-dir`. Held here, not kept, so no test leaves one behind.
    profile: Option<TempDir>,
}

impl Browser {
    /// A fresh headless Chromium, or `None` (with a note) when browser tests are off.
    pub async fn open() -> Option<Self> {
        Self::open_with(&[]).await
    }

    /// [`Self::open`] with more Chromium switches (e.g. `--force-dark-mode`).
    pub async fn open_with(switches: &[&str]) -> Option<Self> {
        let Some(driver) = driver() else {
            eprintln!("skipped: KOE_CHROMEDRIVER is not set (cargo xtask test sets it)");
            return None;
        };
        // `drop` waits for the session to close, which tokio allows only on this flavor.
        assert_eq!(
            Handle::current().runtime_flavor(),
            RuntimeFlavor::MultiThread,
            "browser tests run on #[tokio::test(flavor = \"multi_thread\")]"
        );
        let profile = TempDir::with_prefix("koe-chromium-").expect("a profile folder");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert("goog:chromeOptions".into(), json!({
            "binary": std::env::var("KOE_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--window-size=1024,900", format!("--user-data-dir={}", profile.path().display())]
        }));
        if let Some(args) = capabilities["goog:chromeOptions"]["args"].as_array_mut() {
            args.extend(switches.iter().map(|s| json!(s)));
        }
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(capabilities);
        let client = builder
            .connect(&driver.url)
            .await
            .unwrap_or_else(|e| panic!("no browser session: {e}"));
        Some(Self {
            client: Some(client),
            profile: Some(profile),
        })
    }

    /// fantoccini's client, for what this wrapper does not cover (e.g. `Element::screenshot`).
    pub fn client(&self) -> &Client {
        self.client
            .as_ref()
            .expect("the session is open until drop")
    }

    /// Gives the browser a virtual authenticator (ChromeDriver's WebAuthn extension): a
    /// platform authenticator that keeps passkeys and verifies the user at once, as a
    /// fingerprint reader would.
    pub async fn add_virtual_authenticator(&self) {
        let driver = driver().expect("a running ChromeDriver");
        let session =
            check("session id", self.client().session_id().await).expect("an open session");
        let added = reqwest::Client::new()
            .post(format!(
                "{}/session/{session}/webauthn/authenticator",
                driver.url
            ))
            .json(&json!({
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": true,
                "hasUserVerification": true,
                "isUserVerified": true,
                "automaticPresenceSimulation": true,
            }))
            .send()
            .await
            .expect("ChromeDriver answers");
        assert!(
            added.status().is_success(),
            "a virtual authenticator: {}",
            added.text().await.unwrap_or_default()
        );
    }

    pub async fn goto(&self, url: &str) {
        check(&format!("goto {url}"), self.client().goto(url).await);
    }

    /// Resizes the window (e.g. to a 320 px phone).
    pub async fn resize(&self, width: u32, height: u32) {
        check("resize", self.client().set_window_size(width, height).await);
    }

    pub async fn refresh(&self) {
        check("refresh", self.client().refresh().await);
    }

    /// Runs a script in the page with `args` (a JSON array) and returns its value.
    pub async fn script(&self, script: &str, args: Value) -> Value {
        let Value::Array(args) = args else {
            panic!("script arguments are a JSON array, not {args}");
        };
        check(
            &format!("script {script}"),
            self.client().execute(script, args).await,
        )
    }

    /// Waits (up to 10 s) for a script to return something other than `null`/`false`.
    // fantoccini's `Client::wait` only waits for elements and URLs, not for a script's value.
    pub async fn wait_for(&self, what: &str, script: &str) -> Value {
        let started = Instant::now();
        loop {
            let value = self.script(script, json!([])).await;
            if !value.is_null() && value != Value::Bool(false) {
                return value;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "timed out waiting for {what}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn find(&self, css: &str) -> Element {
        check(
            &format!("find {css}"),
            self.client().find(Locator::Css(css)).await,
        )
    }

    /// An element inside the survey's shadow root (waiting for the survey to appear).
    pub async fn find_in_widget(&self, css: &str) -> Element {
        let css_json = serde_json::to_string(css).expect("a string");
        self.wait_for(
            css,
            &format!("var h = document.querySelector('[data-koe]'); return !!(h && h.shadowRoot && h.shadowRoot.querySelector({css_json}));"),
        )
        .await;
        let host = self.find("[data-koe]").await;
        let shadow = check("the survey's shadow root", host.shadow_root().await);
        check(
            &format!("find {css} in the survey"),
            shadow.find(Locator::Css(css)).await,
        )
    }

    pub async fn click(&self, element: &Element) {
        check("click", element.click().await);
    }

    pub async fn type_into(&self, element: &Element, text: &str) {
        check("type", element.send_keys(text).await);
    }

    /// Presses keys (`keys::*` or plain characters) on whatever has focus, one after another.
    pub async fn press<K: Into<char> + Copy>(&self, keys: &[K]) {
        let keyboard = keys
            .iter()
            .fold(KeyActions::new("keyboard".into()), |keyboard, &key| {
                let value: char = key.into();
                keyboard
                    .then(KeyAction::Down { value })
                    .then(KeyAction::Up { value })
            });
        check("press", self.client().perform_actions(keyboard).await);
    }

    pub async fn attribute(&self, element: &Element, name: &str) -> Option<String> {
        check(&format!("attribute {name}"), element.attr(name).await)
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Vec<u8> {
        check("screenshot", self.client().screenshot().await)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let (Some(client), Ok(runtime)) = (self.client.take(), Handle::try_current()) {
            // Left alone, fantoccini closes the session from a task of the test's runtime, which
            // may never run once the test returns. Close it here and wait, so Chromium has quit
            // before its profile folder goes; `open` checked that blocking here is allowed.
            let closed = tokio::task::block_in_place(|| {
                runtime.block_on(tokio::time::timeout(
                    Duration::from_secs(30),
                    client.close(),
                ))
            });
            match closed {
                Ok(Ok(())) => {}
                Ok(Err(e)) => eprintln!("the browser session did not close: {e}"),
                Err(_) => eprintln!("the browser session did not close within 30 s"),
            }
        }
        if let Some(profile) = self.profile.take() {
            remove_profile(profile);
        }
    }
}

/// Removes a closed browser's profile folder. Chromium's helper processes can outlive the
/// session by a moment and still write there, so a failed removal is retried for up to 2 s;
/// a folder that still stays is reported, not a test failure.
fn remove_profile(profile: TempDir) {
    let path = profile.path().to_owned();
    let mut removed = profile.close();
    for _ in 0..20 {
        match &removed {
            Ok(()) => return,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return,
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
        removed = std::fs::remove_dir_all(&path);
    }
    if let Err(e) = removed {
        eprintln!(
            "the browser profile {} was not removed: {e}",
            path.display()
        );
    }
}
