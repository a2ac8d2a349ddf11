//! Working hours: when a follow-up is due. A site works on some days of the week between a
//! start and an end (local time, its time zone); a follow-up's SLA counts only those hours, as
//! the helpdesks' "business hours" SLAs do: 24 business hours opened on a Friday evening, at
//! 09:00–18:00 Monday to Friday, are due on Wednesday at 15:00.

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// The days and hours a site works, in its local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkSchedule {
    /// Minutes after local midnight the working day starts.
    start_min: u16,
    /// Minutes after local midnight it ends (up to 1440: midnight).
    end_min: u16,
    /// Monday first.
    days: [bool; 7],
}

/// Why a schedule cannot be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error(
        "working hours are HH:MM-HH:MM with the start before the end, e.g. 09:00-18:00; got {0:?}"
    )]
    Hours(String),
    #[error("working days are mon … sun, comma-separated or a range like mon-fri; got {0:?}")]
    Days(String),
}

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl WorkSchedule {
    /// `hours` as `09:00-18:00` (`00:00-24:00`: the whole day), `days` as `mon-fri` or
    /// `mon,tue,sat`.
    pub fn parse(hours: &str, days: &str) -> Result<Self, ScheduleError> {
        let bad_hours = || ScheduleError::Hours(hours.to_owned());
        let (start, end) = hours.trim().split_once('-').ok_or_else(bad_hours)?;
        let start_min = minutes(start).ok_or_else(bad_hours)?;
        let end_min = minutes(end).ok_or_else(bad_hours)?;
        if start_min >= end_min {
            return Err(bad_hours());
        }
        let bad_days = || ScheduleError::Days(days.to_owned());
        let index = |name: &str| {
            DAY_NAMES
                .iter()
                .position(|d| *d == name.trim().to_ascii_lowercase())
        };
        let mut set = [false; 7];
        for part in days.split(',') {
            match part.split_once('-') {
                Some((from, to)) => {
                    let (from, to) = (
                        index(from).ok_or_else(bad_days)?,
                        index(to).ok_or_else(bad_days)?,
                    );
                    if from > to {
                        return Err(bad_days());
                    }
                    set[from..=to].iter_mut().for_each(|d| *d = true);
                }
                None => set[index(part).ok_or_else(bad_days)?] = true,
            }
        }
        Ok(Self {
            start_min,
            end_min,
            days: set,
        })
    }

    /// The hours as written: `09:00-18:00`.
    pub fn hours(&self) -> String {
        format!(
            "{}-{}",
            clock_text(self.start_min),
            clock_text(self.end_min)
        )
    }

    /// The days as written: `mon,tue,wed,thu,fri`.
    pub fn days(&self) -> String {
        DAY_NAMES
            .iter()
            .zip(self.days)
            .filter(|(_, on)| *on)
            .map(|(name, _)| *name)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// When `minutes` working minutes have passed after `from`, in `zone`.
    pub fn add(&self, from: Timestamp, minutes: i64, zone: &TimeZone) -> Timestamp {
        let mut left = minutes.max(0);
        let local = from.to_zoned(zone.clone()).datetime();
        let mut day = local.date();
        let mut at = i64::from(local.hour()) * 60 + i64::from(local.minute());
        // A day's working minutes from `at`, until the SLA is spent; ten years of days at most,
        // should a schedule ever have none.
        for _ in 0..3660 {
            if self.works_on(day) {
                let begin = at.max(i64::from(self.start_min));
                let end = i64::from(self.end_min);
                if begin < end {
                    if left <= end - begin {
                        return local_time(day, begin + left, zone).unwrap_or(from);
                    }
                    left -= end - begin;
                }
            }
            day = match day.tomorrow() {
                Ok(next) => next,
                Err(_) => break,
            };
            at = 0;
        }
        from
    }

    fn works_on(&self, day: Date) -> bool {
        let index = match day.weekday() {
            Weekday::Monday => 0,
            Weekday::Tuesday => 1,
            Weekday::Wednesday => 2,
            Weekday::Thursday => 3,
            Weekday::Friday => 4,
            Weekday::Saturday => 5,
            Weekday::Sunday => 6,
        };
        self.days[index]
    }
}

impl Default for WorkSchedule {
    /// Monday to Friday, 09:00 to 18:00.
    fn default() -> Self {
        Self {
            start_min: 9 * 60,
            end_min: 18 * 60,
            days: [true, true, true, true, true, false, false],
        }
    }
}

/// `HH:MM` as minutes after midnight, `24:00` included.
fn minutes(text: &str) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

fn clock_text(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// `minutes` after local midnight of `day` as an instant (a time a DST gap skips is moved on,
/// as jiff's compatible disambiguation does).
fn local_time(day: Date, minutes: i64, zone: &TimeZone) -> Option<Timestamp> {
    let midnight = day.to_datetime(Time::midnight());
    let at = midnight.checked_add(minutes.minutes()).ok()?;
    Some(zone.to_ambiguous_zoned(at).compatible().ok()?.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokyo() -> TimeZone {
        TimeZone::get("Asia/Tokyo").unwrap()
    }

    fn at(text: &str) -> Timestamp {
        jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M", text)
            .unwrap()
            .to_zoned(tokyo())
            .unwrap()
            .timestamp()
    }

    #[test]
    fn twenty_four_business_hours_from_friday_evening_end_on_wednesday() {
        let week = WorkSchedule::default();
        // 2026-12-04 is a Friday: 0 h left that day, Mon 9 h, Tue 9 h, Wed 6 h → 15:00.
        assert_eq!(
            week.add(at("2026-12-04 19:30"), 24 * 60, &tokyo()),
            at("2026-12-09 15:00")
        );
        // Opened inside the day: the rest of it counts.
        assert_eq!(
            week.add(at("2026-12-07 17:00"), 120, &tokyo()),
            at("2026-12-08 10:00")
        );
        // Before opening: counted from the start.
        assert_eq!(
            week.add(at("2026-12-07 06:00"), 60, &tokyo()),
            at("2026-12-07 10:00")
        );
    }

    #[test]
    fn a_round_the_clock_schedule_is_plain_hours() {
        let always = WorkSchedule::parse("00:00-24:00", "mon-sun").unwrap();
        let from = at("2026-12-05 23:10");
        assert_eq!(always.add(from, 24 * 60, &tokyo()), at("2026-12-06 23:10"));
    }

    #[test]
    fn schedules_parse_and_print_back() {
        let s = WorkSchedule::parse("08:30-17:00", "mon-wed,sat").unwrap();
        assert_eq!(s.hours(), "08:30-17:00");
        assert_eq!(s.days(), "mon,tue,wed,sat");
        for (hours, days) in [
            ("18:00-09:00", "mon"),
            ("9-18", "mon"),
            ("09:00-24:30", "mon"),
            ("09:00-18:00", "fri-mon"),
            ("09:00-18:00", "someday"),
        ] {
            assert!(WorkSchedule::parse(hours, days).is_err(), "{hours} {days}");
        }
    }
}
