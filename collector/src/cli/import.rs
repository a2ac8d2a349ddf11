//! `koe import`: history from a file — answers, or interaction facts (`--format
//! interactions`) — with a progress bar on a terminal.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

use koe_shared::{Channel, SiteKey};

use crate::import::interactions::{self, InteractionsSummary};
use crate::import::{self, ColumnMap, DateFormat, Format, ImportSummary, ReadOptions};
use crate::storage::Storage;

#[derive(Debug)]
pub(super) struct ImportCommand {
    pub site: SiteKey,
    pub what: Importing,
    pub file: PathBuf,
    pub dry_run: bool,
    pub json: bool,
}

/// What a file brings in.
#[derive(Debug)]
pub(super) enum Importing {
    /// Answers, and how to read them.
    Answers {
        format: Format,
        dates: DateFormat,
        channel: Option<Channel>,
    },
    /// Interaction facts; customer ids are hashed with the configured `customer_key`, if any.
    Interactions { customer_key: Option<String> },
}

/// `koe import`'s words.
#[derive(Debug, clap::Args)]
pub(super) struct ImportArgs {
    /// The site key the answers (or interaction facts) go to.
    #[arg(long)]
    site: String,
    /// koe: Koe's responses CSV (an export); chatwoot: Chatwoot's CSAT report; csv: any CSV,
    /// its columns named with --map; interactions: interaction facts, one row per interaction,
    /// columns named as the API's fields (interaction, channel, team, topic, customer,
    /// opened_at, first_response_at, resolved_at, reopened, contacts, handled_by, agents).
    #[arg(long, value_parser = ["koe", "chatwoot", "csv", "interactions"])]
    format: String,
    /// The file to read.
    #[arg(
        value_name = "FILE",
        required_unless_present = "file_flag",
        conflicts_with = "file_flag"
    )]
    file: Option<PathBuf>,
    /// The file to read, given as a flag (the same as naming it after the flags).
    #[arg(long = "file", value_name = "FILE")]
    file_flag: Option<PathBuf>,
    /// For --format csv: FIELD=Column pairs, e.g.
    /// csat=Rating,comment=Feedback,agent=Agent,created_at=Date,interaction=Ticket (fields:
    /// interaction, created_at, agent, team, channel, csat, nps, ces, resolved, comment, reasons).
    #[arg(long, value_name = "MAP")]
    map: Option<String>,
    /// How the file writes times (strftime, e.g. '%d/%m/%Y %H:%M'); by default RFC 3339 or
    /// 'YYYY-MM-DD HH:MM[:SS]' in the site's time zone. Not for --format interactions (RFC 3339
    /// with an offset there).
    #[arg(long, value_name = "FORMAT")]
    date_format: Option<String>,
    /// The channel of answers the file gives none for. Not for --format interactions (its
    /// channel column gives each).
    #[arg(long, value_parser = ["chat", "email", "phone", "sns", "help_center", "other"])]
    channel: Option<String>,
    /// Check every line and print a summary; import nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print the summary as JSON instead of text (and no progress bar).
    #[arg(long)]
    json: bool,
}

impl ImportArgs {
    /// The command these words ask for; `customer_key` is the configured one (interaction facts
    /// hash their customer ids with it).
    pub(super) fn parse(self, customer_key: Option<String>) -> anyhow::Result<ImportCommand> {
        let what = match (self.format.as_str(), self.map) {
            ("interactions", map) => {
                let given: Vec<&str> = [
                    ("--map", map.is_some()),
                    ("--date-format", self.date_format.is_some()),
                    ("--channel", self.channel.is_some()),
                ]
                .into_iter()
                .filter(|(_, given)| *given)
                .map(|(flag, _)| flag)
                .collect();
                if !given.is_empty() {
                    anyhow::bail!(
                        "{} cannot apply to --format interactions: its columns are named as the \
                         API's fields, its times are RFC 3339 with an offset and each row gives \
                         its own channel; leave {} out",
                        given.join(" and "),
                        if given.len() == 1 { "it" } else { "them" }
                    );
                }
                Importing::Interactions { customer_key }
            }
            (format, map) => {
                let format = match (format, map) {
                    ("csv", Some(map)) => {
                        Format::Csv(ColumnMap::parse(&map).map_err(anyhow::Error::msg)?)
                    }
                    ("csv", None) => anyhow::bail!(
                        "--format csv needs --map, e.g. --map csat=Rating,comment=Feedback,agent=Agent,created_at=Date,interaction=Ticket"
                    ),
                    (_, Some(_)) => anyhow::bail!("--map is for --format csv"),
                    ("chatwoot", None) => Format::Chatwoot,
                    _ => Format::Koe,
                };
                Importing::Answers {
                    format,
                    dates: self
                        .date_format
                        .map_or(DateFormat::Usual, DateFormat::Strftime),
                    channel: self
                        .channel
                        .map(|c| c.parse::<Channel>())
                        .transpose()
                        .map_err(|e| anyhow::anyhow!("--channel: {e}"))?,
                }
            }
        };
        let file = self
            .file
            .or(self.file_flag)
            .ok_or_else(|| anyhow::anyhow!("name the file to read, e.g. --file history.csv"))?;
        Ok(ImportCommand {
            site: SiteKey::try_from(self.site).map_err(|e| anyhow::anyhow!("{e}"))?,
            what,
            file,
            dry_run: self.dry_run,
            json: self.json,
        })
    }
}

