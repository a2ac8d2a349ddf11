//! People: accounts with roles per site instead of shared keys. Here are the rules, with no
//! storage: an email address as one person is one account ([`Email`]), the roles and what each
//! may do ([`SiteRole`], [`Need`]), and what a person's reports are narrowed to ([`Scope`]).
//! `password.rs` holds the password rules and hashing, `throttle.rs` how failed sign-ins slow
//! an account; the services that store and check (invitations, sign-in, sessions, members) are
//! `accounts.rs`, `sign_in.rs` and `members.rs`.

pub mod accounts;
pub mod members;
pub mod notices;
pub mod passkeys;
pub mod password;
pub mod sign_in;
pub mod throttle;

use std::fmt;

use koe_shared::{AgentId, TeamId};
use unicode_normalization::UnicodeNormalization as _;

/// The longest address kept (RFC 5321's path limit).
pub const EMAIL_MAX: usize = 254;

/// An email address, normalised so that one person is one account: surrounding spaces trimmed,
/// Unicode NFKC (a full-width `ａ` is `a`), lower case. Checked for the shape `local@domain`
/// only: whether the address receives mail is the invitation's test.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let normal: String = raw.trim().nfkc().collect::<String>().to_lowercase();
        if normal.is_empty() {
            return Err(EmailError::Missing);
        }
        if normal.chars().count() > EMAIL_MAX {
            return Err(EmailError::TooLong);
        }
        let Some((local, domain)) = normal.rsplit_once('@') else {
            return Err(EmailError::Shape);
        };
        let bad_char =
            |c: char| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',');
        if local.is_empty()
            || domain.is_empty()
            || local.contains('@')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || normal.chars().any(bad_char)
        {
            return Err(EmailError::Shape);
        }
        Ok(Self(normal))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("an email address is required")]
    Missing,
    #[error("an email address has at most {EMAIL_MAX} characters")]
    TooLong,
    #[error("an email address looks like name@example.com")]
    Shape,
}

/// A person's role on one site, widest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteRole {
    /// Everything, people too.
    Owner,
    /// Settings, keys, webhooks, integrations, and every report.
    Admin,
    /// Every report, the comments, the exports.
    Manager,
    /// Reports and comments of the teams they lead.
    TeamLead,
    /// Their own page only.
    Agent,
}

impl SiteRole {
    pub const ALL: [Self; 5] = [
        Self::Owner,
        Self::Admin,
        Self::Manager,
        Self::TeamLead,
        Self::Agent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Manager => "manager",
            Self::TeamLead => "team_lead",
            Self::Agent => "agent",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == raw.trim().replace('-', "_"))
    }

    /// Whether this role may do what `need` asks.
    pub fn may(self, need: Need) -> bool {
        match need {
            Need::People => self == Self::Owner,
            Need::Administer | Need::Audit => self <= Self::Admin,
            Need::Export => self <= Self::Manager,
            Need::Reports => self <= Self::TeamLead,
            Need::OwnPage => self == Self::Agent,
        }
    }
}

impl fmt::Display for SiteRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a page or a command needs of the person asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Invite, change and remove people (the People page).
    People,
    /// Settings, keys, webhooks, integrations.
    Administer,
    /// The audit trail.
    Audit,
    /// Downloads of every answer (CSV).
    Export,
    /// The reports and comments, narrowed by the person's [`Scope`].
    Reports,
    /// An agent's own page.
    OwnPage,
}

/// A role with what it is about: the teams a team lead leads, the agent id an agent's answers
/// are credited to. Built only through [`Grant::new`], so a team lead always has a team and an
/// agent an agent id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    role: SiteRole,
    agent: Option<AgentId>,
    teams: Vec<TeamId>,
}

/// The most teams one person leads on a site.
pub const TEAMS_MAX: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error("role must be owner, admin, manager, team_lead or agent")]
    Role,
    #[error("a team lead needs the teams they lead (--team)")]
    NoTeam,
    #[error("a team lead leads at most {TEAMS_MAX} teams")]
    TooManyTeams,
    #[error("an agent needs the agent id their answers are credited to (--agent)")]
    NoAgent,
    #[error("{0}")]
    Id(String),
}

