//! Metric definitions, as pure functions over answer counts.
//!
//! - CSAT % = answers of 4 or 5 ÷ CSAT answers, Wilson 95 % interval.
//! - NPS = % promoters (9–10) − % detractors (0–6) on NPS answers; the interval is Rocks's
//!   adjusted Wald (2016): ¾ added to promoters and to detractors and 3 to n before the
//!   trinomial variance of the per-answer score (+1 / 0 / −1) is taken, so it stays honest at
//!   small n and at the extremes.
//! - CES = mean of the 1–7 answers, Student-t 95 % interval.
//! - FCR % = "resolved: yes" ÷ answers to "was your issue resolved?", Wilson 95 % interval.
//! - Response rate % = responses ÷ impressions, Wilson 95 % interval, capped at 100 % (and
//!   said to be) when answers arrived without an impression.
//!
//! Each returns `None` when there is nothing to measure (n = 0). The value shown is always the
//! plain metric (never an adjusted centre), and its interval always holds it. Numbers keep their
//! full precision here; JSON gives them rounded to hundredths ([`serialize_rounded`]).

use serde::{Deserialize, Serialize};

use crate::{CesScore, CsatScore, NpsScore, Resolved};

/// Two-sided 95 % normal quantile.
const Z95: f64 = 1.959_963_984_540_054;

/// Decimals a metric number keeps in JSON (CSV writes the same): hundredths of a percentage
/// point, of an NPS point, of a CES point — finer than any interval here can vouch for.
pub const SHOWN_DECIMALS: i32 = 2;

/// `value` rounded to [`SHOWN_DECIMALS`] decimals, so `99.99999999999999` reads `100.0`
/// (and a rounded `-0.0` reads `0.0`).
pub fn rounded(value: f64) -> f64 {
    let scale = 10f64.powi(SHOWN_DECIMALS);
    let r = (value * scale).round() / scale;
    if r == 0.0 { 0.0 } else { r }
}

/// Serializes a metric number [`rounded`]: rounding happens at the edge, once, while every
/// computation keeps full precision (`#[serde(serialize_with = "…::serialize_rounded")]`).
pub fn serialize_rounded<S: serde::Serializer>(
    value: &f64,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(rounded(*value))
}

/// A measured value with its 95 % interval and the number of answers it rests on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Estimate {
    /// The plain metric (CSAT %, NPS, CES mean, …), never an adjusted centre.
    #[serde(serialize_with = "serialize_rounded")]
    pub value: f64,
    /// The 95 % interval; it always holds `value`.
    #[serde(serialize_with = "serialize_rounded")]
    pub low: f64,
    #[serde(serialize_with = "serialize_rounded")]
    pub high: f64,
    pub n: u64,
}

/// A response rate, and whether it was capped.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ResponseRate {
    /// Responses ÷ impressions in percent with its Wilson interval; n is the impressions.
    pub estimate: Estimate,
    /// More responses than impressions: answers arrived without an impression (rating links,
    /// imports, a widget that did not report showing itself), so the rate is shown as 100 %
    /// of the impressions, not as a share above 100 %, and means only "at least this".
    pub capped: bool,
}

/// Answer counts for one group of responses (one rollup row, or a sum of them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreCounts {
    /// `csat[i]` = answers of `i + 1`.
    pub csat: [u64; 5],
    /// `nps[i]` = answers of `i`.
    pub nps: [u64; 11],
    /// `ces[i]` = answers of `i + 1`.
    pub ces: [u64; 7],
    pub resolved_yes: u64,
    pub resolved_no: u64,
}

impl ScoreCounts {
    pub fn count_csat(&mut self, score: CsatScore) {
        self.csat[score.index()] += 1;
    }

    pub fn count_nps(&mut self, score: NpsScore) {
        self.nps[score.index()] += 1;
    }

    pub fn count_ces(&mut self, score: CesScore) {
        self.ces[score.index()] += 1;
    }

    pub fn count_resolved(&mut self, resolved: Resolved) {
        match resolved {
            Resolved::Yes => self.resolved_yes += 1,
            Resolved::No => self.resolved_no += 1,
        }
    }

    /// Adds another group's counts to these.
    pub fn merge(&mut self, other: &Self) {
        let pairs = self.csat.iter_mut().zip(&other.csat);
        let pairs = pairs.chain(self.nps.iter_mut().zip(&other.nps));
        for (mine, theirs) in pairs.chain(self.ces.iter_mut().zip(&other.ces)) {
            *mine += theirs;
        }
        self.resolved_yes += other.resolved_yes;
        self.resolved_no += other.resolved_no;
    }

