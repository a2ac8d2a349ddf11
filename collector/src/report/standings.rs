//! Agent standings that do not reward luck: each agent's CSAT shrunk toward their team's (or,
//! without a team, the site's) with an empirical-Bayes beta-binomial prior fitted by the method
//! of moments to the agents of that pool, ranked by the shrunk value, shown beside the raw one
//! and n. Two satisfied of two cannot outrank 190 of 200: the prior weighs more than two
//! answers.
//!
//! One row per agent: storage gives CSAT counts per (agent, team), and [`by_agent`] gathers
//! each agent's into one — every answer of theirs, with a team or without — listed under the
//! team they have the most answers with in the range (ties: the one they answered under last).
//!
//! An agent is flagged `below` (`above`) the rest of their team only when the 95 % interval of
//! the difference, agent − rest (Newcombe's, as for periods: `koe_shared::compare`), leaves 0
//! out: 9 of 10 beside a colleague at 10 of 10 is not evidence of anything.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use koe_shared::compare::{self, Verdict};
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
    /// The 95 % interval of (agent − rest of the team) lies wholly below 0.
    Below,
    /// … wholly above 0.
    Above,
}

/// An agent's CSAT against the rest of their team (of the site, for an agent without a team
/// or alone in theirs): the rest's CSAT and the difference with its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AgainstTeam {
    /// The rest's CSAT % with its Wilson interval and n (their answers, the agent's left out).
    pub rest: Estimate,
    /// Agent − rest, in percentage points.
    #[serde(serialize_with = "metrics::serialize_rounded")]
    pub difference: f64,
    /// Newcombe's hybrid score interval (95 %) of the difference.
    #[serde(serialize_with = "metrics::serialize_rounded")]
    pub low: f64,
    #[serde(serialize_with = "metrics::serialize_rounded")]
    pub high: f64,
}

/// One agent's standing.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Standing {
    pub rank: usize,
    pub agent: String,
    /// The team the agent is listed under: the one with most of their answers in the range.
    pub team: Option<String>,
    /// Raw CSAT % with its Wilson interval and n.
    pub csat: Estimate,
    /// CSAT % shrunk toward the team's, what the rank follows.
    #[serde(serialize_with = "metrics::serialize_rounded")]
    pub shrunk: f64,
    /// The agent against the rest of the team; absent when the rest has no answers.
    pub against_team: Option<AgainstTeam>,
    pub flag: Option<Flag>,
    /// The service facts of the interactions credited to the agent in the range (the site's
    /// crediting rule), beside their CSAT: "many handled, low resolution" shows here. Absent
    /// when no facts credit them.
    pub service: Option<AgentService>,
}

/// An agent's service figures in a range (docs/metrics.md, "Service facts").
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AgentService {
    /// Interactions credited to the agent (a share counts as its part).
    #[serde(serialize_with = "metrics::serialize_rounded")]
    pub handled: f64,
    /// Resolved ÷ handled, in percent.
    pub resolution_rate: Option<Estimate>,
    /// Median first response time.
    pub frt_median: Option<super::service::Percentile>,
}

/// The standings of a range, as the API, `koe report --standings` and its CSV give them.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Standings {
    pub site: String,
    /// First local day of the range.
    pub from: String,
    /// Last local day of the range.
    pub to: String,
    /// Best first.
    pub agents: Vec<Standing>,
}

pub use super::AgentCounts;

/// Which of an agent's team rows names the team they are listed under: more answers first,
/// then the later last answer, then the team's name (first in order), so the choice never
/// depends on the order storage gave the rows in.
fn listed_under(a: &AgentCounts, b: &AgentCounts) -> Ordering {
    a.answered
        .cmp(&b.answered)
        .then(a.last_day.cmp(&b.last_day))
        .then(b.team.cmp(&a.team))
}

/// Each agent's rows — one per team they answered under, and one for answers given without a
/// team (imports, rating links without one) — gathered into one: all their answers, under the
/// team with the most of them in the range (ties: the one they answered under last), or none
/// when no answer named a team. Agents come out in name order.
pub fn by_agent(rows: &[AgentCounts]) -> Vec<AgentCounts> {
    let mut agents: BTreeMap<&str, AgentCounts> = BTreeMap::new();
    let mut teams: BTreeMap<&str, &AgentCounts> = BTreeMap::new();
    for row in rows {
        agents
            .entry(row.agent.as_str())
            .and_modify(|agent| {
                agent.satisfied += row.satisfied;
                agent.answered += row.answered;
                agent.last_day = agent.last_day.max(row.last_day);
            })
            .or_insert_with(|| AgentCounts {
                team: None,
                ..row.clone()
            });
        if row.team.is_some() {
            let best = teams.entry(row.agent.as_str()).or_insert(row);
            if listed_under(row, best) == Ordering::Greater {
                *best = row;
            }
        }
    }
    agents
        .into_iter()
        .map(|(name, mut agent)| {
            agent.team = teams.get(name).and_then(|row| row.team.clone());
            agent
        })
        .collect()
}

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

