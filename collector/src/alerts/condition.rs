//! When a webhook fires: a small condition language over one response's answers, e.g.
//! `csat<=2 or nps<=6 or resolved=false`. Terms compare `csat`, `nps`, `ces` (numbers, with
//! `<`, `<=`, `=`, `!=`, `>=`, `>`) or `resolved` (`=`/`!=` `true`/`false`), and `comment`
//! (`comment=true`: a comment was left); `and` binds tighter than `or`. A term about an answer
//! not given is false. Parsed once, where the webhook is added, so a stored condition is valid.

use std::fmt;

use koe_shared::Resolved;

use crate::responses::Answers;

/// A parsed condition: any of its groups holds, a group when all its terms do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    any: Vec<Vec<Term>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Term {
    Score(Score, Op, u8),
    Resolved(bool, bool),
    Comment(bool, bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Score {
    Csat,
    Nps,
    Ces,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Lt,
    Le,
    Eq,
    Ne,
    Ge,
    Gt,
}

/// Why a condition does not parse: the term and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad condition term {term:?}: {why}")]
pub struct ConditionError {
    term: String,
    why: &'static str,
}

impl Condition {
    pub fn parse(text: &str) -> Result<Self, ConditionError> {
        let words: Vec<&str> = text.split_whitespace().collect();
        if words.is_empty() {
            return Err(ConditionError {
                term: text.into(),
                why: "a condition needs at least one term, e.g. csat<=2",
            });
        }
        let mut any = vec![Vec::new()];
        let mut expect_term = true;
        for word in rejoin(&words) {
            let lower = word.to_ascii_lowercase();
            match (expect_term, lower.as_str()) {
                (false, "or") => any.push(Vec::new()),
                (false, "and") => {}
                (true, _) => any.last_mut().expect("a group").push(Term::parse(&word)?),
                (false, _) => {
                    return Err(ConditionError {
                        term: word,
                        why: "terms are joined by `and` or `or`",
                    });
                }
            }
            expect_term = !expect_term;
        }
        if expect_term {
            return Err(ConditionError {
                term: text.into(),
                why: "the condition ends with `and` or `or`",
            });
        }
        Ok(Self { any })
    }

    /// Whether a response with these answers is in the condition.
    pub fn holds(&self, answers: &Answers) -> bool {
        self.any
            .iter()
            .any(|all| all.iter().all(|term| term.holds(answers)))
    }
}

/// Joins `csat <= 2` written with spaces back into one term.
fn rejoin(words: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let is_op = |w: &str| w.chars().all(|c| matches!(c, '<' | '>' | '=' | '!'));
    for word in words {
        let glue = out.last().is_some_and(|last| {
            last.ends_with(['<', '>', '=']) || is_op(word) || word.starts_with(['<', '>', '=', '!'])
        });
        match (glue, out.last_mut()) {
            (true, Some(last)) => last.push_str(word),
            _ => out.push((*word).to_owned()),
        }
    }
    out
}

impl Term {
    fn parse(word: &str) -> Result<Self, ConditionError> {
        let bad = |why| ConditionError {
            term: word.into(),
            why,
        };
        let at = word
            .find(['<', '>', '=', '!'])
            .ok_or_else(|| bad("a term is FIELD OP VALUE, e.g. csat<=2"))?;
        let (field, rest) = word.split_at(at);
        let (op, value) = [
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("!=", Op::Ne),
            ("<", Op::Lt),
            (">", Op::Gt),
            ("=", Op::Eq),
        ]
        .into_iter()
        .find_map(|(text, op)| rest.strip_prefix(text).map(|v| (op, v)))
        .ok_or_else(|| bad("the operator is one of < <= = != >= >"))?;
        let flag = |value: &str| match value.to_ascii_lowercase().as_str() {
            "true" | "yes" => Ok(true),
            "false" | "no" => Ok(false),
            _ => Err(bad("compare with true or false")),
        };
        let equality = |op| match op {
            Op::Eq => Ok(true),
            Op::Ne => Ok(false),
            _ => Err(bad("true/false answers compare with = or != only")),
        };
        let (score, range) = match field.to_ascii_lowercase().as_str() {
            "resolved" => return Ok(Self::Resolved(flag(value)?, equality(op)?)),
            "comment" => return Ok(Self::Comment(flag(value)?, equality(op)?)),
            "csat" => (Score::Csat, 1..=5),
            "nps" => (Score::Nps, 0..=10),
            "ces" => (Score::Ces, 1..=7),
            _ => return Err(bad("the field is csat, nps, ces, resolved or comment")),
        };
        let value: u8 = value
            .parse()
            .map_err(|_| bad("the value is a whole number"))?;
        if !range.contains(&value) {
            return Err(bad(
                "the value is off the scale (CSAT 1-5, NPS 0-10, CES 1-7)",
            ));
        }
        Ok(Self::Score(score, op, value))
    }

    fn holds(&self, answers: &Answers) -> bool {
        match *self {
            Self::Score(score, op, value) => {
                let given = match score {
                    Score::Csat => answers.csat.map(u8::from),
                    Score::Nps => answers.nps.map(u8::from),
                    Score::Ces => answers.ces.map(u8::from),
                };
                given.is_some_and(|v| match op {
                    Op::Lt => v < value,
                    Op::Le => v <= value,
                    Op::Eq => v == value,
                    Op::Ne => v != value,
                    Op::Ge => v >= value,
                    Op::Gt => v > value,
                })
            }
            Self::Resolved(wanted, equal) => answers
                .resolved
                .is_some_and(|r| ((r == Resolved::Yes) == wanted) == equal),
            Self::Comment(wanted, equal) => (answers.comment.is_some() == wanted) == equal,
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, all) in self.any.iter().enumerate() {
            if i > 0 {
                f.write_str(" or ")?;
            }
            for (j, term) in all.iter().enumerate() {
                if j > 0 {
                    f.write_str(" and ")?;
                }
                write!(f, "{term}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = |op: Op| match op {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Ge => ">=",
            Op::Gt => ">",
        };
        match *self {
            Self::Score(score, o, v) => {
                let name = match score {
                    Score::Csat => "csat",
                    Score::Nps => "nps",
                    Score::Ces => "ces",
                };
                write!(f, "{name}{}{v}", op(o))
            }
            Self::Resolved(value, equal) => {
                write!(f, "resolved{}{value}", if equal { "=" } else { "!=" })
            }
            Self::Comment(value, equal) => {
                write!(f, "comment{}{value}", if equal { "=" } else { "!=" })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use koe_shared::{Comment, CsatScore, NpsScore};

    fn answers(csat: Option<u8>, nps: Option<u8>, resolved: Option<bool>) -> Answers {
        Answers {
            csat: csat.map(|v| CsatScore::try_from(v).unwrap()),
            nps: nps.map(|v| NpsScore::try_from(v).unwrap()),
            resolved: resolved.map(|r| if r { Resolved::Yes } else { Resolved::No }),
            ..Answers::default()
        }
    }

    #[test]
    fn the_issue_example_holds_for_any_unhappy_answer() {
        let c = Condition::parse("csat<=2 or nps<=6 or resolved=false").unwrap();
        assert!(c.holds(&answers(Some(2), None, None)));
        assert!(c.holds(&answers(Some(5), Some(6), None)));
        assert!(c.holds(&answers(Some(5), Some(9), Some(false))));
        assert!(!c.holds(&answers(Some(5), Some(9), Some(true))));
        assert!(!c.holds(&answers(None, None, None)), "nothing answered yet");
        assert_eq!(c.to_string(), "csat<=2 or nps<=6 or resolved=false");
    }

    #[test]
    fn and_binds_tighter_than_or_and_spaces_are_allowed() {
        let c = Condition::parse("csat <= 2 and comment = true OR nps < 3").unwrap();
        assert_eq!(c.to_string(), "csat<=2 and comment=true or nps<3");
        let mut low_with_comment = answers(Some(1), None, None);
        assert!(!c.holds(&low_with_comment));
        low_with_comment.comment = Some(Comment::try_from("slow").unwrap());
        assert!(c.holds(&low_with_comment));
        assert!(c.holds(&answers(None, Some(2), None)));
    }

    #[test]
    fn bad_conditions_say_what_is_wrong() {
        for (text, why) in [
            ("", "at least one term"),
            ("csat<=9", "off the scale"),
            ("mood<3", "the field is"),
            ("csat<=2 or", "ends with"),
            ("csat<=2 nps<=6", "joined by"),
            ("resolved<true", "= or !="),
            ("csat=~2", "whole number"),
            ("csat", "FIELD OP VALUE"),
        ] {
            let error = Condition::parse(text).unwrap_err().to_string();
            assert!(error.contains(why), "{text:?}: {error}");
        }
    }
}
