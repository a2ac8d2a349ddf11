//! `koe integration add|list|pause|resume|remove|credentials|events|retry`: connecting a
//! helpdesk, a LINE channel or a generic hook from the command line.

use std::process::ExitCode;

use clap::Subcommand;
use koe_shared::SiteKey;

mod add;

use add::{AddKind, requested};

use super::{DatabaseArg, DatabaseName, PublicUrlArg};
use crate::alerts::Reach;
use crate::audit::Actor;
use crate::ids::IntegrationId;
use crate::integrations::Credentials;
use crate::integrations::manage;
use crate::integrations::manage::seal_key;
use crate::report::table::{Column, aligned};
use crate::storage::{EventState, Storage};

#[derive(Subcommand)]
pub(super) enum IntegrationCommand {
    /// Connect a platform; prints the webhook URL to paste into it (shown once).
    Add {
        /// The site key.
        #[arg(long)]
        site: String,
        #[command(subcommand)]
        kind: AddKind,
        #[command(flatten)]
        public: PublicUrlArg,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// A site's integrations: last event, last error, events today, waiting and given-up calls.
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
    /// Refuse an integration's events (409) and hold its calls until resumed.
    Pause {
        /// The site key.
        #[arg(long)]
        site: String,
        /// The integration's id (`koe integration list`).
        #[arg(long)]
        id: IntegrationId,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Receive an integration's events again, and make its held calls.
    Resume {
        /// The site key.
        #[arg(long)]
        site: String,
        /// The integration's id (`koe integration list`).
        #[arg(long)]
        id: IntegrationId,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Disconnect: its address answers 404, its waiting calls are dropped.
    Remove {
        /// The site key.
        #[arg(long)]
        site: String,
        /// The integration's id (`koe integration list`).
        #[arg(long)]
        id: IntegrationId,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// New credentials, as the integration's kind takes them (JSON, e.g.
    /// '{"kind":"chatwoot","api_token":"…","webhook_secret":"…"}').
    Credentials {
        /// The site key.
        #[arg(long)]
        site: String,
        /// The integration's id (`koe integration list`).
        #[arg(long)]
        id: IntegrationId,
        /// The credentials, as JSON (or in KOE_INTEGRATION_CREDENTIALS, kept out of the
        /// process list and the shell's history).
        #[arg(long, env = "KOE_INTEGRATION_CREDENTIALS", hide_env_values = true)]
        credentials: String,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// The latest events; `--failed` lists the dead letters.
    Events {
        /// The site key.
        #[arg(long)]
        site: String,
        /// Only the calls given up (the dead letters).
        #[arg(long)]
        failed: bool,
        /// At most this many, newest first (at most 500).
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Make a given-up call (a dead letter) due again.
    Retry {
        /// The site key.
        #[arg(long)]
        site: String,
        /// The event's id (`koe integration events --failed`).
        #[arg(long)]
        event: i64,
        #[command(flatten)]
        db: DatabaseArg,
    },
}

impl std::fmt::Debug for IntegrationCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IntegrationCommand([redacted])")
    }
}

/// A command with what it needs from the settings.
pub(super) struct IntegrationAction {
    command: IntegrationCommand,
    reach: Reach,
    secrets_key: Option<String>,
    base: String,
}

impl std::fmt::Debug for IntegrationAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntegrationAction")
            .field("reach", &self.reach)
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl IntegrationCommand {
    /// The database to open, and the command to run on it.
    pub(super) fn split(
        mut self,
        settings: &crate::settings::Settings,
    ) -> anyhow::Result<(DatabaseArg, IntegrationAction)> {
        let none = || DatabaseArg { database: None };
        let mut base = None;
        let db = match &mut self {
            Self::Add { public, db, .. } => {
                let flag = PublicUrlArg {
                    public_url: public.public_url.take(),
                };
                base = Some(super::public_url(flag, settings)?);
                std::mem::replace(db, none())
            }
            Self::List { db, .. }
            | Self::Pause { db, .. }
            | Self::Resume { db, .. }
            | Self::Remove { db, .. }
            | Self::Credentials { db, .. }
            | Self::Events { db, .. }
            | Self::Retry { db, .. } => std::mem::replace(db, none()),
        };
        Ok((
            db,
            IntegrationAction {
                command: self,
                reach: settings.webhook_reach(),
                secrets_key: settings.secrets_key().map(str::to_owned),
                base: base.unwrap_or_default(),
            },
        ))
    }
}

async fn site<S: Storage>(
    storage: &S,
    key: &str,
    database: &DatabaseName,
) -> anyhow::Result<crate::sites::Site> {
    let key = SiteKey::try_from(key).map_err(|e| anyhow::anyhow!("{e}"))?;
    super::site_in(storage, &key, database).await
}

fn done(changed: bool, what: String) -> anyhow::Result<ExitCode> {
    match changed {
        true => {
            println!("{what}");
            Ok(ExitCode::SUCCESS)
        }
        false => anyhow::bail!("no such integration or event"),
    }
}

impl IntegrationAction {
    pub(super) async fn run<S: Storage>(
        self,
        storage: &S,
        database: &DatabaseName,
    ) -> anyhow::Result<ExitCode> {
        let seal = seal_key(self.secrets_key.as_deref(), storage).await?;
        let pausing = matches!(self.command, IntegrationCommand::Pause { .. });
        match self.command {
            IntegrationCommand::Add {
                site: key, kind, ..
            } => {
                let site = site(storage, &key, database).await?;
                let (config, credentials) = requested(kind)?;
                let added = manage::add(
                    storage,
                    &seal,
                    &site,
                    config,
                    credentials,
                    self.reach,
                    &self.base,
                    Actor::Cli,
                )
                .await?;
                println!("Integration {} ({}) added.", added.id, added.kind);
                println!("Its webhook URL (shown once; paste it into the platform):");
                println!("  {}", added.webhook_url);
                if let Some(secret) = added.secret {
                    println!(
                        "Its secret (shown once; sign with it or use it as the Basic auth password):"
                    );
                    println!("  {secret}");
                }
                Ok(ExitCode::SUCCESS)
            }
            IntegrationCommand::List {
                site: key, json, ..
            } => {
                let site = site(storage, &key, database).await?;
                let listed = manage::list(storage, &seal, &site).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&listed)?);
                    return Ok(ExitCode::SUCCESS);
                }
                let header = [
                    "id",
                    "kind",
                    "state",
                    "today",
                    "waiting",
                    "failed",
                    "last event",
                    "last error",
                ];
                let rows: Vec<Vec<String>> = std::iter::once(header.map(str::to_owned).to_vec())
                    .chain(listed.iter().map(|i| {
                        vec![
                            i.id.to_string(),
                            i.kind.clone(),
                            if i.paused { "paused" } else { "on" }.to_owned(),
                            match i.signature_checked {
                                Some(true) => "checked",
                                Some(false) => "address only",
                                None => "unreadable",
                            }
                            .to_owned(),
                            i.counts.events_today.to_string(),
                            i.counts.pending.to_string(),
                            i.counts.failed.to_string(),
                            i.last_event_at_ms
                                .and_then(crate::clock::from_ms)
                                .map_or_else(|| "-".into(), |t| t.to_string()),
                            i.last_error.clone().unwrap_or_else(|| "-".into()),
                        ]
                    }))
                    .collect();
                let (l, r) = (Column::LEFT, Column::RIGHT);
                print!("{}", aligned(&rows, &[r, l, l, l, r, r, r, l, l]));
                Ok(ExitCode::SUCCESS)
            }
            IntegrationCommand::Pause { site: key, id, .. }
            | IntegrationCommand::Resume { site: key, id, .. } => {
                let paused = pausing;
                let site = site(storage, &key, database).await?;
                let changed = manage::set_paused(storage, &site, id, paused, Actor::Cli).await?;
                done(
                    changed,
                    format!(
                        "Integration {id} {}.",
                        if paused { "paused" } else { "resumed" }
                    ),
                )
            }
            IntegrationCommand::Remove { site: key, id, .. } => {
                let site = site(storage, &key, database).await?;
                let removed = manage::remove(storage, &site, id, Actor::Cli).await?;
                done(removed, format!("Integration {id} removed."))
            }
            IntegrationCommand::Credentials {
                site: key,
                id,
                credentials,
                ..
            } => {
                let site = site(storage, &key, database).await?;
                let credentials: Credentials = serde_json::from_str(&credentials)
                    .map_err(|e| anyhow::anyhow!("--credentials: {e}"))?;
                let set =
                    manage::set_credentials(storage, &seal, &site, id, credentials, Actor::Cli)
                        .await?;
                done(set, format!("Integration {id}'s credentials replaced."))
            }
            IntegrationCommand::Events {
                site: key,
                failed,
                limit,
                json,
                ..
            } => {
                let site = site(storage, &key, database).await?;
                let state = failed.then_some(EventState::Failed.as_str());
                let events = storage
                    .integration_events(site.id, state, i64::from(limit.clamp(1, 500)))
                    .await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&events)?);
                    return Ok(ExitCode::SUCCESS);
                }
                let header = [
                    "event",
                    "integration",
                    "received",
                    "state",
                    "attempts",
                    "interaction",
                    "detail",
                ];
                let rows: Vec<Vec<String>> = std::iter::once(header.map(str::to_owned).to_vec())
                    .chain(events.iter().map(|e| {
                        vec![
                            e.id.to_string(),
                            e.integration_id.to_string(),
                            crate::clock::from_ms(e.received_at_ms)
                                .map_or_else(|| "-".into(), |t| t.to_string()),
                            e.state.clone(),
                            e.attempts.to_string(),
                            e.interaction.clone().unwrap_or_else(|| "-".into()),
                            e.detail.clone().unwrap_or_else(|| "-".into()),
                        ]
                    }))
                    .collect();
                let (l, r) = (Column::LEFT, Column::RIGHT);
                print!("{}", aligned(&rows, &[r, r, l, l, r, l, l]));
                Ok(ExitCode::SUCCESS)
            }
            IntegrationCommand::Retry {
                site: key, event, ..
            } => {
                let site = site(storage, &key, database).await?;
                let retried = manage::retry(storage, &site, event).await?;
                done(retried, format!("Event {event}'s call is due again."))
            }
        }
    }
}
