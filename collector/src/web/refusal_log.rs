//! One log line per kind of refused public write (`POST /api/v1/responses`,
//! `POST /api/v1/impressions`), naming the site and the code — so the operator of a site whose
//! pages keep being refused (a strict site's page sending no token, a customer its token does
//! not sign, an origin not registered) reads why in the log, where the request line says only
//! `status=403`. At most one line per site and code a minute, which says how many like it were
//! left out since the last one: a page refused on every load, or forged traffic, cannot flood
//! the log. A line holds the site key (public: it is in the page), the code and which write —
//! never a token, a comment, a customer or the refusal's sentence.
//!
//! 5xx are not noted here: `web::error` logs each with its cause.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};
use std::time::{Duration, Instant};

use actix_web::ResponseError as _;
use koe_shared::SiteKey;

use crate::web::codes::IngestCode;
use crate::web::error::IngestError;

/// How long after a line the same site and code stay quiet.
pub const WINDOW: Duration = Duration::from_secs(60);

/// The (site, code) pairs remembered at most. Past it — only made-up site keys get there, a
/// collector has far fewer sites — refusals of sites not remembered share one line per code.
const CAPACITY: usize = 512;

/// Which public write was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ingest {
    /// An answer (`/api/v1/responses`).
    Answer,
    /// A survey about to be shown, or a `prepare`'s question ahead (`/api/v1/impressions`).
    Impression,
}

impl Ingest {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Answer => "answer",
            Self::Impression => "impression",
        }
    }
}

/// When each site and code was last logged, and how many refusals like it were left out since.
#[derive(Debug)]
pub struct RefusalLog {
    seen: HashMap<(String, IngestCode), Quiet>,
    capacity: usize,
}

#[derive(Debug, Clone, Copy)]
struct Quiet {
    logged_at: Instant,
    left_out: u64,
}

impl RefusalLog {
    pub fn new(capacity: usize) -> Self {
        Self {
            seen: HashMap::new(),
            capacity,
        }
    }

    /// Whether a refusal of `site` (`""`: the body named none) with `code` at `now` gets a line:
    /// `Some(n)` for the first of its kind in a [`WINDOW`], `n` the refusals like it left out
    /// since the last line; `None` when one like it was logged within the window (it is counted
    /// into the next line's `n`).
    pub fn admit(&mut self, site: &str, code: IngestCode, now: Instant) -> Option<u64> {
        let key = self.key(site, code, now);
        match self.seen.get_mut(&key) {
            Some(quiet) if now.duration_since(quiet.logged_at) < WINDOW => {
                quiet.left_out += 1;
                None
            }
            Some(quiet) => {
                let left_out = quiet.left_out;
                *quiet = Quiet {
                    logged_at: now,
                    left_out: 0,
                };
                Some(left_out)
            }
            None => {
                self.seen.insert(
                    key,
                    Quiet {
                        logged_at: now,
                        left_out: 0,
                    },
                );
                Some(0)
            }
        }
    }

    /// The pair a refusal counts under: its site and code — or, while as many pairs as the log
    /// keeps were logged within the window, the code alone (site `""`), so a flood of made-up
    /// site keys costs one line a minute per code, not one each.
    fn key(&mut self, site: &str, code: IngestCode, now: Instant) -> (String, IngestCode) {
        let key = (site.to_owned(), code);
        if self.seen.len() < self.capacity || self.seen.contains_key(&key) {
            return key;
        }
        self.seen
            .retain(|_, quiet| now.duration_since(quiet.logged_at) < WINDOW);
        if self.seen.len() < self.capacity {
            key
        } else {
            (String::new(), code)
        }
    }
}

static LOG: LazyLock<Mutex<RefusalLog>> = LazyLock::new(|| Mutex::new(RefusalLog::new(CAPACITY)));

/// Logs a refused public write — `site`, the key its body named once it parsed — at most once
/// a minute per site and code.
pub fn note(write: Ingest, site: Option<&SiteKey>, error: &IngestError) {
    if error.status_code().is_server_error() {
        return;
    }
    let code = error.code();
    // A key no site has is anyone's invention: counted by its code alone, so made-up keys
    // cannot fill the log and push real sites' refusals out of it.
    let site = match code {
        IngestCode::UnknownSite => "",
        _ => site.map_or("", SiteKey::as_str),
    };
    let admitted =
        LOG.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .admit(site, code, Instant::now());
    if let Some(left_out) = admitted {
        let site = if site.is_empty() { "-" } else { site };
        tracing::warn!(
            site,
            code = code.as_str(),
            write = write.as_str(),
            left_out,
            "public write refused (left_out: refused alike since the last line)"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn the_first_refusal_of_a_kind_is_logged_and_its_repeats_within_a_minute_are_not() {
        let mut log = RefusalLog::new(8);
        let t0 = Instant::now();
        let (required, expired) = (IngestCode::TokenRequired, IngestCode::TokenExpired);
        let cases = [
            ("site_a", required, t0, Some(0), "the first"),
            ("site_a", required, t0 + SECOND, None, "a second later"),
            ("site_a", expired, t0 + 2 * SECOND, Some(0), "another code"),
            ("site_b", required, t0 + 3 * SECOND, Some(0), "another site"),
            (
                "",
                IngestCode::InvalidJson,
                t0 + 4 * SECOND,
                Some(0),
                "no site",
            ),
            (
                "",
                IngestCode::InvalidJson,
                t0 + 5 * SECOND,
                None,
                "no site, again",
            ),
            ("site_a", required, t0 + 59 * SECOND, None, "59 s later"),
            (
                "site_a",
                required,
                t0 + WINDOW,
                Some(2),
                "a minute on, the two left out",
            ),
            (
                "site_a",
                required,
                t0 + WINDOW + SECOND,
                None,
                "quiet again",
            ),
        ];
        for (site, code, at, expected, what) in cases {
            assert_eq!(log.admit(site, code, at), expected, "{what}");
        }
    }

    #[test]
    fn made_up_site_keys_past_the_capacity_share_one_line_per_code() {
        let mut log = RefusalLog::new(4);
        let t0 = Instant::now();
        let logged = (0..100)
            .filter(|i| {
                let site = format!("forged_{i}");
                log.admit(&site, IngestCode::UnknownSite, t0).is_some()
            })
            .count();
        assert_eq!(
            logged, 5,
            "four remembered, then one line for all the others"
        );
        assert!(log.seen.len() <= 5, "bounded: {}", log.seen.len());
        assert_eq!(
            log.admit("site_real", IngestCode::TokenRequired, t0 + WINDOW),
            Some(0),
            "once the minute has passed, a site gets its own line again"
        );
    }
}
