//! A local stand-in for a hosted platform's API (Chatwoot's, LINE's): a real HTTP server on
//! loopback that keeps every request it gets and answers them with the statuses a test
//! scripts (then 200 with `{}`), so retries, dead letters and duplicates can be seen from
//! outside, as the platform would see them.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

/// One request the platform got.
#[derive(Debug, Clone)]
pub struct Call {
    pub path: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: serde_json::Value,
}

impl Call {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Inner {
    calls: Vec<Call>,
    statuses: VecDeque<u16>,
}

/// The platform, listening until dropped.
pub struct Platform {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
    server: actix_web::dev::ServerHandle,
}

impl std::fmt::Debug for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Platform")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Platform {
    /// Starts listening on a free loopback port.
    pub async fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let kept = Arc::clone(&inner);
        let server = HttpServer::new(move || {
            let kept = Arc::clone(&kept);
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let kept = Arc::clone(&kept);
                async move {
                    let mut inner = kept.lock().unwrap();
                    inner.calls.push(Call {
                        path: req.uri().to_string(),
                        headers: req
                            .headers()
                            .iter()
                            .map(|(n, v)| {
                                (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned())
                            })
                            .collect(),
                        body: serde_json::from_slice(&body).unwrap_or_default(),
                    });
                    let status = inner.statuses.pop_front().unwrap_or(200);
                    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
                        .json(serde_json::json!({}))
                }
            }))
        })
        .workers(1)
        .bind(("127.0.0.1", 0))
        .expect("a loopback port");
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            url: format!("http://127.0.0.1:{port}"),
            inner,
            server: handle,
        }
    }

    /// The next requests are answered with these statuses, in order.
    pub fn answer_with(&self, statuses: &[u16]) {
        self.inner.lock().unwrap().statuses.extend(statuses);
    }

    pub fn calls(&self) -> Vec<Call> {
        self.inner.lock().unwrap().calls.clone()
    }

    /// Waits until at least `n` requests arrived (at most 30 s).
    pub async fn wait_for(&self, n: usize) -> Vec<Call> {
        let started = Instant::now();
        loop {
            let calls = self.calls();
            if calls.len() >= n {
                return calls;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the platform got {} of {n} calls",
                calls.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Platform {
    fn drop(&mut self) {
        let server = self.server.clone();
        drop(server.stop(false));
    }
}
