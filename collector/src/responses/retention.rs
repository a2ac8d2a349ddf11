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

/// The first day `site` keeps raw responses of on `today` (`None`: it keeps everything): its
/// retention, or longer when the collector's edit window is longer, so that no answer that
/// may still be changed — and would then be counted afresh — is purged.
pub fn first_kept_day(site: &Site, today: Date, edit_window_days: u32) -> Option<Date> {
    let days = site.retention_days?.max(edit_window_days.saturating_add(1));
    today
        .checked_sub(jiff::Span::new().days(i64::from(days)))
        .ok()
}

/// Purges what `site` no longer keeps on `today`, chunk by chunk, each chunk audited in its
/// own transaction; how many rows went.
pub async fn purge_site<S: Storage>(
    storage: &S,
    site: &Site,
    today: Date,
    edit_window_days: u32,
) -> Result<u64, StorageError> {
    let Some(before) = first_kept_day(site, today, edit_window_days) else {
        return Ok(0);
    };
    let entry = AuditEntry {
        site_id: site.id,
        actor: Actor::Retention,
        action: AuditAction::ResponsesPurged,
        detail: format!(
            "raw response(s) answered before {before} purged ({} days kept); rollups kept",
            site.retention_days.unwrap_or_default()
        ),
        at_ms: clock::now_ms(),
    };
    let bound_ms = created_before_ms(before);
    let mut purged = 0;
    loop {
        let chunk = storage
            .purge_responses(entry.clone(), before, bound_ms)
            .await?;
        purged += chunk;
        if chunk < PURGE_CHUNK as u64 {
            break;
        }
    }
    if purged > 0 {
        tracing::info!(site = %site.key, purged, %before, "purged responses past the site's retention");
    }
    Ok(purged)
}

/// Purges every site's responses past its retention, each on its own today; a site that
/// fails is logged and the others are still purged. How many rows went.
pub async fn purge_due<S: Storage>(
    storage: &S,
    edit_window_days: u32,
) -> Result<u64, StorageError> {
    let mut purged = 0;
    for site in storage.sites().await? {
        match purge_site(storage, &site, site.today(), edit_window_days).await {
            Ok(n) => purged += n,
            Err(error) => {
                tracing::warn!(site = %site.key, error = %error, "could not purge responses past retention");
            }
        }
        // Customers surveyed longer ago than the cooldown decide nothing any more (without a
        // cooldown, none is kept at all).
        let now = clock::now_ms();
        let before = now - site.fatigue.cooldown_ms().unwrap_or(0);
        if let Err(error) = storage.forget_customers(site.id, before).await {
            tracing::warn!(site = %site.key, error = %error, "could not forget customers past the cooldown");
        }
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
