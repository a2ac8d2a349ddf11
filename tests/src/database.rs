//! One fresh database per test.

use std::time::Duration;

use koe_collector::storage::{
    Backend, OpenError, PgStorage, SqliteStorage, Storage, StorageOptions,
};
use rand::Rng as _;
use sqlx::Connection as _;

/// A backend the tests can open by URL.
pub trait TestBackend: Storage {
    const BACKEND: Backend;

    fn open(url: &str) -> impl Future<Output = Result<Self, OpenError>> + Send;

    /// Runs one raw SQL statement (to tamper with data in tests of `verify`).
    fn execute(url: &str, sql: &str) -> impl Future<Output = Result<u64, sqlx::Error>> + Send;
}

fn options() -> StorageOptions {
    StorageOptions {
        max_connections: 4,
        acquire_timeout: Duration::from_secs(10),
        ..StorageOptions::default()
    }
}

impl TestBackend for SqliteStorage {
    const BACKEND: Backend = Backend::Sqlite;

    async fn open(url: &str) -> Result<Self, OpenError> {
        SqliteStorage::connect(url, &options()).await
    }

    async fn execute(url: &str, sql: &str) -> Result<u64, sqlx::Error> {
        let mut conn = sqlx::SqliteConnection::connect(url).await?;
        Ok(sqlx::query(sql).execute(&mut conn).await?.rows_affected())
    }
}

impl TestBackend for PgStorage {
    const BACKEND: Backend = Backend::Postgres;

    async fn open(url: &str) -> Result<Self, OpenError> {
        PgStorage::connect(url, &options()).await
    }

    async fn execute(url: &str, sql: &str) -> Result<u64, sqlx::Error> {
        let mut conn = sqlx::PgConnection::connect(url).await?;
        Ok(sqlx::query(sql).execute(&mut conn).await?.rows_affected())
    }
}

/// A database that exists for one test: removed (SQLite) or dropped (PostgreSQL) after it.
#[derive(Debug)]
pub struct TestDatabase {
    pub url: String,
    _folder: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    /// A database someone else made and removes (e.g. a [`crate::pg_cluster::Cluster`]'s).
    pub fn existing(url: String) -> Self {
        Self {
            url,
            _folder: None,
            postgres: None,
        }
    }

    /// A new empty database, or `None` when the backend is PostgreSQL and no server is
    /// configured (the test is then skipped, loudly).
    pub async fn create(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let folder = tempfile::tempdir().expect("a temp folder");
                let url = format!("sqlite://{}", folder.path().join("koe.db").display());
                Some(Self {
                    url,
                    _folder: Some(folder),
                    postgres: None,
                })
            }
            Backend::Postgres => {
                let Ok(admin_url) = std::env::var("KOE_TEST_POSTGRES_URL") else {
                    eprintln!("skipped on PostgreSQL: KOE_TEST_POSTGRES_URL is not set");
                    return None;
                };
                let name = format!("koe_test_{:016x}", rand::rng().random::<u64>());
                let mut admin = sqlx::PgConnection::connect(&admin_url)
                    .await
                    .expect("KOE_TEST_POSTGRES_URL is set, so PostgreSQL must answer");
                sqlx::query(&format!("CREATE DATABASE \"{name}\""))
                    .execute(&mut admin)
                    .await
                    .expect("create a test database");
                let mut url = url::Url::parse(&admin_url).expect("KOE_TEST_POSTGRES_URL is a URL");
                url.set_path(&name);
                Some(Self {
                    url: url.to_string(),
                    _folder: None,
                    postgres: Some((admin_url, name)),
                })
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside async: use a short-lived runtime on its own thread.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut admin = sqlx::PgConnection::connect(&admin_url).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .execute(&mut admin)
                    .await?;
                Ok::<_, anyhow::Error>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop a test database: {dropped:?}");
        }
    }
}
