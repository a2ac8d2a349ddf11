//! Which agents an interaction counts for: the crediting rule.
//!
//! An interaction lists the people who worked on it, in the order they took part (`agents`;
//! bots are not listed — `handled_by` tells whether one took part). Per-agent figures count
//! each interaction for the agents it credits, each with a weight, and the weights of one
//! interaction add up to 1, so that adding up every agent's figures counts each interaction
//! once. Each site picks its rule:
//! - `last` (the default): the last agent listed, with weight 1 — whoever finished the work.
//!   Bots are never listed, so this is the last human agent.
//! - `first`: the first agent listed, with weight 1 — whoever took the interaction on.
//! - `share`: every agent, by their share of the work. Shares given count as given; agents
//!   listed without one split what the others leave (1 minus the shares given) equally. When
//!   every agent has a share and the shares add up to less than 1, they are scaled to add up
//!   to 1 (shares of 0.2 and 0.3 count as 0.4 and 0.6); when they add up to 0, the agents
//!   split the interaction equally. An agent whose weight comes out 0 is left out.
//!
//! An interaction listing no agent counts for no agent, whatever the rule.

use std::fmt;
use std::str::FromStr;

use koe_shared::facts::AgentShare;
use koe_shared::{AgentId, ParseError};
use serde::{Deserialize, Serialize};

/// How a site credits an interaction to its agents (the module documentation states the rule).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Credit {
    /// The last agent listed (the last human agent), wholly.
    #[default]
    Last,
    /// The first agent listed, wholly.
    First,
    /// Every agent by their share of the work.
    Share,
}

impl Credit {
    pub const ALL: &'static [Self] = &[Self::Last, Self::First, Self::Share];

    /// The name used in settings, on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Last => "last",
            Self::First => "first",
            Self::Share => "share",
        }
    }
}

impl FromStr for Credit {
    type Err = ParseError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|rule| rule.as_str() == raw)
            .ok_or_else(|| {
                ParseError::new(
                    "credit",
                    format!(
                        "must be one of last, first, share, got {:?}",
                        raw.chars().take(40).collect::<String>()
                    ),
                )
            })
    }
}

