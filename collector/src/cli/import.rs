//! `koe import`: history from a file, with a progress bar on a terminal.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

use koe_shared::{Channel, SiteKey};

use crate::import::{self, ColumnMap, DateFormat, Format, ImportSummary, ReadOptions};
use crate::storage::Storage;

#[derive(Debug)]
pub(super) struct ImportCommand {
    pub site: SiteKey,
    pub format: Format,
    pub file: PathBuf,
    pub dates: DateFormat,
    pub channel: Option<Channel>,
    pub dry_run: bool,
    pub json: bool,
}

/// `koe import`'s words.
#[derive(Debug, clap::Args)]
pub(super) struct ImportArgs {
    /// The site key the answers go to.
    #[arg(long)]
    site: String,
    /// koe: Koe's responses CSV (an export); chatwoot: Chatwoot's CSAT report; csv: any CSV,
    /// its columns named with --map.
    #[arg(long, value_parser = ["koe", "chatwoot", "csv"])]
    format: String,
    /// The file to read.
    file: PathBuf,
    /// For --format csv: FIELD=Column pairs, e.g.
    /// csat=Rating,comment=Feedback,agent=Agent,created_at=Date,interaction=Ticket (fields:
    /// interaction, created_at, agent, team, channel, csat, nps, ces, resolved, comment, reasons).
    #[arg(long, value_name = "MAP")]
    map: Option<String>,
    /// How the file writes times (strftime, e.g. '%d/%m/%Y %H:%M'); by default RFC 3339 or
    /// 'YYYY-MM-DD HH:MM[:SS]' in the site's time zone.
    #[arg(long, value_name = "FORMAT")]
    date_format: Option<String>,
    /// The channel of answers the file gives none for.
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
    pub(super) fn parse(self) -> anyhow::Result<ImportCommand> {
        let format = match (self.format.as_str(), self.map) {
            ("csv", Some(map)) => Format::Csv(ColumnMap::parse(&map).map_err(anyhow::Error::msg)?),
            ("csv", None) => anyhow::bail!(
                "--format csv needs --map, e.g. --map csat=Rating,comment=Feedback,agent=Agent,created_at=Date,interaction=Ticket"
            ),
            (_, Some(_)) => anyhow::bail!("--map is for --format csv"),
            ("chatwoot", None) => Format::Chatwoot,
            _ => Format::Koe,
        };
        Ok(ImportCommand {
            site: SiteKey::try_from(self.site).map_err(|e| anyhow::anyhow!("{e}"))?,
            format,
            file: self.file,
            dates: self
                .date_format
                .map_or(DateFormat::Usual, DateFormat::Strftime),
            channel: self
                .channel
                .map(|c| c.parse::<Channel>())
                .transpose()
                .map_err(|e| anyhow::anyhow!("--channel: {e}"))?,
            dry_run: self.dry_run,
            json: self.json,
        })
    }
}

impl ImportCommand {
    pub(super) async fn run<S: Storage>(
        self,
        storage: &S,
        database: &super::DatabaseName,
    ) -> anyhow::Result<ExitCode> {
        let site = super::site_in(storage, &self.site, database).await?;
        let options = ReadOptions {
            zone: site.timezone.clone(),
            dates: self.dates.clone(),
            channel: self.channel,
        };
        let bar = if std::io::stderr().is_terminal() && !self.json {
            indicatif::ProgressBar::new(0)
        } else {
            indicatif::ProgressBar::hidden()
        };
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} answers  {per_sec}  eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        let summary = import::run(
            storage,
            &site,
            &self.format,
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
