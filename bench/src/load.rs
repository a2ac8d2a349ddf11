//! A small HTTP/1.1 load generator: `connections` keep-alive connections, each sending the
//! next request as soon as the previous answer arrived, for a fixed time or a fixed number of
//! requests. Latency is measured per request, from the first byte written to the last byte of
//! the answer read. Raw sockets keep the generator's own cost far below the server's.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpSocket, TcpStream};

/// One request to send: method, path, body (JSON when not empty).
#[derive(Debug, Clone)]
pub struct Request {
    pub method: &'static str,
    pub path: String,
    pub body: String,
    /// The body's media type (JSON unless a form).
    pub content_type: &'static str,
}

impl Request {
    pub fn post_json(path: &str, body: String) -> Self {
        Self {
            method: "POST",
            path: path.to_owned(),
            body,
            content_type: "application/json",
        }
    }

    pub fn put_json(path: &str, body: String) -> Self {
        Self {
            method: "PUT",
            ..Self::post_json(path, body)
        }
    }

    /// A form post (`application/x-www-form-urlencoded`), as a browser signs in.
    pub fn post_form(path: &str, body: String) -> Self {
        Self {
            content_type: "application/x-www-form-urlencoded",
            ..Self::post_json(path, body)
        }
    }

    pub fn get(path: &str) -> Self {
        Self {
            method: "GET",
            path: path.to_owned(),
            body: String::new(),
            content_type: "application/json",
        }
    }

    fn encode(&self, extra_headers: &str) -> Vec<u8> {
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra_headers}",
            self.method, self.path
        );
        if !self.body.is_empty() {
            head.push_str(&format!(
                "Content-Type: {}\r\nContent-Length: {}\r\n",
                self.content_type,
                self.body.len()
            ));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(self.body.as_bytes());
        bytes
    }
}

/// What one answer said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    /// The first `Set-Cookie` value's `name=value`, as sent (a dashboard session).
    pub cookie: Option<String>,
}

/// When a run stops.
#[derive(Debug, Clone, Copy)]
pub enum Until {
    Elapsed(Duration),
}

/// How a run is shaped.
#[derive(Debug, Clone)]
pub struct Load {
    pub port: u16,
    pub connections: usize,
    pub until: Until,
    /// Source address of the connections (`127.0.0.1` unless another client is simulated).
    pub source: [u8; 4],
    /// Extra request headers, each ending in `\r\n`.
    pub headers: String,
    /// A wait after each script (a client that is not in a hurry); zero for a load test.
    pub pause: Duration,
}

/// The measured outcome of a run.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub elapsed: Duration,
    /// Latency of every answered request, sorted.
    pub latencies: Vec<Duration>,
    /// Requests answered 2xx / 429 / anything else.
    pub ok: u64,
    pub limited: u64,
    pub failed: u64,
    /// Requests that got no answer at all (connection reset, refused, cut).
    pub unanswered: u64,
    /// Scripts whose every request was answered 2xx: their numbers, for "was it stored?" checks.
    pub acknowledged: Vec<u64>,
}

