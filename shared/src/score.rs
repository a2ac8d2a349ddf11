//! Survey answers. Each score type holds only values of its scale.

use serde::{Deserialize, Serialize};

use crate::ParseError;

macro_rules! bounded_score {
    ($(#[$doc:meta])* $name:ident, $field:literal, $min:literal..=$max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "u8", into = "u8")]
        pub struct $name(u8);

        impl $name {
            pub const MIN: u8 = $min;
            pub const MAX: u8 = $max;

            pub fn get(self) -> u8 {
                self.0
            }

            /// Every value of the scale, lowest first.
            pub fn all() -> impl Iterator<Item = Self> {
                (Self::MIN..=Self::MAX).map(Self)
            }

            /// Position of this value on its scale, 0 for the lowest (for histograms).
            pub fn index(self) -> usize {
                usize::from(self.0 - Self::MIN)
            }
        }

        impl TryFrom<u8> for $name {
            type Error = ParseError;

            fn try_from(value: u8) -> Result<Self, Self::Error> {
                if ($min..=$max).contains(&value) {
                    Ok(Self(value))
                } else {
                    Err(ParseError::new(
                        $field,
                        format!(concat!("must be a whole number from ", $min, " to ", $max, ", got {}"), value),
                    ))
                }
            }
        }

        impl From<$name> for u8 {
            fn from(score: $name) -> u8 {
                score.0
            }
        }

        #[cfg(feature = "openapi")]
        crate::openapi::schema!(
            $name,
            crate::openapi::integer_range(
                $min,
                $max,
                concat!("`", $field, "`: a whole number from ", $min, " to ", $max),
            )
        );
    };
}

bounded_score!(
    /// Customer satisfaction, 1 (very dissatisfied) to 5 (very satisfied).
    CsatScore, "csat", 1..=5
);
bounded_score!(
    /// Net Promoter answer, 0 (not likely) to 10 (very likely).
    NpsScore, "nps", 0..=10
);
bounded_score!(
    /// Customer effort, 1 (very difficult) to 7 (very easy).
    CesScore, "ces", 1..=7
);

/// The answer to "was your issue resolved?". On the wire: `true` / `false`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "bool", into = "bool")]
pub enum Resolved {
    Yes,
    No,
}

impl From<bool> for Resolved {
    fn from(value: bool) -> Self {
        if value { Self::Yes } else { Self::No }
    }
}

#[cfg(feature = "openapi")]
crate::openapi::schema!(
    Resolved,
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Boolean)
        .description(Some("Was the issue resolved?"))
        .into()
);

impl From<Resolved> for bool {
    fn from(value: Resolved) -> bool {
        value == Resolved::Yes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn scales_accept_their_bounds_and_refuse_one_beyond() {
        assert!(CsatScore::try_from(0).is_err());
        assert_eq!(CsatScore::try_from(1).map(u8::from), Ok(1));
        assert_eq!(CsatScore::try_from(5).map(u8::from), Ok(5));
        assert!(CsatScore::try_from(6).is_err());
        assert_eq!(NpsScore::try_from(0).map(u8::from), Ok(0));
        assert_eq!(NpsScore::try_from(10).map(u8::from), Ok(10));
        assert!(NpsScore::try_from(11).is_err());
        assert!(CesScore::try_from(0).is_err());
        assert_eq!(CesScore::try_from(7).map(u8::from), Ok(7));
        assert!(CesScore::try_from(8).is_err());
    }

    #[test]
    fn json_errors_name_the_field() {
        let err = serde_json::from_str::<NpsScore>("11")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("nps must be a whole number from 0 to 10, got 11"),
            "{err}"
        );
        let err = serde_json::from_str::<CsatScore>("-1")
            .unwrap_err()
            .to_string();
        assert!(err.contains("invalid value"), "{err}");
        assert!(serde_json::from_str::<CsatScore>("4.5").is_err());
        assert!(serde_json::from_str::<CsatScore>("\"4\"").is_err());
        assert!(serde_json::from_str::<CsatScore>("256").is_err());
    }

    #[test]
    fn resolved_travels_as_a_bool() {
        assert_eq!(serde_json::to_string(&Resolved::Yes).unwrap(), "true");
        assert_eq!(
            serde_json::from_str::<Resolved>("false").unwrap(),
            Resolved::No
        );
        assert!(serde_json::from_str::<Resolved>("\"yes\"").is_err());
    }

    #[test]
    fn index_runs_from_zero_over_the_scale() {
        let indexes: Vec<usize> = CesScore::all().map(CesScore::index).collect();
        assert_eq!(indexes, (0..7).collect::<Vec<_>>());
        assert_eq!(NpsScore::all().count(), 11);
    }

    proptest! {
        #[test]
        fn a_score_exists_exactly_for_values_on_its_scale(v in any::<u8>()) {
            prop_assert_eq!(CsatScore::try_from(v).is_ok(), (1..=5).contains(&v));
            prop_assert_eq!(NpsScore::try_from(v).is_ok(), v <= 10);
            prop_assert_eq!(CesScore::try_from(v).is_ok(), (1..=7).contains(&v));
            if let Ok(s) = NpsScore::try_from(v) {
                let json = serde_json::to_string(&s).unwrap();
                prop_assert_eq!(serde_json::from_str::<NpsScore>(&json).unwrap(), s);
            }
        }
    }
}
