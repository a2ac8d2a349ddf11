//! Time buckets for reports. Rollup days are already local dates in the site's time zone, so
//! bucketing is calendar arithmetic on those dates (weeks start on Monday).

use jiff::civil::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    Day,
    Week,
    Month,
    /// One bucket for the whole range, starting at its first day.
    All,
}

impl Bucket {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "day" => Some(Self::Day),
            "week" => Some(Self::Week),
            "month" => Some(Self::Month),
            "all" => Some(Self::All),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
            Self::All => "all",
        }
    }

    /// The first day of the bucket holding `day` (for `All`, the range's first day).
    pub fn start(self, day: Date, range_start: Date) -> Date {
        match self {
            Self::Day => day,
            Self::Week => crate::rollup::week_of(day),
            Self::Month => day.first_of_month(),
            Self::All => range_start,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sites::SiteTimeZone;

    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        let start = date("2026-01-01");
        // 2026-11-26 is a Thursday; 2026-11-23 the Monday before; a Monday is its own start.
        assert_eq!(
            Bucket::Week.start(date("2026-11-26"), start),
            date("2026-11-23")
        );
        assert_eq!(
            Bucket::Week.start(date("2026-11-23"), start),
            date("2026-11-23")
        );
        assert_eq!(
            Bucket::Week.start(date("2026-11-29"), start),
            date("2026-11-23"),
            "Sunday ends the week"
        );
        assert_eq!(
            Bucket::Week.start(date("2026-01-01"), start),
            date("2025-12-29"),
            "weeks cross years"
        );
        assert_eq!(
            Bucket::Month.start(date("2026-02-28"), start),
            date("2026-02-01")
        );
        assert_eq!(
            Bucket::Day.start(date("2026-02-28"), start),
            date("2026-02-28")
        );
        assert_eq!(Bucket::All.start(date("2026-02-28"), start), start);
    }

    #[test]
    fn whole_weeks_inside_a_range() {
        use crate::report::whole_weeks;
        // Tue 2026-09-01 .. Fri 2026-10-30: whole weeks from Mon 09-07 to Sun 10-25.
        assert_eq!(
            whole_weeks(date("2026-09-01"), date("2026-10-30")),
            Some((date("2026-09-07"), date("2026-10-25")))
        );
        // Already aligned: Mon 2026-11-02 .. Sun 2026-11-15.
        assert_eq!(
            whole_weeks(date("2026-11-02"), date("2026-11-15")),
            Some((date("2026-11-02"), date("2026-11-15")))
        );
        // No whole week inside: Wed .. next Tue.
        assert_eq!(whole_weeks(date("2026-11-04"), date("2026-11-10")), None);
        assert_eq!(whole_weeks(date("2026-11-26"), date("2026-11-26")), None);
    }

    #[test]
    fn near_midnight_in_tokyo_counts_in_the_local_day_and_week() {
        let tokyo = SiteTimeZone::parse("Asia/Tokyo").unwrap();
        // Sunday 2026-11-29 14:59:59 UTC is 23:59:59 Sunday in Tokyo; one second later is Monday.
        let sunday_night = 1_795_964_399_000;
        assert_eq!(tokyo.local_day(sunday_night), "2026-11-29");
        assert_eq!(tokyo.local_day(sunday_night + 1000), "2026-11-30");
        let start = date("2026-11-01");
        assert_eq!(
            Bucket::Week.start(date(&tokyo.local_day(sunday_night)), start),
            date("2026-11-23")
        );
        assert_eq!(
            Bucket::Week.start(date(&tokyo.local_day(sunday_night + 1000)), start),
            date("2026-11-30")
        );
    }

    #[test]
    fn a_dst_change_in_new_york_keeps_local_days_right() {
        let new_york = SiteTimeZone::parse("America/New_York").unwrap();
        // Clocks go forward on 2026-03-08 at 02:00 (UTC-5 → UTC-4).
        // 2026-03-08 04:59 UTC = 23:59 on the 7th (EST); 2026-03-09 03:59 UTC = 23:59 on the 8th (EDT).
        assert_eq!(new_york.local_day(1_772_945_940_000), "2026-03-07");
        assert_eq!(new_york.local_day(1_772_946_000_000), "2026-03-08");
        assert_eq!(new_york.local_day(1_773_028_740_000), "2026-03-08");
        assert_eq!(new_york.local_day(1_773_028_800_000), "2026-03-09");
        let start = date("2026-03-01");
        for day in ["2026-03-01", "2026-03-08", "2026-03-31"] {
            assert_eq!(Bucket::Month.start(date(day), start), date("2026-03-01"));
        }
    }
}
