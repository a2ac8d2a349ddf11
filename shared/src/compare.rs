//! Did a metric really change between two periods? The difference (now − before) with a 95 %
//! interval, and a verdict that says "up" or "down" only when the interval leaves 0 out:
//!
//! - proportions (CSAT %, FCR %, response rate %): Newcombe's hybrid score interval for two
//!   independent proportions (Newcombe 1998, method 10), built from each period's Wilson
//!   interval;
//! - NPS: the difference of the two adjusted-Wald estimates (Rocks 2016) ± 1.96 × √(sum of
//!   their variances), stretched to reach the plain difference when it lies outside (as
//!   `metrics::nps` does for one answer: an interval always holds the number shown with it);
//! - CES: Welch's interval for two means (Welch–Satterthwaite degrees of freedom).
//!
//! Differences are in the metric's own unit: percentage points, NPS points, CES points.

use serde::{Deserialize, Serialize};

use crate::metrics::{self, Estimate, nps_adjusted, t_quantile_975, wilson_interval};

/// Two-sided 95 % normal quantile.
const Z95: f64 = 1.959_963_984_540_054;

/// What an interval of a difference says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Verdict {
    Up,
    Down,
    NoClearChange,
}

impl Verdict {
    fn of(low: f64, high: f64) -> Self {
        if low > 0.0 {
            Self::Up
        } else if high < 0.0 {
            Self::Down
        } else {
            Self::NoClearChange
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Up => "up",
            Self::Down => "down",
            Self::NoClearChange => "no_clear_change",
        }
    }
}

/// A metric now against before.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    /// The earlier period's value, interval and n.
    pub before: Estimate,
    /// Now − before.
    #[serde(serialize_with = "metrics::serialize_rounded")]
    pub difference: f64,
    #[serde(serialize_with = "metrics::serialize_rounded")]
    pub low: f64,
    #[serde(serialize_with = "metrics::serialize_rounded")]
    pub high: f64,
    pub verdict: Verdict,
}

fn change(before: Estimate, difference: f64, low: f64, high: f64) -> Change {
    Change {
        before,
        difference,
        low,
        high,
        verdict: Verdict::of(low, high),
    }
}

/// A proportion in percent: `s1` of `n1` now against `s2` of `n2` before (Newcombe).
pub fn proportion_change(s1: u64, n1: u64, s2: u64, n2: u64) -> Option<Change> {
    let before = metrics::proportion_percent(s2, n2)?;
    let (l1, u1) = wilson_interval(s1, n1)?;
    let (l2, u2) = wilson_interval(s2, n2)?;
    let (p1, p2) = (s1 as f64 / n1 as f64, s2 as f64 / n2 as f64);
    let d = p1 - p2;
    let low = d - ((p1 - l1).powi(2) + (u2 - p2).powi(2)).sqrt();
    let high = d + ((u1 - p1).powi(2) + (p2 - l2).powi(2)).sqrt();
    Some(change(before, 100.0 * d, 100.0 * low, 100.0 * high))
}

/// NPS answer counts now against before.
pub fn nps_change(now: &[u64; 11], before: &[u64; 11]) -> Option<Change> {
    let (now_estimate, before_estimate) = (metrics::nps(now)?, metrics::nps(before)?);
    let split = |c: &[u64; 11]| (c[9] + c[10], c[..=6].iter().sum::<u64>(), c.iter().sum());
    let ((p1, d1, n1), (p2, d2, n2)) = (split(now), split(before));
    let (c1, v1) = nps_adjusted(p1, d1, n1);
    let (c2, v2) = nps_adjusted(p2, d2, n2);
    let margin = Z95 * (v1 + v2).sqrt();
    let centre = c1 - c2;
    let difference = now_estimate.value - before_estimate.value;
    Some(change(
        before_estimate,
        difference,
        (100.0 * (centre - margin)).max(-200.0).min(difference),
        (100.0 * (centre + margin)).min(200.0).max(difference),
    ))
}

/// CES answer counts now against before (Welch).
pub fn ces_change(now: &[u64; 7], before: &[u64; 7]) -> Option<Change> {
    let (m1, v1, n1) = mean_and_variance(now)?;
    let (m2, v2, n2) = mean_and_variance(before)?;
    let before_estimate = metrics::ces_mean(before)?;
    let d = m1 - m2;
    if n1 < 2 || n2 < 2 {
        // One answer has no spread to speak of: the difference can be anything on the scale.
        return Some(change(before_estimate, d, -6.0, 6.0));
    }
    let (a, b) = (v1 / n1 as f64, v2 / n2 as f64);
    let se = (a + b).sqrt();
    if se == 0.0 {
        return Some(change(before_estimate, d, d, d));
    }
    let df = (a + b).powi(2) / (a.powi(2) / (n1 as f64 - 1.0) + b.powi(2) / (n2 as f64 - 1.0));
    // The t table is by whole degrees of freedom: rounding down errs wide.
    let half = t_quantile_975(df.floor().max(1.0) as u64) * se;
    Some(change(
        before_estimate,
        d,
        (d - half).max(-6.0),
        (d + half).min(6.0),
    ))
}

