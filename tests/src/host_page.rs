//! Host pages for browser tests, served from their own origin (a site owner's page that
//! embeds the script tag), by a tiny HTTP server on a thread.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// A page and the extra response header lines it is served with (each ending in CRLF).
type Page = (String, String);

/// Serves HTML pages by path from `http://127.0.0.1:PORT`.
#[derive(Debug, Clone)]
pub struct HostPages {
    pub origin: String,
    pages: Arc<Mutex<HashMap<String, Page>>>,
}

impl HostPages {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port for host pages");
        let origin = format!(
            "http://127.0.0.1:{}",
            listener.local_addr().expect("an address").port()
        );
        let pages: Arc<Mutex<HashMap<String, Page>>> = Arc::default();
        let served = Arc::clone(&pages);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(&stream);
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                // Skip the headers.
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let path = request_line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("/")
                    .split('?')
                    .next()
                    .unwrap_or("/")
                    .to_owned();
                let page = served
                    .lock()
                    .map(|p| p.get(&path).cloned())
                    .unwrap_or_default();
                let (status, (body, headers)) = match page {
                    Some(page) => ("200 OK", page),
                    None => ("404 Not Found", ("not found".to_owned(), String::new())),
                };
                let mut stream = &stream;
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Self { origin, pages }
    }

    /// Publishes a page at `path`; returns its URL.
    pub fn add(&self, path: &str, html: String) -> String {
        self.add_with_header(path, html, None)
    }

    /// Publishes a page served with one more header (`Name: value`), e.g. a
    /// Content-Security-Policy; returns its URL.
    pub fn add_with_header(&self, path: &str, html: String, header: Option<&str>) -> String {
        let headers = header.map_or_else(String::new, |h| format!("{h}\r\n"));
        self.pages
            .lock()
            .expect("the page table")
            .insert(path.to_owned(), (html, headers));
        format!("{}{path}", self.origin)
    }
}

/// A host page embedding the widget the way the README tells site owners to.
pub fn embedding_page(
    collector: &str,
    site: &str,
    attributes: &str,
    head: &str,
    body: &str,
) -> String {
    embedding_page_with_nonce(collector, site, attributes, head, body, None)
}

/// The same, its inline snippet carrying `nonce` (what a page under a strict CSP does).
pub fn embedding_page_with_nonce(
    collector: &str,
    site: &str,
    attributes: &str,
    head: &str,
    body: &str,
    nonce: Option<&str>,
) -> String {
    let nonce = nonce.map_or_else(String::new, |n| format!(r#" nonce="{n}""#));
    format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host</title>{head}
<script async src="{collector}/koe.js" data-site="{site}" {attributes}></script>
<script{nonce}>window.koe=window.koe||function(){{(koe.q=koe.q||[]).push(arguments)}};</script>
</head><body>{body}</body></html>"#
    )
}
