//! The group a rollup row counts: a local day and, where given, the agent, team and channel.

use jiff::civil::Date;
use koe_shared::{AgentId, Channel, TeamId};

use crate::responses::ResponseState;

/// A rollup row's key. Storage writes a missing agent, team or channel as `''` (the columns
/// are part of a primary key, which cannot hold NULL); here it is `None`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RollupKey {
    pub day: Date,
    pub agent: Option<AgentId>,
    pub team: Option<TeamId>,
    pub channel: Option<Channel>,
}

impl RollupKey {
    pub fn of_response(response: &ResponseState) -> Self {
        let a = &response.attribution;
        Self {
            day: response.day,
            agent: a.agent.clone(),
            team: a.team.clone(),
            channel: a.channel,
        }
    }

    /// The agent as stored: `''` for none.
    pub fn agent_column(&self) -> &str {
        self.agent.as_ref().map_or("", AgentId::as_str)
    }

    /// The team as stored: `''` for none.
    pub fn team_column(&self) -> &str {
        self.team.as_ref().map_or("", TeamId::as_str)
    }

    /// The channel as stored: `''` for none.
    pub fn channel_column(&self) -> &'static str {
        self.channel.map_or("", Channel::as_str)
    }
}

/// The Monday starting the week of a local day.
pub fn week_of(day: Date) -> Date {
    let back = i64::from(day.weekday().to_monday_zero_offset());
    day.checked_sub(jiff::Span::new().days(back)).unwrap_or(day)
}
