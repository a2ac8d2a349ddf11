//! The `koe` command line: `serve`; `openapi`; `site add|list|show|update|rotate-secret`;
//! `key create|list|revoke`; `user`; `audit`; `report`; `link`; `erase`; `import`; `webhook`;
//! `integration`; `followup`; `survey`; `verify`. The arguments' types are in `args.rs`; turning
//! them into a storage command is `plan.rs`; running it against the database, here.
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
mod plan;
mod report_flags;
mod survey;
mod users;
mod verify_output;
mod webhooks;

use anyhow::Context as _;

use crate::settings::{DatabaseUrl, Settings};
use crate::sites::Site;
use crate::startup::Application;
use crate::storage::{Backend, PgStorage, SqliteStorage, Storage};
use crate::telemetry;
pub use args::Cli;
use args::{Command, DatabaseArg, PublicUrlArg};
use commands::StorageCommand;
use database::DatabaseName;
use koe_shared::SiteKey;

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
        command => plan::storage_command(command, &settings)?,
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
