//! The `koe site` and `koe key` subcommands' arguments.

use clap::Subcommand;

use super::DatabaseArg;

#[derive(Debug, Subcommand)]
pub(super) enum SiteCommand {
    /// Register a site; prints its public key and its signing secret (shown once).
    Add {
        #[arg(long)]
        name: String,
        /// Origins pages embedding the widget are served from, e.g. https://example.com.
        #[arg(long = "origin", value_name = "URL", required = true, num_args = 1..)]
        origins: Vec<String>,
        /// IANA time zone days are counted in, e.g. Asia/Tokyo.
        #[arg(long, default_value = "UTC")]
        timezone: String,
        /// Accept attribution (agent, team, channel) only when a signed token covers it.
        #[arg(long)]
        strict: bool,
        /// Report rows resting on fewer responses are marked "low n".
        #[arg(long, value_name = "N", default_value_t = 30)]
        low_n: u32,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// The sites this database holds.
    List {
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// One site's settings (never its secret).
    Show {
        #[arg(long)]
        site: String,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Change a site's name, origins, strict mode, low-n threshold or retention (recorded in
    /// the audit trail). The time zone cannot change: past days are counted in it.
    Update {
        #[arg(long)]
        site: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long = "add-origin", value_name = "URL")]
        add_origins: Vec<String>,
        #[arg(long = "remove-origin", value_name = "URL")]
        remove_origins: Vec<String>,
        #[arg(long, value_parser = ["on", "off"])]
        strict: Option<String>,
        #[arg(long, value_name = "N")]
        low_n: Option<u32>,
        /// Purge raw responses and comments older than this many days (rollups, and so
        /// reports, stay); 0 keeps everything.
        #[arg(long, value_name = "DAYS")]
        retention_days: Option<u32>,
        /// Survey this share of interactions (0–100; decided per interaction id, so a reload
        /// never flips it).
        #[arg(long, value_name = "PERCENT")]
        sample_percent: Option<u32>,
        /// Do not ask a customer surveyed within this many days again (0–365; needs the
        /// customer id in `koe('show', …)`, signed on strict sites).
        #[arg(long, value_name = "DAYS")]
        cooldown_days: Option<u32>,
        /// A new IANA time zone; needs `--rebuild-rollups`.
        #[arg(long)]
        timezone: Option<String>,
        /// With `--timezone`: re-date every raw response and impression in the new zone and
        /// rebuild the site's rollups from them, in one transaction (refused once retention
        /// has purged raw responses).
        #[arg(long, requires = "timezone")]
        rebuild_rollups: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Give a site a new signing secret (printed once); tokens and rating links signed with
    /// the previous one keep working for the grace period, then are refused.
    RotateSecret {
        #[arg(long)]
        site: String,
        /// How long the previous secret still verifies: days, as `7d` or `7` (0 ends it now).
        #[arg(long, default_value = "7d")]
        grace: String,
        /// Rotate even while the secret before the last rotation still verifies (it stops now).
        #[arg(long)]
        force: bool,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
}

#[derive(Debug, Subcommand)]
pub(super) enum KeyCommand {
    /// Create an API key for a site; prints it once.
    Create {
        /// The site key printed by `koe site add`.
        #[arg(long)]
        site: String,
        #[arg(long, value_parser = ["read", "admin"])]
        role: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// A site's keys: id, role, prefix, created, last used, revoked (never the keys).
    List {
        #[arg(long)]
        site: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Revoke a key: its next API call is refused and its dashboard sessions end.
    Revoke {
        /// The key's id (`koe key list`).
        id: i64,
        #[command(flatten)]
        db: DatabaseArg,
    },
}
