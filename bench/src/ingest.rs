//! Ingest over HTTP: distinct interactions (one submission each) and edits (CSAT, then NPS,
//! then a comment for the same interaction), at 1, 16 and 256 connections.

use std::time::Duration;

use crate::load::{self, Load, Outcome, Request, Until};

pub const CONNECTIONS: [usize; 3] = [1, 16, 256];

/// What one kind of traffic sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Traffic {
    /// One submission per interaction, every answer at once.
    Single,
    /// Three submissions per interaction: CSAT, NPS, comment.
    Edits,
}

impl Traffic {
    pub fn label(self) -> &'static str {
        match self {
            Self::Single => "new responses",
            Self::Edits => "edits (3 submissions per interaction)",
        }
    }

    /// The requests of interaction `n` of run `run`, for site `site`.
    pub fn script(self, site: &str, run: &str, n: u64) -> Vec<Request> {
        let head = format!(
            r#""site":"{site}","interaction":"{}","agent":"agent-{:03}","channel":"chat""#,
            interaction(run, n),
            n % 200
        );
        let post = |answers: String| Request::post_json("/api/v1/responses", answers);
        match self {
            Self::Single => vec![post(format!(
                r#"{{{head},"csat":{},"nps":{}}}"#,
                1 + n % 5,
                n % 11
            ))],
            Self::Edits => vec![
                post(format!(r#"{{{head},"csat":{}}}"#, 1 + n % 5)),
                post(format!(r#"{{{head},"nps":{}}}"#, n % 11)),
                post(format!(
                    r#"{{{head},"comment":"Thanks, the agent fixed it in minutes ({n})."}}"#
                )),
            ],
        }
    }
}

/// The interaction id of script `n` of a run.
pub fn interaction(run: &str, n: u64) -> String {
    format!("{run}-{n}")
}

/// One measured run.
#[derive(Debug)]
pub struct Run {
    pub connections: usize,
    pub traffic: Traffic,
    pub outcome: Outcome,
    /// The writes each of the collector's commits carried in this run, on average
    /// (`koe_write_batch_size` at `/metrics` before and after); `None` for a server without it.
    pub per_commit: Option<f64>,
}

pub async fn measure(
    port: u16,
    site: &str,
    traffic: Traffic,
    connections: usize,
    seconds: u64,
    label: &str,
) -> Run {
    let load = Load {
        port,
        connections,
        until: Until::Elapsed(Duration::from_secs(seconds)),
        source: [127, 0, 0, 1],
        headers: String::new(),
        pause: Duration::ZERO,
    };
    let (site, run) = (site.to_owned(), label.to_owned());
    let before = commits(port).await;
    let outcome = load::run(&load, move |n| traffic.script(&site, &run, n)).await;
    let per_commit = match (before, commits(port).await) {
        (Some((count, sum)), Some((count_after, sum_after))) if count_after > count => {
            Some((sum_after - sum) / (count_after - count) as f64)
        }
        _ => None,
    };
    Run {
        connections,
        traffic,
        outcome,
        per_commit,
    }
}

/// The collector's group commits so far and the writes they carried, from `/metrics`;
/// `None` where the server has no such series (the bare endpoint).
pub async fn commits(port: u16) -> Option<(u64, f64)> {
    let answer = load::send(port, &Request::get("/metrics"), "").await.ok()?;
    let text = String::from_utf8(answer.body).ok()?;
    let series = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
            .and_then(|value| value.trim().parse::<f64>().ok())
    };
    let count = series("koe_write_batch_size_count")?;
    Some((count as u64, series("koe_write_batch_size_sum")?))
}