impl Grant {
    /// A role with its agent and teams as given (raw, as a form or a command line has them);
    /// what the role does not use is dropped.
    pub fn new(role: SiteRole, agent: Option<&str>, teams: &[String]) -> Result<Self, GrantError> {
        let agent = agent.map(str::trim).filter(|a| !a.is_empty());
        let mut parsed = Vec::new();
        for team in teams.iter().flat_map(|t| t.split(',')) {
            let team = team.trim();
            if team.is_empty() {
                continue;
            }
            let team =
                TeamId::try_from(team.to_owned()).map_err(|e| GrantError::Id(e.to_string()))?;
            if !parsed.contains(&team) {
                parsed.push(team);
            }
        }
        match role {
            SiteRole::TeamLead if parsed.is_empty() => Err(GrantError::NoTeam),
            SiteRole::TeamLead if parsed.len() > TEAMS_MAX => Err(GrantError::TooManyTeams),
            SiteRole::TeamLead => Ok(Self {
                role,
                agent: None,
                teams: parsed,
            }),
            SiteRole::Agent => {
                let agent = agent.ok_or(GrantError::NoAgent)?;
                let agent = AgentId::try_from(agent.to_owned())
                    .map_err(|e| GrantError::Id(e.to_string()))?;
                Ok(Self {
                    role,
                    agent: Some(agent),
                    teams: Vec::new(),
                })
            }
            _ => Ok(Self {
                role,
                agent: None,
                teams: Vec::new(),
            }),
        }
    }

    /// From what a row keeps (the role's name, the agent, the teams comma-separated).
    pub fn from_stored(role: &str, agent: Option<&str>, teams: &str) -> Result<Self, GrantError> {
        let role = SiteRole::parse(role).ok_or(GrantError::Role)?;
        Self::new(role, agent, &[teams.to_owned()])
    }

    pub fn role(&self) -> SiteRole {
        self.role
    }

    pub fn agent(&self) -> Option<&AgentId> {
        self.agent.as_ref()
    }

    pub fn teams(&self) -> &[TeamId] {
        &self.teams
    }

    /// The teams as a row keeps them.
    pub fn teams_stored(&self) -> String {
        self.teams
            .iter()
            .map(TeamId::as_str)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// What this grant's reports are narrowed to.
    pub fn scope(&self) -> Scope {
        match (&self.role, &self.agent) {
            (SiteRole::Agent, Some(agent)) => Scope::Agent(agent.clone()),
            (SiteRole::Agent, None) => Scope::Nothing,
            (SiteRole::TeamLead, _) => Scope::Teams(self.teams.clone()),
            _ => Scope::Site,
        }
    }

    /// How the grant reads in a listing: `team_lead (support, billing)`, `agent (a-17)`.
    pub fn describe(&self) -> String {
        match (self.role, &self.agent) {
            (SiteRole::Agent, Some(agent)) => format!("agent ({agent})"),
            (SiteRole::TeamLead, _) => {
                format!("team_lead ({})", self.teams_stored().replace(',', ", "))
            }
            (role, _) => role.as_str().to_owned(),
        }
    }
}

/// What a person's reports cover: the whole site, the teams they lead, or their own answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Site,
    Teams(Vec<TeamId>),
    Agent(AgentId),
    /// An agent grant without an agent (never built by [`Grant::new`]): nothing.
    Nothing,
}

/// A report asked for outside what the person may see.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OutOfScope(pub String);