/// Ranks agents (one row each: [`by_agent`]) by CSAT shrunk toward their pool (team; the site
/// for agents without one, and for a team of one), and flags those whose difference from the
/// rest of that pool is clear at 95 % (Newcombe).
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
            let (prior, pool) = match team.len() >= 2 {
                true => (fit_prior(&team), &team),
                false => (site_prior, &site_pool),
            };
            let prior = prior?;
            let csat = metrics::proportion_percent(a.satisfied, a.answered)?;
            let shrunk = 100.0 * (a.satisfied as f64 + prior.mean * prior.strength)
                / (a.answered as f64 + prior.strength);
            // The rest of the team (or of the site): the pool's totals less the agent's own.
            let satisfied: u64 = pool.iter().map(|b| b.satisfied).sum();
            let answered: u64 = pool.iter().map(|b| b.answered).sum();
            let change = compare::proportion_change(
                a.satisfied,
                a.answered,
                satisfied.saturating_sub(a.satisfied),
                answered.saturating_sub(a.answered),
            );
            let flag = change.and_then(|c| match c.verdict {
                Verdict::Down => Some(Flag::Below),
                Verdict::Up => Some(Flag::Above),
                Verdict::NoClearChange => None,
            });
            Some(Standing {
                rank: 0,
                agent: a.agent.clone(),
                team: a.team.clone(),
                csat,
                shrunk,
                against_team: change.map(|c| AgainstTeam {
                    rest: c.before,
                    difference: c.difference,
                    low: c.low,
                    high: c.high,
                }),
                flag,
                service: None,
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
            last_day: jiff::civil::date(2026, 11, 18),
        }
    }

    fn on(day: i8, row: AgentCounts) -> AgentCounts {
        AgentCounts {
            last_day: jiff::civil::date(2026, 11, day),
            ..row
        }
    }

    #[test]
    fn an_agent_at_nine_of_ten_beside_a_colleague_at_ten_of_ten_is_not_flagged() {
        // 9/10 has the interval 59.6 – 98.2, wholly below the colleague's 100: the old rule
        // flagged it. The difference, −10 points, has the interval −40.4 to +18.9.
        let agents = [
            agent("mai", Some("tokyo"), 9, 10),
            agent("ken", Some("tokyo"), 10, 10),
        ];
        let standings = rank(&agents);
        for s in &standings {
            assert_eq!(s.flag, None, "ten answers each prove nothing: {s:?}");
        }
        let mai = standings.iter().find(|s| s.agent == "mai").unwrap();
        let against = mai.against_team.unwrap();
        assert!((against.difference - -10.0).abs() < 1e-9, "{against:?}");
        assert!(against.low < 0.0 && 0.0 < against.high, "{against:?}");
        assert_eq!(against.rest.n, 10, "the rest is the colleague alone");
    }

    #[test]
    fn an_agent_at_twenty_of_a_hundred_beside_a_team_at_85_of_a_hundred_is_flagged_below() {
        let agents = [
            agent("struggling", Some("night"), 20, 100),
            agent("steady", Some("night"), 85, 100),
        ];
        let standings = rank(&agents);
        let struggling = standings.iter().find(|s| s.agent == "struggling").unwrap();
        assert_eq!(struggling.flag, Some(Flag::Below), "{struggling:?}");
        let against = struggling.against_team.unwrap();
        assert!((against.difference - -65.0).abs() < 1e-9, "{against:?}");
        assert!(
            against.high < 0.0,
            "the whole interval is below 0: {against:?}"
        );
        assert_eq!((against.rest.n, against.rest.value), (100, 85.0));
        let steady = standings.iter().find(|s| s.agent == "steady").unwrap();
        assert_eq!(steady.flag, Some(Flag::Above), "{steady:?}");
    }

    #[test]
    fn an_agent_with_and_without_a_team_is_one_row_under_the_team_with_most_answers() {
        let rows = [
            agent("ken", None, 11, 12),
            on(20, agent("ken", Some("tokyo"), 1, 10)),
            on(2, agent("ken", Some("osaka"), 3, 4)),
            agent("aiko", None, 5, 5),
            // A tie of answers goes to the team answered under last.
            on(3, agent("mai", Some("osaka"), 2, 2)),
            on(9, agent("mai", Some("tokyo"), 1, 2)),
        ];
        let agents = by_agent(&rows);
        let names: Vec<&str> = agents.iter().map(|a| a.agent.as_str()).collect();
        assert_eq!(names, ["aiko", "ken", "mai"]);
        let ken = &agents[1];
        assert_eq!(ken.team.as_deref(), Some("tokyo"));
        assert_eq!(
            (ken.satisfied, ken.answered),
            (15, 26),
            "every answer counts"
        );
        assert_eq!(ken.last_day, jiff::civil::date(2026, 11, 20));
        assert_eq!(agents[0].team, None, "no answer named a team");
        assert_eq!(agents[2].team.as_deref(), Some("tokyo"));
        let standings = rank(&agents);
        assert_eq!(standings.len(), 3);
    }

    #[test]
    fn standings_json_rounds_its_numbers_and_nothing_else_does() {
        let standing = Standing {
            rank: 1,
            agent: "aiko".into(),
            team: None,
            csat: Estimate {
                value: 99.99999999999999,
                low: 83.887_924_3,
                high: 99.99999999999999,
                n: 20,
            },
            shrunk: 99.99999999999999,
            against_team: None,
            flag: None,
            service: None,
        };
        let json = serde_json::to_string(&standing).unwrap();
        assert!(!json.contains("99.999"), "{json}");
        assert!(
            json.contains(r#""csat":{"value":100.0,"low":83.89,"high":100.0,"n":20}"#)
                && json.contains(r#""shrunk":100.0"#),
            "{json}"
        );
        assert_eq!(standing.shrunk, 99.99999999999999, "kept whole inside");
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
