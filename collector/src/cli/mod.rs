//! The `koe` command line: `serve`; `site add|list|show|update|rotate-secret`;
//! `key create|list|revoke`; `audit`; `report`; `link`; `erase`; `import`;
//! `webhook add|list|remove|rotate-secret|deliveries`; `verify` — each parses its arguments,
//! calls the domain and prints (argument types in `args.rs`).
//!
//! Only `serve` and `site add` create a missing SQLite database: every other command needs a
//! site that is in one already, and a command that only reads never creates. Messages name the
//! database they looked in ([`DatabaseName`]: never a password), and printed links use the
//! address the operator gave ([`public_url`]).

use std::process::ExitCode;

mod access;
mod args;
mod commands;
mod database;
mod followup_tables;
mod followups;
mod import;
mod integrations;
mod report_flags;
mod survey;
mod users;
mod verify_output;
mod webhooks;

use anyhow::Context as _;
use koe_shared::{AgentId, Channel, CustomerId, InteractionId, Locale, SiteKey, TeamId};

use crate::links::LinkRequest;
use crate::report::query::RawReportQuery;
use crate::settings::{DatabaseUrl, Settings};
use crate::sites::registration::SiteRequest;
use crate::sites::settings::SiteChanges;
use crate::sites::{Origin, Site, SiteTimeZone};
use crate::startup::Application;
use crate::storage::{Backend, PgStorage, Role, SqliteStorage, Storage};
use crate::telemetry;
use access::AccessCommand;
pub use args::Cli;
use args::{Command, DatabaseArg, KeyCommand, PublicUrlArg, SiteCommand};
use commands::StorageCommand;
use database::DatabaseName;

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
            let application = Application::build(settings).await?;
            // Printed, never logged: the link is a credential until it is used.
            if let Some(link) = application.first_owner_link() {
                eprintln!(
                    "\nNo one can sign in to the dashboard yet. Open this link once to create the \
                     first owner (it works for 24 hours; a new start prints a new one):\n  {link}\n"
                );
            }
            application.run_until_signalled().await?;
            return Ok(ExitCode::SUCCESS);
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
                    collector: public_url(public, &settings)?,
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
            let site = SiteKey::try_from(site).map_err(|e| anyhow::anyhow!("{e}"))?;
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
            let (db, action) = command.split(&settings)?;
            (db, StorageCommand::Integration(action))
        }
        Command::User(command) => {
            let (db, action) = command.split(&settings)?;
            (db, StorageCommand::User(Box::new(action)))
        }
        Command::Followup(command) => {
            let (db, action) = command.split(&settings)?;
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
            let base = public_url(public, &settings)?;
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
            let site = SiteKey::try_from(site).map_err(|e| anyhow::anyhow!("{e}"))?;
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
    };
    telemetry::init("warn");
    override_database(&mut settings, db);
    let url = settings.database_url.expose();
    let options = crate::storage::StorageOptions {
        create_if_missing: command.creates_database(),
        ..crate::storage::StorageOptions::from(&settings)
    };
    match Backend::of_url(url)? {
        Backend::Sqlite => {
            let file = SqliteStorage::file_of(url)?;
            let database = DatabaseName::sqlite(file.as_deref());
            if let Some(file) = &file
                && !options.create_if_missing
                && !file.exists()
            {
                anyhow::bail!(
                    "no Koe database at {database}: `koe serve` creates it when it first starts \
                     (so does `koe site add`); if yours is elsewhere, pass --database \
                     sqlite://PATH or set database_url in koe.toml (KOE_DATABASE_URL)"
                );
            }
            let storage = SqliteStorage::connect(url, &options)
                .await
                .with_context(|| format!("could not open the Koe database {database}"))?;
            run_closing(command, storage, &database).await
        }
        Backend::Postgres => {
            let database = DatabaseName::postgres(url);
            let storage = PgStorage::connect(url, &options)
                .await
                .with_context(|| format!("could not open the Koe database {database}"))?;
            run_closing(command, storage, &database).await
        }
    }
}

/// Runs a one-shot command, then closes the database (SQLite folds its WAL back into the file).
async fn run_closing<S: Storage>(
    command: StorageCommand,
    storage: S,
    database: &DatabaseName,
) -> anyhow::Result<ExitCode> {
    let outcome = command.run(storage.clone(), database).await;
    storage.close().await;
    outcome
}

/// The site with `key` in `database`, or an error naming both (a site "missing" is most often
/// a command run against another database than the collector's).
async fn site_in<S: Storage>(
    storage: &S,
    key: &SiteKey,
    database: &DatabaseName,
) -> anyhow::Result<Site> {
    storage.site_by_key(key).await?.ok_or_else(|| {
        anyhow::anyhow!(
            "no site has the key {key} in {database} (`koe site list` lists the sites there; \
             another database: --database URL, or database_url in koe.toml / KOE_DATABASE_URL)"
        )
    })
}

/// Where printed links and snippets point: `--public-url`, else the `public_url` setting, else
/// `http://` + `bind` — with a warning, since that default is rarely where customers and other
/// machines reach the collector (and never when `koe serve` was given another `--bind`).
fn public_url(flag: PublicUrlArg, settings: &Settings) -> anyhow::Result<String> {
    let configured = settings
        .public_url
        .clone()
        .filter(|url| !url.trim().is_empty());
    let (url, from) = match (flag.public_url, configured) {
        (Some(url), _) => (url, "--public-url"),
        (None, Some(url)) => (url, "public_url (koe.toml / KOE_PUBLIC_URL)"),
        (None, None) => {
            let url = format!("http://{}", settings.bind);
            eprintln!(
                "koe: warning: the links printed point at {url}, a default made from the `bind` \
                 setting; if customers and your pages reach the collector at another address, \
                 give it: --public-url https://koe.example.com, or public_url in koe.toml \
                 (KOE_PUBLIC_URL)"
            );
            return Ok(url);
        }
    };
    let url = url.trim().trim_end_matches('/').to_owned();
    match url::Url::parse(&url) {
        Ok(parsed)
            if matches!(parsed.scheme(), "http" | "https")
                && parsed.has_host()
                && parsed.query().is_none()
                && parsed.fragment().is_none() =>
        {
            Ok(url)
        }
        _ => anyhow::bail!(
            "{from} must be the collector's address as customers reach it, an http:// or \
             https:// URL like https://koe.example.com (no query), got {url:?}"
        ),
    }
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

    #[test]
    fn public_urls_come_from_the_flag_then_the_setting_and_must_be_http() {
        let settings = Settings {
            public_url: Some("https://from-settings.example/".into()),
            ..Settings::default()
        };
        let flag = |url: &str| PublicUrlArg {
            public_url: Some(url.into()),
        };
        assert_eq!(
            public_url(flag("https://koe.example.com/"), &settings).unwrap(),
            "https://koe.example.com"
        );
        assert_eq!(
            public_url(PublicUrlArg { public_url: None }, &settings).unwrap(),
            "https://from-settings.example"
        );
        assert_eq!(
            public_url(PublicUrlArg { public_url: None }, &Settings::default()).unwrap(),
            "http://127.0.0.1:8080"
        );
        for bad in [
            "koe.example.com",
            "ftp://koe.example.com",
            "https://k.example/?a=1",
        ] {
            let refused = public_url(flag(bad), &settings).unwrap_err().to_string();
            assert!(refused.contains("--public-url"), "{bad}: {refused}");
        }
    }
}
