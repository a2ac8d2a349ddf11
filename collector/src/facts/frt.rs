//! First response times in fixed buckets: the histogram the service rollups keep per row
//! (`frt_00` … `frt_65`), merged by adding, so a report over any range reads one row per day and
//! group however many interactions it holds.
//!
//! The edges are every 10 seconds up to a minute, then "round" durations no more than 25 %
//! apart (1¼ min, 1½ min … 15 min, 20 min, 30 min, 45 min, 1 h, 1½ h, 2 h, 3 h, 4 h … 1 d,
//! 1½ d, 2 d … 7 d, 12 d, 14 d); the last bucket holds 14 days and more. A percentile is read
//! by linear interpolation inside its bucket, so it is within 5 seconds of the true value under
//! a minute and within 12.5 % above (half the widest bucket); past 14 days it is shown as
//! "14 days or more". The first-response target and the FRT bands a site sets are edges, so
//! "share within target" and the drivers' bands are exact.

/// The upper edge of each bucket but the last, in seconds: bucket `i` holds times from
/// `EDGES[i - 1]` (0 for the first) up to, not including, `EDGES[i]`.
pub const EDGES: [i64; 65] = [
    10, 20, 30, 40, 50, 60, 75, 90, 105, 120, 150, 180, 210, 240, 300, 360, 420, 480, 540, 600,
    720, 900, 1080, 1200, 1500, 1800, 2100, 2400, 2700, 3000, 3600, 4500, 5400, 6300, 7200, 9000,
    10800, 12600, 14400, 18000, 21600, 25200, 28800, 36000, 43200, 50400, 57600, 64800, 72000,
    86400, 108000, 129600, 151200, 172800, 216000, 259200, 302400, 345600, 432000, 518400, 604800,
    756000, 907200, 1036800, 1209600,
];

/// How many buckets: one per edge, and the last (14 days or more).
pub const BUCKETS: usize = EDGES.len() + 1;

/// The default first-response target: an hour.
pub const DEFAULT_TARGET_SECS: i64 = 3600;

/// The default FRT bands' inner edges: under 1 h, 1–4 h, 4–24 h, 24 h and more.
pub const DEFAULT_BANDS: [i64; 3] = [3600, 14_400, 86_400];

/// The bucket a first response time (milliseconds, never negative) falls into.
pub fn bucket_of(first_response_ms: i64) -> usize {
    let secs = first_response_ms.max(0) / 1000;
    EDGES.partition_point(|&edge| edge <= secs)
}

/// The bucket's lower edge in seconds.
pub fn lower(bucket: usize) -> i64 {
    match bucket {
        0 => 0,
        _ => EDGES[bucket.min(EDGES.len()) - 1],
    }
}

/// Whether `secs` is a bucket edge (targets and band edges must be).
pub fn is_edge(secs: i64) -> bool {
    EDGES.binary_search(&secs).is_ok()
}

/// A weighted histogram of first response times.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram(pub [f64; BUCKETS]);

impl Default for Histogram {
    fn default() -> Self {
        Self([0.0; BUCKETS])
    }
}

impl Histogram {
    pub fn add(&mut self, other: &Self) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0.iter()) {
            *mine += theirs;
        }
    }

    pub fn total(&self) -> f64 {
        self.0.iter().sum()
    }

    /// The `q`-quantile (0–1) in seconds, interpolated linearly inside its bucket; `None` for an
    /// empty histogram. In the last bucket (14 days or more) its lower edge: "at least".
    pub fn quantile(&self, q: f64) -> Option<Quantile> {
        let total = self.total();
        if total <= f64::EPSILON {
            return None;
        }
        let rank = q.clamp(0.0, 1.0) * total;
        let mut below = 0.0;
        for (bucket, &weight) in self.0.iter().enumerate() {
            if weight <= 0.0 {
                continue;
            }
            if below + weight >= rank {
                if bucket == BUCKETS - 1 {
                    return Some(Quantile::AtLeast(lower(bucket) as f64));
                }
                let (from, to) = (lower(bucket) as f64, EDGES[bucket] as f64);
                let inside = ((rank - below) / weight).clamp(0.0, 1.0);
                return Some(Quantile::About(from + inside * (to - from)));
            }
            below += weight;
        }
        Some(Quantile::AtLeast(lower(BUCKETS - 1) as f64))
    }

    /// The weight answered in less than `target_secs` (an edge: exact).
    pub fn within(&self, target_secs: i64) -> f64 {
        let buckets = EDGES.partition_point(|&edge| edge <= target_secs);
        self.0[..buckets].iter().sum()
    }
}

/// A percentile read from the histogram, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quantile {
    /// Within the stated error of the true value.
    About(f64),
    /// In the open last bucket: at least this.
    AtLeast(f64),
}

impl Quantile {
    pub fn seconds(self) -> f64 {
        match self {
            Self::About(s) | Self::AtLeast(s) => s,
        }
    }

    pub fn is_at_least(self) -> bool {
        matches!(self, Self::AtLeast(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_rise_by_at_most_a_quarter_after_the_first_minute() {
        for pair in EDGES.windows(2) {
            assert!(pair[0] < pair[1]);
            if pair[0] >= 60 {
                assert!(pair[1] * 4 <= pair[0] * 5, "{pair:?}");
            } else {
                assert_eq!(pair[1] - pair[0], 10, "{pair:?}");
            }
        }
        for target in [
            300, 900, 1800, 3600, 14_400, 28_800, 86_400, 172_800, 604_800,
        ] {
            assert!(is_edge(target), "{target}");
        }
    }

    #[test]
    fn times_fall_into_the_bucket_below_their_upper_edge() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(9_999), 0);
        assert_eq!(bucket_of(10_000), 1);
        assert_eq!(bucket_of(3_599_000), 30);
        assert_eq!(lower(bucket_of(3_600_000)), 3600);
        assert_eq!(bucket_of(30 * 86_400_000), BUCKETS - 1);
        assert_eq!(bucket_of(-5), 0);
    }

    #[test]
    fn quantiles_are_within_the_stated_error_of_the_exact_ones() {
        // Times spread from 5 s to 3 days, each exact percentile checked against the sketch.
        let times: Vec<i64> = (0..2000).map(|i| 5_000 + i * i * 65).collect();
        let mut histogram = Histogram::default();
        for &t in &times {
            histogram.0[bucket_of(t)] += 1.0;
        }
        let mut sorted: Vec<f64> = times.iter().map(|&t| t as f64 / 1000.0).collect();
        sorted.sort_by(f64::total_cmp);
        for q in [0.1, 0.5, 0.9, 0.99] {
            let exact = sorted[((q * sorted.len() as f64).ceil() as usize).max(1) - 1];
            let sketched = histogram.quantile(q).unwrap().seconds();
            let allowed = if exact < 60.0 { 5.0 } else { exact * 0.125 };
            assert!(
                (sketched - exact).abs() <= allowed + 1.0,
                "q {q}: sketch {sketched}, exact {exact}"
            );
        }
    }

    #[test]
    fn share_within_a_target_counts_buckets_below_it() {
        let mut histogram = Histogram::default();
        histogram.0[bucket_of(3_599_999)] += 2.0;
        histogram.0[bucket_of(3_600_000)] += 1.0;
        assert_eq!(histogram.within(3600), 2.0);
        assert_eq!(
            histogram.quantile(1.0).map(Quantile::is_at_least),
            Some(false)
        );
        assert_eq!(Histogram::default().quantile(0.5), None);
    }
}