/// A progress bar on a terminal counting `noun` done of all, or a hidden one (not a terminal,
/// or JSON asked for).
fn progress_bar(json: bool, noun: &str) -> indicatif::ProgressBar {
    let bar = if std::io::stderr().is_terminal() && !json {
        indicatif::ProgressBar::new(0)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{bar:40}} {{pos}}/{{len}} {noun}  {{per_sec}}  eta {{eta}}"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

impl ImportCommand {
    pub(super) async fn run<S: Storage>(
        self,
        storage: &S,
        database: &super::DatabaseName,
    ) -> anyhow::Result<ExitCode> {
        let site = super::site_in(storage, &self.site, database).await?;
        let (format, dates, channel) = match self.what {
            Importing::Answers {
                format,
                dates,
                channel,
            } => (format, dates, channel),
            Importing::Interactions { customer_key } => {
                let bar = progress_bar(self.json, "interactions");
                let summary = interactions::run(
                    storage,
                    &site,
                    customer_key.as_deref(),
                    &self.file,
                    self.dry_run,
                    |done, total| {
                        bar.set_length(total);
                        bar.set_position(done);
                    },
                )
                .await?;
                bar.finish_and_clear();
                if self.json {
                    println!("{}", serde_json::to_string_pretty(&summary)?);
                } else {
                    print_interactions_summary(&summary);
                }
                return Ok(match summary.bad_rows {
                    0 => ExitCode::SUCCESS,
                    _ => ExitCode::FAILURE,
                });
            }
        };
        let options = ReadOptions {
            zone: site.timezone.clone(),
            dates,
            channel,
        };
        let bar = progress_bar(self.json, "answers");
        let summary = import::run(
            storage,
            &site,
            &format,
            &self.file,
            &options,
            self.dry_run,
            |done, total| {
                bar.set_length(total);
                bar.set_position(done);
            },
        )
        .await?;
        bar.finish_and_clear();
        if self.json {
            println!("{}", serde_json::to_string_pretty(&summary)?);
        } else {
            print_summary(&summary);
        }
        Ok(match summary.bad_lines {
            0 => ExitCode::SUCCESS,
            _ => ExitCode::FAILURE,
        })
    }
}

fn print_summary(s: &ImportSummary) {
    for bad in &s.bad {
        let column = if bad.column.is_empty() {
            String::new()
        } else {
            format!(", column {:?}", bad.column)
        };
        println!("line {}{column}: {}", bad.line, bad.why);
    }
    let unlisted = s.bad_lines - s.bad.len() as u64;
    if unlisted > 0 {
        println!(
            "… and {unlisted} more bad lines (the first {} are listed)",
            import::MAX_BAD_LISTED
        );
    }
    println!(
        "{} lines: {} answers, {} repeats of an interaction (first kept), {} skipped, {} bad",
        s.lines, s.answers, s.repeated, s.skipped, s.bad_lines
    );
    if s.bad_lines > 0 {
        println!("Nothing imported: fix the lines above (or leave them out) and run again.");
    } else if s.dry_run {
        println!("Dry run: nothing imported (answers already stored would be left as they are).");
    } else {
        println!(
            "Imported {}; {} already stored, left as they were.",
            s.imported, s.already_stored
        );
    }
}

fn print_interactions_summary(s: &InteractionsSummary) {
    for bad in &s.bad {
        let field = bad
            .field
            .map_or_else(String::new, |f| format!(", field {f}"));
        println!("line {}{field}: {}", bad.line, bad.why);
    }
    let unlisted = s.bad_rows - s.bad.len() as u64;
    if unlisted > 0 {
        println!(
            "… and {unlisted} more bad rows (the first {} are listed)",
            import::MAX_BAD_LISTED
        );
    }
    let stored = s.created + s.updated;
    if s.bad_rows > 0 && stored == 0 {
        println!("{} rows, {} bad", s.rows, s.bad_rows);
        println!("Nothing imported: fix the rows above and run again.");
        return;
    }
    println!(
        "{} rows: {} interactions, {} blank, {} bad",
        s.rows, s.interactions, s.blank, s.bad_rows
    );
    if s.bad_rows > 0 {
        println!(
            "Stopped: the first {stored} interactions are stored ({} created, {} updated), none \
             after them. The rows above clash with facts already stored; fix them and import the \
             file again (rows already in are written again with the same facts).",
            s.created, s.updated
        );
    } else if s.dry_run {
        println!("Dry run: nothing imported.");
    } else {
        println!(
            "Imported {stored} interactions: {} created, {} updated (a row replaces the facts it \
             names; empty cells leave them as they were).",
            s.created, s.updated
        );
    }
}
