//! One response per (site, interaction), and how later submissions merge into it.

use koe_shared::{
    AgentId, CesScore, Channel, Comment, CsatScore, InteractionId, Locale, NpsScore, Reasons,
    Resolved, Submission, SubmissionStatus, TeamId,
};

/// Who handled the interaction, and whether a signed token vouches for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attribution {
    pub agent: Option<AgentId>,
    pub team: Option<TeamId>,
    pub channel: Option<Channel>,
    /// Every field above came from a valid attribution token.
    pub verified: bool,
}

/// The answers one submission carries; `None` (or no reasons) means "not answered now".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answers {
    pub csat: Option<CsatScore>,
    pub nps: Option<NpsScore>,
    pub ces: Option<CesScore>,
    pub resolved: Option<Resolved>,
    pub comment: Option<Comment>,
    pub reasons: Reasons,
    pub locale: Option<Locale>,
}

impl Answers {
    pub fn from_submission(submission: &Submission) -> Self {
        Self {
            csat: submission.csat,
            nps: submission.nps,
            ces: submission.ces,
            resolved: submission.resolved,
            comment: submission.comment.clone(),
            reasons: submission.reasons.clone(),
            locale: submission.locale,
        }
    }

    /// Lays `newer` over these answers: what it answers replaces, the rest stays.
    fn overlaid_with(&self, newer: &Self) -> Self {
        Self {
            csat: newer.csat.or(self.csat),
            nps: newer.nps.or(self.nps),
            ces: newer.ces.or(self.ces),
            resolved: newer.resolved.or(self.resolved),
            comment: newer.comment.clone().or_else(|| self.comment.clone()),
            reasons: if newer.reasons.is_empty() {
                self.reasons.clone()
            } else {
                newer.reasons.clone()
            },
            locale: newer.locale.or(self.locale),
        }
    }
}

/// What sent a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    /// The embedded widget.
    Widget,
    /// A person confirming on the hosted survey page.
    Browser,
    /// A link scanner, going by its user agent or its timing.
    SuspectedScanner,
}

impl Client {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Widget => "widget",
            Self::Browser => "browser",
            Self::SuspectedScanner => "suspected_scanner",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "widget" => Some(Self::Widget),
            "browser" => Some(Self::Browser),
            "suspected_scanner" => Some(Self::SuspectedScanner),
            _ => None,
        }
    }
}

/// Where a write came from, and whether it is flagged (kept and listed, never counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    pub client: Client,
    pub flagged: bool,
}

impl Source {
    pub const WIDGET: Self = Self {
        client: Client::Widget,
        flagged: false,
    };
}

/// A stored response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseState {
    pub attribution: Attribution,
    pub answers: Answers,
    /// The latest sender; flagged only while every write so far was suspect.
    pub source: Source,
    /// The local day (site time zone) of the first answer; the response counts in that day.
    pub day: jiff::civil::Date,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// A checked submission, ready to be merged into storage.
#[derive(Debug, Clone)]
pub struct AnswerWrite {
    pub site_id: i64,
    pub interaction: InteractionId,
    pub attribution: Attribution,
    pub answers: Answers,
    /// Today in the site's time zone.
    pub day: jiff::civil::Date,
    pub now_ms: i64,
    pub edit_window_ms: i64,
    pub source: Source,
}

/// Why a submission cannot change the stored response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MergeConflict {
    #[error("this response can no longer be changed: its edit window has closed")]
    EditWindowClosed,
    #[error(
        "the agent, team or channel differs from what this interaction already has; only a signed token may change them"
    )]
    AttributionConflict,
}

/// What a write leaves: the interaction's response, the one that counts unless it is flagged,
/// and an answer kept aside — flagged, listed, never counted — when a suspected scanner and a
/// person both answered. A scanner's answer never replaces a person's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    pub response: ResponseState,
    pub set_aside: Option<ResponseState>,
}

