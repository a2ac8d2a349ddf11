//! What a one-shot command line asks for: its arguments parsed into the domain's types (sites'
//! keys, origins, days, report flags…) and the storage command that runs them, with the
//! database it runs against — all before any database is opened, so a bad argument fails
//! having changed nothing.

use anyhow::Context as _;
use koe_shared::{AgentId, Channel, CustomerId, InteractionId, Locale, SiteKey, TeamId};

use super::access::AccessCommand;
use super::args::{Command, DatabaseArg, KeyCommand, SiteCommand};
use super::commands::StorageCommand;
use super::{public_url, report_flags};
use crate::links::LinkRequest;
use crate::report::query::RawReportQuery;
use crate::settings::Settings;
use crate::sites::registration::SiteRequest;
use crate::sites::settings::SiteChanges;
use crate::sites::{Origin, SiteTimeZone};
use crate::storage::Role;

/// The storage command a command line runs, and the database it names (`--database`).
pub(super) fn storage_command(
    command: Command,
    settings: &Settings,
) -> anyhow::Result<(DatabaseArg, StorageCommand)> {
    Ok(match command {
        Command::Openapi | Command::Serve { .. } => {
            unreachable!("`koe openapi` and `koe serve` are run before a storage command")
        }
        Command::Site(SiteCommand::Add {
            name,
            origins,
            timezone,
            strict,
            low_n,
            public,
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
                    collector: public_url(public, settings)?,
                    json,
                },
            )
        }
        Command::Key(KeyCommand::Create {
            site,
            role,
            owner,
            json,
            db,
        }) => {
            let site = site_key(site)?;
            let role = Role::parse(&role).context("role must be read, write or admin")?;
            (
                db,
                StorageCommand::CreateKey {
                    site,
                    role,
                    owner,
                    json,
                },
            )
        }
        Command::Verify { json, db } => (db, StorageCommand::Verify { json }),
        Command::Site(SiteCommand::List { json, db }) => (
            db,
            StorageCommand::Access(AccessCommand::ListSites { json }),
        ),
        Command::Site(SiteCommand::Show { site, json, db }) => (
            db,
            StorageCommand::Access(AccessCommand::ShowSite {
                site: site_key(site)?,
                json,
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
        Command::Import { args, db } => {
            let customer_key = settings.checked_customer_key()?.map(str::to_owned);
            (db, StorageCommand::Import(args.parse(customer_key)?))
        }
        Command::Webhook(command) => {
            let (db, action) = command.split(settings.webhook_reach());
            (db, StorageCommand::Webhook(action))
        }
        Command::Integration(command) => {
            let (db, action) = command.split(settings)?;
            (db, StorageCommand::Integration(action))
        }
        Command::User(command) => {
            let (db, action) = command.split(settings)?;
            (db, StorageCommand::User(Box::new(action)))
        }
        Command::Followup(command) => {
            let (db, action) = command.split(settings)?;
            (db, StorageCommand::Followup(Box::new(action)))
        }
        Command::Survey(command) => (command.database(), StorageCommand::Survey(command)),
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
            public,
            json,
            format,
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
            let base = public_url(public, settings)?;
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
                    card: match format.as_str() {
                        "line-flex" => Some(crate::integrations::flex::CardAnswer::Link),
                        "line-flex-postback" => {
                            Some(crate::integrations::flex::CardAnswer::Postback)
                        }
                        _ => None,
                    },
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
            service,
            drivers,
            followups,
            question,
            topic,
            format,
            db,
        } => {
            let kind = report_flags::ReportFlags {
                standings,
                service,
                drivers,
                followups,
                question: question.is_some(),
                by: by.as_deref(),
                bucket: bucket.as_deref(),
                compare: compare.as_deref(),
                agent: agent.as_deref(),
                topic: topic.as_deref(),
                format: &format,
            }
            .kind()?;
            let question = question.filter(|id| !id.is_empty());
            if let Some(id) = &question {
                koe_shared::Reason::try_from(id.as_str()).map_err(|_| {
                    anyhow::anyhow!(
                        "--question takes a question's id (a-z, 0-9, _ and -, starting with a \
                         letter), got {id:?}"
                    )
                })?;
            }
            let site = site_key(site)?;
            let query = RawReportQuery {
                from,
                to,
                bucket,
                group_by: by,
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
                    kind,
                    topic,
                    question,
                    format,
                },
            )
        }
    })
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