impl fmt::Display for Credit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Each credited agent with their weight, in the order listed; the weights add up to 1 (to
/// floating-point rounding), and no agent listed means no one is credited.
///
/// Meant for the agents of [`super::InteractionFacts`] (each once, shares from 0 to 1 adding
/// up to at most 1), but gives weights adding up to 1 for any list: a share that is negative
/// or not a number counts as 0, and shares adding up to more than 1 are scaled down.
pub fn credited(agents: &[AgentShare], rule: Credit) -> Vec<(AgentId, f64)> {
    let whole = |agent: Option<&AgentShare>| {
        agent
            .map(|a| vec![(a.agent.clone(), 1.0)])
            .unwrap_or_default()
    };
    match rule {
        Credit::Last => whole(agents.last()),
        Credit::First => whole(agents.first()),
        Credit::Share => by_share(agents),
    }
}

fn by_share(agents: &[AgentShare]) -> Vec<(AgentId, f64)> {
    if agents.is_empty() {
        return Vec::new();
    }
    let usable = |share: f64| {
        if share.is_finite() && share > 0.0 {
            share
        } else {
            0.0
        }
    };
    let given: f64 = agents.iter().filter_map(|a| a.share).map(usable).sum();
    let unshared = agents.iter().filter(|a| a.share.is_none()).count();
    let rest = if unshared == 0 {
        0.0
    } else {
        (1.0 - given).max(0.0) / unshared as f64
    };
    let raw: Vec<f64> = agents
        .iter()
        .map(|a| a.share.map_or(rest, usable))
        .collect();
    let total: f64 = raw.iter().sum();
    if total <= 0.0 {
        let each = 1.0 / agents.len() as f64;
        return agents.iter().map(|a| (a.agent.clone(), each)).collect();
    }
    agents
        .iter()
        .zip(raw)
        .filter(|(_, weight)| *weight > 0.0)
        .map(|(a, weight)| (a.agent.clone(), weight / total))
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn agents(list: &[(&str, Option<f64>)]) -> Vec<AgentShare> {
        list.iter()
            .map(|(id, share)| AgentShare {
                agent: AgentId::try_from(*id).unwrap(),
                share: *share,
            })
            .collect()
    }

    /// The credit as (agent, weight) pairs, the weights checked to be `expected` to 1e-9.
    fn assert_credit(got: Vec<(AgentId, f64)>, expected: &[(&str, f64)], what: &str) {
        let got_ids: Vec<&str> = got.iter().map(|(a, _)| a.as_str()).collect();
        let expected_ids: Vec<&str> = expected.iter().map(|(a, _)| *a).collect();
        assert_eq!(got_ids, expected_ids, "{what}");
        for ((agent, weight), (_, want)) in got.iter().zip(expected) {
            assert!(
                (weight - want).abs() < 1e-9,
                "{what}: {agent} got {weight}, expected {want}"
            );
        }
    }

    #[test]
    fn last_and_first_credit_one_agent_wholly() {
        let team = agents(&[("ann", Some(0.7)), ("bo", None), ("cy", Some(0.1))]);
        assert_credit(credited(&team, Credit::Last), &[("cy", 1.0)], "last");
        assert_credit(credited(&team, Credit::First), &[("ann", 1.0)], "first");
        let alone = agents(&[("ann", None)]);
        assert_credit(
            credited(&alone, Credit::Last),
            &[("ann", 1.0)],
            "one agent, last",
        );
        assert_credit(
            credited(&alone, Credit::First),
            &[("ann", 1.0)],
            "one agent, first",
        );
    }

    #[test]
    fn no_agent_means_no_credit_whatever_the_rule() {
        for rule in Credit::ALL {
            assert!(credited(&[], *rule).is_empty(), "{rule}");
        }
    }

    /// What a case is, the agents as sent, and the weights expected.
    type Case = (
        &'static str,
        Vec<AgentShare>,
        &'static [(&'static str, f64)],
    );

    #[test]
    fn shares_count_as_given_and_agents_without_one_split_the_rest() {
        let cases: [Case; 8] = [
            (
                "a share and two agents without",
                agents(&[("ann", Some(0.5)), ("bo", None), ("cy", None)]),
                &[("ann", 0.5), ("bo", 0.25), ("cy", 0.25)],
            ),
            (
                "no shares at all",
                agents(&[("ann", None), ("bo", None)]),
                &[("ann", 0.5), ("bo", 0.5)],
            ),
            (
                "shares adding up to less than 1 are scaled",
                agents(&[("ann", Some(0.2)), ("bo", Some(0.3))]),
                &[("ann", 0.4), ("bo", 0.6)],
            ),
            (
                "shares adding up to 0 split equally",
                agents(&[("ann", Some(0.0)), ("bo", Some(0.0))]),
                &[("ann", 0.5), ("bo", 0.5)],
            ),
            (
                "a zero share is left out",
                agents(&[("ann", Some(0.0)), ("bo", None)]),
                &[("bo", 1.0)],
            ),
            (
                "nothing left for agents without a share",
                agents(&[("ann", Some(1.0)), ("bo", None)]),
                &[("ann", 1.0)],
            ),
            (
                "shares over 1 (never stored) are scaled down",
                agents(&[("ann", Some(0.6)), ("bo", Some(0.6))]),
                &[("ann", 0.5), ("bo", 0.5)],
            ),
            (
                "a negative share (never stored) counts as 0",
                agents(&[("ann", Some(-1.0)), ("bo", Some(0.5))]),
                &[("bo", 1.0)],
            ),
        ];
        for (what, list, expected) in cases {
            assert_credit(credited(&list, Credit::Share), expected, what);
        }
    }

    #[test]
    fn the_default_rule_is_the_last_agent() {
        assert_eq!(Credit::default(), Credit::Last);
        for rule in Credit::ALL {
            assert_eq!(rule.as_str().parse::<Credit>(), Ok(*rule));
            let json = serde_json::to_string(rule).unwrap();
            assert_eq!(json, format!("\"{rule}\""));
            assert_eq!(serde_json::from_str::<Credit>(&json).unwrap(), *rule);
        }
        let err = "Last".parse::<Credit>().unwrap_err().to_string();
        assert!(
            err.starts_with("credit must be one of last, first, share"),
            "{err}"
        );
    }

    fn any_agents() -> impl Strategy<Value = Vec<AgentShare>> {
        proptest::collection::vec(proptest::option::of(-0.5f64..1.5), 0..=25).prop_map(|shares| {
            shares
                .into_iter()
                .enumerate()
                .map(|(i, share)| AgentShare {
                    agent: AgentId::try_from(format!("agent-{i}")).unwrap(),
                    share,
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn every_rule_gives_weights_from_0_to_1_adding_up_to_1(list in any_agents()) {
            for rule in Credit::ALL {
                let credit = credited(&list, *rule);
                prop_assert_eq!(credit.is_empty(), list.is_empty(), "{}", rule);
                if list.is_empty() {
                    continue;
                }
                let total: f64 = credit.iter().map(|(_, w)| w).sum();
                prop_assert!((total - 1.0).abs() < 1e-9, "{}: {:?}", rule, credit);
                for (agent, weight) in &credit {
                    prop_assert!(*weight > 0.0 && *weight <= 1.0 + 1e-9, "{}: {} {}", rule, agent, weight);
                }
            }
        }
    }
}