/// Mean, sample variance and n of CES answers (1–7).
fn mean_and_variance(counts: &[u64; 7]) -> Option<(f64, f64, u64)> {
    let n: u64 = counts.iter().sum();
    if n == 0 {
        return None;
    }
    let value = |i: usize| (i + 1) as f64;
    let mean = counts
        .iter()
        .enumerate()
        .map(|(i, c)| value(i) * *c as f64)
        .sum::<f64>()
        / n as f64;
    let squares: f64 = counts
        .iter()
        .enumerate()
        .map(|(i, c)| *c as f64 * (value(i) - mean).powi(2))
        .sum();
    let variance = if n > 1 {
        squares / (n as f64 - 1.0)
    } else {
        0.0
    };
    Some((mean, variance, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn near(a: f64, b: f64) -> bool {
        (a - b).abs() < 0.01
    }

    #[test]
    fn newcombe_matches_his_published_examples() {
        // Newcombe (1998), Statistics in Medicine 17:873–890, method 10, examples (a) and (h):
        // 56/70 − 48/80 = 0.2000, 95 % interval 0.0524 to 0.3339;
        // 5/56 − 0/29 = 0.0893, −0.0381 to 0.1926.
        let a = proportion_change(56, 70, 48, 80).unwrap();
        assert!(
            near(a.difference, 20.0) && near(a.low, 5.24) && near(a.high, 33.39),
            "{a:?}"
        );
        assert_eq!(a.verdict, Verdict::Up);
        let h = proportion_change(5, 56, 0, 29).unwrap();
        assert!(near(h.low, -3.81) && near(h.high, 19.26), "{h:?}");
        assert_eq!(h.verdict, Verdict::NoClearChange);
        let down = proportion_change(48, 80, 56, 70).unwrap();
        assert_eq!(down.verdict, Verdict::Down);
        assert!(near(down.low, -33.39) && near(down.high, -5.24));
    }

    #[test]
    fn nps_change_sums_the_adjusted_variances() {
        // Computed independently (Python, the formulas in docs/metrics.md): 60 promoters and
        // 10 detractors of 100 now, 40 and 20 of 100 before: +30 points, interval 9.64 to 48.61.
        let counts = |promoters: u64, detractors: u64| {
            let mut c = [0u64; 11];
            c[10] = promoters;
            c[0] = detractors;
            c[8] = 100 - promoters - detractors;
            c
        };
        let c = nps_change(&counts(60, 10), &counts(40, 20)).unwrap();
        assert!(
            near(c.difference, 30.0) && near(c.low, 9.64) && near(c.high, 48.61),
            "{c:?}"
        );
        assert_eq!((c.verdict, c.before.value), (Verdict::Up, 20.0));
    }

    #[test]
    fn an_nps_change_interval_holds_the_difference_shown() {
        // One promoter now, one detractor before: +200 points, adjusted centre +50 with a
        // margin of 103.9 — stretched to reach 200, and no clear change either way.
        let mut now = [0u64; 11];
        now[10] = 1;
        let mut before = [0u64; 11];
        before[0] = 1;
        let c = nps_change(&now, &before).unwrap();
        assert!(near(c.difference, 200.0), "{c:?}");
        assert!(near(c.low, -53.94) && c.high == 200.0, "{c:?}");
        assert_eq!(c.verdict, Verdict::NoClearChange);
    }

    #[test]
    fn ces_change_is_welch() {
        // Now: 2, 4, 6 (mean 4, variance 4); before: 50 × 4 and 50 × 5 (mean 4.5, variance
        // 0.2525). se = √(4/3 + 0.2525/100) = 1.15579; df = (1.33586)² / ((4/3)²/2 +
        // (0.002525)²/99) = 2.0076 → t(2) = 4.303; half = 4.9734.
        let c = ces_change(&[0, 1, 0, 1, 0, 1, 0], &[0, 0, 0, 50, 50, 0, 0]).unwrap();
        assert!(near(c.difference, -0.5), "{c:?}");
        assert!(near(c.low, -5.4734) && near(c.high, 4.4734), "{c:?}");
        assert_eq!(c.verdict, Verdict::NoClearChange);
        let clear = ces_change(&[0, 0, 0, 0, 0, 50, 50], &[0, 0, 50, 50, 0, 0, 0]).unwrap();
        assert_eq!(clear.verdict, Verdict::Up);
    }

    #[test]
    fn nothing_before_or_now_means_no_comparison() {
        assert_eq!(proportion_change(1, 2, 0, 0), None);
        assert_eq!(nps_change(&[0; 11], &[1; 11]), None);
        assert_eq!(ces_change(&[1; 7], &[0; 7]), None);
    }
}
