//! Process-wide counters at `/metrics`, in the OpenMetrics text format (`prometheus-client`):
//! accepted submissions, every refusal by its API error code — forged, expired, mismatched or
//! replayed attribution included — refused rating links, alerts dropped unsent, and how many
//! writes each group commit carried (`storage::commits`). The code labels are the
//! variants of [`IngestCode`] and [`LinkRefusal`], every one of them exported from the start
//! (at 0), so a new code is counted by name as soon as it exists. Counts only: no site, key,
//! address or text ever becomes a label.

use std::fmt::Write as _;
use std::sync::LazyLock;

use actix_web::HttpResponse;
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;
use strum::IntoEnumIterator as _;

use crate::web::codes::IngestCode;

/// Why a rating link was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum LinkRefusal {
    /// Tampered, foreign or unknown.
    Invalid,
    Expired,
    /// Used again after its response stopped taking edits.
    EditWindowClosed,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct CodeLabel {
    code: Code,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ReasonLabel {
    reason: Code,
}

/// A label value that is one of Koe's codes (`snake_case`, from the enums above).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Code(&'static str);

impl EncodeLabelValue for Code {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> Result<(), std::fmt::Error> {
        encoder.write_str(self.0)
    }
}

struct Metrics {
    registry: Registry,
    /// Limit checks answered by the local limiter because Redis could not be reached.
    limits_local: Counter,
    accepted: Counter,
    refused: Family<CodeLabel, Counter>,
    links_refused: Family<ReasonLabel, Counter>,
    alerts_dropped: Counter,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let mut registry = Registry::default();
    let accepted = Counter::default();
    registry.register(
        "koe_submissions_accepted",
        "Submissions stored (created or merged)",
        accepted.clone(),
    );
    let refused = Family::<CodeLabel, Counter>::default();
    for code in IngestCode::iter().filter(|c| c.is_counted()) {
        let _ = refused.get_or_create(&CodeLabel {
            code: Code(code.into()),
        });
    }
    registry.register(
        "koe_submissions_refused",
        "Submissions refused, by error code",
        refused.clone(),
    );
    let links_refused = Family::<ReasonLabel, Counter>::default();
    for reason in LinkRefusal::iter() {
        let _ = links_refused.get_or_create(&ReasonLabel {
            reason: Code(reason.into()),
        });
    }
    registry.register(
        "koe_rating_links_refused",
        "Rating links refused, by reason",
        links_refused.clone(),
    );
    let limits_local = Counter::default();
    registry.register(
        "koe_rate_limit_local_fallbacks",
        "Rate-limit checks answered by this collector alone because Redis was unreachable",
        limits_local.clone(),
    );
    let alerts_dropped = Counter::default();
    registry.register(
        "koe_webhook_alerts_dropped",
        "Alerts dropped unsent because more were waiting for their webhook than it may keep",
        alerts_dropped.clone(),
    );
    registry.register(
        "koe_write_batch_size",
        "Writes (answers, impressions, facts) committed together in one group-commit transaction",
        crate::storage::commits::batch_sizes(),
    );
    Metrics {
        registry,
        alerts_dropped,
        limits_local,
        accepted,
        refused,
        links_refused,
    }
});

/// A rate-limit check fell back to the local limiter (Redis unreachable).
pub fn limit_fell_back() {
    METRICS.limits_local.inc();
}

/// `n` alerts were dropped unsent (too many waiting for their webhook).
pub fn alerts_dropped(n: usize) {
    METRICS
        .alerts_dropped
        .inc_by(u64::try_from(n).unwrap_or(u64::MAX));
}

/// A submission was stored (created or merged).
pub fn accepted() {
    METRICS.accepted.inc();
}

/// A submission was refused with `code`.
pub fn refused(code: IngestCode) {
    METRICS
        .refused
        .get_or_create(&CodeLabel {
            code: Code(code.into()),
        })
        .inc();
}

/// A rating link was refused.
pub fn link_refused(reason: LinkRefusal) {
    METRICS
        .links_refused
        .get_or_create(&ReasonLabel {
            reason: Code(reason.into()),
        })
        .inc();
}

/// The counters in the OpenMetrics text format.
pub fn render() -> String {
    let mut text = String::new();
    if let Err(error) = prometheus_client::encoding::text::encode(&mut text, &METRICS.registry) {
        tracing::error!(%error, "encoding the metrics");
        let _ = writeln!(text, "# EOF");
    }
    text
}

/// `GET /metrics`.
pub async fn endpoint() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(render())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_code_is_exported_by_name() {
        let text = render();
        for code in IngestCode::iter().filter(|c| c.is_counted()) {
            let name: &str = code.into();
            assert!(
                text.contains(&format!(
                    "koe_submissions_refused_total{{code=\"{name}\"}} "
                )),
                "{name} is not counted:\n{text}"
            );
        }
        for reason in LinkRefusal::iter() {
            let name: &str = reason.into();
            assert!(
                text.contains(&format!(
                    "koe_rating_links_refused_total{{reason=\"{name}\"}} "
                )),
                "{name} is not counted:\n{text}"
            );
        }
    }

    #[test]
    fn a_refusal_counts_under_its_code() {
        let series = "koe_submissions_refused_total{code=\"token_mismatch\"} ";
        let count = || -> u64 {
            render()
                .lines()
                .find_map(|l| l.strip_prefix(series))
                .and_then(|n| n.parse().ok())
                .unwrap_or_default()
        };
        let before = count();
        refused(IngestCode::TokenMismatch);
        assert!(count() > before);
    }
}
