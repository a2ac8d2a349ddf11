//! What can go wrong below the storage traits: [`OpenError`] while a database is opened and
//! migrated at start, [`StorageError`] once it runs, and [`SaveError`] for a submission, which
//! may also conflict with what is stored.

use std::sync::Arc;

use crate::responses::MergeConflict;

/// A running database failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A site or key with the same unique value exists already.
    #[error("{0} already exists")]
    Duplicate(&'static str),
    /// The database cannot be reached or cannot write now (down, busy, disk full, read-only).
    #[error("the database is unavailable")]
    Unavailable(#[source] sqlx::Error),
    #[error("the database failed")]
    Database(#[source] sqlx::Error),
    /// A stored value does not parse into its domain type.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// The transaction that held this write failed as a whole; nothing of it was committed.
    #[error("the transaction holding this write failed")]
    Batch(#[source] Arc<StorageError>),
    /// The writer tasks have stopped (shutting down, or they failed).
    #[error("the database writer has stopped")]
    WriterGone,
    /// A time-zone rebuild found the site's raw responses purged since the caller looked: the
    /// days before this one cannot be counted again.
    #[error("raw responses answered before {0} were purged: those days cannot be counted again")]
    PurgedBefore(jiff::civil::Date),
    /// A time-zone rebuild of this site is under way (in this collector or another of the
    /// fleet): a site is rebuilt once at a time.
    #[error("this site's rollups are being rebuilt already")]
    RebuildRunning,
    /// The site's API keys rebuilt its rollups lately; another rebuild may start in this many
    /// seconds.
    #[error("this site's rollups were rebuilt lately; another rebuild may start in {0} s")]
    RebuildTooSoon(u64),
    /// A write of a site whose rollups are being rebuilt: refused at once rather than waited
    /// for (a waiting write would hold a connection or the writer), to be sent again shortly.
    #[error("this site's rollups are being rebuilt for a new time zone; send it again shortly")]
    SiteRebuilding,
}

/// A submission was not saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// It conflicts with the stored response; nothing was written.
    #[error(transparent)]
    Rejected(#[from] MergeConflict),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<sqlx::Error> for SaveError {
    fn from(error: sqlx::Error) -> Self {
        Self::Storage(error.into())
    }
}

/// The database could not be opened for use.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{0}")]
    Config(String),
    /// The SQLite file could not be opened.
    #[error(
        "could not open the database file {path} (SQLite needs it and its directory \
         writable: it keeps a -wal and a -shm file beside it)"
    )]
    Open {
        path: String,
        #[source]
        source: sqlx::Error,
    },
    /// The SQLite file opened, but only for reading (read-only file or mount).
    #[error("the database file {0} cannot be written (read-only file or filesystem)")]
    ReadOnly(String),
    #[error("could not apply database migrations")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<sqlx::Error> for OpenError {
    fn from(error: sqlx::Error) -> Self {
        Self::Storage(error.into())
    }
}

impl From<sqlx::Error> for StorageError {
    fn from(error: sqlx::Error) -> Self {
        if is_unavailable(&error) {
            Self::Unavailable(error)
        } else {
            Self::Database(error)
        }
    }
}

impl StorageError {
    /// A transient condition: the caller may retry later (HTTP 503).
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Unavailable(_) | Self::WriterGone | Self::SiteRebuilding => true,
            Self::Batch(cause) => cause.is_unavailable(),
            _ => false,
        }
    }

    /// PostgreSQL aborted the transaction for a concurrent one's sake (SQLSTATE 40001, a
    /// serialization failure — such as a row moved to another partition while it was waited
    /// for — or 40P01, a deadlock): the same work may succeed at once if tried again.
    pub fn is_serialization_failure(&self) -> bool {
        match self {
            Self::Database(sqlx::Error::Database(db)) => {
                matches!(db.code().as_deref(), Some("40001" | "40P01"))
            }
            Self::Batch(cause) => cause.is_serialization_failure(),
            _ => false,
        }
    }

    /// SQLite refused a write because it could only open the file read-only
    /// (`SQLITE_READONLY`).
    pub(super) fn is_read_only(&self) -> bool {
        match self {
            Self::Unavailable(sqlx::Error::Database(db)) => db
                .code()
                .and_then(|code| code.parse::<i32>().ok())
                .is_some_and(|code| code & 0xff == 8),
            _ => false,
        }
    }
}

fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => {
            // SQLite: BUSY, LOCKED, IOERR, FULL, READONLY, CANTOPEN (primary codes 5, 6, 10, 13, 8, 14).
            // PostgreSQL: class 08 (connection), 53 (resources, disk full), 57P (shutdown),
            // 25006 (read-only transaction).
            let code = db.code().unwrap_or_default();
            let sqlite_primary = code.parse::<i32>().map(|c| c & 0xff).unwrap_or(-1);
            matches!(sqlite_primary, 5 | 6 | 8 | 10 | 13 | 14)
                || code.starts_with("08")
                || code.starts_with("53")
                || code.starts_with("57P")
                || code == "25006"
        }
        _ => false,
    }
}
