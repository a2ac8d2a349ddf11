//! A real HTTP receiver for webhook tests: it listens on a port chosen in advance (so a test can
//! point a webhook at it before it runs: "the receiver is down"), answers every request 200,
//! and keeps what it got.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

pub struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    /// Starts listening on `port` (from `free_port`).
    pub fn start(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("the receiver's port is free");
        let got = Arc::new(Mutex::new(Vec::new()));
        let keep = Arc::clone(&got);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream);
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                let path = line.split(' ').nth(1).unwrap_or_default().to_owned();
                let mut headers = Vec::new();
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
                        break;
                    }
                    if let Some((name, value)) = header.trim_end().split_once(':') {
                        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
                    }
                }
                let length: usize = headers
                    .iter()
                    .find(|(n, _)| n == "content-length")
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(0);
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    continue;
                }
                keep.lock().unwrap().push(Received {
                    path,
                    headers,
                    body: String::from_utf8_lossy(&body).into_owned(),
                });
                let mut stream = reader.into_inner();
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
            }
        });
        Self { got }
    }

    pub fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until at least `n` requests arrived (at most 30 s).
    pub fn wait_for(&self, n: usize) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the receiver got {} of {n} requests",
                got.len()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A receiver that takes connections and never answers: a webhook pointed at it holds each
/// attempt for the sender's whole timeout.
pub struct Silent {
    accepted: Arc<Mutex<usize>>,
}

impl Silent {
    /// Starts listening on `port` (from `free_port`).
    pub fn start(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("the receiver's port is free");
        let accepted = Arc::new(Mutex::new(0));
        let count = Arc::clone(&accepted);
        std::thread::spawn(move || {
            // Kept open, unanswered, until the test process ends.
            let mut held = Vec::new();
            for stream in listener.incoming().flatten() {
                held.push(stream);
                *count.lock().unwrap() += 1;
            }
        });
        Self { accepted }
    }

    /// Waits until at least `n` connections were taken (at most 30 s).
    pub fn wait_for(&self, n: usize) {
        let started = Instant::now();
        while *self.accepted.lock().unwrap() < n {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the silent receiver was reached {} of {n} times",
                self.accepted.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
