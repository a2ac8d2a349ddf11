//! A site's service settings: how interactions are credited to agents ([`Credit`]), its
//! first-response target and the FRT bands the drivers read satisfaction by. The target and
//! the band edges are edges of the FRT histogram (`frt.rs`), so what is read from the rollups
//! is exact.

use serde::{Deserialize, Serialize};

use super::Credit;
use super::frt::{self, DEFAULT_BANDS, DEFAULT_TARGET_SECS};

/// Most inner edges the FRT bands may have (so at most this many + 1 bands).
pub const MAX_BAND_EDGES: usize = 6;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ServiceSettings {
    /// How interactions count for agents: `last` (default), `first` or `share`.
    pub credit: Credit,
    /// The first-response target, in seconds (default 3600); "share within target" counts
    /// first responses faster than it.
    pub frt_target_secs: i64,
    /// The inner edges of the FRT bands the drivers use, in seconds, ascending (default 3600,
    /// 14400, 86400: under 1 h, 1–4 h, 4–24 h, 24 h and more).
    pub frt_bands: Vec<i64>,
}

impl Default for ServiceSettings {
    fn default() -> Self {
        Self {
            credit: Credit::Last,
            frt_target_secs: DEFAULT_TARGET_SECS,
            frt_bands: DEFAULT_BANDS.to_vec(),
        }
    }
}

/// Why service settings cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceSettingsError {
    #[error(
        "{field} must be one of the histogram's edges in seconds ({}); {got} is not",
        edge_list()
    )]
    NotAnEdge { field: &'static str, got: i64 },
    #[error("frt_bands must rise, each edge once; got {0:?}")]
    BandsNotRising(Vec<i64>),
    #[error("frt_bands takes 1 to {MAX_BAND_EDGES} edges, got {0}")]
    BandCount(usize),
}

impl ServiceSettingsError {
    pub fn field(&self) -> &'static str {
        match self {
            Self::NotAnEdge { field, .. } => field,
            Self::BandsNotRising(_) | Self::BandCount(_) => "frt_bands",
        }
    }
}

fn edge_list() -> String {
    frt::EDGES.map(|e| e.to_string()).join(", ")
}

impl ServiceSettings {
    /// These settings if they keep the rules: target and band edges are histogram edges, the
    /// bands rise.
    pub fn checked(self) -> Result<Self, ServiceSettingsError> {
        if !frt::is_edge(self.frt_target_secs) {
            return Err(ServiceSettingsError::NotAnEdge {
                field: "frt_target_secs",
                got: self.frt_target_secs,
            });
        }
        if self.frt_bands.is_empty() || self.frt_bands.len() > MAX_BAND_EDGES {
            return Err(ServiceSettingsError::BandCount(self.frt_bands.len()));
        }
        if let Some(&bad) = self.frt_bands.iter().find(|&&e| !frt::is_edge(e)) {
            return Err(ServiceSettingsError::NotAnEdge {
                field: "frt_bands",
                got: bad,
            });
        }
        if self.frt_bands.windows(2).any(|w| w[0] >= w[1]) {
            return Err(ServiceSettingsError::BandsNotRising(self.frt_bands));
        }
        Ok(self)
    }

    /// The bands as stored: edges joined by commas.
    pub fn bands_column(&self) -> String {
        self.frt_bands
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The band of an FRT histogram bucket: its index among the bands (0: under the first edge).
    pub fn band_of_bucket(&self, bucket: usize) -> usize {
        let lower = frt::lower(bucket);
        self.frt_bands.partition_point(|&edge| edge <= lower)
    }

    /// A band's label: `< 1 h`, `1 h – 4 h`, `≥ 24 h`.
    pub fn band_label(&self, band: usize) -> String {
        let edges = &self.frt_bands;
        match band {
            0 => format!("< {}", duration(edges[0])),
            b if b >= edges.len() => format!("≥ {}", duration(edges[edges.len() - 1])),
            b => format!("{} – {}", duration(edges[b - 1]), duration(edges[b])),
        }
    }
}

/// A duration in seconds, short: `45 s`, `15 min`, `1.5 h`, `2 d`.
pub fn duration(secs: i64) -> String {
    let trim = |v: f64| {
        let text = format!("{v:.1}");
        text.strip_suffix(".0").map(str::to_owned).unwrap_or(text)
    };
    match secs {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", trim(s as f64 / 60.0)),
        s if s < 86_400 => format!("{} h", trim(s as f64 / 3600.0)),
        s => format!("{} d", trim(s as f64 / 86_400.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_hold_and_bad_settings_name_their_field() {
        assert!(ServiceSettings::default().checked().is_ok());
        let bad = ServiceSettings {
            frt_target_secs: 3601,
            ..ServiceSettings::default()
        };
        assert_eq!(bad.checked().unwrap_err().field(), "frt_target_secs");
        let bad = ServiceSettings {
            frt_bands: vec![14_400, 3600],
            ..ServiceSettings::default()
        };
        assert!(matches!(
            bad.checked(),
            Err(ServiceSettingsError::BandsNotRising(_))
        ));
    }

    #[test]
    fn buckets_fall_into_bands_with_readable_labels() {
        let s = ServiceSettings::default();
        assert_eq!(s.band_of_bucket(frt::bucket_of(3_599_000)), 0);
        assert_eq!(s.band_of_bucket(frt::bucket_of(3_600_000)), 1);
        assert_eq!(s.band_of_bucket(frt::bucket_of(90_000_000)), 3);
        assert_eq!(s.band_label(0), "< 1 h");
        assert_eq!(s.band_label(1), "1 h – 4 h");
        assert_eq!(s.band_label(3), "≥ 1 d");
        assert_eq!(duration(5400), "1.5 h");
    }
}