    pub fn csat_percent(&self) -> Option<Estimate> {
        csat_percent(&self.csat)
    }

    pub fn nps(&self) -> Option<Estimate> {
        nps(&self.nps)
    }

    pub fn ces_mean(&self) -> Option<Estimate> {
        ces_mean(&self.ces)
    }

    pub fn fcr_percent(&self) -> Option<Estimate> {
        proportion_percent(self.resolved_yes, self.resolved_yes + self.resolved_no)
    }
}

/// Wilson score interval (95 %) for `successes` out of `n`, as fractions in [0, 1].
pub fn wilson_interval(successes: u64, n: u64) -> Option<(f64, f64)> {
    if n == 0 || successes > n {
        return None;
    }
    let n_f = n as f64;
    let p = successes as f64 / n_f;
    let z2 = Z95 * Z95;
    let denominator = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denominator;
    let half = Z95 * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt() / denominator;
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// `successes` ÷ `n` in percent, with its Wilson interval.
pub fn proportion_percent(successes: u64, n: u64) -> Option<Estimate> {
    let (low, high) = wilson_interval(successes, n)?;
    Some(Estimate {
        value: 100.0 * successes as f64 / n as f64,
        low: 100.0 * low,
        high: 100.0 * high,
        n,
    })
}

/// Response rate: `responses` ÷ `impressions` in percent, capped at 100 % (`capped`) when more
/// responses than impressions were counted; `None` without impressions.
pub fn response_rate(responses: u64, impressions: u64) -> Option<ResponseRate> {
    let estimate = proportion_percent(responses.min(impressions), impressions)?;
    Some(ResponseRate {
        estimate,
        capped: responses > impressions,
    })
}

/// CSAT %: the share of answers that are 4 or 5.
pub fn csat_percent(counts: &[u64; 5]) -> Option<Estimate> {
    proportion_percent(counts[3] + counts[4], counts.iter().sum())
}

/// NPS in points (−100 to 100), with Rocks's adjusted-Wald 95 % interval, stretched to reach
/// the NPS itself when it lies outside: with exactly one answer, a promoter or a detractor, the
/// adjusted centre sits ¾ of the way to 0 and its interval stops at ±98.5 — one promoter reads
/// `100 (−48.5 – 100)`, not `100 (−48.5 – 98.5)`. Stretching only widens, so the interval
/// covers at least as often as Rocks's; the value shown stays the plain NPS.
pub fn nps(counts: &[u64; 11]) -> Option<Estimate> {
    let n: u64 = counts.iter().sum();
    if n == 0 {
        return None;
    }
    let promoters = counts[9] + counts[10];
    let detractors: u64 = counts[..=6].iter().sum();
    let value = 100.0 * (promoters as f64 - detractors as f64) / n as f64;
    let (centre, variance) = nps_adjusted(promoters, detractors, n);
    let margin = Z95 * variance.sqrt();
    Some(Estimate {
        value,
        low: (100.0 * (centre - margin)).max(-100.0).min(value),
        high: (100.0 * (centre + margin)).min(100.0).max(value),
        n,
    })
}

/// The adjusted-Wald NPS (as a fraction, −1 to 1) and the variance of that estimate: ¾ added
/// to promoters and to detractors, 3 to n (Rocks 2016).
pub fn nps_adjusted(promoters: u64, detractors: u64, n: u64) -> (f64, f64) {
    let n = n as f64 + 3.0;
    let p = (promoters as f64 + 0.75) / n;
    let d = (detractors as f64 + 0.75) / n;
    let score = p - d;
    (score, (p + d - score * score) / n)
}

/// Mean effort score (1–7) with a Student-t 95 % interval; one answer spans the scale.
pub fn ces_mean(counts: &[u64; 7]) -> Option<Estimate> {
    scale_mean(counts)
}

/// The mean of a scale from 1 to `counts.len()` (`counts[0]` answers of 1, …) with a
/// Student-t 95 % interval, kept within the scale; one answer spans the scale.
pub fn scale_mean(counts: &[u64]) -> Option<Estimate> {
    let n: u64 = counts.iter().sum();
    if n == 0 {
        return None;
    }
    let top = counts.len() as f64;
    let n_f = n as f64;
    let value_of = |i: usize| (i + 1) as f64;
    let mean = counts
        .iter()
        .enumerate()
        .map(|(i, c)| value_of(i) * *c as f64)
        .sum::<f64>()
        / n_f;
    let (low, high) = if n < 2 {
        (1.0, top)
    } else {
        let squares: f64 = counts
            .iter()
            .enumerate()
            .map(|(i, c)| *c as f64 * (value_of(i) - mean).powi(2))
            .sum();
        let sd = (squares / (n_f - 1.0)).sqrt();
        let half = t_quantile_975(n - 1) * sd / n_f.sqrt();
        ((mean - half).max(1.0), (mean + half).min(top))
    };
    Some(Estimate {
        value: mean,
        low,
        high,
        n,
    })
}

/// The 97.5 % quantile of Student's t with `df` degrees of freedom: a table up to 30,
/// then the Cornish–Fisher expansion (error below 1e-4 there).
pub fn t_quantile_975(df: u64) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::INFINITY,
        1..=30 => TABLE[(df - 1) as usize],
        _ => {
            let (z, d) = (Z95, df as f64);
            z + (z.powi(3) + z) / (4.0 * d)
                + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * d * d)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-3
    }

    #[test]
    fn nothing_to_measure_gives_none() {
        assert_eq!(csat_percent(&[0; 5]), None);
        assert_eq!(nps(&[0; 11]), None);
        assert_eq!(ces_mean(&[0; 7]), None);
        assert_eq!(ScoreCounts::default().fcr_percent(), None);
        assert_eq!(wilson_interval(0, 0), None);
        assert_eq!(wilson_interval(3, 2), None);
    }

    #[test]
    fn csat_counts_only_four_and_five_as_satisfied() {
        let e = csat_percent(&[1, 1, 1, 1, 1]).unwrap();
        assert!(close(e.value, 40.0));
        assert_eq!(e.n, 5);
        assert_eq!(csat_percent(&[0, 0, 7, 0, 0]).unwrap().value, 0.0);
        assert_eq!(csat_percent(&[0, 0, 0, 3, 4]).unwrap().value, 100.0);
    }

    #[test]
    fn wilson_matches_published_values() {
        // 81 of 263 (Wilson 1927 style example): 0.2553 – 0.3662.
        let (low, high) = wilson_interval(81, 263).unwrap();
        assert!(close(low, 0.2553) && close(high, 0.3662), "{low} {high}");
        let (low, high) = wilson_interval(0, 10).unwrap();
        assert!(close(low, 0.0) && close(high, 0.2775), "{high}");
        let (low, high) = wilson_interval(10, 10).unwrap();
        assert!(close(low, 0.7225) && close(high, 1.0), "{low}");
    }

    #[test]
    fn nps_is_promoters_minus_detractors() {
        // 0–6 detractors, 7–8 passives, 9–10 promoters.
        let mut counts = [0u64; 11];
        counts[6] = 1;
        counts[7] = 1;
        counts[8] = 1;
        counts[9] = 1;
        let e = nps(&counts).unwrap();
        assert!(close(e.value, 0.0));
        counts[10] = 2;
        let e = nps(&counts).unwrap();
        assert!(close(e.value, 100.0 * (3.0 - 1.0) / 6.0));
        let all_promoters = nps(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 5]).unwrap();
        assert_eq!((all_promoters.value, all_promoters.high), (100.0, 100.0));
        assert!(
            all_promoters.low < 90.0,
            "ten promoters do not prove 100: {all_promoters:?}"
        );
        let all_detractors = nps(&[10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
        assert_eq!(all_detractors.value, -100.0);
    }

    #[test]
    fn nps_interval_is_the_adjusted_wald_of_rocks_2016() {
        // Values computed independently (Python, see docs/metrics.md): 3 answers, all
        // promoters: p' = 3.75 / 6, d' = 0.75 / 6, NPS' = 0.5, var = (0.75 − 0.25) / 6,
        // margin = 1.96 × √(0.5 / 6) = 0.5658 → [−6.58, 106.58] → clamped [−6.58, 100].
        let e = nps(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3]).unwrap();
        assert_eq!(e.value, 100.0);
        assert!((e.low - -6.580).abs() < 0.01 && e.high == 100.0, "{e:?}");
        // 100 answers: 60 promoters, 30 passives, 10 detractors: NPS 50; p' = 60.75 / 103,
        // d' = 10.75 / 103, NPS' = 0.48544, var = (0.69417 − 0.23565) / 103 = 0.0044516,
        // margin = 0.13077 → [35.47, 61.62].
        let mut counts = [0u64; 11];
        counts[10] = 60;
        counts[8] = 30;
        counts[3] = 10;
        let e = nps(&counts).unwrap();
        assert!(close(e.value, 50.0));
        assert!(
            (e.low - 35.467).abs() < 0.01 && (e.high - 61.621).abs() < 0.01,
            "{e:?}"
        );
    }

    #[test]
    fn the_nps_interval_always_contains_the_score_it_is_shown_with() {
        // Every split of n ≤ 300 answers: the interval has positive width and holds the plain
        // NPS — with exactly one answer, a promoter or a detractor, only because it is
        // stretched to reach it (the adjusted estimate is pulled ¾ of the way to 0, its
        // interval stopping at ±98.5).
        for n in 1..=300u64 {
            for promoters in 0..=n {
                for detractors in 0..=(n - promoters) {
                    let mut counts = [0u64; 11];
                    counts[10] = promoters;
                    counts[0] = detractors;
                    counts[8] = n - promoters - detractors;
                    let e = nps(&counts).unwrap();
                    assert!(e.high - e.low > 0.0, "{counts:?}");
                    let holds = e.low <= e.value + 1e-9 && e.value <= e.high + 1e-9;
                    assert!(holds, "{counts:?}: {e:?}");
                }
            }
        }
    }

    #[test]
    fn one_promoter_reads_100_inside_its_own_interval() {
        // Rocks's interval for one promoter is −48.5 to 98.5 (centre 0.25, margin 0.735): it
        // left out the 100 shown beside it ("100 (−48–98)"). Stretched, it reaches 100.
        let one_promoter = nps(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]).unwrap();
        assert_eq!((one_promoter.value, one_promoter.n), (100.0, 1));
        assert!(
            (one_promoter.low - -48.499).abs() < 0.01 && one_promoter.high == 100.0,
            "{one_promoter:?}"
        );
        assert!(one_promoter.low <= one_promoter.value && one_promoter.value <= one_promoter.high);
        let one_passive = nps(&[0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]).unwrap();
        assert!(
            one_passive.low <= 0.0 && 0.0 <= one_passive.high,
            "{one_passive:?}"
        );
    }

    #[test]
    fn a_response_rate_with_fewer_impressions_than_answers_is_capped_and_says_so() {
        // 88 answers on 3 impressions (most came from rating links and imports, which show
        // nothing): not 2 933 %, and not a plain 100 % either — 100 % of 3, marked capped.
        let capped = response_rate(88, 3).unwrap();
        assert!(capped.capped);
        assert_eq!((capped.estimate.value, capped.estimate.n), (100.0, 3));
        assert!(
            capped.estimate.high <= 100.0 && capped.estimate.low < 50.0,
            "{capped:?}"
        );
        let plain = response_rate(30, 120).unwrap();
        assert!(!plain.capped);
        assert_eq!((plain.estimate.value, plain.estimate.n), (25.0, 120));
        let exact = response_rate(3, 3).unwrap();
        assert!(
            !exact.capped,
            "as many answers as impressions is a true 100 %"
        );
        assert_eq!(response_rate(5, 0), None, "no impressions: no rate");
    }

    #[test]
    fn numbers_are_rounded_to_hundredths_when_serialized_and_only_then() {
        let e = Estimate {
            value: 99.99999999999999,
            low: 34.237_942_1,
            high: -0.000_000_1,
            n: 2,
        };
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(json, r#"{"value":100.0,"low":34.24,"high":0.0,"n":2}"#);
        assert_eq!(
            e.value, 99.99999999999999,
            "the value itself keeps its precision"
        );
        assert_eq!(rounded(85.335_000_1), 85.34);
        assert_eq!(rounded(-6.580_4), -6.58);
    }

    #[test]
    fn a_single_answer_gives_the_widest_sensible_interval() {
        let one_csat = csat_percent(&[0, 0, 0, 0, 1]).unwrap();
        assert_eq!((one_csat.value, one_csat.n), (100.0, 1));
        assert!(
            close(one_csat.low, 20.655) && close(one_csat.high, 100.0),
            "{one_csat:?}"
        );
        let one_nps = nps(&[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
        assert_eq!(one_nps.value, -100.0);
        assert!(
            one_nps.low == -100.0 && (one_nps.high - 48.499).abs() < 0.01,
            "one answer proves little, and the interval holds what is shown: {one_nps:?}"
        );
        let one_fcr = proportion_percent(0, 1).unwrap();
        assert!(
            close(one_fcr.low, 0.0) && close(one_fcr.high, 79.345),
            "{one_fcr:?}"
        );
    }

    #[test]
    fn ces_mean_and_t_interval() {
        let e = ces_mean(&[0, 0, 0, 1, 0, 0, 0]).unwrap();
        assert_eq!((e.value, e.low, e.high, e.n), (4.0, 1.0, 7.0, 1));
        // Values 2, 4, 6: mean 4, sd 2, t(2) = 4.303 → half = 4.303 * 2 / sqrt 3 = 4.969.
        let e = ces_mean(&[0, 1, 0, 1, 0, 1, 0]).unwrap();
        assert!(close(e.value, 4.0) && e.low == 1.0 && e.high == 7.0);
        let e = ces_mean(&[0, 0, 0, 50, 50, 0, 0]).unwrap();
        assert!(
            close(e.value, 4.5) && e.low > 4.39 && e.high < 4.61,
            "{e:?}"
        );
    }

    #[test]
    fn a_five_point_scale_keeps_its_mean_within_one_to_five() {
        let e = scale_mean(&[0, 0, 1, 0, 0]).unwrap();
        assert_eq!((e.value, e.low, e.high, e.n), (3.0, 1.0, 5.0, 1));
        // Values 4, 5, 5, 5: mean 4.75, sd 0.5, t(3) = 3.182 → half 0.7955, capped at 5.
        let e = scale_mean(&[0, 0, 0, 1, 3]).unwrap();
        assert!(
            close(e.value, 4.75) && close(e.low, 3.9545) && e.high == 5.0,
            "{e:?}"
        );
        assert_eq!(scale_mean(&[0; 5]), None);
    }

    #[test]
    fn t_quantile_is_continuous_past_the_table() {
        assert!((t_quantile_975(30) - t_quantile_975(31)).abs() < 0.01);
        assert!(close(t_quantile_975(60), 2.000));
        assert!(close(t_quantile_975(120), 1.980));
        assert!((t_quantile_975(1_000_000) - Z95).abs() < 1e-4);
    }

    #[test]
    fn counts_merge_by_adding() {
        let mut a = ScoreCounts::default();
        a.count_csat(CsatScore::try_from(5).unwrap());
        a.count_resolved(Resolved::Yes);
        let mut b = a;
        b.count_nps(NpsScore::try_from(0).unwrap());
        b.count_ces(CesScore::try_from(7).unwrap());
        a.merge(&b);
        assert_eq!(a.csat, [0, 0, 0, 0, 2]);
        assert_eq!((a.nps[0], a.ces[6], a.resolved_yes), (1, 1, 2));
        assert!(close(a.fcr_percent().unwrap().value, 100.0));
    }

    proptest! {
        #[test]
        fn intervals_contain_the_value_and_stay_on_the_scale(
            csat in proptest::array::uniform5(0u64..500),
            nps_counts in proptest::array::uniform11(0u64..500),
            ces in proptest::array::uniform7(0u64..500),
        ) {
            for e in [csat_percent(&csat), proportion_percent(csat[0], csat.iter().sum())].into_iter().flatten() {
                prop_assert!(0.0 <= e.low && e.low <= e.value + 1e-9 && e.value <= e.high + 1e-9 && e.high <= 100.0);
            }
            if let Some(e) = nps(&nps_counts) {
                prop_assert!(-100.0 <= e.low && e.low < e.high && e.high <= 100.0);
                prop_assert!(e.low <= e.value + 1e-9 && e.value <= e.high + 1e-9);
                prop_assert_eq!(e.n, nps_counts.iter().sum::<u64>());
            }
            if let Some(e) = ces_mean(&ces) {
                prop_assert!(1.0 <= e.low && e.low <= e.value + 1e-9 && e.value <= e.high + 1e-9 && e.high <= 7.0);
            }
        }

        #[test]
        fn wilson_narrows_as_n_grows(p in 0.0f64..=1.0, n in 1u64..10_000) {
            let s = (p * n as f64).round() as u64;
            let (l1, h1) = wilson_interval(s, n).unwrap();
            let (l2, h2) = wilson_interval(s * 4, n * 4).unwrap();
            prop_assert!(h2 - l2 <= h1 - l1 + 1e-12);
        }
    }
}
