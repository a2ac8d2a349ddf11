//! A site's locks on PostgreSQL: advisory and transaction-scoped, so a crash or a lost
//! connection ends them, and shared by every collector of a fleet.
//!
//! - The *write* lock: a time-zone rebuild holds it exclusively for its whole transaction
//!   (`rebuild.rs`); every transaction that writes a site's raw rows or rollups — a batch of
//!   answers, an impression, an import, an erasure, a purge — takes it shared first, and only if
//!   it can at once. A write of a site being rebuilt is refused ([`StorageError::SiteRebuilding`],
//!   503 with `Retry-After`) rather than waited for: a waiting transaction holds a pooled
//!   connection, and a group-commit batch holds other sites' answers beside it, so a busy site's
//!   waiting writes would stall every site, as the table locks a rebuild took before did.
//!   Writers take it shared, so they never wait for one another; a rebuild waiting for the
//!   writes in flight makes new ones be refused (PostgreSQL queues a new request behind a
//!   waiting one it conflicts with), so it cannot be starved.
//! - The *rebuild* lock: one rebuild of a site at a time, in every collector; tried, never
//!   waited for ([`StorageError::RebuildRunning`], 409).
//!
//! The two-key form: the first names the lock, the second is the site's id (an id past 2³¹
//! shares its locks with a smaller one: a refusal too many, never a wrong count).

use sqlx::PgConnection;

use crate::ids::SiteId;
use crate::storage::StorageError;

/// The first key of a site's write lock ("koe" and 1).
const WRITES: i32 = 0x6b6f_6501;
/// The first key of a site's rebuild lock ("koe" and 2).
const REBUILD: i32 = 0x6b6f_6502;

/// Takes the site's write lock shared for this transaction; refused while a rebuild holds it
/// (or waits for it).
pub(super) async fn share(conn: &mut PgConnection, site_id: SiteId) -> Result<(), StorageError> {
    let (taken,): (bool,) = sqlx::query_as(
        "SELECT pg_try_advisory_xact_lock_shared($1, CAST($2 % 2147483648 AS INTEGER))",
    )
    .bind(WRITES)
    .bind(site_id)
    .fetch_one(conn)
    .await?;
    match taken {
        true => Ok(()),
        false => Err(StorageError::SiteRebuilding),
    }
}

/// Takes the write locks of these sites shared for this transaction where it can at once;
/// gives the sites it could not (being rebuilt: their writes are refused).
pub(super) async fn share_all(
    conn: &mut PgConnection,
    sites: &[SiteId],
) -> Result<Vec<SiteId>, StorageError> {
    let ids: Vec<i64> = sites.iter().map(|site| site.get()).collect();
    let held: Vec<(SiteId,)> = sqlx::query_as(
        "SELECT site FROM unnest(CAST($2 AS BIGINT[])) AS wanted (site) \
         WHERE NOT pg_try_advisory_xact_lock_shared($1, CAST(site % 2147483648 AS INTEGER))",
    )
    .bind(WRITES)
    .bind(ids)
    .fetch_all(conn)
    .await?;
    Ok(held.into_iter().map(|(site,)| site).collect())
}

/// Takes the site's rebuild lock for this transaction; refused while another transaction, in
/// any collector, holds it.
pub(super) async fn claim_rebuild(
    conn: &mut PgConnection,
    site_id: SiteId,
) -> Result<(), StorageError> {
    let (taken,): (bool,) =
        sqlx::query_as("SELECT pg_try_advisory_xact_lock($1, CAST($2 % 2147483648 AS INTEGER))")
            .bind(REBUILD)
            .bind(site_id)
            .fetch_one(conn)
            .await?;
    match taken {
        true => Ok(()),
        false => Err(StorageError::RebuildRunning),
    }
}

/// Takes the site's write lock exclusively for this transaction, once the transactions that
/// hold it shared now have committed; the site's writes are refused from the moment it waits.
pub(super) async fn exclude_writes(
    conn: &mut PgConnection,
    site_id: SiteId,
) -> Result<(), StorageError> {
    sqlx::query("SELECT pg_advisory_xact_lock($1, CAST($2 % 2147483648 AS INTEGER))")
        .bind(WRITES)
        .bind(site_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The first key of an interaction's lock ("koe" and 3): a write of facts takes it
/// exclusively, a write of answers shared (`storage/facts_path.rs`), so the drivers see both.
pub(super) const INTERACTION: i32 = 0x6b6f_6503;

/// Takes the interactions' locks exclusively (`$1`: their second keys, `$2`: [`INTERACTION`]), waiting.
pub(super) const LOCK_INTERACTIONS: &str = "SELECT count(pg_advisory_xact_lock($2, k)) \
     FROM (SELECT DISTINCT k FROM unnest(CAST($1 AS INTEGER[])) AS t (k) ORDER BY k) AS keys";
/// Takes the interactions' locks shared (`$1`: their second keys, `$2`: [`INTERACTION`]), waiting.
pub(super) const SHARE_INTERACTIONS: &str = "SELECT count(pg_advisory_xact_lock_shared($2, k)) \
     FROM (SELECT DISTINCT k FROM unnest(CAST($1 AS INTEGER[])) AS t (k) ORDER BY k) AS keys";

/// How many interaction locks a site has: interactions share them by hash, so that a
/// transaction holds at most this many however many interactions it writes (an import of
/// thousands would otherwise outgrow PostgreSQL's lock table). Two interactions that share a
/// lock only wait for each other when one of them is a write of facts.
pub(super) const INTERACTION_LOCKS_PER_SITE: u32 = 256;

/// Every second key of a site's interaction locks, sorted.
pub(super) fn every_interaction_key(site_id: SiteId) -> Vec<i32> {
    let base = fnv(&site_id.get().to_be_bytes());
    let mut keys: Vec<i32> = (0..INTERACTION_LOCKS_PER_SITE)
        .map(|slot| i32::from_ne_bytes(base.wrapping_add(slot).to_ne_bytes()))
        .collect();
    keys.sort_unstable();
    keys
}

/// FNV-1a: stable across processes and collectors.
fn fnv(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(*byte)).wrapping_mul(0x0100_0193)
    })
}

/// The second keys of a site's interactions' locks, sorted, each once: the site's id spread
/// over the key space, plus a hash of the interaction modulo [`INTERACTION_LOCKS_PER_SITE`].
pub(super) fn interaction_keys(
    site_id: SiteId,
    interactions: &[koe_shared::InteractionId],
) -> Vec<i32> {
    let base = fnv(&site_id.get().to_be_bytes());
    let mut keys: Vec<i32> = interactions
        .iter()
        .map(|interaction| {
            let slot = fnv(interaction.as_str().as_bytes()) % INTERACTION_LOCKS_PER_SITE;
            i32::from_ne_bytes(base.wrapping_add(slot).to_ne_bytes())
        })
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}
