//! A site's follow-up settings: the condition, the SLA in working hours, the working hours and
//! days, the root causes, whether to ask again — checked once into the [`FollowupRule`] the
//! write path applies, stored as JSON only when they make one.

use serde::{Deserialize, Serialize};

use super::{
    DEFAULT_CAUSES, DEFAULT_CONDITION, FollowupRule, MAX_CAUSE_CHARS, MAX_CAUSES, MAX_SLA_HOURS,
    ScheduleError, WorkSchedule,
};
use crate::alerts::{Condition, ConditionError};

/// A site's follow-up settings, as stored (JSON) and as the API and `koe followup settings`
/// show and take them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct FollowupSettings {
    /// Whether unhappy answers open follow-ups at all.
    pub enabled: bool,
    /// Which answers open one: the webhook condition grammar (default
    /// `csat<=2 or nps<=6 or resolved=false`).
    pub condition: String,
    /// How long the team has to contact the customer, in working hours (default 24).
    pub sla_hours: u32,
    /// The working hours, local time: `09:00-18:00` (`00:00-24:00` for the whole day).
    pub working_hours: String,
    /// The working days: `mon-fri`, or `mon,tue,sat`.
    pub working_days: String,
    /// The root causes a closing names, ids of `a-z`, `0-9` and `_` (default product, policy,
    /// agent, process, other).
    pub causes: Vec<String>,
    /// Whether closing as resolved gives a link to ask the customer again.
    pub reask: bool,
}

impl Default for FollowupSettings {
    fn default() -> Self {
        let schedule = WorkSchedule::default();
        Self {
            enabled: true,
            condition: DEFAULT_CONDITION.to_owned(),
            sla_hours: 24,
            working_hours: schedule.hours(),
            working_days: schedule.days(),
            causes: DEFAULT_CAUSES.map(str::to_owned).to_vec(),
            reask: true,
        }
    }
}

/// Why follow-up settings cannot be stored; [`Self::field`] names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FollowupSettingsError {
    #[error(transparent)]
    Condition(#[from] ConditionError),
    #[error("the condition must be at most 500 characters")]
    LongCondition,
    #[error("sla_hours is 1 to {MAX_SLA_HOURS}, got {0}")]
    Sla(u32),
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    #[error("causes takes 1 to {MAX_CAUSES} ids, got {0}")]
    CauseCount(usize),
    #[error("a cause id is 1 to {MAX_CAUSE_CHARS} of a-z, 0-9 and _, each once; {0:?} is not")]
    Cause(String),
}

impl FollowupSettingsError {
    pub fn field(&self) -> &'static str {
        match self {
            Self::Condition(_) | Self::LongCondition => "condition",
            Self::Sla(_) => "sla_hours",
            Self::Schedule(ScheduleError::Hours(_)) => "working_hours",
            Self::Schedule(ScheduleError::Days(_)) => "working_days",
            Self::CauseCount(_) | Self::Cause(_) => "causes",
        }
    }
}

impl FollowupSettings {
    /// Checks the settings and gives the rule the write path applies; the settings are stored
    /// only once this succeeds, so a stored row always makes a rule.
    pub fn rule(&self) -> Result<FollowupRule, FollowupSettingsError> {
        if self.condition.chars().count() > 500 {
            return Err(FollowupSettingsError::LongCondition);
        }
        let condition = Condition::parse(&self.condition)?;
        if !(1..=MAX_SLA_HOURS).contains(&self.sla_hours) {
            return Err(FollowupSettingsError::Sla(self.sla_hours));
        }
        let schedule = WorkSchedule::parse(&self.working_hours, &self.working_days)?;
        if self.causes.is_empty() || self.causes.len() > MAX_CAUSES {
            return Err(FollowupSettingsError::CauseCount(self.causes.len()));
        }
        for (i, cause) in self.causes.iter().enumerate() {
            let well_formed = !cause.is_empty()
                && cause.len() <= MAX_CAUSE_CHARS
                && cause
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !well_formed || self.causes[..i].contains(cause) {
                return Err(FollowupSettingsError::Cause(cause.clone()));
            }
        }
        Ok(FollowupRule {
            enabled: self.enabled,
            condition,
            sla_minutes: i64::from(self.sla_hours) * 60,
            schedule,
            zone: jiff::tz::TimeZone::UTC,
        })
    }

    /// The settings in their canonical spelling (hours and days as the schedule prints them).
    pub fn normalised(mut self) -> Result<Self, FollowupSettingsError> {
        let rule = self.rule()?;
        self.working_hours = rule.schedule.hours();
        self.working_days = rule.schedule.days();
        Ok(self)
    }

    /// Stored settings: what a row holds, or the defaults for a site without one; a row that
    /// does not read (another version wrote it) is an error, never quietly the defaults.
    pub fn from_stored(json: Option<&str>) -> Result<Self, String> {
        match json {
            None => Ok(Self::default()),
            Some(json) => serde_json::from_str(json).map_err(|e| e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_settings_name_their_field() {
        let with = |f: fn(&mut FollowupSettings)| {
            let mut s = FollowupSettings::default();
            f(&mut s);
            s.rule().unwrap_err().field()
        };
        assert_eq!(with(|s| s.condition = "csat<<2".into()), "condition");
        assert_eq!(with(|s| s.sla_hours = 0), "sla_hours");
        assert_eq!(with(|s| s.working_hours = "9-5".into()), "working_hours");
        assert_eq!(with(|s| s.working_days = "weekdays".into()), "working_days");
        assert_eq!(with(|s| s.causes = vec![]), "causes");
        assert_eq!(with(|s| s.causes = vec!["a".into(), "a".into()]), "causes");
        assert_eq!(with(|s| s.causes = vec!["Product".into()]), "causes");
    }

    #[test]
    fn stored_settings_read_back_and_default_when_absent() {
        let s = FollowupSettings {
            sla_hours: 8,
            ..FollowupSettings::default()
        };
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(FollowupSettings::from_stored(Some(&json)), Ok(s));
        assert_eq!(
            FollowupSettings::from_stored(None),
            Ok(FollowupSettings::default())
        );
        assert!(FollowupSettings::from_stored(Some(r#"{"sla": 3}"#)).is_err());
    }
}
