//! The `koe` command line: `serve`; `site add|list|show|update|rotate-secret`;
//! `key create|list|revoke`; `audit`; `report`; `link`; `erase`; `import`;
//! `webhook add|list|remove|rotate-secret|deliveries`; `verify` — each parses its arguments,
//! calls the domain and prints (argument types in `args.rs`).

use std::process::ExitCode;

mod access;
mod args;
mod commands;
mod import;
mod webhooks;

use anyhow::Context as _;
use koe_shared::{AgentId, Channel, CustomerId, InteractionId, Locale, SiteKey, TeamId};

use crate::links::LinkRequest;
use crate::report::query::RawReportQuery;
use crate::settings::{DatabaseUrl, Settings};
use crate::sites::registration::SiteRequest;
use crate::sites::settings::SiteChanges;
use crate::sites::{Origin, SiteTimeZone};
use crate::startup::Application;
use crate::storage::{Backend, PgStorage, Role, SqliteStorage, Storage};
use crate::telemetry;
use access::AccessCommand;
pub use args::Cli;
use args::{Command, DatabaseArg, KeyCommand, SiteCommand};
use commands::StorageCommand;

/// Runs the command line; the binary's `main` is only this.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut settings = Settings::load(&cli.config).context("could not read the settings")?;
    let (db, command) = match cli.command {
        Command::Openapi => {
            let document = crate::web::api::openapi::document();
            println!("{}", document.to_pretty_json()?);
            return Ok(ExitCode::SUCCESS);
        }
        Command::Serve { bind, demo, db } => {
            telemetry::init("info");
            settings.bind = bind.unwrap_or(settings.bind);
            settings.demo |= demo;
            override_database(&mut settings, db);
            tracing::info!(?settings, "starting");
            Application::build(settings)
                .await?
                .run_until_signalled()
                .await?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Site(SiteCommand::Add {
            name,
            origins,
            timezone,
            strict,
            low_n,
            json,
            db,
        }) => {
            let origins = origins
                .iter()
                .map(|o| Origin::parse(o).map_err(anyhow::Error::msg))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let timezone = SiteTimeZone::parse(&timezone).map_err(anyhow::Error::msg)?;
            (
                db,
                StorageCommand::AddSite {
                    request: SiteRequest {
                        name,
                        origins,
                        timezone,
                        strict,
                        low_n_threshold: low_n,
                    },
                    collector: settings
                        .public_url
                        .clone()
                        .unwrap_or_else(|| format!("http://{}", settings.bind)),
                    json,
                },
            )
        }
        Command::Key(KeyCommand::Create {
            site,
            role,
            json,
            db,
        }) => {
            let site = SiteKey::try_from(site).map_err(|e| anyhow::anyhow!("{e}"))?;
            let role = Role::parse(&role).context("role must be read or admin")?;
            (db, StorageCommand::CreateKey { site, role, json })
        }
        Command::Verify { json, db } => (db, StorageCommand::Verify { json }),
        Command::Site(SiteCommand::List { json, db }) => (
            db,
            StorageCommand::Access(AccessCommand::ListSites { json }),
        ),
        Command::Site(SiteCommand::Show { site, db }) => (
            db,
            StorageCommand::Access(AccessCommand::ShowSite {
                site: site_key(site)?,
            }),
        ),
        Command::Site(SiteCommand::Update {
            site,
            name,
            add_origins,
            remove_origins,
            strict,
            low_n,
            retention_days,
            sample_percent,
            cooldown_days,
            timezone,
            rebuild_rollups,
            db,
        }) => {
            let origins = |raw: Vec<String>| {
                raw.iter()
                    .map(|o| Origin::parse(o).map_err(anyhow::Error::msg))
                    .collect::<anyhow::Result<Vec<_>>>()
            };
            let changes = SiteChanges {
                name,
                add_origins: origins(add_origins)?,
                remove_origins: origins(remove_origins)?,
                strict: strict.map(|s| s == "on"),
                low_n_threshold: low_n,
                retention_days,
                sample_percent,
                cooldown_days,
                timezone: timezone
                    .map(|z| SiteTimeZone::parse(&z).map_err(anyhow::Error::msg))
                    .transpose()?,
                rebuild_rollups,
            };
            (
                db,
                StorageCommand::Access(AccessCommand::UpdateSite {
                    site: site_key(site)?,
                    changes,
                }),
            )
        }
        Command::Key(KeyCommand::List { site, json, db }) => (
            db,
            StorageCommand::Access(AccessCommand::ListKeys {
                site: site_key(site)?,
                json,
            }),
        ),
        Command::Import { args, db } => (db, StorageCommand::Import(args.parse()?)),
        Command::Webhook(command) => {
            let (db, action) = command.split(settings.webhook_reach());
            (db, StorageCommand::Webhook(action))
        }
        Command::Key(KeyCommand::Revoke { id, db }) => {
            (db, StorageCommand::Access(AccessCommand::RevokeKey { id }))
        }
        Command::Site(SiteCommand::RotateSecret {
            site,
            grace,
            force,
            json,
            db,
        }) => {
            let days = days(&grace, "--grace")?;
            (
                db,
                StorageCommand::Access(AccessCommand::RotateSecret {
                    site: site_key(site)?,
                    grace: std::time::Duration::from_secs(days.saturating_mul(86_400)),
                    force,
                    json,
                }),
            )
        }
        Command::Erase {
            site,
            interaction,
            json,
            db,
        } => (
            db,
            StorageCommand::Access(AccessCommand::Erase {
                site: site_key(site)?,
                interaction: InteractionId::try_from(interaction)
                    .map_err(|e| anyhow::anyhow!("{e}"))?,
                json,
            }),
        ),
        Command::Audit { site, json, db } => (
            db,
            StorageCommand::Access(AccessCommand::Audit {
                site: site_key(site)?,
                json,
            }),
        ),
        Command::Link {
            site,
            interaction,
            agent,
            team,
            channel,
            expires,
            lang,
            customer,
            force,
            json,
            db,
        } => {
            let id = |e: koe_shared::ParseError| anyhow::anyhow!("{e}");
            let days = days(&expires, "--expires")?;
            let request = LinkRequest::new(
                InteractionId::try_from(interaction).map_err(id)?,
                agent.map(AgentId::try_from).transpose().map_err(id)?,
                team.map(TeamId::try_from).transpose().map_err(id)?,
                channel.parse::<Channel>().map_err(id)?,
                days,
                lang.parse::<Locale>().map_err(id)?,
            )?;
            let site = SiteKey::try_from(site).map_err(id)?;
            let base = settings
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", settings.bind));
            (
                db,
                StorageCommand::Link {
                    site,
                    request,
                    base,
                    customer: customer.map(CustomerId::try_from).transpose().map_err(id)?,
                    force,
                    customer_key: settings.checked_customer_key()?.map(str::to_owned),
                    json,
                },
            )
        }
        Command::Report {
            site,
            by,
            bucket,
            from,
            to,
            agent,
            channel,
            team,
            standings,
            compare,
            format,
            db,
        } => {
            let site = SiteKey::try_from(site).map_err(|e| anyhow::anyhow!("{e}"))?;
            let query = RawReportQuery {
                from,
                to,
                bucket: Some(bucket),
                group_by: Some(by),
                agent,
                channel,
                team,
                compare,
            };
            (
                db,
                StorageCommand::Report {
                    site,
                    query,
                    standings,
                    format,
                },
            )
        }
    };
    telemetry::init("warn");
    override_database(&mut settings, db);
    let url = settings.database_url.expose();
    let options = crate::storage::StorageOptions::from(&settings);
    match Backend::of_url(url)? {
        Backend::Sqlite => run_closing(command, SqliteStorage::connect(url, &options).await?).await,
        Backend::Postgres => run_closing(command, PgStorage::connect(url, &options).await?).await,
    }
}

