//! The databases a benchmark runs against: a fresh SQLite file or a fresh PostgreSQL
//! database, each with one registered site, dropped afterwards.

use std::path::Path;

use koe_collector::audit::Actor;
use koe_collector::people::{Grant, SiteRole, accounts};
use koe_collector::sites::registration::{SiteRequest, create_api_key, register_site};
use koe_collector::sites::{Origin, Site, SiteTimeZone};
use koe_collector::storage::{PgStorage, Role, SqliteStorage, Storage, StorageOptions};
use sqlx::{Connection as _, Executor as _};

/// A database with a site in it.
#[derive(Debug)]
pub struct Target {
    pub name: &'static str,
    pub url: String,
    pub site: Site,
    pub read_key: String,
    /// A manager's address and password, for the dashboard's pages.
    pub manager: (String, String),
    /// The PostgreSQL server and database to drop at the end.
    drop_from: Option<(String, String)>,
}

impl Target {
    pub async fn sqlite(dir: &Path, file: &str) -> anyhow::Result<Self> {
        let url = format!("sqlite://{}", dir.join(file).display());
        let storage = SqliteStorage::connect(&url, &StorageOptions::default()).await?;
        let (site, read_key, manager) = register(&storage).await?;
        Ok(Self {
            name: "SQLite",
            url,
            site,
            read_key,
            manager,
            drop_from: None,
        })
    }

    /// A fresh database on the server at `server_url`; `None` when no server answers.
    pub async fn postgres(server_url: &str) -> anyhow::Result<Option<Self>> {
        let Ok(mut admin) = sqlx::PgConnection::connect(server_url).await else {
            return Ok(None);
        };
        // One per target: a run can hold two at once (ingest's, and the database alone's).
        static TARGETS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let database = format!(
            "koe_bench_{}_{}",
            std::process::id(),
            TARGETS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        admin
            .execute(format!("DROP DATABASE IF EXISTS {database}").as_str())
            .await?;
        admin
            .execute(format!("CREATE DATABASE {database}").as_str())
            .await?;
        let url = url_with_database(server_url, &database);
        let storage = PgStorage::connect(&url, &StorageOptions::default()).await?;
        let (site, read_key, manager) = register(&storage).await?;
        drop(storage);
        Ok(Some(Self {
            name: "PostgreSQL",
            url,
            site,
            read_key,
            manager,
            drop_from: Some((server_url.to_owned(), database)),
        }))
    }

    /// Counts the stored responses and returns the interactions among `expected` that are
    /// missing (an acknowledged response that is not there is a lost one).
    pub async fn stored(&self, expected: &[String]) -> anyhow::Result<(u64, Vec<String>)> {
        let interactions: Vec<String> = if self.drop_from.is_some() {
            let mut conn = sqlx::PgConnection::connect(&self.url).await?;
            sqlx::query_scalar("SELECT interaction FROM responses")
                .fetch_all(&mut conn)
                .await?
        } else {
            let mut conn = sqlx::SqliteConnection::connect(&self.url).await?;
            sqlx::query_scalar("SELECT interaction FROM responses")
                .fetch_all(&mut conn)
                .await?
        };
        let stored: std::collections::HashSet<&str> =
            interactions.iter().map(String::as_str).collect();
        let missing = expected
            .iter()
            .filter(|i| !stored.contains(i.as_str()))
            .cloned()
            .collect();
        Ok((interactions.len() as u64, missing))
    }

    /// A new API key of the target's site with `role`.
    pub async fn key(&self, role: Role) -> anyhow::Result<String> {
        let options = StorageOptions::default();
        let key = match self.drop_from.is_some() {
            true => {
                let storage = PgStorage::connect(&self.url, &options).await?;
                create_api_key(&storage, &self.site, role, Actor::Cli)
                    .await?
                    .1
            }
            false => {
                let storage = SqliteStorage::connect(&self.url, &options).await?;
                create_api_key(&storage, &self.site, role, Actor::Cli)
                    .await?
                    .1
            }
        };
        Ok(key)
    }

    /// The interactions whose facts are stored.
    pub async fn stored_interactions(&self) -> anyhow::Result<std::collections::HashSet<String>> {
        let interactions: Vec<String> = if self.drop_from.is_some() {
            let mut conn = sqlx::PgConnection::connect(&self.url).await?;
            sqlx::query_scalar("SELECT interaction FROM interactions")
                .fetch_all(&mut conn)
                .await?
        } else {
            let mut conn = sqlx::SqliteConnection::connect(&self.url).await?;
            sqlx::query_scalar("SELECT interaction FROM interactions")
                .fetch_all(&mut conn)
                .await?
        };
        Ok(interactions.into_iter().collect())
    }

    /// Whether the target is a PostgreSQL database (else a SQLite file).
    pub fn is_postgres(&self) -> bool {
        self.drop_from.is_some()
    }

    /// Drops a PostgreSQL target's database, unless `KOE_BENCH_KEEP` is set: then its URL is
    /// printed and it is left for a closer look (drop it by hand).
    pub async fn drop_database(self) -> anyhow::Result<()> {
        if std::env::var_os("KOE_BENCH_KEEP").is_some() {
            if self.drop_from.is_some() {
                eprintln!("database kept: {}", self.url);
            }
            return Ok(());
        }
        if let Some((server, database)) = &self.drop_from {
            let mut admin = sqlx::PgConnection::connect(server).await?;
            admin
                .execute(format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)").as_str())
                .await?;
        }
        Ok(())
    }
}

pub async fn register<S: Storage>(storage: &S) -> anyhow::Result<(Site, String, (String, String))> {
    let request = SiteRequest {
        name: "Bench".into(),
        origins: vec![Origin::parse("https://bench.example").map_err(anyhow::Error::msg)?],
        timezone: SiteTimeZone::parse("UTC").map_err(anyhow::Error::msg)?,
        strict: false,
        low_n_threshold: 30,
    };
    let site = register_site(storage, request).await?.site;
    let (_, key) = create_api_key(storage, &site, Role::Read, Actor::Cli).await?;
    let manager = (
        "manager@bench.example".to_owned(),
        "bench manager's phrase".to_owned(),
    );
    let grant = Grant::new(SiteRole::Manager, None, &[])?;
    let link = accounts::invite(storage, &site, &manager.0, &grant, &Actor::Cli).await?;
    let form = accounts::LinkForm {
        email: None,
        name: "Bench",
        password: &manager.1,
    };
    accounts::use_link(storage, &link.token, form).await?;
    Ok((site, key, manager))
}

/// `postgres://host/db` with its database replaced.
fn url_with_database(server_url: &str, database: &str) -> String {
    let (base, query) = server_url
        .split_once('?')
        .map_or((server_url, None), |(b, q)| (b, Some(q)));
    let authority_end = base
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| base[start..].find('/').map(|i| start + i))
        .unwrap_or(base.len());
    let mut url = format!("{}/{database}", &base[..authority_end]);
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    url
}
