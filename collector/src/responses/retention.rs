//! Keeping personal data only as long as a site allows: with `retention_days` set, raw
//! responses — and the comments in them — answered before the cut-off day are purged, in
//! chunks, while every rollup stays, so reports over those days do not change. `koe verify`
//! then compares rollups with raw responses only from the cut-off day on (before it there is
//! nothing left to recompute them from). Each purge that removes anything is audited.

use jiff::civil::Date;

use crate::audit::{Actor, AuditAction, AuditEntry};
use crate::clock;
use crate::sites::Site;
use crate::storage::{PURGE_CHUNK, Storage, StorageError};

/// A time after every moment whose local day (in any zone, UTC−12 to UTC+14) is before
/// `day`: 14:00 UTC on `day`. It keeps the purge's read on the site's time index.
fn created_before_ms(day: Date) -> i64 {
    let days = (day - jiff::civil::date(1970, 1, 1)).get_days();
    (i64::from(days) * 24 + 14) * 3_600_000
}

/// Purges what `site` no longer keeps on `today`; how many rows went.
pub async fn purge_site<S: Storage>(
    storage: &S,
    site: &Site,
    today: Date,
) -> Result<u64, StorageError> {
    let Some(before) = site.first_kept_day(today) else {
        return Ok(0);
    };
    let bound_ms = created_before_ms(before);
    let mut purged = 0;
    loop {
        let chunk = storage.purge_responses(site.id, before, bound_ms).await?;
        purged += chunk;
        if chunk < PURGE_CHUNK as u64 {
            break;
        }
    }
    if purged > 0 {
        let entry = AuditEntry {
            site_id: site.id,
            actor: Actor::Retention,
            action: AuditAction::ResponsesPurged,
            detail: format!(
                "{purged} raw response(s) answered before {before} ({} days kept); rollups kept",
                site.retention_days.unwrap_or_default()
            ),
            at_ms: clock::now_ms(),
        };
        storage.record_audit(entry).await?;
        tracing::info!(site = %site.key, purged, %before, "purged responses past the site's retention");
    }
    Ok(purged)
}

/// Purges every site's responses past its retention, each on its own today.
pub async fn purge_due<S: Storage>(storage: &S) -> Result<u64, StorageError> {
    let mut purged = 0;
    for site in storage.sites().await? {
        purged += purge_site(storage, &site, site.today()).await?;
    }
    Ok(purged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_bound_lies_after_the_day_before_in_every_zone() {
        let day: Date = "2026-12-01".parse().unwrap();
        let bound = created_before_ms(day);
        // 2026-12-01 00:00 in UTC−12 is 12:00 UTC: still before the bound.
        let utc_minus_12_midnight = jiff::civil::date(2026, 12, 1)
            .at(12, 0, 0, 0)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .unwrap()
            .timestamp()
            .as_millisecond();
        assert!(utc_minus_12_midnight < bound);
        assert_eq!(bound - utc_minus_12_midnight, 2 * 3_600_000);
    }
}
