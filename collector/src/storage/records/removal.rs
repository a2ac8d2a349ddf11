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
