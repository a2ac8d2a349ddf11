//! Chatwoot's CSAT report download (`app/views/api/v1/accounts/csat_survey_responses/
//! download.csv.erb` in chatwoot/chatwoot, English headers from `config/locales/en.yml`):
//!
//! ```text
//! Agent Name,Rating,Feedback Comment,Contact Name,Contact Email Address,Contact Phone Number,Link to the conversation,Recorded date[,Review Notes]
//! Jane Doe (jane@acme.com),2,Too slow,…,https://chat.acme.com/app/accounts/1/conversations/42,2024-05-01 10:15:30 UTC
//! Reporting period 2024-05-01 to 2024-05-31
//! ```
//!
//! The agent, written "Name (email)", becomes the agent id by its email (unique, and stable
//! when a name changes); the conversation link's account and number become the interaction
//! (`chatwoot-1-42`); contact fields are personal data Koe does not need, and are ignored; the
//! rating is CSAT 1–5; the trailing period line is skipped.

use koe_shared::{AgentId, InteractionId};

use super::values::{self, optional};
use super::{BadLine, ImportError, ImportedAnswer, Line, LineReader, ReadOptions};
use crate::responses::{Answers, Attribution};

const AGENT: &str = "Agent Name";
const RATING: &str = "Rating";
const FEEDBACK: &str = "Feedback Comment";
const LINK: &str = "Link to the conversation";
const RECORDED: &str = "Recorded date";

#[derive(Debug)]
pub struct Chatwoot {
    agent: usize,
    rating: usize,
    feedback: usize,
    link: usize,
    recorded: usize,
    options: ReadOptions,
}

impl Chatwoot {
    pub fn new(header: &csv::StringRecord, options: ReadOptions) -> Result<Self, ImportError> {
        let find = |name: &str| {
            header.iter().position(|h| h.trim() == name).ok_or_else(|| {
                ImportError::Header(format!(
                    "this is not Chatwoot's CSAT report (English): it has no {name:?} column"
                ))
            })
        };
        Ok(Self {
            agent: find(AGENT)?,
            rating: find(RATING)?,
            feedback: find(FEEDBACK)?,
            link: find(LINK)?,
            recorded: find(RECORDED)?,
            options,
        })
    }

    fn answer(&self, line: u64, record: &csv::StringRecord) -> Result<ImportedAnswer, BadLine> {
        let get = |i: usize| record.get(i).unwrap_or_default();
        let csat = optional(line, RATING, get(self.rating), values::csat)?
            .ok_or_else(|| BadLine::new(line, RATING, "no rating"))?;
        let at_ms = recorded_at(get(self.recorded), &self.options)
            .map_err(|why| BadLine::new(line, RECORDED, why))?;
        let interaction = conversation(get(self.link))
            .map_err(|why| BadLine::new(line, LINK, why))?
            .unwrap_or_else(|| super::derived_interaction("chatwoot", record));
        let agent = optional(line, AGENT, get(self.agent), agent_of)?;
        Ok(ImportedAnswer {
            interaction,
            attribution: Attribution {
                agent,
                channel: self.options.channel,
                ..Attribution::default()
            },
            answers: Answers {
                csat: Some(csat),
                comment: optional(line, FEEDBACK, get(self.feedback), values::comment)?,
                ..Answers::default()
            },
            at_ms,
            flagged: false,
        })
    }
}

impl LineReader for Chatwoot {
    fn read(&self, line: u64, record: &csv::StringRecord) -> Line {
        if record.len() == 1
            && record
                .get(0)
                .is_some_and(|c| c.starts_with("Reporting period "))
        {
            return Line::Skipped;
        }
        match self.answer(line, record) {
            Ok(answer) => Line::Answer(Box::new(answer)),
            Err(bad) => Line::Bad(bad),
        }
    }
}

/// "Jane Doe (jane@acme.com)" → `jane@acme.com`; a cell without an email → the name.
fn agent_of(cell: &str) -> Result<AgentId, String> {
    let email = cell
        .rsplit_once(" (")
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .filter(|e| e.contains('@'));
    values::agent(email.unwrap_or(cell))
}

/// `…/app/accounts/1/conversations/42` → `chatwoot-1-42`; empty → `None`.
fn conversation(cell: &str) -> Result<Option<InteractionId>, String> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Ok(None);
    }
    let parts: Vec<&str> = cell.trim_end_matches('/').split('/').collect();
    let at = parts
        .iter()
        .rposition(|p| *p == "conversations")
        .filter(|&i| i >= 2 && parts[i - 2] == "accounts" && i + 1 < parts.len())
        .ok_or_else(|| {
            format!(
                "{} is not a Chatwoot conversation link",
                values::shown(cell)
            )
        })?;
    let (account, number) = (parts[at - 1], parts[at + 1]);
    if !account.bytes().all(|b| b.is_ascii_digit()) || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{} is not a Chatwoot conversation link",
            values::shown(cell)
        ));
    }
    InteractionId::try_from(format!("chatwoot-{account}-{number}").as_str())
        .map(Some)
        .map_err(|e| e.to_string())
}

/// Rails writes `2024-05-01 10:15:30 UTC`, or with an offset (`+0530`) where a zone is set.
fn recorded_at(cell: &str, options: &ReadOptions) -> Result<i64, String> {
    let cell = cell.trim();
    if let Some(utc) = cell.strip_suffix(" UTC") {
        let local: jiff::civil::DateTime = utc
            .parse()
            .map_err(|_| format!("{} is not a Chatwoot time", values::shown(cell)))?;
        return local
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp().as_millisecond())
            .map_err(|e| e.to_string());
    }
    if let Ok(at) =
        jiff::fmt::strtime::parse("%Y-%m-%d %H:%M:%S %z", cell).and_then(|t| t.to_timestamp())
    {
        return Ok(at.as_millisecond());
    }
    super::dates::parse(cell, &options.dates, &options.zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_links_and_times_as_chatwoot_writes_them() {
        assert_eq!(
            agent_of("Jane (Ops) Doe (jane@acme.com)").unwrap().as_str(),
            "jane@acme.com"
        );
        assert_eq!(agent_of("Bot").unwrap().as_str(), "Bot");
        assert_eq!(
            conversation("https://chat.acme.com/app/accounts/3/conversations/42")
                .unwrap()
                .unwrap()
                .as_str(),
            "chatwoot-3-42"
        );
        assert!(conversation("https://example.com/ticket/9").is_err());
        assert_eq!(conversation("").unwrap(), None);
        let options = ReadOptions {
            zone: crate::sites::SiteTimeZone::parse("Asia/Tokyo").unwrap(),
            dates: Default::default(),
            channel: None,
        };
        let utc = recorded_at("2024-05-01 10:15:30 UTC", &options).unwrap();
        assert_eq!(
            recorded_at("2024-05-01 15:45:30 +0530", &options).unwrap(),
            utc
        );
    }
}