impl AnswerWrite {
    /// The interaction's response after this write: new when there was none, merged
    /// otherwise. A flagged write onto a counted response leaves it as it is and is kept
    /// aside; a person's write onto a flagged one replaces the suspect answers, which are
    /// kept aside.
    pub fn apply_to(&self, existing: Option<&ResponseState>) -> Result<Merged, MergeConflict> {
        let fresh = |attribution: Attribution, day, created_at_ms| ResponseState {
            attribution,
            answers: Answers::default().overlaid_with(&self.answers),
            source: self.source,
            day,
            created_at_ms,
            updated_at_ms: self.now_ms,
        };
        let Some(existing) = existing else {
            return Ok(Merged {
                response: fresh(self.attribution.clone(), self.day, self.now_ms),
                set_aside: None,
            });
        };
        if self.now_ms - existing.created_at_ms > self.edit_window_ms {
            return Err(MergeConflict::EditWindowClosed);
        }
        let attribution = merge_attribution(&existing.attribution, &self.attribution)?;
        Ok(match (existing.source.flagged, self.source.flagged) {
            // A suspected scanner where a person has answered: the person's answers stand.
            (false, true) => Merged {
                response: existing.clone(),
                set_aside: Some(fresh(
                    existing.attribution.clone(),
                    existing.day,
                    self.now_ms,
                )),
            },
            // A person where only suspect answers were: theirs replace them.
            (true, false) => Merged {
                response: fresh(attribution, existing.day, existing.created_at_ms),
                set_aside: Some(existing.clone()),
            },
            _ => Merged {
                response: ResponseState {
                    attribution,
                    answers: existing.answers.overlaid_with(&self.answers),
                    source: self.source,
                    day: existing.day,
                    created_at_ms: existing.created_at_ms,
                    updated_at_ms: self.now_ms,
                },
                set_aside: None,
            },
        })
    }

    pub fn status(existing: Option<&ResponseState>) -> SubmissionStatus {
        if existing.is_some() {
            SubmissionStatus::Updated
        } else {
            SubmissionStatus::Created
        }
    }
}

