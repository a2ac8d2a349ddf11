//! How many writes each group commit carried, process-wide, for `/metrics`
//! (`koe_write_batch_size`): answers, impressions and facts committed together in one
//! transaction by a writer (SQLite's one, PostgreSQL's answer and facts writers). A writer
//! serves a closed loop of N callers (a backend syncing facts over N connections, the bench)
//! in two alternating halves rather than one batch of N — each half arrives while the other
//! commits — so a batch's size is what tells an operator how much one fsync is shared, not
//! the number of callers.
//!
//! Storage counts; `web::metrics` exports. A batch that failed as a whole and was written
//! again one by one counts as the transaction that committed it.

use std::sync::LazyLock;

use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};

/// Bucket bounds 1, 2, 4 … 512: the largest batch a writer takes by default is 512.
static BATCH_SIZES: LazyLock<Histogram> =
    LazyLock::new(|| Histogram::new(exponential_buckets(1.0, 2.0, 10)));

/// A transaction committed `writes` writes at once.
pub(super) fn committed(writes: usize) {
    if writes > 0 {
        BATCH_SIZES.observe(writes as f64);
    }
}

/// The histogram, to register with the exporter (a handle on the same counts).
pub fn batch_sizes() -> Histogram {
    BATCH_SIZES.clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus_client::encoding::text::encode;
    use prometheus_client::registry::Registry;

    /// The histogram's count and sum as exported (other tests in this binary commit too).
    fn count_and_sum() -> (u64, f64) {
        let mut registry = Registry::default();
        registry.register("b", "", batch_sizes());
        let mut text = String::new();
        encode(&mut text, &registry).expect("encodes");
        let field = |name: &str| {
            text.lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|value| value.trim().parse::<f64>().ok())
                .unwrap_or_else(|| panic!("{name} missing in\n{text}"))
        };
        (field("b_count ") as u64, field("b_sum "))
    }

    #[test]
    fn a_commit_counts_once_with_its_writes() {
        let (count, sum) = count_and_sum();
        committed(7);
        let (after_count, after_sum) = count_and_sum();
        assert!(after_count > count, "{count} → {after_count}");
        assert!(after_sum >= sum + 7.0, "{sum} → {after_sum}");
    }
}