impl Scope {
    /// Narrows a report's team and agent filters to this scope: a team lead's reports are of one
    /// of their teams (the first when none is asked for), an agent's of their own answers. A
    /// filter naming something outside the scope is refused, never quietly widened or emptied.
    pub fn narrow(
        &self,
        team: &mut Option<TeamId>,
        agent: &mut Option<AgentId>,
    ) -> Result<(), OutOfScope> {
        match self {
            Self::Site => Ok(()),
            Self::Nothing => Err(OutOfScope("this account sees no reports".into())),
            Self::Teams(teams) => match team {
                Some(asked) if teams.contains(asked) => Ok(()),
                Some(asked) => Err(OutOfScope(format!(
                    "team {asked} is not one of the teams you lead"
                ))),
                None => {
                    *team = teams.first().cloned();
                    team.as_ref()
                        .map(|_| ())
                        .ok_or_else(|| OutOfScope("you lead no team".into()))
                }
            },
            Self::Agent(own) => match agent {
                Some(asked) if asked != own => {
                    Err(OutOfScope("you see your own answers only".into()))
                }
                _ => {
                    *agent = Some(own.clone());
                    Ok(())
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_person_is_one_address_whatever_its_case_or_width() {
        let plain = Email::parse("ayumi@example.com").unwrap();
        assert_eq!(Email::parse("  Ayumi@EXAMPLE.com ").unwrap(), plain);
        assert_eq!(
            Email::parse("ａｙｕｍｉ＠ｅｘａｍｐｌｅ.com").unwrap(),
            plain
        );
        assert_eq!(Email::parse(""), Err(EmailError::Missing));
        for bad in [
            "ayumi",
            "@example.com",
            "ayumi@",
            "a b@example.com",
            "a@example.com.",
        ] {
            assert_eq!(Email::parse(bad), Err(EmailError::Shape), "{bad}");
        }
        assert_eq!(
            Email::parse(&format!("{}@example.com", "a".repeat(250))),
            Err(EmailError::TooLong)
        );
    }

    #[test]
    fn each_role_may_what_its_rank_allows() {
        use Need::*;
        use SiteRole::*;
        assert!(Owner.may(People) && !Admin.may(People));
        assert!(Admin.may(Administer) && !Manager.may(Administer));
        assert!(Manager.may(Export) && !TeamLead.may(Export));
        assert!(TeamLead.may(Reports) && !Agent.may(Reports));
        assert!(Agent.may(OwnPage) && !Owner.may(OwnPage));
        assert_eq!(SiteRole::parse("team-lead"), Some(TeamLead));
        assert_eq!(SiteRole::parse("boss"), None);
    }

    #[test]
    fn a_grant_has_what_its_role_needs() {
        assert_eq!(
            Grant::new(SiteRole::TeamLead, None, &[]),
            Err(GrantError::NoTeam)
        );
        assert_eq!(
            Grant::new(SiteRole::Agent, Some(" "), &[]),
            Err(GrantError::NoAgent)
        );
        let lead = Grant::new(
            SiteRole::TeamLead,
            Some("a-1"),
            &["support, billing".into()],
        )
        .unwrap();
        assert_eq!(lead.teams_stored(), "support,billing");
        assert_eq!(lead.agent(), None, "a team lead's agent is dropped");
        let manager = Grant::new(SiteRole::Manager, None, &["support".into()]).unwrap();
        assert_eq!(manager.scope(), Scope::Site);
    }

    #[test]
    fn a_scope_narrows_or_refuses_never_widens() {
        let team = |t: &str| TeamId::try_from(t.to_owned()).unwrap();
        let agent = |a: &str| AgentId::try_from(a.to_owned()).unwrap();
        let lead = Scope::Teams(vec![team("support"), team("billing")]);
        let (mut t, mut a) = (None, None);
        lead.narrow(&mut t, &mut a).unwrap();
        assert_eq!(t, Some(team("support")), "the first team by default");
        let mut t = Some(team("billing"));
        lead.narrow(&mut t, &mut a).unwrap();
        let mut t = Some(team("sales"));
        assert!(lead.narrow(&mut t, &mut a).is_err(), "another team");

        let own = Scope::Agent(agent("a-1"));
        let (mut t, mut a) = (None, None);
        own.narrow(&mut t, &mut a).unwrap();
        assert_eq!(a, Some(agent("a-1")));
        let mut a = Some(agent("a-2"));
        assert!(own.narrow(&mut t, &mut a).is_err(), "another agent");
    }
}
