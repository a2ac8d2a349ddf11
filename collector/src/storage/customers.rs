//! Survey fatigue as stored: when a customer (known only by their keyed hash) was last
//! surveyed, and the key the server made for itself to hash them with when none is
//! configured. Here are the capability's trait ([`CustomerStore`]), its one implementation for
//! both backends (the `customer_store!` macro) and the statements with their SQL. The write
//! path notes customers in an impression's own transaction (`write_path.rs`).

use super::sql::for_koe_databases;
use std::future::Future;

use koe_shared::InteractionId;
use sqlx::Database;

use super::StorageError;
use super::{CustomerCheck, CustomerHash};
use crate::ids::SiteId;

/// Surveyed customers and the server's own keys.
pub trait CustomerStore: Clone + Send + Sync + 'static {
    /// Whether an impression would show the survey now — not within its customer's cooldown —
    /// writing nothing (`koe('prepare')` asks ahead of the show).
    fn would_show(
        &self,
        site_id: SiteId,
        interaction: &InteractionId,
        customer: Option<CustomerCheck>,
        now: jiff::Timestamp,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Asks whether a customer may be surveyed now (a rating link is about to be sent): `false`
    /// when surveyed within `check.cooldown_ms`; otherwise notes them surveyed at `now`.
    fn survey_customer(
        &self,
        site_id: SiteId,
        check: CustomerCheck,
        now: jiff::Timestamp,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Forgets a site's customers last surveyed longer ago than its cooldown — as the site
    /// holds it when the statement runs, not as a caller read it earlier (a purge working from
    /// settings read before the cooldown was set would forget everyone) — at `now`; without a
    /// cooldown, all of them. How many.
    fn forget_customers(
        &self,
        site_id: SiteId,
        now: jiff::Timestamp,
    ) -> impl Future<Output = Result<u64, StorageError>> + Send;

    /// The server's own 32-byte key `name`, made (randomly) and stored the first time it is
    /// asked for, so every collector and CLI on this database uses the same.
    fn server_key(
        &self,
        name: &'static str,
    ) -> impl Future<Output = Result<[u8; 32], StorageError>> + Send;
}

/// Implements [`CustomerStore`] for a backend's storage type over its sqlx database, on the
/// pool field named (the primary: a cooldown is decided on what was just written).
macro_rules! customer_store {
    ($storage:ty, $db:ty, $pool:ident) => {
        impl $crate::storage::CustomerStore for $storage {
            #[tracing::instrument(name = "storage::would_show", level = "debug", skip_all)]
            async fn would_show(
                &self,
                site_id: $crate::ids::SiteId,
                interaction: &koe_shared::InteractionId,
                customer: Option<$crate::storage::CustomerCheck>,
                now: jiff::Timestamp,
            ) -> Result<bool, $crate::storage::StorageError> {
                let mut conn = self.$pool.acquire().await?;
                let cooling = $crate::storage::customers::in_cooldown::<$db>(
                    &mut conn,
                    site_id,
                    interaction.as_str(),
                    customer.as_ref(),
                    now.as_millisecond(),
                )
                .await?;
                Ok(!cooling)
            }

            #[tracing::instrument(name = "storage::survey_customer", level = "debug", skip_all)]
            async fn survey_customer(
                &self,
                site_id: $crate::ids::SiteId,
                check: $crate::storage::CustomerCheck,
                now: jiff::Timestamp,
            ) -> Result<bool, $crate::storage::StorageError> {
                use $crate::storage::customers::Customers as _;
                <$db>::survey_customer(
                    &mut *self.$pool.acquire().await?,
                    site_id,
                    &check.customer,
                    now.as_millisecond(),
                    check.cooldown_ms.unwrap_or(0),
                )
                .await
            }

            #[tracing::instrument(name = "storage::forget_customers", level = "debug", skip_all)]
            async fn forget_customers(
                &self,
                site_id: $crate::ids::SiteId,
                now: jiff::Timestamp,
            ) -> Result<u64, $crate::storage::StorageError> {
                use $crate::storage::customers::Customers as _;
                <$db>::forget_customers(
                    &mut *self.$pool.acquire().await?,
                    site_id,
                    now.as_millisecond(),
                )
                .await
            }

            #[tracing::instrument(name = "storage::server_key", level = "debug", skip_all)]
            async fn server_key(
                &self,
                name: &'static str,
            ) -> Result<[u8; 32], $crate::storage::StorageError> {
                use $crate::storage::customers::Customers as _;
                <$db>::server_key(&mut *self.$pool.acquire().await?, name).await
            }
        }
    };
}
pub(super) use customer_store;

/// The statements, on one connection (the caller's transaction where there is one).
pub(super) trait Customers: Database {
    /// When the customer was last surveyed on the site (Unix ms), if ever.
    async fn last_surveyed(
        conn: &mut Self::Connection,
        site_id: SiteId,
        customer: &CustomerHash,
    ) -> Result<Option<i64>, StorageError>;

    /// Notes that the customer was surveyed at `now_ms` (a later time is kept).
    async fn note_surveyed(
        conn: &mut Self::Connection,
        site_id: SiteId,
        customer: &CustomerHash,
        now_ms: i64,
    ) -> Result<(), StorageError>;

    /// In one statement: the customer is noted surveyed at `now_ms` unless surveyed within
    /// `cooldown_ms` before (0: always); `true` when noted (they may be asked).
    async fn survey_customer(
        conn: &mut Self::Connection,
        site_id: SiteId,
        customer: &CustomerHash,
        now_ms: i64,
        cooldown_ms: i64,
    ) -> Result<bool, StorageError>;

    /// Forgets the site's customers last surveyed before `before_ms`; how many.
    async fn forget_customers(
        conn: &mut Self::Connection,
        site_id: SiteId,
        before_ms: i64,
    ) -> Result<u64, StorageError>;

    /// Whether the interaction's survey was shown already.
    async fn impression_exists(
        conn: &mut Self::Connection,
        site_id: SiteId,
        interaction: &str,
    ) -> Result<bool, StorageError>;

    /// The server's own key `name`: made at random the first time anyone asks, the stored one
    /// after.
    async fn server_key(conn: &mut Self::Connection, name: &str) -> Result<[u8; 32], StorageError>;
}

/// Whether a survey about to be shown falls in its customer's cooldown: the customer was
/// surveyed less than the cooldown ago, and this is not a reload of the interaction's survey
/// shown before. Read only — what both an impression and a `prepare`'s peek decide on.
pub(super) async fn in_cooldown<DB: Customers>(
    conn: &mut DB::Connection,
    site_id: SiteId,
    interaction: &str,
    check: Option<&CustomerCheck>,
    now_ms: i64,
) -> Result<bool, StorageError> {
    let Some((check, cooldown_ms)) = check.and_then(|c| Some((c, c.cooldown_ms?))) else {
        return Ok(false);
    };
    if DB::impression_exists(conn, site_id, interaction).await? {
        return Ok(false);
    }
    let last = DB::last_surveyed(conn, site_id, &check.customer).await?;
    Ok(last.is_some_and(|last| now_ms - last < cooldown_ms))
}

const SELECT_LAST_SURVEYED: &str = "SELECT last_surveyed_ms FROM customer_surveys \
     WHERE site_id = $1 AND customer_hash = $2";
const NOTE_SURVEYED: &str = "INSERT INTO customer_surveys (site_id, customer_hash, \
     last_surveyed_ms) VALUES ($1, $2, $3) ON CONFLICT (site_id, customer_hash) DO UPDATE SET \
     last_surveyed_ms = CASE WHEN excluded.last_surveyed_ms > customer_surveys.last_surveyed_ms \
     THEN excluded.last_surveyed_ms ELSE customer_surveys.last_surveyed_ms END";
const SURVEY_CUSTOMER: &str = "INSERT INTO customer_surveys (site_id, customer_hash, \
     last_surveyed_ms) VALUES ($1, $2, $3) ON CONFLICT (site_id, customer_hash) DO UPDATE SET \
     last_surveyed_ms = CASE WHEN customer_surveys.last_surveyed_ms > excluded.last_surveyed_ms - $4 \
     THEN customer_surveys.last_surveyed_ms ELSE excluded.last_surveyed_ms END \
     RETURNING last_surveyed_ms";
/// `$2` is now; the cooldown is read from the site in the same statement.
const FORGET_CUSTOMERS: &str = "DELETE FROM customer_surveys WHERE site_id = $1 AND \
     last_surveyed_ms < $2 - CAST(COALESCE((SELECT cooldown_days FROM sites WHERE id = $1), 0) \
     AS BIGINT) * 86400000 RETURNING site_id";
const SELECT_IMPRESSION: &str = "SELECT 1 FROM impressions WHERE site_id = $1 AND interaction = $2";
const INSERT_SERVER_KEY: &str =
    "INSERT INTO server_keys (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING";
const SELECT_SERVER_KEY: &str = "SELECT value FROM server_keys WHERE name = $1";

for_koe_databases! {
    impl Customers {
    async fn last_surveyed(
        conn: &mut Self::Connection,
        site_id: SiteId,
        customer: &CustomerHash,
    ) -> Result<Option<i64>, StorageError> {
        let row: Option<(i64,)> = sqlx::query_as(SELECT_LAST_SURVEYED)
            .bind(site_id)
            .bind(&customer.0[..])
            .fetch_optional(conn)
            .await?;
        Ok(row.map(|(ms,)| ms))
    }

    async fn note_surveyed(
        conn: &mut Self::Connection,
        site_id: SiteId,
        customer: &CustomerHash,
        now_ms: i64,
    ) -> Result<(), StorageError> {
        sqlx::query(NOTE_SURVEYED)
            .bind(site_id)
            .bind(&customer.0[..])
            .bind(now_ms)
            .execute(conn)
            .await?;
        Ok(())
    }

    async fn survey_customer(
        conn: &mut Self::Connection,
        site_id: SiteId,
        customer: &CustomerHash,
        now_ms: i64,
        cooldown_ms: i64,
    ) -> Result<bool, StorageError> {
        let (last,): (i64,) = sqlx::query_as(SURVEY_CUSTOMER)
            .bind(site_id)
            .bind(&customer.0[..])
            .bind(now_ms)
            .bind(cooldown_ms)
            .fetch_one(conn)
            .await?;
        Ok(last == now_ms)
    }

    async fn forget_customers(
        conn: &mut Self::Connection,
        site_id: SiteId,
        before_ms: i64,
    ) -> Result<u64, StorageError> {
        let gone: Vec<(i64,)> = sqlx::query_as(FORGET_CUSTOMERS)
            .bind(site_id)
            .bind(before_ms)
            .fetch_all(conn)
            .await?;
        Ok(gone.len() as u64)
    }

    async fn impression_exists(
        conn: &mut Self::Connection,
        site_id: SiteId,
        interaction: &str,
    ) -> Result<bool, StorageError> {
        let row: Option<(i32,)> = sqlx::query_as(SELECT_IMPRESSION)
            .bind(site_id)
            .bind(interaction)
            .fetch_optional(conn)
            .await?;
        Ok(row.is_some())
    }

    async fn server_key(conn: &mut Self::Connection, name: &str) -> Result<[u8; 32], StorageError> {
        sqlx::query(INSERT_SERVER_KEY)
            .bind(name)
            .bind(&crate::secrets::random_key()[..])
            .execute(&mut *conn)
            .await?;
        let (value,): (Vec<u8>,) = sqlx::query_as(SELECT_SERVER_KEY)
            .bind(name)
            .fetch_one(conn)
            .await?;
        value
            .try_into()
            .map_err(|_| StorageError::Corrupt(format!("server key {name} is not 32 bytes")))
    }
    }
}
