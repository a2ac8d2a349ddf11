//! `koe followup list|show|assign|note|contacted|close|settings`: working follow-ups from the
//! server's command line (audited as `cli`); their tables are `followup_tables.rs`.

use std::process::ExitCode;

use clap::Subcommand;
use koe_shared::SiteKey;
use serde_json::json;

use super::{DatabaseArg, DatabaseName, PublicUrlArg};
use crate::audit::Actor;
use crate::followups::FollowupSettings;
use crate::followups::load;
use crate::followups::work::{self, Work};
use crate::settings::Settings;
use crate::storage::{FollowupFilter, Storage};

#[derive(Debug, Subcommand)]
pub(super) enum FollowupCommand {
    /// A site's follow-ups, the overdue first.
    List {
        /// The site key.
        #[arg(long)]
        site: String,
        /// active (default), closed, all, or statuses comma-separated.
        #[arg(long)]
        status: Option<String>,
        /// Only those this person owns (their address).
        #[arg(long)]
        owner: Option<String>,
        /// Only those open past their due time.
        #[arg(long)]
        overdue: bool,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// One follow-up: the answer, the interaction's facts, the notes.
    Show {
        /// The site key.
        #[arg(long)]
        site: String,
        /// The follow-up's id (`koe followup list`).
        #[arg(long)]
        id: i64,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Give a follow-up an owner: a person of the site by address (a name where the site has
    /// no accounts; "" for nobody).
    Assign {
        /// The site key.
        #[arg(long)]
        site: String,
        /// The follow-up's id (`koe followup list`).
        #[arg(long)]
        id: i64,
        /// A person of the site by address; a name where the site has no accounts; "" for
        /// nobody.
        #[arg(long)]
        owner: String,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Add a note to a follow-up.
    Note {
        /// The site key.
        #[arg(long)]
        site: String,
        /// The follow-up's id (`koe followup list`).
        #[arg(long)]
        id: i64,
        /// The note (1 to 4000 characters).
        #[arg(long)]
        text: String,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Note that the customer was contacted.
    Contacted {
        /// The site key.
        #[arg(long)]
        site: String,
        /// The follow-up's id (`koe followup list`).
        #[arg(long)]
        id: i64,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Close a follow-up with its outcome and root cause; a resolved one prints the link that
    /// asks the customer again (where the site asks).
    Close {
        /// The site key.
        #[arg(long)]
        site: String,
        /// The follow-up's id (`koe followup list`).
        #[arg(long)]
        id: i64,
        /// resolved, not_resolved or no_reply.
        #[arg(long, value_parser = ["resolved", "not_resolved", "no_reply"])]
        status: String,
        /// One of the site's root causes (`koe followup settings` lists them).
        #[arg(long)]
        cause: String,
        #[command(flatten)]
        public: PublicUrlArg,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Show the site's follow-up settings, or change those given.
    Settings {
        /// The site key.
        #[arg(long)]
        site: String,
        /// Open follow-ups (true) or not (false).
        #[arg(long)]
        enabled: Option<bool>,
        /// Which answers open one, e.g. 'csat<=2 or nps<=6 or resolved=false'.
        #[arg(long = "when", value_name = "CONDITION")]
        condition: Option<String>,
        /// Working hours to the first contact.
        #[arg(long)]
        sla_hours: Option<u32>,
        /// Local working hours, e.g. 09:00-18:00 (00:00-24:00 for the whole day).
        #[arg(long)]
        working_hours: Option<String>,
        /// Working days, e.g. mon-fri or mon,tue,sat.
        #[arg(long)]
        working_days: Option<String>,
        /// The root causes, comma-separated ids (a-z, 0-9, _).
        #[arg(long)]
        causes: Option<String>,
        /// Give a link that asks the customer again on a resolved closing (true/false).
        #[arg(long)]
        reask: Option<bool>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
}

/// A `koe followup` command with the address re-ask links use.
#[derive(Debug)]
pub(super) struct FollowupAction {
    command: FollowupCommand,
    base: String,
}

impl FollowupCommand {
    pub(super) fn split(
        self,
        settings: &Settings,
    ) -> anyhow::Result<(DatabaseArg, FollowupAction)> {
        let (db, base) = match &self {
            Self::Close { db, public, .. } => (
                db.clone(),
                super::public_url(
                    PublicUrlArg {
                        public_url: public.public_url.clone(),
                    },
                    settings,
                )?,
            ),
            Self::List { db, .. }
            | Self::Show { db, .. }
            | Self::Assign { db, .. }
            | Self::Note { db, .. }
            | Self::Contacted { db, .. }
            | Self::Settings { db, .. } => (db.clone(), String::new()),
        };
        Ok((
            db,
            FollowupAction {
                command: self,
                base,
            },
        ))
    }
}

impl FollowupAction {
    pub(super) async fn run<S: Storage>(
        self,
        storage: &S,
        database: &DatabaseName,
    ) -> anyhow::Result<ExitCode> {
        let site = |key: String| async move {
            let key = SiteKey::try_from(key).map_err(|e| anyhow::anyhow!("{e}"))?;
            super::site_in(storage, &key, database).await
        };
        let worked = |site, id, item| {
            let base = self.base.clone();
            async move { work::work(storage, &site, id, item, Actor::Cli, &base).await }
        };
        match self.command {
            FollowupCommand::List {
                site: key,
                status,
                owner,
                overdue,
                limit,
                json,
                ..
            } => {
                let site = site(key).await?;
                let now_ms = crate::clock::now_ms();
                let owner = match owner {
                    None => None,
                    Some(raw) => {
                        let email = crate::people::Email::parse(&raw)?;
                        let members = storage.members_of(site.id).await?;
                        Some(
                            members
                                .iter()
                                .find(|m| m.email == email.as_str())
                                .map(|m| m.user_id)
                                .ok_or_else(|| anyhow::anyhow!("{raw} has no role on this site"))?,
                        )
                    }
                };
                let filter = FollowupFilter {
                    statuses: crate::followups::statuses(status.as_deref())
                        .map_err(|e| anyhow::anyhow!("{e}"))?,
                    owner,
                    overdue_at_ms: overdue.then_some(now_ms),
                    now_ms,
                    limit: i64::from(limit.clamp(1, 10_000)),
                    ..FollowupFilter::default()
                };
                let views = load::queue(storage, &site, &filter).await?;
                if json {
                    println!("{}", json!({ "followups": views }));
                } else {
                    print!("{}", super::followup_tables::list(&views));
                }
            }
            FollowupCommand::Show { site: key, id, .. } => {
                let site = site(key).await?;
                let view = load::one(storage, &site, id)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("there is no follow-up {id} on this site"))?;
                println!("{}", serde_json::to_string_pretty(&view)?);
            }
            FollowupCommand::Assign {
                site: key,
                id,
                owner,
                ..
            } => {
                let done = worked(site(key).await?, id, Work::Assign(owner)).await?;
                let owner = crate::followups::owner_of(&done.record);
                println!(
                    "Follow-up {id} is {}'s.",
                    owner.as_deref().unwrap_or("nobody")
                );
            }
            FollowupCommand::Note {
                site: key,
                id,
                text,
                ..
            } => {
                worked(site(key).await?, id, Work::Note(text)).await?;
                println!("Note added to follow-up {id}.");
            }
            FollowupCommand::Contacted { site: key, id, .. } => {
                worked(site(key).await?, id, Work::Contacted).await?;
                println!("Follow-up {id}: customer contacted.");
            }
            FollowupCommand::Close {
                site: key,
                id,
                status,
                cause,
                ..
            } => {
                let done = worked(site(key).await?, id, Work::Close { status, cause }).await?;
                println!("Follow-up {id} closed as {}.", done.record.status);
                if let Some(link) = done.reask {
                    println!("Ask the customer again (works once, for 14 days):");
                    println!("  {}", link.url);
                }
            }
            FollowupCommand::Settings {
                site: key,
                enabled,
                condition,
                sla_hours,
                working_hours,
                working_days,
                causes,
                reask,
                json,
                ..
            } => {
                let site = site(key).await?;
                let mut settings = storage.followup_settings(site.id).await?;
                let before = settings.clone();
                settings = FollowupSettings {
                    enabled: enabled.unwrap_or(settings.enabled),
                    condition: condition.unwrap_or(settings.condition),
                    sla_hours: sla_hours.unwrap_or(settings.sla_hours),
                    working_hours: working_hours.unwrap_or(settings.working_hours),
                    working_days: working_days.unwrap_or(settings.working_days),
                    causes: causes.map_or(settings.causes, |c| {
                        c.split(',').map(|c| c.trim().to_owned()).collect()
                    }),
                    reask: reask.unwrap_or(settings.reask),
                };
                if settings != before {
                    settings = work::set_settings(storage, &site, settings, Actor::Cli)
                        .await
                        .map_err(|e| match e {
                            work::SettingsRefused::Invalid(e) => {
                                anyhow::anyhow!("{}: {e}", e.field())
                            }
                            other => anyhow::anyhow!("{other}"),
                        })?;
                }
                if json {
                    println!("{}", serde_json::to_string(&settings)?);
                } else {
                    println!(
                        "follow-ups {} when {}\nSLA {} working hours, {} {}\ncauses {}\nre-ask \
                         on resolved: {}",
                        if settings.enabled {
                            "open"
                        } else {
                            "are off; would open"
                        },
                        settings.condition,
                        settings.sla_hours,
                        settings.working_days,
                        settings.working_hours,
                        settings.causes.join(", "),
                        if settings.reask { "yes" } else { "no" }
                    );
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
