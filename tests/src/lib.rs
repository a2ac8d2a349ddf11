//! Helpers for Koe's cross-crate tests: a fresh database per test (a SQLite file in a temp
//! folder, or a PostgreSQL database created and dropped), and a collector on port 0.
//!
//! PostgreSQL tests run when `KOE_TEST_POSTGRES_URL` names a server (an admin connection,
//! e.g. `postgres://postgres@127.0.0.1:5432/postgres`); `cargo xtask test` sets it when a
//! server answers, and fails under `CI=true` when none does.
#![forbid(unsafe_code)]

mod app;
mod database;
pub mod host_page;
pub mod mail_catcher;
pub mod pg_cluster;
pub mod platform;
pub mod raw_http;
pub mod webdriver;

pub use app::{SHOP_ORIGIN, TestApp, TestSite, error_code, in_an_hour};
pub use database::{TestBackend, TestDatabase};

/// Runs each listed generic test (`async fn name<S: TestBackend>()`) once per backend, as
/// `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name::<koe_collector::storage::SqliteStorage>().await
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name::<koe_collector::storage::PgStorage>().await
                }
            )+
        }
    };
}

/// Logs to the terminal only when `TEST_LOG` is set, so test output stays readable.
pub fn init_test_logging() {
    if std::env::var_os("TEST_LOG").is_some() {
        koe_collector::telemetry::init("debug");
    }
}
