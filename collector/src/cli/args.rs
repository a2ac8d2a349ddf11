//! The command line's arguments: `koe` and its subcommands, as clap reads them; `mod.rs` runs
//! them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "koe",
    version,
    about = "Koe collects and scores customer-support surveys."
)]
pub struct Cli {
    /// Settings file (TOML). Missing is fine: defaults and KOE_* variables apply.
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        env = "KOE_CONFIG",
        default_value = "koe.toml"
    )]
    pub(super) config: PathBuf,
    #[command(subcommand)]
    pub(super) command: Command,
}

#[derive(Debug, Clone, Args)]
pub(super) struct DatabaseArg {
    /// Database URL: sqlite://PATH (default sqlite://koe.db, in the current directory) or
    /// postgres://… (overrides database_url / KOE_DATABASE_URL). Only `serve` and `site add`
    /// create a missing SQLite file.
    #[arg(long, value_name = "URL")]
    pub(super) database: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub(super) struct PublicUrlArg {
    /// The collector's address as customers and your pages reach it, e.g.
    /// https://koe.example.com: printed links and snippets point there (overrides public_url /
    /// KOE_PUBLIC_URL; unset, http:// + bind, with a warning).
    #[arg(long, value_name = "URL")]
    pub(super) public_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(super) enum Command {
    /// Run the collector's HTTP server.
    Serve {
        /// Address to listen on, e.g. 0.0.0.0:8080.
        #[arg(long, value_name = "ADDR")]
        bind: Option<String>,
        /// Serve the demo shop at /demo (creating its site when missing).
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Manage sites.
    #[command(subcommand)]
    Site(SiteCommand),
    /// Manage API keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Bring history in from a file: answers (Koe's responses CSV, Chatwoot's CSAT report, or
    /// any CSV) or interaction facts (--format interactions).
    Import {
        #[command(flatten)]
        args: super::import::ImportArgs,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Alerts on unhappy customers: webhooks and their deliveries.
    #[command(subcommand)]
    Webhook(super::webhooks::WebhookCommand),
    /// Connect a helpdesk (Chatwoot, any helpdesk's webhook) or a LINE channel.
    #[command(subcommand)]
    Integration(super::integrations::IntegrationCommand),
    /// People: invite someone to a site with a role, list, change or take roles away, reset a
    /// password, end someone's sessions.
    #[command(subcommand)]
    User(super::users::UserCommand),
    /// Follow-ups of unhappy customers: list, show, assign, note, mark contacted, close with a
    /// root cause; the site's follow-up settings.
    #[command(subcommand)]
    Followup(super::followups::FollowupCommand),
    /// The site's own survey: show it as a file, publish a file as the next version, list the
    /// versions.
    #[command(subcommand)]
    Survey(super::survey::SurveyCommand),
    /// Scores by agent, channel, team and time, read from the rollups; with --service the
    /// service KPIs of the interaction facts, with --drivers satisfaction against them.
    Report {
        /// The site key.
        #[arg(long)]
        site: String,
        /// Group rows by any of agent, channel, team (comma-separated; with --service also
        /// topic). Not with --standings or --drivers.
        #[arg(long, value_name = "GROUPS")]
        by: Option<String>,
        /// day, week (from Monday; the default), month or all. Not with --standings or
        /// --drivers.
        #[arg(long)]
        bucket: Option<String>,
        /// First local day, YYYY-MM-DD (default: 29 days before --to).
        #[arg(long)]
        from: Option<String>,
        /// Last local day, YYYY-MM-DD (default: today in the site's time zone).
        #[arg(long)]
        to: Option<String>,
        /// Only this agent's answers (with --service: the interactions credited to them). Not
        /// with --drivers.
        #[arg(long)]
        agent: Option<String>,
        /// Only this channel's answers (chat, email, phone, …).
        #[arg(long)]
        channel: Option<String>,
        /// Only this team's answers (with --standings: the agents listed under it).
        #[arg(long)]
        team: Option<String>,
        /// Agents ranked by CSAT shrunk toward their team's, one row each (instead of the score
        /// rows), under a line naming the range; takes --format, refuses --by, --bucket and
        /// --compare.
        #[arg(long)]
        standings: bool,
        /// Compare every row with the period just before, or with the same dates a year earlier.
        /// Not with --standings, --service or --drivers.
        #[arg(long, value_parser = ["previous", "previous_year"])]
        compare: Option<String>,
        /// The service KPIs from the interaction facts (instead of the score rows): handled per
        /// day, resolution, FCR, first response time, share within target, contact rate and
        /// self-resolution; takes --by (also topic), --bucket, --topic and the filters, refuses
        /// --compare.
        #[arg(long)]
        service: bool,
        /// CSAT and NPS against the interaction facts — by first-response band, contacts,
        /// handler and topic, each against the rest of the range — and what goes with unhappy
        /// customers; takes --from, --to, --team and --channel, prints a table or JSON.
        #[arg(long)]
        drivers: bool,
        /// The follow-ups of unhappy customers — contacted within SLA, median time to first
        /// contact, recovery rate, root causes — by --by and --bucket; takes the filters,
        /// refuses --compare and --topic.
        #[arg(long)]
        followups: bool,
        /// The answers to the site's own question — the one its survey asks now, or the one
        /// named — each answer's count and share, a scale's mean with its interval; takes --by,
        /// --bucket and the filters, refuses --compare and --topic.
        #[arg(long, value_name = "ID", num_args = 0..=1, default_missing_value = "")]
        question: Option<String>,
        /// With --service: only this topic (the helpdesk's category).
        #[arg(long)]
        topic: Option<String>,
        /// How to print: a table, JSON (as the API answers) or CSV (for a spreadsheet; not for
        /// --drivers).
        #[arg(long, value_parser = ["table", "json", "csv"], default_value = "table")]
        format: String,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Signed rating links and an email block for one interaction (email, phone, SNS).
    Link {
        /// The site key printed by `koe site add`.
        #[arg(long)]
        site: String,
        /// Your id for the conversation rated (ticket, call, thread): one response per
        /// interaction.
        #[arg(long)]
        interaction: String,
        /// The agent who helped, as your reports name them.
        #[arg(long)]
        agent: Option<String>,
        /// The agent's team.
        #[arg(long)]
        team: Option<String>,
        /// Where the support happened (the links go out by email, phone/SMS or SNS).
        #[arg(long, value_parser = ["email", "phone", "sns", "other"])]
        channel: String,
        /// How long the links work: days, as `14d` or `14` (at most 90).
        #[arg(long, default_value = "14d")]
        expires: String,
        /// The language of the survey page and the email block.
        #[arg(long, value_parser = ["ja", "en"], default_value = "en")]
        lang: String,
        /// Your id for the customer the links go to: within the site's cooldown nothing is
        /// made (exit status 3, "suppressed: cooldown"); Koe keeps only a keyed hash of it.
        #[arg(long)]
        customer: Option<String>,
        /// Make the links even outside the site's sample or within its cooldown.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        public: PublicUrlArg,
        /// Print the links as JSON instead of text.
        #[arg(long)]
        json: bool,
        /// `line-flex`: a LINE Flex Message (JSON) whose five buttons open the signed links;
        /// `line-flex-postback`: whose buttons are postbacks carrying the signed token, for a
        /// channel connected with `koe integration add line`.
        #[arg(long, value_parser = ["links", "line-flex", "line-flex-postback"], default_value = "links")]
        format: String,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// A site's audit trail: keys created and revoked, secrets rotated.
    Audit {
        /// The site key.
        #[arg(long)]
        site: String,
        /// Print the events as JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Answer a deletion request: erase an interaction's responses and comment and take its
    /// counts out of the reports (recorded in the audit trail, the interaction as a digest).
    Erase {
        /// The site key.
        #[arg(long)]
        site: String,
        /// The interaction whose answers go (as the widget or `koe link` was given it).
        #[arg(long)]
        interaction: String,
        /// Print the outcome as JSON instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Recompute rollups from raw responses and report any drift (exit status 1 if any).
    Verify {
        /// Print the drift as JSON instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Print the API's OpenAPI 3.1 document (what `/api/v1/openapi.json` serves), e.g. to
    /// generate a client from.
    Openapi,
}

#[derive(Debug, Subcommand)]
pub(super) enum SiteCommand {
    /// Register a site; prints its public key, its signing secret (shown once) and the script
    /// tag to paste. Creates the database when missing.
    Add {
        /// The site's name, as reports and the dashboard show it.
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
        #[command(flatten)]
        public: PublicUrlArg,
        /// Print the site, its secret and its snippet as JSON instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// The sites this database holds.
    List {
        /// Print the sites as JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// One site's settings (never its secret).
    Show {
        /// The site key.
        #[arg(long)]
        site: String,
        /// Print the settings as JSON instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Change a site's name, origins, strict mode, low-n threshold, retention, sample,
    /// cooldown or time zone (recorded in the audit trail; prints the site as JSON). A new time
    /// zone needs `--rebuild-rollups`: past days are counted again in it.
    Update {
        /// The site key.
        #[arg(long)]
        site: String,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        /// Allow pages from this origin too, e.g. https://shop.example (repeatable).
        #[arg(long = "add-origin", value_name = "URL")]
        add_origins: Vec<String>,
        /// Stop allowing this origin (repeatable; a site keeps at least one).
        #[arg(long = "remove-origin", value_name = "URL")]
        remove_origins: Vec<String>,
        /// Accept attribution (agent, team, channel) only when a signed token covers it.
        #[arg(long, value_parser = ["on", "off"])]
        strict: Option<String>,
        /// Report rows resting on fewer responses are marked "low n".
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
        /// customer id signed in the widget's token, or `--customer` for `koe link`).
        #[arg(long, value_name = "DAYS")]
        cooldown_days: Option<u32>,
        /// A new IANA time zone; needs `--rebuild-rollups`.
        #[arg(long)]
        timezone: Option<String>,
        /// With `--timezone`: re-date every raw response and impression in the new zone,
        /// moving their counts in the site's rollups (refused once retention has purged raw
        /// responses, and while a rebuild of the site runs). Only this site's writes pause.
        #[arg(long, requires = "timezone")]
        rebuild_rollups: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Give a site a new signing secret (printed once); tokens and rating links signed with
    /// the previous one keep working for the grace period, then are refused.
    RotateSecret {
        /// The site key.
        #[arg(long)]
        site: String,
        /// How long the previous secret still verifies: days, as `7d` or `7` (0 ends it now).
        #[arg(long, default_value = "7d")]
        grace: String,
        /// Rotate even while the secret before the last rotation still verifies (it stops now).
        #[arg(long)]
        force: bool,
        /// Print the new secret as JSON instead of text.
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
        /// read: reports and responses (API and dashboard); write: a site's backend sending
        /// interaction facts and active users (reads nothing); admin: also the site's settings,
        /// keys, webhooks, rating links and erasures.
        #[arg(long, value_parser = ["read", "write", "admin"])]
        role: String,
        /// The email address of the person the key belongs to (listed with the key); without
        /// it, the key is the site's.
        #[arg(long)]
        owner: Option<String>,
        /// Print the key as JSON instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// A site's keys: id, role, prefix, created, last used, revoked (never the keys).
    List {
        /// The site key.
        #[arg(long)]
        site: String,
        /// Print the keys as JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Revoke a key: its next API call is refused and its dashboard sessions end.
    Revoke {
        /// The key's id (`koe key list`).
        id: crate::ids::KeyId,
        #[command(flatten)]
        db: DatabaseArg,
    },
}
