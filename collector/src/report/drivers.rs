//! Satisfaction against the facts ("drivers"): CSAT and NPS of the answers whose interactions
//! fall in each band of a cut — first response time (the site's bands), contacts (1, 2, 3+),
//! who handled it, topic — each against the rest of the site's answers in the range (every
//! other answer, with facts or not: independent samples, so Newcombe's interval and the NPS
//! difference interval of `koe_shared::compare` hold), with the verdict the period comparison
//! uses. "What goes with unhappy customers" ranks the bands by how far CSAT falls, and calls
//! out only those whose interval leaves 0 out.

use koe_shared::compare::{Change, Verdict, nps_change, proportion_change};
use koe_shared::metrics::{self, Estimate, ScoreCounts};
use serde::Serialize;

use crate::facts::frt;
use crate::facts::rollup::{Cut, DriverCounters};
use crate::facts::settings::ServiceSettings;
use crate::storage::DriverRow;

/// One band of a cut.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DriverBand {
    /// `frt`, `contacts`, `handled_by` or `topic`.
    pub cut: String,
    /// The band as shown: `< 1 h`, `3+`, `bot`, `billing`.
    pub band: String,
    pub csat: Option<Estimate>,
    pub nps: Option<Estimate>,
    /// This band's CSAT − the rest's, in points, with its interval and verdict.
    pub csat_vs_rest: Option<Change>,
    pub nps_vs_rest: Option<Change>,
}

/// The drivers of a range.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Drivers {
    pub site: String,
    pub from: String,
    pub to: String,
    /// Every counted answer of the range (the filters applied).
    pub csat: Option<Estimate>,
    pub nps: Option<Estimate>,
    pub bands: Vec<DriverBand>,
    /// The bands whose CSAT is below the rest's, largest fall first; `called_out` only where
    /// the interval of the difference leaves 0 out.
    pub unhappy: Vec<UnhappyBand>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct UnhappyBand {
    pub cut: String,
    pub band: String,
    /// CSAT points below the rest (negative).
    #[serde(serialize_with = "metrics::serialize_rounded")]
    pub difference: f64,
    #[serde(serialize_with = "metrics::serialize_rounded")]
    pub low: f64,
    #[serde(serialize_with = "metrics::serialize_rounded")]
    pub high: f64,
    pub n: u64,
    pub called_out: bool,
}

/// NPS counts as the 11-score histogram `koe_shared` reads (detractors at 0, passives at 7,
/// promoters at 9: only the three groups matter).
fn nps_counts(n: i64, promoters: i64, detractors: i64) -> [u64; 11] {
    let count = |v: i64| u64::try_from(v.max(0)).unwrap_or(0);
    let mut counts = [0; 11];
    counts[0] = count(detractors);
    counts[9] = count(promoters);
    counts[7] = count(n - promoters - detractors);
    counts
}

/// Orders and labels the bands of a cut: FRT bands by time, contacts by count, others by name.
fn merged(
    settings: &ServiceSettings,
    rows: Vec<DriverRow>,
) -> Vec<(Cut, usize, String, DriverCounters)> {
    let mut bands: Vec<(Cut, usize, String, DriverCounters)> = Vec::new();
    for row in rows {
        // A band whose answers all moved elsewhere keeps a row of zeros.
        if row.counters.csat_n == 0 && row.counters.nps_n == 0 {
            continue;
        }
        let (order, label) = match row.cut {
            Cut::Frt => {
                let bucket: usize = row.band.parse().unwrap_or(frt::BUCKETS - 1);
                let band = settings.band_of_bucket(bucket);
                (band, settings.band_label(band))
            }
            Cut::Contacts => (
                ["1", "2", "3+"]
                    .iter()
                    .position(|b| *b == row.band)
                    .unwrap_or(3),
                row.band,
            ),
            _ => (0, row.band),
        };
        match bands
            .iter_mut()
            .find(|(cut, _, l, _)| *cut == row.cut && *l == label)
        {
            Some((_, _, _, counters)) => counters.add(&row.counters),
            None => bands.push((row.cut, order, label, row.counters)),
        }
    }
    bands.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
    bands
}

