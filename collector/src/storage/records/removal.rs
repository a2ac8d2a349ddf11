//! What removing raw data takes and gives: a site's retention cut-off, a time-zone rebuild's
//! outcome.

/// One site's retention cut-off in a purge run.
#[derive(Debug, Clone)]
pub struct PurgeCutoff {
    /// The audit entry of the site's purge (its site id says whose).
    pub entry: crate::audit::AuditEntry,
    /// Raw responses answered before this local day go.
    pub before: jiff::civil::Date,
    /// A time after every moment whose local day is before `before` (in any zone): the row
    /// purge reads the site's responses created before it.
    pub created_before_ms: i64,
    /// A time before which every moment's local day is before `before` (in any zone): a month
    /// that ends by then holds nothing of the site's that it keeps.
    pub surely_before_ms: i64,
    /// The site's time zone, which dates its days.
    pub zone: crate::sites::SiteTimeZone,
    /// The retention, in days, it was computed from.
    pub retention_days: u32,
}

impl PurgeCutoff {
    /// Whether the site's settings as they are now — `retention_days` (`None`: it keeps
    /// everything) and its time zone's name, read in the transaction that purges — still let
    /// this cut-off stand. It was computed from settings read before that transaction: a site
    /// that has cleared or lengthened its retention since, or moved to another zone (which
    /// dates its days), keeps its rows until a purge computes its cut-off afresh. A shorter
    /// retention lets it stand: it purges at least as much.
    pub fn still_stands(&self, retention_days: Option<i64>, zone: &str) -> bool {
        retention_days.is_some_and(|days| days <= i64::from(self.retention_days))
            && zone == self.zone.name()
    }
}

/// How much a rebuild moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rezoned {
    /// Raw responses (set-aside ones included) now counted on another day.
    pub responses_moved: u64,
    /// Impressions now counted on another day.
    pub impressions_moved: u64,
    /// Rollup rows the site has after the rebuild.
    pub rollup_rows: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Actor, AuditAction, AuditEntry};
    use crate::ids::SiteId;
    use crate::sites::SiteTimeZone;

    fn computed_from(retention_days: u32, zone: &str) -> PurgeCutoff {
        PurgeCutoff {
            entry: AuditEntry {
                site_id: SiteId::new(1),
                actor: Actor::Retention,
                action: AuditAction::ResponsesPurged,
                detail: String::new(),
                at: jiff::Timestamp::UNIX_EPOCH,
            },
            before: jiff::civil::date(2026, 1, 1),
            created_before_ms: 0,
            surely_before_ms: 0,
            zone: SiteTimeZone::parse(zone).unwrap(),
            retention_days,
        }
    }

    #[test]
    fn a_cutoff_stands_only_while_the_site_still_purges_at_least_as_much_in_the_same_zone() {
        let cutoff = computed_from(180, "Europe/Paris");
        for (retention_days, zone, stands, what) in [
            (Some(180), "Europe/Paris", true, "unchanged"),
            (Some(91), "Europe/Paris", true, "shortened: it purges more"),
            (None, "Europe/Paris", false, "cleared: it keeps everything"),
            (
                Some(365),
                "Europe/Paris",
                false,
                "lengthened: it keeps more",
            ),
            (
                Some(180),
                "Asia/Tokyo",
                false,
                "moved: its days are dated anew",
            ),
        ] {
            assert_eq!(cutoff.still_stands(retention_days, zone), stands, "{what}");
        }
    }
}