/// A signed attribution replaces what it carries; a field its token leaves out stays as
/// stored (an absent field is not a claim that there is none). An unsigned one may only
/// repeat what is stored, or fill in fields an unsigned response left empty.
fn merge_attribution(
    stored: &Attribution,
    incoming: &Attribution,
) -> Result<Attribution, MergeConflict> {
    if incoming.verified {
        let kept_unsigned = !stored.verified
            && ((incoming.agent.is_none() && stored.agent.is_some())
                || (incoming.team.is_none() && stored.team.is_some())
                || (incoming.channel.is_none() && stored.channel.is_some()));
        return Ok(Attribution {
            agent: incoming.agent.clone().or_else(|| stored.agent.clone()),
            team: incoming.team.clone().or_else(|| stored.team.clone()),
            channel: incoming.channel.or(stored.channel),
            verified: !kept_unsigned,
        });
    }
    fn field<T: Clone + PartialEq>(
        stored: &Option<T>,
        incoming: &Option<T>,
        may_fill: bool,
    ) -> Result<Option<T>, MergeConflict> {
        match (stored, incoming) {
            (_, None) => Ok(stored.clone()),
            (Some(s), Some(i)) if s == i => Ok(stored.clone()),
            (None, Some(_)) if may_fill => Ok(incoming.clone()),
            _ => Err(MergeConflict::AttributionConflict),
        }
    }
    let may_fill = !stored.verified;
    Ok(Attribution {
        agent: field(&stored.agent, &incoming.agent, may_fill)?,
        team: field(&stored.team, &incoming.team, may_fill)?,
        channel: field(&stored.channel, &incoming.channel, may_fill)?,
        verified: stored.verified,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY_MS: i64 = 86_400_000;

    fn write(now_ms: i64, attribution: Attribution, answers: Answers) -> AnswerWrite {
        AnswerWrite {
            site_id: 1,
            interaction: InteractionId::try_from("i-1").unwrap(),
            attribution,
            answers,
            day: "2026-11-26".parse().unwrap(),
            now_ms,
            edit_window_ms: 7 * DAY_MS,
            source: Source::WIDGET,
        }
    }

    fn agent(name: &str, verified: bool) -> Attribution {
        Attribution {
            agent: Some(AgentId::try_from(name).unwrap()),
            verified,
            ..Attribution::default()
        }
    }

    fn csat(v: u8) -> Answers {
        Answers {
            csat: Some(CsatScore::try_from(v).unwrap()),
            ..Answers::default()
        }
    }

    #[test]
    fn later_answers_merge_and_replace() {
        let first = write(0, agent("a", false), csat(2))
            .apply_to(None)
            .unwrap()
            .response;
        let nps = Answers {
            nps: Some(NpsScore::try_from(9).unwrap()),
            ..Answers::default()
        };
        let second = write(DAY_MS, Attribution::default(), nps)
            .apply_to(Some(&first))
            .unwrap()
            .response;
        assert_eq!(second.answers.csat, first.answers.csat);
        assert_eq!(second.answers.nps.map(u8::from), Some(9));
        assert_eq!(second.attribution, first.attribution);
        assert_eq!(
            (
                second.day.to_string(),
                second.created_at_ms,
                second.updated_at_ms
            ),
            ("2026-11-26".to_owned(), 0, DAY_MS)
        );
        let third = write(2 * DAY_MS, Attribution::default(), csat(5))
            .apply_to(Some(&second))
            .unwrap()
            .response;
        assert_eq!(third.answers.csat.map(u8::from), Some(5));
    }

    #[test]
    fn the_edit_window_closes_after_its_length() {
        let first = write(0, Attribution::default(), csat(3))
            .apply_to(None)
            .unwrap()
            .response;
        assert!(
            write(7 * DAY_MS, Attribution::default(), csat(4))
                .apply_to(Some(&first))
                .is_ok()
        );
        assert_eq!(
            write(7 * DAY_MS + 1, Attribution::default(), csat(4))
                .apply_to(Some(&first))
                .map(|m| m.response),
            Err(MergeConflict::EditWindowClosed)
        );
    }

    #[test]
    fn a_token_that_leaves_a_field_out_keeps_the_stored_one() {
        let signed = Attribution {
            agent: Some(AgentId::try_from("ken").unwrap()),
            team: Some(TeamId::try_from("night").unwrap()),
            channel: Some(Channel::Email),
            verified: true,
        };
        let first = write(0, signed.clone(), csat(4))
            .apply_to(None)
            .unwrap()
            .response;
        // A later token signs the channel only.
        let channel_only = Attribution {
            channel: Some(Channel::Phone),
            verified: true,
            ..Attribution::default()
        };
        let merged = write(1, channel_only.clone(), csat(5))
            .apply_to(Some(&first))
            .unwrap()
            .response;
        assert_eq!(
            merged.attribution,
            Attribution {
                channel: Some(Channel::Phone),
                ..signed
            },
            "the signed agent and team stay"
        );
        // Kept unsigned fields are not vouched for by the token.
        let unsigned = write(0, agent("eve", false), csat(4))
            .apply_to(None)
            .unwrap()
            .response;
        let merged = write(1, channel_only, csat(5))
            .apply_to(Some(&unsigned))
            .unwrap()
            .response;
        assert_eq!(merged.attribution.agent, agent("eve", false).agent);
        assert!(!merged.attribution.verified);
    }

    #[test]
    fn only_signed_attribution_changes_attribution() {
        let unsigned = write(0, agent("a", false), csat(3))
            .apply_to(None)
            .unwrap()
            .response;
        assert_eq!(
            write(1, agent("b", false), csat(3))
                .apply_to(Some(&unsigned))
                .map(|m| m.response),
            Err(MergeConflict::AttributionConflict)
        );
        let signed = write(1, agent("b", true), csat(3))
            .apply_to(Some(&unsigned))
            .unwrap()
            .response;
        assert_eq!(signed.attribution, agent("b", true));
        let filled = write(
            2,
            Attribution {
                channel: Some(Channel::Chat),
                ..Attribution::default()
            },
            csat(3),
        )
        .apply_to(Some(&unsigned))
        .unwrap()
        .response;
        assert_eq!(filled.attribution.channel, Some(Channel::Chat));
        let fill_signed = write(
            2,
            Attribution {
                channel: Some(Channel::Chat),
                ..Attribution::default()
            },
            csat(3),
        )
        .apply_to(Some(&signed))
        .map(|m| m.response);
        assert_eq!(
            fill_signed,
            Err(MergeConflict::AttributionConflict),
            "unsigned fields cannot join a signed response"
        );
    }
}

#[cfg(test)]
mod scanner_tests {
    use super::*;

    fn write(now_ms: i64, csat: u8, flagged: bool) -> AnswerWrite {
        AnswerWrite {
            site_id: 1,
            interaction: InteractionId::try_from("i-1").unwrap(),
            attribution: Attribution::default(),
            answers: Answers {
                csat: Some(CsatScore::try_from(csat).unwrap()),
                ..Answers::default()
            },
            day: "2026-11-26".parse().unwrap(),
            now_ms,
            edit_window_ms: 86_400_000,
            source: Source {
                client: if flagged {
                    Client::SuspectedScanner
                } else {
                    Client::Browser
                },
                flagged,
            },
        }
    }

    #[test]
    fn a_scanners_answer_never_replaces_a_persons() {
        let person = write(0, 5, false).apply_to(None).unwrap().response;
        let merged = write(10, 1, true).apply_to(Some(&person)).unwrap();
        assert_eq!(
            merged.response, person,
            "the person's answer stands, counted"
        );
        let aside = merged
            .set_aside
            .expect("the scanner's answer is kept aside");
        assert_eq!(aside.answers.csat.map(u8::from), Some(1));
        assert!(aside.source.flagged);
    }

    #[test]
    fn a_persons_answer_replaces_a_scanners_which_is_kept_aside() {
        let scanner = write(0, 1, true).apply_to(None).unwrap().response;
        let merged = write(10, 4, false).apply_to(Some(&scanner)).unwrap();
        assert_eq!(merged.response.answers.csat.map(u8::from), Some(4));
        assert!(!merged.response.source.flagged, "counted from now on");
        assert_eq!(merged.set_aside, Some(scanner));
    }
}
