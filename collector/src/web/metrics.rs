//! Process-wide counters in the Prometheus text format at `/metrics`: accepted submissions and
//! every refusal by its `ApiError` code — forged, expired, mismatched or replayed attribution
//! included (`invalid_token`, `token_expired`, `token_mismatch`, `token_required`,
//! `unsigned_attribution`, `attribution_conflict`, `edit_window_closed`) — and refused rating
//! links. Counts only: no site, key, address or text ever becomes a label.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::HttpResponse;

/// Every code a submission can be refused with (`IngestError::code`).
const REFUSAL_CODES: [&str; 21] = [
    "unsupported_media_type",
    "payload_too_large",
    "body_incomplete",
    "body_timeout",
    "invalid_utf8",
    "invalid_json",
    "unknown_field",
    "missing_field",
    "invalid_field",
    "no_answers",
    "unknown_site",
    "origin_not_allowed",
    "rate_limited",
    "token_expired",
    "invalid_token",
    "token_mismatch",
    "token_required",
    "unsigned_attribution",
    "edit_window_closed",
    "attribution_conflict",
    "unavailable",
];

/// Why a rating link was refused.
const LINK_REFUSALS: [&str; 3] = ["invalid", "expired", "edit_window_closed"];

struct Counters {
    accepted: AtomicU64,
    refused: [AtomicU64; REFUSAL_CODES.len()],
    links_refused: [AtomicU64; LINK_REFUSALS.len()],
    other: AtomicU64,
}

static COUNTERS: Counters = Counters {
    accepted: AtomicU64::new(0),
    refused: [const { AtomicU64::new(0) }; REFUSAL_CODES.len()],
    links_refused: [const { AtomicU64::new(0) }; LINK_REFUSALS.len()],
    other: AtomicU64::new(0),
};

/// A submission was stored (created or merged).
pub fn accepted() {
    COUNTERS.accepted.fetch_add(1, Ordering::Relaxed);
}

/// A submission was refused with `code`.
pub fn refused(code: &str) {
    match REFUSAL_CODES.iter().position(|c| *c == code) {
        Some(i) => COUNTERS.refused[i].fetch_add(1, Ordering::Relaxed),
        None => COUNTERS.other.fetch_add(1, Ordering::Relaxed),
    };
}

/// A rating link was refused: `"invalid"` (tampered, foreign), `"expired"`, or
/// `"edit_window_closed"` (used again after the response stopped taking edits).
pub fn link_refused(reason: &str) {
    if let Some(i) = LINK_REFUSALS.iter().position(|r| *r == reason) {
        COUNTERS.links_refused[i].fetch_add(1, Ordering::Relaxed);
    }
}

/// The counters as Prometheus text.
pub fn render() -> String {
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let mut text = String::from(
        "# HELP koe_submissions_accepted_total Submissions stored (created or merged).\n\
         # TYPE koe_submissions_accepted_total counter\n",
    );
    let _ = writeln!(
        text,
        "koe_submissions_accepted_total {}",
        load(&COUNTERS.accepted)
    );
    text.push_str(
        "# HELP koe_submissions_refused_total Submissions refused, by error code.\n\
         # TYPE koe_submissions_refused_total counter\n",
    );
    for (code, count) in REFUSAL_CODES.iter().zip(&COUNTERS.refused) {
        let _ = writeln!(
            text,
            "koe_submissions_refused_total{{code=\"{code}\"}} {}",
            load(count)
        );
    }
    let _ = writeln!(
        text,
        "koe_submissions_refused_total{{code=\"other\"}} {}",
        load(&COUNTERS.other)
    );
    text.push_str(
        "# HELP koe_rating_links_refused_total Rating links refused, by reason.\n\
         # TYPE koe_rating_links_refused_total counter\n",
    );
    for (reason, count) in LINK_REFUSALS.iter().zip(&COUNTERS.links_refused) {
        let _ = writeln!(
            text,
            "koe_rating_links_refused_total{{reason=\"{reason}\"}} {}",
            load(count)
        );
    }
    text
}

/// `GET /metrics`.
pub async fn endpoint() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(render())
}
