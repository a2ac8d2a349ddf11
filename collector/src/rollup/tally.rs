//! Tallies: tables that count responses per key — the reasons unhappy customers gave
//! (`reason_rollups`), the answers to a site's own question (`question_rollups`). Each write
//! moves them by the difference between a response's keys before and after; `koe verify`
//! compares them with the keys of the raw responses.

use std::collections::BTreeMap;

/// The count changes that turn `before`'s keys into `after`'s, no-ops left out.
pub fn tally_deltas<K: Ord>(
    before: impl IntoIterator<Item = K>,
    after: impl IntoIterator<Item = K>,
) -> BTreeMap<K, i64> {
    let mut deltas: BTreeMap<K, i64> = BTreeMap::new();
    for key in after {
        *deltas.entry(key).or_default() += 1;
    }
    for key in before {
        *deltas.entry(key).or_default() -= 1;
    }
    deltas.retain(|_, d| *d != 0);
    deltas
}

/// A tally row whose stored count differs from the raw responses' (`koe verify`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TallyDrift<K> {
    pub key: K,
    pub expected: i64,
    pub actual: i64,
}

/// What a tally table should hold for responses whose keys are `expected`, against what it
/// holds (`stored`; rows counting 0 are as good as absent).
pub fn tally_drift<K: Ord>(
    expected: impl IntoIterator<Item = K>,
    stored: Vec<(K, i64)>,
) -> Vec<TallyDrift<K>> {
    let mut counted: BTreeMap<K, i64> = BTreeMap::new();
    for key in expected {
        *counted.entry(key).or_default() += 1;
    }
    let mut stored: BTreeMap<K, i64> = stored.into_iter().collect();
    let mut drift: Vec<TallyDrift<K>> = counted
        .into_iter()
        .filter_map(|(key, expected)| {
            let actual = stored.remove(&key).unwrap_or(0);
            (actual != expected).then_some(TallyDrift {
                key,
                expected,
                actual,
            })
        })
        .collect();
    drift.extend(
        stored
            .into_iter()
            .filter(|(_, actual)| *actual != 0)
            .map(|(key, actual)| TallyDrift {
                key,
                expected: 0,
                actual,
            }),
    );
    drift
}