impl Outcome {
    pub fn per_second(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    pub fn percentile(&self, p: f64) -> Duration {
        match self.latencies.len() {
            0 => Duration::ZERO,
            n => self.latencies[((n - 1) as f64 * p).round() as usize],
        }
    }

    pub fn max(&self) -> Duration {
        self.latencies.last().copied().unwrap_or_default()
    }

    fn absorb(&mut self, other: Outcome) {
        self.latencies.extend(other.latencies);
        self.ok += other.ok;
        self.limited += other.limited;
        self.failed += other.failed;
        self.unanswered += other.unanswered;
        self.acknowledged.extend(other.acknowledged);
    }
}

/// Runs `script(n)` — the requests of script number `n`, sent in order on one connection —
/// for every `n` handed out, over `load.connections` connections.
pub async fn run<F>(load: &Load, script: F) -> Outcome
where
    F: Fn(u64) -> Vec<Request> + Send + Sync + 'static,
{
    let script = Arc::new(script);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(load.connections);
    for _ in 0..load.connections {
        let (script, next, load) = (Arc::clone(&script), Arc::clone(&next), load.clone());
        tasks.push(tokio::spawn(async move {
            let mut outcome = Outcome::default();
            let mut connection: Option<TcpStream> = None;
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let Until::Elapsed(limit) = load.until;
                if started.elapsed() >= limit {
                    break;
                }
                let mut all_ok = true;
                for request in script(n) {
                    let sent = Instant::now();
                    match exchange(&mut connection, &load, &request).await {
                        Some(answer) => {
                            outcome.latencies.push(sent.elapsed());
                            match answer.status {
                                200..=299 => outcome.ok += 1,
                                429 => outcome.limited += 1,
                                _ => outcome.failed += 1,
                            }
                            all_ok &= (200..300).contains(&answer.status);
                        }
                        None => {
                            outcome.unanswered += 1;
                            all_ok = false;
                            // Give a restarting server a moment instead of spinning.
                            tokio::time::sleep(Duration::from_millis(5)).await;
                        }
                    }
                }
                if all_ok {
                    outcome.acknowledged.push(n);
                }
                if !load.pause.is_zero() {
                    tokio::time::sleep(load.pause).await;
                }
            }
            outcome
        }));
    }
    let mut total = Outcome::default();
    for task in tasks {
        if let Ok(outcome) = task.await {
            total.absorb(outcome);
        }
    }
    total.elapsed = started.elapsed();
    total.latencies.sort_unstable();
    total.acknowledged.sort_unstable();
    total
}

/// Sends one request on the connection (opening it when needed) and reads the answer;
/// `None` when the connection failed, which also drops it.
async fn exchange(
    connection: &mut Option<TcpStream>,
    load: &Load,
    request: &Request,
) -> Option<Answer> {
    if connection.is_none() {
        *connection = connect(load.port, load.source).await.ok();
    }
    let stream = connection.as_mut()?;
    let answer = async {
        stream.write_all(&request.encode(&load.headers)).await?;
        read_answer(stream).await
    }
    .await;
    match answer {
        Ok((answer, keep_alive)) => {
            if !keep_alive {
                *connection = None;
            }
            Some(answer)
        }
        Err(_) => {
            *connection = None;
            None
        }
    }
}

async fn connect(port: u16, source: [u8; 4]) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind((source, 0).into())?;
    let stream = socket.connect(([127, 0, 0, 1], port).into()).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Sends a single request on a fresh connection: for one-off calls (reports, health).
pub async fn send(port: u16, request: &Request, headers: &str) -> std::io::Result<Answer> {
    let mut stream = connect(port, [127, 0, 0, 1]).await?;
    stream.write_all(&request.encode(headers)).await?;
    read_answer(&mut stream).await.map(|(answer, _)| answer)
}

/// Reads one HTTP/1.1 answer with a `Content-Length` body (all the collector sends).
async fn read_answer(stream: &mut TcpStream) -> std::io::Result<(Answer, bool)> {
    let mut buffer = Vec::with_capacity(1024);
    let head_end = loop {
        if let Some(end) = find(&buffer, b"\r\n\r\n") {
            break end + 4;
        }
        let mut chunk = [0u8; 4096];
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let original = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let cookie = original.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        let pair = value.trim().split(';').next()?;
        key.trim()
            .eq_ignore_ascii_case("set-cookie")
            .then(|| pair.to_owned())
    });
    let head = original.to_ascii_lowercase();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or(std::io::ErrorKind::InvalidData)?;
    let length: usize = header(&head, "content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let keep_alive = header(&head, "connection") != Some("close");
    let mut body = buffer.split_off(head_end);
    while body.len() < length {
        let mut chunk = vec![0u8; (length - body.len()).min(1 << 16)];
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        body.extend_from_slice(&chunk[..read]);
    }
    Ok((
        Answer {
            status,
            body,
            cookie,
        },
        keep_alive,
    ))
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == name).then(|| value.trim())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
