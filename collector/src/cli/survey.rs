//! `koe survey show|set|versions`: a site's own survey from the server's command line, for those
//! who keep it in version control as `survey.toml` (or JSON). `set` publishes the file as the
//! next version (audited as `cli`), or prints every problem and changes nothing.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Subcommand, ValueEnum};
use koe_shared::SiteKey;
use koe_shared::survey::SurveyDefinition;

use super::{DatabaseArg, DatabaseName};
use crate::audit::Actor;
use crate::sites::survey_publish::{self, SurveyError};
use crate::storage::Storage;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum SurveyFormat {
    Toml,
    Json,
}

#[derive(Debug, Subcommand)]
pub(super) enum SurveyCommand {
    /// Print the site's survey as published now: a file `koe survey set` takes back.
    Show {
        /// The site key.
        #[arg(long)]
        site: String,
        /// toml (the default) or json.
        #[arg(long, value_enum, default_value = "toml")]
        format: SurveyFormat,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Publish a survey file (TOML, or JSON when it ends in .json) as the site's next version.
    Set {
        /// The site key.
        #[arg(long)]
        site: String,
        /// The definition: docs/survey.md describes every field.
        #[arg(long)]
        file: PathBuf,
        /// Publish only while this version is current (what you edited).
        #[arg(long)]
        expect_version: Option<u32>,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// The site's published versions, newest first.
    Versions {
        /// The site key.
        #[arg(long)]
        site: String,
        #[command(flatten)]
        db: DatabaseArg,
    },
}

impl SurveyCommand {
    pub(super) fn database(&self) -> DatabaseArg {
        match self {
            Self::Show { db, .. } | Self::Set { db, .. } | Self::Versions { db, .. } => db.clone(),
        }
    }

    pub(super) async fn run<S: Storage>(
        self,
        storage: &S,
        database: &DatabaseName,
    ) -> anyhow::Result<ExitCode> {
        let site = |key: String| async move {
            let key = SiteKey::try_from(key).map_err(|e| anyhow::anyhow!("{e}"))?;
            super::site_in(storage, &key, database).await
        };
        match self {
            Self::Show {
                site: key, format, ..
            } => {
                let site = site(key).await?;
                let definition = site.survey.survey.to_definition();
                match format {
                    SurveyFormat::Toml => {
                        println!(
                            "# The survey of {}, version {}.",
                            site.key, site.survey.version
                        );
                        print!("{}", toml::to_string_pretty(&definition)?);
                    }
                    SurveyFormat::Json => {
                        println!("{}", serde_json::to_string_pretty(&definition)?);
                    }
                }
            }
            Self::Set {
                site: key,
                file,
                expect_version,
                ..
            } => {
                let site = site(key).await?;
                let text = std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?;
                let definition = read(&file, &text)?;
                match survey_publish::publish(
                    storage,
                    &site,
                    &definition,
                    expect_version,
                    Actor::Cli,
                )
                .await
                {
                    Ok(published) => println!(
                        "Published version {} of {}'s survey: its pages show it within a minute.",
                        published.version, site.key
                    ),
                    Err(SurveyError::Invalid(problems)) => {
                        eprintln!("{} is refused, and nothing changed:", file.display());
                        for problem in &problems {
                            eprintln!("  {problem}");
                        }
                        return Ok(ExitCode::FAILURE);
                    }
                    Err(other) => return Err(other.into()),
                }
            }
            Self::Versions { site: key, .. } => {
                let site = site(key).await?;
                for version in survey_publish::versions(storage, &site).await? {
                    println!(
                        "{:>4}  {}  {}",
                        version.version, version.published_at, version.published_by
                    );
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// A definition from a file's text: JSON when it is named `.json`, else TOML. A field the
/// format does not have is refused, naming it.
fn read(file: &std::path::Path, text: &str) -> anyhow::Result<SurveyDefinition> {
    let json = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if json {
        serde_json::from_str(text)
            .with_context(|| format!("{} is not a survey definition", file.display()))
    } else {
        toml::from_str(text)
            .map_err(|e| anyhow::anyhow!("{} is not a survey definition: {e}", file.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_toml_file_reads_as_the_same_definition_as_its_json() {
        let toml = r##"
languages = ["ja", "en"]

[texts.ja]
brand = "ヤマダ"
csat_question = "{brand}の対応はいかがでしたか？"

[[reasons]]
id = "slow_reply"

[[reasons]]
id = "friendly"
when = "happy"
label = { ja = "親切", en = "Friendly" }

[question]
id = "topic"
kind = "choice"
text = { ja = "ご用件は？", en = "What was it about?" }
options = [
  { id = "billing", label = { ja = "請求", en = "Billing" } },
  { id = "delivery", label = { ja = "配送", en = "Delivery" } },
]

[look]
color = "#0a7"
radius = 8
"##;
        let from_toml = read(std::path::Path::new("survey.toml"), toml).unwrap();
        let survey = from_toml.check().unwrap();
        assert_eq!(survey.reasons.len(), 2);
        assert_eq!(survey.look.radius, 8);
        // What `show` prints reads back to the same survey.
        let shown = toml::to_string_pretty(&survey.to_definition()).unwrap();
        let again = read(std::path::Path::new("again.toml"), &shown)
            .unwrap()
            .check()
            .unwrap();
        assert_eq!(again, survey);
        let err = read(std::path::Path::new("s.toml"), "colour = \"#fff\"").unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
    }
}
