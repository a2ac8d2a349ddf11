//! `koe user invite|list|role|remove|reset|sign-out`: people and their roles from the server's
//! command line. An invitation or a reset prints a one-time link to hand over (stored only as
//! a digest) and, when `smtp_url` is set, mails it too; every change is audited as made by
//! `cli`.

use std::process::ExitCode;

use clap::Subcommand;
use koe_shared::SiteKey;
use serde_json::json;

use super::{DatabaseArg, DatabaseName, PublicUrlArg};
use crate::audit::Actor;
use crate::mail::Mailer;
use crate::people::{Grant, GrantError, SiteRole, accounts, members, notices};
use crate::report::table::{Column, aligned};
use crate::settings::Settings;
use crate::storage::Storage;

/// The role flags every command that gives a role takes.
#[derive(Debug, clap::Args)]
pub(super) struct RoleArgs {
    /// owner, admin, manager, team_lead or agent.
    #[arg(long, value_parser = ["owner", "admin", "manager", "team_lead", "team-lead", "agent"])]
    role: String,
    /// A team lead's team (repeat, or comma-separate, for several).
    #[arg(long = "team", value_name = "TEAM")]
    teams: Vec<String>,
    /// An agent's id: the agent their answers are credited to.
    #[arg(long)]
    agent: Option<String>,
}

impl RoleArgs {
    fn grant(&self) -> anyhow::Result<Grant> {
        let role = SiteRole::parse(&self.role).ok_or(GrantError::Role)?;
        Ok(Grant::new(role, self.agent.as_deref(), &self.teams)?)
    }
}

