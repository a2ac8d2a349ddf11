//! Keeping personal data only as long as a site allows: with `retention_days` set, raw
//! responses — and the comments in them — answered before the cut-off day are purged, in
//! chunks, while every rollup stays, so reports over those days do not change. `koe verify`
//! then compares rollups with raw responses only from the cut-off day on (before it there is
//! nothing left to recompute them from). Each purge that removes anything is audited.

use std::time::Duration;

use jiff::civil::Date;

use crate::audit::{Actor, AuditAction, AuditEntry};
use crate::clock;
use crate::shutdown::Stopping;
use crate::sites::Site;
use crate::storage::{
    CustomerStore, PURGE_CHUNK, PurgeCutoff, RemovalStore, SiteStore, StorageError,
};

/// A time after every moment whose local day (in any zone, UTC−12 to UTC+14) is before
/// `day`: 14:00 UTC on `day`. It keeps the purge's read on the site's time index.
fn created_before_ms(day: Date) -> i64 {
    (days_since_epoch(day) * 24 + 14) * 3_600_000
}

/// A time before which every moment's local day (in any zone) is before `day`: the start of
/// `day` in UTC+14, 10:00 UTC the day before.
fn surely_before_ms(day: Date) -> i64 {
    (days_since_epoch(day) * 24 - 14) * 3_600_000
}

fn days_since_epoch(day: Date) -> i64 {
    i64::from((day - jiff::civil::date(1970, 1, 1)).get_days())
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

/// What `site` purges on `today`, with the audit entry its purge records (`None`: nothing).
pub fn cutoff(site: &Site, today: Date, edit_window_days: u32) -> Option<PurgeCutoff> {
    let retention_days = site.retention_days?;
    let before = first_kept_day(site, today, edit_window_days)?;
    Some(PurgeCutoff {
        entry: AuditEntry {
            site_id: site.id,
            actor: Actor::Retention,
            action: AuditAction::ResponsesPurged,
            detail: format!(
                "raw response(s) answered before {before} purged ({retention_days} days kept); \
                 rollups kept"
            ),
            at: clock::now(),
        },
        before,
        created_before_ms: created_before_ms(before),
        surely_before_ms: surely_before_ms(before),
        zone: site.timezone.clone(),
        retention_days,
    })
}

/// Purges what `site` no longer keeps on `today`, chunk by chunk, each chunk audited in its
/// own transaction; how many rows went. `site` is as read before the purge: each chunk checks
/// the site's settings again in its own transaction, and purges nothing once the site has
/// cleared (or lengthened) its retention or moved to another zone.
#[tracing::instrument(name = "retention::purge_site", skip_all)]
pub async fn purge_site<S: RemovalStore>(
    storage: &S,
    site: &Site,
    today: Date,
    edit_window_days: u32,
) -> Result<u64, StorageError> {
    let Some(cutoff) = cutoff(site, today, edit_window_days) else {
        return Ok(0);
    };
    let mut purged = 0;
    loop {
        let chunk = storage.purge_responses(&cutoff).await?;
        purged += chunk;
        if chunk < PURGE_CHUNK as u64 {
            break;
        }
    }
    if purged > 0 {
        tracing::info!(site = %site.key, purged, before = %cutoff.before, "purged responses past the site's retention");
    }
    Ok(purged)
}

/// Purges every site's responses past its retention, each on its own today; a site that
/// fails is logged and the others are still purged. How many rows went.
#[tracing::instrument(name = "retention::purge_due", skip_all)]
pub async fn purge_due<S: RemovalStore + SiteStore + CustomerStore>(
    storage: &S,
    edit_window_days: u32,
) -> Result<u64, StorageError> {
    let sites = storage.sites().await?;
    // Whole months first, where every site with rows in them lets them go (PostgreSQL);
    // then what is left, row by row. These settings may change before either runs: each
    // checks them again in the transaction that removes the rows.
    let cutoffs: Vec<PurgeCutoff> = sites
        .iter()
        .filter_map(|site| cutoff(site, site.today(), edit_window_days))
        .collect();
    let mut purged = match storage.drop_purged_partitions(&cutoffs).await {
        Ok(rows) => rows,
        Err(error) => {
            tracing::warn!(error = %error, "could not drop purged months of responses");
            0
        }
    };
    for site in sites {
        match purge_site(storage, &site, site.today(), edit_window_days).await {
            Ok(n) => purged += n,
            Err(error) => {
                tracing::warn!(site = %site.key, error = %error, "could not purge responses past retention");
            }
        }
        // Customers surveyed longer ago than the cooldown decide nothing any more (without a
        // cooldown, none is kept at all); the cooldown is the one stored now, not `site`'s.
        if let Err(error) = storage.forget_customers(site.id, clock::now()).await {
            tracing::warn!(site = %site.key, error = %error, "could not forget customers past the cooldown");
        }
    }
    Ok(purged)
}

/// Purges responses past each site's retention now and every `period`, until the application
/// stops (a purge that fails is logged and tried again next time).
pub fn keep_purging<S: RemovalStore + SiteStore + CustomerStore>(
    storage: S,
    period: Duration,
    edit_window_days: u32,
    stopping: Stopping,
) {
    tokio::spawn(stopping.every(period, move || {
        let storage = storage.clone();
        async move {
            if let Err(error) = purge_due(&storage, edit_window_days).await {
                tracing::warn!(error = %error, "could not purge responses past retention");
            }
        }
    }));
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

    #[test]
    fn before_the_sure_bound_every_zone_is_still_on_an_earlier_day() {
        let day: Date = "2026-12-01".parse().unwrap();
        let bound = surely_before_ms(day);
        let local_day = |ms: i64, hours: i8| {
            jiff::Timestamp::from_millisecond(ms)
                .unwrap()
                .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(hours)))
                .date()
        };
        // UTC+14, the earliest zone: its 2026-12-01 begins exactly at the bound.
        assert_eq!(local_day(bound, 14), day);
        for hours in [-12, 0, 9, 14] {
            assert!(local_day(bound - 1, hours) < day, "UTC{hours:+}");
        }
    }
}
