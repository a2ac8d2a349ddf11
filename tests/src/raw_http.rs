//! Requests written on a raw socket, for what an HTTP client library will not send: a head
//! without its body, or a body trickling in.

use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// Sends the head of a submission declaring `length` bytes, then `body` (in `pieces`, `pause`
/// before each), and reads the answer: status, JSON body, how long the exchange took.
pub async fn send_raw(
    url: &str,
    content_type: &str,
    length: usize,
    body: &[u8],
    pieces: usize,
    pause: Duration,
) -> (u16, Value, Duration) {
    send_raw_to(
        url,
        "/api/v1/responses",
        content_type,
        length,
        body,
        pieces,
        pause,
    )
    .await
}

/// [`send_raw`] to another path of the collector at `url`.
pub async fn send_raw_to(
    url: &str,
    path: &str,
    content_type: &str,
    length: usize,
    body: &[u8],
    pieces: usize,
    pause: Duration,
) -> (u16, Value, Duration) {
    send_raw_with(url, path, &[], content_type, length, body, pieces, pause).await
}

/// [`send_raw_to`] with more request headers (an API key).
#[allow(clippy::too_many_arguments)]
pub async fn send_raw_with(
    url: &str,
    path: &str,
    headers: &[(&str, &str)],
    content_type: &str,
    length: usize,
    body: &[u8],
    pieces: usize,
    pause: Duration,
) -> (u16, Value, Duration) {
    let address = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .expect("host:port");
    let started = Instant::now();
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connects");
    let extra: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\n{extra}Connection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("sends");
    for piece in body.chunks(body.len().div_ceil(pieces.max(1)).max(1)) {
        tokio::time::sleep(pause).await;
        // The collector may have answered and closed already.
        if stream.write_all(piece).await.is_err() {
            break;
        }
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let json = serde_json::from_str(body).unwrap_or(Value::Null);
    (status, json, started.elapsed())
}
