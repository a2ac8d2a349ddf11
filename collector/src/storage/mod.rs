//! Storage: narrow traits, one per capability, each with a SQLite and a PostgreSQL
//! implementation chosen from the URL at start.
//!
//! The traits, as lldap splits its backend: [`SiteStore`] (`sites.rs`), [`AccessStore`] (keys,
//! sessions, audit: `access/`), [`AnswerStore`] (writes: `answers.rs`), [`CustomerStore`]
//! (the cooldown: `customers.rs`), [`ReportStore`] (reads: `reports.rs`), [`AlertStore`]
//! (webhooks and their outbox: `webhooks/`), [`RemovalStore`] (retention, erasure, time-zone
//! rebuild: `removal.rs`, the rebuild's steps in `rezone.rs`), [`VerifyStore`] (raw data and
//! stored rollups for `koe verify`: `verification.rs`) and [`Lifecycle`] (below). [`Storage`]
//! is all of them, for the web and the command line; a domain service is bound on the
//! narrowest it uses. Records the traits move live in [`records`].
//!
//! Each capability file holds its trait, the statements with their SQL, and — where both
//! backends read and write the same way — one implementation written once as a macro that each
//! backend invokes with its pool. Each backend's folder keeps only what differs: connecting,
//! its writer (group commit), its half of the write path ([`write_tx::WriteTx`]: locking,
//! rollup changes), its SQL [`sql::Dialect`] and report dialect, and the traits it implements
//! itself ([`AnswerStore`], [`RemovalStore`], [`Lifecycle`]). PostgreSQL keeps raw responses in
//! monthly partitions with their uniqueness in `response_keys` (`postgres/partitions.rs`).
//! Every write updates the rollups in the transaction that changes the raw data.

mod access;
mod answers;
mod bind;
pub mod commits;
mod customers;
mod error;
mod facts;
mod facts_path;
mod facts_store;
mod followups;
mod followups_path;
mod integrations;
mod options;
mod passkeys;
mod people;
mod postgres;
mod queries;
mod question_read;
mod records;
mod removal;
mod report_read;
mod report_rows;
mod reports;
mod response_page;
mod rezone;
mod rows;
mod service_read;
mod service_tables;
mod sites;
mod sql;
mod sqlite;
mod standings_read;
mod verification;
mod webhooks;
mod write_path;
mod write_plan;
mod write_tx;

use std::future::Future;

pub use access::AccessStore;
pub use answers::AnswerStore;
pub use customers::CustomerStore;
pub use error::{OpenError, SaveError, StorageError};
pub use facts_store::FactsStore;
pub use followups::FollowupStore;
pub use integrations::IntegrationStore;
pub use options::{Backend, StorageOptions};
pub use passkeys::PasskeyStore;
pub use people::{PeopleStore, SessionStore};
pub use postgres::PgStorage;
pub use records::*;
pub use removal::{PURGE_CHUNK, RemovalStore};
pub use reports::ReportStore;
pub use rezone::{REBUILD_INTERVAL_MINUTES, REZONE_CHUNK};
pub use sites::SiteStore;
pub use sqlite::SqliteStorage;
pub use verification::VerifyStore;
pub use webhooks::AlertStore;

/// Starting and stopping: what each backend does for itself.
pub trait Lifecycle: Clone + Send + Sync + 'static {
    /// Checks the database answers and can take writes (for `/readyz`); writes nothing.
    fn ping(&self) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Finishes the writes already queued, then closes every connection (on shutdown).
    fn close(&self) -> impl Future<Output = ()> + Send;

    /// Counted responses and their keys that disagree (`koe verify`): on PostgreSQL, where
    /// `response_keys` keeps one counted response per interaction across monthly partitions.
    /// SQLite's one table keeps that itself, and has none.
    fn key_drift(&self) -> impl Future<Output = Result<Vec<KeyDrift>, StorageError>> + Send;
}

/// Everything the collector keeps: every capability, for the web and the command line (a
/// domain service asks for the narrowest trait it uses). Implementations are cheap to clone
/// (a pool handle).
pub trait Storage:
    Lifecycle
    + SiteStore
    + AccessStore
    + AnswerStore
    + CustomerStore
    + ReportStore
    + AlertStore
    + RemovalStore
    + VerifyStore
    + FactsStore
    + IntegrationStore
    + PeopleStore
    + FollowupStore
    + SessionStore
    + PasskeyStore
{
}

impl<T> Storage for T where
    T: Lifecycle
        + SiteStore
        + AccessStore
        + AnswerStore
        + CustomerStore
        + ReportStore
        + AlertStore
        + RemovalStore
        + VerifyStore
        + FactsStore
        + IntegrationStore
        + PeopleStore
        + FollowupStore
        + SessionStore
        + PasskeyStore
{
}

/// Every storage trait, for callers that hold a concrete backend (`SqliteStorage`,
/// `PgStorage`) and call its methods: `use koe_collector::storage::prelude::*;`.
pub mod prelude {
    pub use super::{
        AccessStore as _, AlertStore as _, AnswerStore as _, CustomerStore as _, FactsStore as _,
        FollowupStore as _, IntegrationStore as _, Lifecycle as _, PasskeyStore as _,
        PeopleStore as _, RemovalStore as _, ReportStore as _, SessionStore as _, SiteStore as _,
        Storage, VerifyStore as _,
    };
}
