//! The summary tables: `rollups` summed over fewer dimensions, for the reads that need fewer.

use koe_shared::Channel;

use super::key::{RollupKey, week_of};

/// The tables that sum `rollups` over fewer dimensions, for reads that need fewer: kept in the
/// same transaction, checked by `koe verify` like `rollups` itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Summary {
    /// `rollups_daily`: per day, agent and channel (no team).
    Daily,
    /// `rollups_weekly`: per week (the Monday that starts it), agent and channel.
    Weekly,
    /// `rollups_daily_agent`: per day and agent; channel `''` for every channel but the help
    /// center, which keeps its rows (its "resolved?" answers are self-resolution).
    DailyByAgent,
    /// `rollups_weekly_agent`: the same per week.
    WeeklyByAgent,
}

impl Summary {
    pub const ALL: [Self; 4] = [
        Self::Daily,
        Self::Weekly,
        Self::DailyByAgent,
        Self::WeeklyByAgent,
    ];

    pub fn table(self) -> &'static str {
        match self {
            Self::Daily => "rollups_daily",
            Self::Weekly => "rollups_weekly",
            Self::DailyByAgent => "rollups_daily_agent",
            Self::WeeklyByAgent => "rollups_weekly_agent",
        }
    }

    /// Rows per week (keyed by its Monday) rather than per day.
    pub fn is_weekly(self) -> bool {
        matches!(self, Self::Weekly | Self::WeeklyByAgent)
    }

    /// The column holding the row's day (`day`, or `week` for its Monday).
    pub fn day_column(self) -> &'static str {
        if self.is_weekly() { "week" } else { "day" }
    }

    /// Rows per agent with no channel split (the help center's rows kept apart).
    pub fn is_by_agent(self) -> bool {
        matches!(self, Self::DailyByAgent | Self::WeeklyByAgent)
    }

    /// The row of this table a `rollups` row adds to (`day` is the week's Monday for weekly).
    pub fn key_of(self, key: &RollupKey) -> RollupKey {
        RollupKey {
            day: match self.is_weekly() {
                true => week_of(key.day),
                false => key.day,
            },
            agent: key.agent.clone(),
            team: None,
            channel: match self.is_by_agent() && key.channel != Some(Channel::HelpCenter) {
                true => None,
                false => key.channel,
            },
        }
    }
}
