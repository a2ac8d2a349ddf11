//! A small W3C WebDriver client over HTTP (reqwest), enough to drive headless Chromium:
//! sessions, navigation, elements (also inside shadow roots), clicks, keys, scripts and
//! screenshots. One ChromeDriver process serves every test of a binary.

use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
const SHADOW: &str = "shadow-6066-11e4-a52e-4f735466cecf";

/// WebDriver key codes.
pub mod keys {
    pub const TAB: &str = "\u{E004}";
    pub const ENTER: &str = "\u{E007}";
    pub const ESCAPE: &str = "\u{E00C}";
    pub const SPACE: &str = "\u{E00D}";
    pub const END: &str = "\u{E010}";
    pub const LEFT: &str = "\u{E012}";
    pub const RIGHT: &str = "\u{E014}";
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

/// A browser window (one WebDriver session). Closed on drop.
#[derive(Debug)]
pub struct Browser {
    client: reqwest::Client,
    session: String,
}

/// An element, possibly inside a shadow root.
#[derive(Debug, Clone)]
pub struct Element(String);

impl Browser {
    /// A fresh headless Chromium, or `None` (with a note) when browser tests are off.
    pub async fn open() -> Option<Self> {
        let Some(driver) = driver() else {
            eprintln!("skipped: KOE_CHROMEDRIVER is not set (cargo xtask test sets it)");
            return None;
        };
        let client = reqwest::Client::new();
        let profile = tempfile::tempdir().expect("a profile folder").keep();
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": std::env::var("KOE_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                         "--no-first-run", "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--window-size=1024,900", format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let response: Value = client
            .post(format!("{}/session", driver.url))
            .json(&capabilities)
            .send()
            .await
            .expect("ChromeDriver answers")
            .json()
            .await
            .expect("a JSON answer");
        let session = response["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no browser session: {response}"))
            .to_owned();
        Some(Self { client, session })
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let driver = driver().expect("a driver exists while a browser does");
        let url = format!("{}/session/{}{path}", driver.url, self.session);
        let mut request = self.client.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response: Value = request
            .send()
            .await
            .expect("ChromeDriver answers")
            .json()
            .await
            .expect("JSON");
        if let Some(error) = response["value"]["error"].as_str() {
            panic!(
                "WebDriver {path}: {error}: {}",
                response["value"]["message"]
            );
        }
        response["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    /// Resizes the window (e.g. to a 320 px phone).
    pub async fn resize(&self, width: u32, height: u32) {
        self.call(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        )
        .await;
    }

    pub async fn refresh(&self) {
        self.call(reqwest::Method::POST, "/refresh", Some(json!({})))
            .await;
    }

    /// Runs a script in the page and returns its value.
    pub async fn script(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Waits (up to 10 s) for a script to return something other than `null`/`false`.
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
        let value = self
            .call(
                reqwest::Method::POST,
                "/element",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await;
        Element(value[ELEMENT].as_str().expect("an element id").to_owned())
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
        let shadow = self
            .call(
                reqwest::Method::GET,
                &format!("/element/{}/shadow", host.0),
                None,
            )
            .await;
        let shadow = shadow[SHADOW].as_str().expect("a shadow root id");
        let value = self
            .call(
                reqwest::Method::POST,
                &format!("/shadow/{shadow}/element"),
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await;
        Element(value[ELEMENT].as_str().expect("an element id").to_owned())
    }

    pub async fn click(&self, element: &Element) {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/click", element.0),
            Some(json!({})),
        )
        .await;
    }

    pub async fn type_into(&self, element: &Element, text: &str) {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/value", element.0),
            Some(json!({ "text": text })),
        )
        .await;
    }

    /// Presses keys on whatever has focus, one after another.
    pub async fn press(&self, keys: &[&str]) {
        let actions: Vec<Value> = keys
            .iter()
            .flat_map(|k| {
                [
                    json!({ "type": "keyDown", "value": k }),
                    json!({ "type": "keyUp", "value": k }),
                ]
            })
            .collect();
        self.call(
            reqwest::Method::POST,
            "/actions",
            Some(json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] })),
        )
        .await;
    }

    pub async fn attribute(&self, element: &Element, name: &str) -> Option<String> {
        self.call(
            reqwest::Method::GET,
            &format!("/element/{}/attribute/{name}", element.0),
            None,
        )
        .await
        .as_str()
        .map(str::to_owned)
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Vec<u8> {
        use base64::Engine as _;
        let data = self.call(reqwest::Method::GET, "/screenshot", None).await;
        base64::engine::general_purpose::STANDARD
            .decode(data.as_str().expect("base64 PNG"))
            .expect("valid base64")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let Some(driver) = driver() else { return };
        let url = format!("{}/session/{}", driver.url, self.session);
        // Drop may run inside the test's runtime: close the session from a plain thread.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime
                .block_on(async { reqwest::Client::new().delete(url).send().await.map(drop) })?;
            Ok::<_, anyhow::Error>(())
        })
        .join();
    }
}
