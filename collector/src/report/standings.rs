//! Agent standings that do not reward luck: each agent's CSAT shrunk toward their team's (or,
//! without a team, the site's) with an empirical-Bayes beta-binomial prior fitted by the method
//! of moments to the agents of that pool, ranked by the shrunk value, shown beside the raw one
//! and n; an agent whose 95 % interval lies wholly below (or above) the rest of their team is
//! flagged. Two satisfied of two cannot outrank 190 of 200: the prior weighs more than two
//! answers.

use koe_shared::metrics::{self, Estimate};
use serde::Serialize;

/// How a pool's agents spread around its mean, as a beta prior: `mean` and `strength`
/// (α + β, in answers: how much an agent's own answers must outweigh to move away from it).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Prior {
    pub mean: f64,
    pub strength: f64,
}

/// Where an agent stands against the rest of their team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// The agent's whole 95 % interval lies below the rest of the team's CSAT.
    Below,
    /// … above it.
    Above,
}

/// One agent's standing.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Standing {
    pub rank: usize,
    pub agent: String,
    pub team: Option<String>,
    /// Raw CSAT % with its Wilson interval and n.
    pub csat: Estimate,
    /// CSAT % shrunk toward the team's, what the rank follows.
    pub shrunk: f64,
    pub flag: Option<Flag>,
}

pub use super::AgentCounts;

/// The method-of-moments beta prior of a pool of agents (at least one answer each).
pub fn fit_prior(pool: &[&AgentCounts]) -> Option<Prior> {
    let total: u64 = pool.iter().map(|a| a.answered).sum();
    if total == 0 {
        return None;
    }
    let total_f = total as f64;
    let mean = pool.iter().map(|a| a.satisfied).sum::<u64>() as f64 / total_f;
    let k = pool.len() as f64;
    // Between-agent variance: the weighted spread of the agents' rates beyond what binomial
    // sampling alone would give (DerSimonian–Laird style moment estimator).
    let spread: f64 = pool
        .iter()
        .map(|a| {
            let p = a.satisfied as f64 / a.answered as f64;
            a.answered as f64 * (p - mean).powi(2)
        })
        .sum();
    let sum_squares: f64 = pool.iter().map(|a| (a.answered as f64).powi(2)).sum();
    let denominator = total_f - sum_squares / total_f;
    let between = if denominator > 0.0 {
        ((spread - mean * (1.0 - mean) * (k - 1.0)) / denominator).max(0.0)
    } else {
        0.0
    };
    // No spread beyond chance (or a single agent): the pool's mean is all there is to know, but
    // an agent's own answers still count as much as a large team's worth.
    let strength = if between > 0.0 && mean > 0.0 && mean < 1.0 {
        (mean * (1.0 - mean) / between - 1.0).max(1.0)
    } else {
        total_f.max(1.0)
    };
    Some(Prior { mean, strength })
}

/// Ranks agents by CSAT shrunk toward their pool (team; the site for agents without one, and
/// for a team of one), flags those wholly below or above the rest of their team.
pub fn rank(agents: &[AgentCounts]) -> Vec<Standing> {
    let site_pool: Vec<&AgentCounts> = agents.iter().collect();
    let site_prior = fit_prior(&site_pool);
    let mut standings: Vec<Standing> = agents
        .iter()
        .filter_map(|a| {
            let team: Vec<&AgentCounts> = agents
                .iter()
                .filter(|b| a.team.is_some() && b.team == a.team)
                .collect();
            let prior = match team.len() >= 2 {
                true => fit_prior(&team),
                false => site_prior,
            }?;
            let csat = metrics::proportion_percent(a.satisfied, a.answered)?;
            let shrunk = 100.0 * (a.satisfied as f64 + prior.mean * prior.strength)
                / (a.answered as f64 + prior.strength);
            // The rest of the team (or of the site, without one).
            let rest: Vec<&&AgentCounts> = match team.len() >= 2 {
                true => team.iter().filter(|b| b.agent != a.agent).collect(),
                false => site_pool.iter().filter(|b| b.agent != a.agent).collect(),
            };
            let rest_answered: u64 = rest.iter().map(|b| b.answered).sum();
            let flag = (rest_answered > 0).then(|| {
                let rest_csat = 100.0 * rest.iter().map(|b| b.satisfied).sum::<u64>() as f64
                    / rest_answered as f64;
                if csat.high < rest_csat {
                    Some(Flag::Below)
                } else if csat.low > rest_csat {
                    Some(Flag::Above)
                } else {
                    None
                }
            });
            Some(Standing {
                rank: 0,
                agent: a.agent.clone(),
                team: a.team.clone(),
                csat,
                shrunk,
                flag: flag.flatten(),
            })
        })
        .collect();
    standings.sort_by(|a, b| {
        b.shrunk
            .total_cmp(&a.shrunk)
            .then(b.csat.n.cmp(&a.csat.n))
            .then(a.agent.cmp(&b.agent))
    });
    for (i, s) in standings.iter_mut().enumerate() {
        s.rank = i + 1;
    }
    standings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(name: &str, team: Option<&str>, satisfied: u64, answered: u64) -> AgentCounts {
        AgentCounts {
            agent: name.into(),
            team: team.map(Into::into),
            satisfied,
            answered,
        }
    }

    #[test]
    fn two_of_two_never_outranks_190_of_200() {
        let agents = [
            agent("lucky", Some("day"), 2, 2),
            agent("steady", Some("day"), 190, 200),
            agent("aiko", Some("day"), 170, 200),
            agent("ken", Some("day"), 160, 200),
        ];
        let standings = rank(&agents);
        let position = |name: &str| standings.iter().position(|s| s.agent == name).unwrap();
        assert!(position("steady") < position("lucky"), "{standings:#?}");
        let lucky = &standings[position("lucky")];
        assert_eq!(lucky.csat.value, 100.0, "the raw value is shown as it is");
        assert!(lucky.shrunk < 95.0, "{lucky:?}");
        assert_eq!(lucky.flag, None, "two answers prove nothing either way");
    }

    #[test]
    fn twenty_of_a_hundred_among_peers_at_85_is_flagged_below() {
        let agents = [
            agent("struggling", Some("night"), 20, 100),
            agent("a", Some("night"), 85, 100),
            agent("b", Some("night"), 86, 100),
            agent("c", Some("night"), 84, 100),
        ];
        let standings = rank(&agents);
        let struggling = standings.iter().find(|s| s.agent == "struggling").unwrap();
        assert_eq!(struggling.flag, Some(Flag::Below));
        assert_eq!(struggling.rank, 4);
        let c = standings.iter().find(|s| s.agent == "c").unwrap();
        assert_eq!(
            c.flag,
            Some(Flag::Above),
            "84 of 100 against the rest's 191 of 300"
        );
    }

    #[test]
    fn the_prior_is_the_pools_mean_and_grows_firm_when_agents_agree() {
        let alike = [
            agent("a", None, 80, 100),
            agent("b", None, 81, 100),
            agent("c", None, 79, 100),
        ];
        let prior = fit_prior(&alike.iter().collect::<Vec<_>>()).unwrap();
        assert!((prior.mean - 0.8).abs() < 1e-9);
        let apart = [
            agent("a", None, 95, 100),
            agent("b", None, 50, 100),
            agent("c", None, 95, 100),
        ];
        let spread = fit_prior(&apart.iter().collect::<Vec<_>>()).unwrap();
        assert!(spread.strength < prior.strength, "{spread:?} vs {prior:?}");
        assert!(spread.strength >= 1.0);
    }
}