#[derive(Debug, Subcommand)]
pub(super) enum UserCommand {
    /// Invite a person to a site with a role; prints a link that works once, for 7 days.
    Invite {
        /// The site key.
        #[arg(long)]
        site: String,
        /// The person's email address.
        #[arg(long)]
        email: String,
        #[command(flatten)]
        role: RoleArgs,
        /// The language of the mail (en or ja), when smtp_url is set.
        #[arg(long, default_value = "en", value_parser = ["en", "ja"])]
        lang: String,
        #[command(flatten)]
        public: PublicUrlArg,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// A site's people and their roles, and the invitations not yet used.
    List {
        /// The site key.
        #[arg(long)]
        site: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Give a person another role on a site (a site keeps at least one owner).
    Role {
        /// The site key.
        #[arg(long)]
        site: String,
        /// The person's email address.
        #[arg(long)]
        email: String,
        #[command(flatten)]
        role: RoleArgs,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Take a person's role on a site away (never the last owner's).
    Remove {
        /// The site key.
        #[arg(long)]
        site: String,
        /// The person's email address.
        #[arg(long)]
        email: String,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Print a password reset link for a person (works once, for 24 hours; ends their
    /// sessions when used).
    Reset {
        /// The person's email address.
        #[arg(long)]
        email: String,
        /// The language of the mail (en or ja), when smtp_url is set.
        #[arg(long, default_value = "en", value_parser = ["en", "ja"])]
        lang: String,
        #[command(flatten)]
        public: PublicUrlArg,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// End every dashboard session of a person (they sign in again).
    SignOut {
        /// The person's email address.
        #[arg(long)]
        email: String,
        #[command(flatten)]
        db: DatabaseArg,
    },
}

/// A `koe user` command with the collector's address its links use.
#[derive(Debug)]
pub(super) struct UserAction {
    command: UserCommand,
    base: String,
    /// Where links are mailed, when `smtp_url` is set.
    mailer: Option<Mailer>,
}

impl UserCommand {
    pub(super) fn split(self, settings: &Settings) -> anyhow::Result<(DatabaseArg, UserAction)> {
        let (db, public) = match self {
            Self::Invite {
                ref db, ref public, ..
            }
            | Self::Reset {
                ref db, ref public, ..
            } => (db.clone(), Some(public.public_url.clone())),
            Self::List { ref db, .. }
            | Self::Role { ref db, .. }
            | Self::Remove { ref db, .. }
            | Self::SignOut { ref db, .. } => (db.clone(), None),
        };
        let base = match public {
            Some(url) => super::public_url(PublicUrlArg { public_url: url }, settings)?,
            None => String::new(),
        };
        let mailer = match settings.smtp_url() {
            Some(url) => Some(Mailer::new(url, &settings.mail_from)?),
            None => None,
        };
        Ok((
            db,
            UserAction {
                command: self,
                base,
                mailer,
            },
        ))
    }
}

impl UserAction {
    pub(super) async fn run<S: Storage>(
        self,
        storage: &S,
        database: &DatabaseName,
    ) -> anyhow::Result<ExitCode> {
        let site = |key: String| async move {
            let key = SiteKey::try_from(key).map_err(|e| anyhow::anyhow!("{e}"))?;
            super::site_in(storage, &key, database).await
        };
        match self.command {
            UserCommand::Invite {
                site: key,
                email,
                role,
                lang,
                ..
            } => {
                let site = site(key).await?;
                let grant = role.grant()?;
                let link = accounts::invite(storage, &site, &email, &grant, &Actor::Cli).await?;
                if let Some(mailer) = &self.mailer {
                    let t = texts_in(&lang);
                    let to = crate::people::Email::parse(&email)?.to_string();
                    let role = grant.describe();
                    let about = (site.name.as_str(), role.as_str(), "Koe");
                    let url = link.url(&self.base);
                    match notices::mail_invitation(mailer, t, &to, about, &link, &url).await {
                        Ok(()) => println!("Mailed to {to}."),
                        Err(error) => eprintln!("koe: the invitation was not mailed: {error}"),
                    }
                }
                println!(
                    "Invitation for {} as {}, until {}:",
                    email.trim(),
                    grant.describe(),
                    link.expires_at
                );
                println!("  {}", link.url(&self.base));
                println!("Hand this link to the person; it works once and is not shown again.");
            }
            UserCommand::List {
                site: key, json, ..
            } => {
                let site = site(key).await?;
                let people = members::members(storage, &site).await?;
                let pending = members::pending(storage, &site).await?;
                if json {
                    let people: Vec<_> = people
                        .iter()
                        .map(|m| {
                            json!({
                                "email": m.email,
                                "name": m.name,
                                "role": m.grant.role(),
                                "teams": m.grant.teams().iter().map(|t| t.as_str()).collect::<Vec<_>>(),
                                "agent": m.grant.agent().map(|a| a.as_str()),
                                "last_sign_in": m.last_sign_in.map(|t| t.to_string()),
                            })
                        })
                        .collect();
                    let pending: Vec<_> = pending
                        .iter()
                        .map(|p| json!({"id": p.id, "email": p.email, "role": p.role, "expires_at_ms": p.expires_at_ms}))
                        .collect();
                    println!("{}", json!({"people": people, "invitations": pending}));
                } else {
                    let rows: Vec<Vec<String>> = people
                        .iter()
                        .map(|m| {
                            vec![
                                m.email.clone(),
                                m.grant.describe(),
                                m.last_sign_in.map_or_else(|| "-".into(), |t| t.to_string()),
                            ]
                        })
                        .collect();
                    let head = vec![
                        "email".to_owned(),
                        "role".to_owned(),
                        "last sign-in".to_owned(),
                    ];
                    let rows: Vec<Vec<String>> = std::iter::once(head).chain(rows).collect();
                    let l = Column::LEFT;
                    print!("{}", aligned(&rows, &[l, l, l]));
                    for p in &pending {
                        println!(
                            "invited: {} as {} (invitation {})",
                            p.email,
                            p.role.as_deref().unwrap_or("-"),
                            p.id
                        );
                    }
                }
            }
            UserCommand::Role {
                site: key,
                email,
                role,
                ..
            } => {
                let site = site(key).await?;
                let grant = role.grant()?;
                members::change_role(storage, &site, &email, &grant, &Actor::Cli).await?;
                println!(
                    "{} is now {} on {}.",
                    email.trim(),
                    grant.describe(),
                    site.key
                );
            }
            UserCommand::Remove {
                site: key, email, ..
            } => {
                let site = site(key).await?;
                members::remove(storage, &site, &email, &Actor::Cli).await?;
                println!("{} holds no role on {} any more.", email.trim(), site.key);
            }
            UserCommand::Reset { email, lang, .. } => {
                let link = accounts::reset_link(storage, &email, &Actor::Cli).await?;
                if let Some(mailer) = &self.mailer {
                    let to = crate::people::Email::parse(&email)?.to_string();
                    let url = link.url(&self.base);
                    match notices::mail_reset(mailer, texts_in(&lang), &to, &link, &url).await {
                        Ok(()) => println!("Mailed to {to}."),
                        Err(error) => eprintln!("koe: the reset link was not mailed: {error}"),
                    }
                }
                println!(
                    "Password reset link for {}, until {}:",
                    email.trim(),
                    link.expires_at
                );
                println!("  {}", link.url(&self.base));
            }
            UserCommand::SignOut { email, .. } => {
                let email = crate::people::Email::parse(&email)?;
                let user = storage
                    .user_by_email(email.as_str())
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("no account has the address {email}"))?;
                let ended =
                    crate::people::sign_in::end_every_session(storage, &user, &Actor::Cli).await?;
                println!("{ended} sessions of {email} ended.");
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// The people texts of `lang` (`en` or `ja`).
fn texts_in(lang: &str) -> &'static crate::texts::people::PeopleTexts {
    match lang {
        "ja" => &crate::texts::people::JA,
        _ => &crate::texts::people::EN,
    }
}
