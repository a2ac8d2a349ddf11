//! The survey as a state machine: which step is shown, what was answered, whether it is open.
//! Pure, so every transition is tested natively; sending is the component's side effect.

use std::rc::Rc;

use yew::Reducible;

/// A question the site can ask, in the order they are asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Question {
    Csat,
    Nps,
    Ces,
    Resolved,
    /// Help-article mode: "Did this answer your question?" (stored as `resolved`).
    Article,
    /// The site's own question, when its survey asks one: after the scores, before the comment.
    Own,
    Comment,
}

impl Question {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "csat" => Some(Self::Csat),
            "nps" => Some(Self::Nps),
            "ces" => Some(Self::Ces),
            "resolved" => Some(Self::Resolved),
            "comment" => Some(Self::Comment),
            _ => None,
        }
    }

    /// Every question a site can choose, in asking order.
    const ASKABLE: [Question; 5] = [
        Self::Csat,
        Self::Nps,
        Self::Ces,
        Self::Resolved,
        Self::Comment,
    ];

    /// The chosen questions in asking order, once each; the default is CSAT, NPS, comment.
    /// (Picked from `ASKABLE` rather than sorted: a sort costs the wasm 2.5 KB.)
    pub fn sequence(chosen: &[Question]) -> Vec<Question> {
        if chosen.is_empty() {
            return vec![Self::Csat, Self::Nps, Self::Comment];
        }
        Self::ASKABLE
            .into_iter()
            .filter(|q| chosen.contains(q))
            .collect()
    }

    /// `steps` with the site's own question, when it has one: before the comment, else last
    /// (not in help-article mode, which asks one thing).
    pub fn with_own(mut steps: Vec<Question>, asked: bool) -> Vec<Question> {
        if asked && !steps.contains(&Self::Article) {
            let at = steps.len() - usize::from(steps.last() == Some(&Self::Comment));
            steps.insert(at, Self::Own);
        }
        steps
    }
}

/// One answer, as the customer gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Csat(u8),
    Nps(u8),
    Ces(u8),
    Resolved(bool),
    Comment {
        text: String,
        /// The ids of the site's reasons picked.
        reasons: Vec<String>,
    },
    /// The site's own question: a scale's value picked, or the position of a choice's option.
    Own(u8),
}

impl Answer {
    pub fn question(&self) -> &'static str {
        match self {
            Self::Csat(_) => "csat",
            Self::Nps(_) => "nps",
            Self::Ces(_) => "ces",
            Self::Resolved(_) => "resolved",
            Self::Comment { .. } => "comment",
            Self::Own(_) => "question",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Asking(usize),
    Thanks,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    pub steps: Vec<Question>,
    pub phase: Phase,
    pub csat: Option<u8>,
    pub nps: Option<u8>,
    pub ces: Option<u8>,
    pub resolved: Option<bool>,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// An answer was confirmed (click, Enter or Space); the survey moves on.
    Answered(Answer),
    /// The optional step was skipped.
    Skip,
    ToggleReason(String),
    Close,
}

impl Survey {
    pub fn new(steps: Vec<Question>) -> Self {
        let phase = if steps.is_empty() {
            Phase::Thanks
        } else {
            Phase::Asking(0)
        };
        Self {
            steps,
            phase,
            csat: None,
            nps: None,
            ces: None,
            resolved: None,
            reasons: Vec::new(),
        }
    }

    pub fn current(&self) -> Option<Question> {
        match self.phase {
            Phase::Asking(i) => self.steps.get(i).copied(),
            _ => None,
        }
    }

    /// A low score was given: the comment step offers reason chips.
    pub fn was_unhappy(&self) -> bool {
        self.csat.is_some_and(|v| v <= 2)
            || self.nps.is_some_and(|v| v <= 6)
            || self.resolved == Some(false)
    }

    fn advance(&mut self) {
        if let Phase::Asking(i) = self.phase {
            self.phase = if i + 1 < self.steps.len() {
                Phase::Asking(i + 1)
            } else {
                Phase::Thanks
            };
        }
    }

    pub fn apply(mut self, action: Action) -> Self {
        if self.phase == Phase::Closed {
            return self;
        }
        match action {
            Action::Answered(answer) => {
                match answer {
                    Answer::Csat(v) => self.csat = Some(v),
                    Answer::Nps(v) => self.nps = Some(v),
                    Answer::Ces(v) => self.ces = Some(v),
                    Answer::Resolved(v) => self.resolved = Some(v),
                    Answer::Comment { reasons, .. } => self.reasons = reasons,
                    Answer::Own(_) => {}
                }
                self.advance();
            }
            Action::Skip => self.advance(),
            Action::ToggleReason(reason) => {
                if let Some(at) = self.reasons.iter().position(|r| *r == reason) {
                    self.reasons.remove(at);
                } else {
                    self.reasons.push(reason);
                }
            }
            Action::Close => self.phase = Phase::Closed,
        }
        self
    }
}

impl Reducible for Survey {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        Rc::new((*self).clone().apply(action))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_survey_asks_csat_nps_then_comment() {
        let survey = Survey::new(Question::sequence(&[]));
        assert_eq!(survey.current(), Some(Question::Csat));
        let survey = survey.apply(Action::Answered(Answer::Csat(4)));
        assert_eq!(
            (survey.current(), survey.csat),
            (Some(Question::Nps), Some(4))
        );
        let survey = survey.apply(Action::Answered(Answer::Nps(9)));
        assert_eq!(survey.current(), Some(Question::Comment));
        assert!(!survey.was_unhappy());
        let survey = survey.apply(Action::Answered(Answer::Comment {
            text: "ok".into(),
            reasons: vec![],
        }));
        assert_eq!(survey.phase, Phase::Thanks);
    }

    #[test]
    fn chosen_questions_are_asked_in_canonical_order() {
        let steps = Question::sequence(&[
            Question::Comment,
            Question::Resolved,
            Question::Csat,
            Question::Ces,
            Question::Csat,
        ]);
        assert_eq!(
            steps,
            [
                Question::Csat,
                Question::Ces,
                Question::Resolved,
                Question::Comment
            ]
        );
        assert_eq!(Question::parse("nps"), Some(Question::Nps));
        assert_eq!(Question::parse("mood"), None);
    }

    #[test]
    fn skipping_moves_on_and_closing_is_final() {
        let survey = Survey::new(vec![Question::Csat, Question::Comment]);
        let survey = survey.apply(Action::Skip);
        assert_eq!(survey.current(), Some(Question::Comment));
        let survey = survey.apply(Action::Close);
        assert_eq!(survey.phase, Phase::Closed);
        let survey = survey.apply(Action::Answered(Answer::Csat(5)));
        assert_eq!(
            (survey.phase, survey.csat),
            (Phase::Closed, None),
            "nothing happens after close"
        );
    }

    #[test]
    fn a_low_score_offers_reasons_that_toggle() {
        let survey = Survey::new(vec![Question::Csat, Question::Comment])
            .apply(Action::Answered(Answer::Csat(2)));
        assert!(survey.was_unhappy());
        let survey = survey
            .apply(Action::ToggleReason("slow_reply".into()))
            .apply(Action::ToggleReason("unfriendly".into()));
        assert_eq!(survey.reasons, ["slow_reply", "unfriendly"]);
        let survey = survey.apply(Action::ToggleReason("slow_reply".into()));
        assert_eq!(survey.reasons, ["unfriendly"]);
        assert!(
            Survey::new(vec![])
                .apply(Action::Answered(Answer::Nps(6)))
                .was_unhappy()
        );
    }
}
