//! How storage connects ([`StorageOptions`], from the settings) and which backend a database
//! URL selects ([`Backend`]).

use std::time::Duration;

use super::OpenError;
use crate::settings::Settings;

/// How storage connects; filled from [`Settings`].
#[derive(Debug, Clone)]
pub struct StorageOptions {
    pub max_connections: u32,
    /// How long a request waits for a connection before the database counts as unavailable.
    pub acquire_timeout: Duration,
    /// Most submissions committed in one transaction (group commit, both backends).
    pub max_batch: usize,
    /// PostgreSQL only: a read replica for reports, standings, the response list, its CSV and
    /// the dashboard (`database_read_url`); writes, sign-in checks and revocations stay on the
    /// primary.
    pub read_url: Option<String>,
    /// SQLite only: create the database file when it is missing (`koe serve`, `koe site add`);
    /// off, a missing file is an error and nothing is created — the CLI's other commands need a
    /// site that is in a database already. PostgreSQL never creates a database.
    pub create_if_missing: bool,
}

impl From<&Settings> for StorageOptions {
    fn from(settings: &Settings) -> Self {
        Self {
            max_connections: settings.database_max_connections.max(1),
            acquire_timeout: Duration::from_secs(settings.database_timeout_secs.max(1)),
            max_batch: settings.sqlite_max_batch.max(1),
            read_url: settings
                .database_read_url
                .as_ref()
                .map(|u| u.expose().to_owned())
                .filter(|u| !u.is_empty()),
            create_if_missing: true,
        }
    }
}

impl Default for StorageOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(5),
            max_batch: 512,
            read_url: None,
            create_if_missing: true,
        }
    }
}

/// Which backend a database URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Result<Self, OpenError> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(OpenError::Config(
                "the database URL must start with sqlite: or postgres://".into(),
            ))
        }
    }
}