/// Runs a one-shot command, then closes the database (SQLite folds its WAL back into the file).
async fn run_closing<S: Storage>(command: StorageCommand, storage: S) -> anyhow::Result<ExitCode> {
    let outcome = command.run(storage.clone()).await;
    storage.close().await;
    outcome
}

/// Days given as `14d` or `14`.
fn days(raw: &str, flag: &str) -> anyhow::Result<u64> {
    raw.trim_end_matches('d')
        .parse::<u64>()
        .ok()
        .filter(|days| *days <= 36_500)
        .ok_or_else(|| anyhow::anyhow!("{flag} takes days (at most 36 500), like 14d, got {raw:?}"))
}

fn site_key(raw: String) -> anyhow::Result<SiteKey> {
    SiteKey::try_from(raw).map_err(|e| anyhow::anyhow!("{e}"))
}

fn override_database(settings: &mut Settings, db: DatabaseArg) {
    if let Some(url) = db.database {
        settings.database_url = DatabaseUrl::new(url);
    }
}

/// Text that did not come from the operator (a site name an admin key set, an audit detail
/// quoting it), as a terminal table shows it: control characters escaped (`\u{1b}`), so a
/// stored escape sequence cannot rewrite the operator's terminal.
fn shown(text: &str) -> String {
    text.chars()
        .flat_map(|c| match c.is_control() {
            true => c.escape_default().collect::<Vec<_>>(),
            false => vec![c],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_escaped_in_tables() {
        assert_eq!(shown("Shop"), "Shop");
        assert_eq!(shown("Shop\u{1b}[2J"), "Shop\\u{1b}[2J");
        assert_eq!(shown("a\nb\u{7}"), "a\\nb\\u{7}");
        assert_eq!(shown("店舗"), "店舗");
    }
}