/// Builds the drivers from the rows storage summed and the range's overall counts.
pub fn build(
    site: &str,
    (from, to): (jiff::civil::Date, jiff::civil::Date),
    settings: &ServiceSettings,
    overall: &ScoreCounts,
    rows: Vec<DriverRow>,
) -> Drivers {
    let satisfied = |c: &ScoreCounts| c.csat[3] + c.csat[4];
    let answered = |c: &ScoreCounts| c.csat.iter().sum::<u64>();
    let (all_sat, all_n) = (satisfied(overall), answered(overall));
    let count = |v: i64| u64::try_from(v).unwrap_or(0);
    let whole = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    let all_nps_n = whole(overall.nps.iter().sum());
    let all_promoters = whole(overall.nps[9] + overall.nps[10]);
    let all_detractors = whole(overall.nps[..=6].iter().sum());
    let bands: Vec<DriverBand> = merged(settings, rows)
        .into_iter()
        .map(|(cut, _, band, c)| {
            let (sat, n) = (count(c.csat_sat), count(c.csat_n));
            let band_nps = nps_counts(c.nps_n, c.nps_pro, c.nps_det);
            // The rest, grouped first: promoters, passives and detractors less the band's.
            let rest_nps = nps_counts(
                all_nps_n - c.nps_n,
                all_promoters - c.nps_pro,
                all_detractors - c.nps_det,
            );
            DriverBand {
                cut: cut.as_str().to_owned(),
                band,
                csat: metrics::proportion_percent(sat, n),
                nps: metrics::nps(&band_nps),
                csat_vs_rest: proportion_change(
                    sat,
                    n,
                    all_sat.saturating_sub(sat),
                    all_n.saturating_sub(n),
                ),
                nps_vs_rest: nps_change(&band_nps, &rest_nps),
            }
        })
        .collect();
    let mut unhappy: Vec<UnhappyBand> = bands
        .iter()
        .filter_map(|b| {
            let change = b.csat_vs_rest?;
            (change.difference < 0.0).then(|| UnhappyBand {
                cut: b.cut.clone(),
                band: b.band.clone(),
                difference: change.difference,
                low: change.low,
                high: change.high,
                n: b.csat.map_or(0, |c| c.n),
                called_out: change.verdict == Verdict::Down,
            })
        })
        .collect();
    unhappy.sort_by(|a, b| {
        (!a.called_out, a.difference)
            .partial_cmp(&(!b.called_out, b.difference))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    Drivers {
        site: site.to_owned(),
        from: from.to_string(),
        to: to.to_string(),
        csat: overall.csat_percent(),
        nps: overall.nps(),
        bands,
        unhappy,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The band's NPS against the rest's: the rest is every other answer, grouped before the
    /// band is taken out (a band of a 10 and an 8 against a lone 3: NPS 50 against −100).
    #[test]
    fn the_rest_is_every_other_answer_grouped_before_the_band_is_taken_out() {
        let mut overall = ScoreCounts::default();
        overall.nps[10] = 1;
        overall.nps[8] = 1;
        overall.nps[3] = 1;
        let rows = vec![DriverRow {
            cut: Cut::Frt,
            band: format!("{:02}", frt::bucket_of(60_000)),
            counters: DriverCounters {
                nps_n: 2,
                nps_pro: 1,
                ..DriverCounters::default()
            },
        }];
        let drivers = build(
            "site",
            ("2026-11-01".parse().unwrap(), "2026-11-30".parse().unwrap()),
            &ServiceSettings::default(),
            &overall,
            rows,
        );
        let band = &drivers.bands[0];
        assert_eq!(band.band, "< 1 h");
        assert_eq!(band.nps.map(|e| e.value), Some(50.0));
        let change = band.nps_vs_rest.unwrap();
        assert_eq!(change.before.value, -100.0);
        assert_eq!(change.difference, 150.0);
    }
}
