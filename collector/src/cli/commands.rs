//! The `koe` commands that work on the database directly, whichever backend it is.

use std::process::ExitCode;

use anyhow::Context as _;
use koe_shared::{CustomerId, SiteKey};
use serde_json::json;

use super::DatabaseName;
use super::report_flags::ReportKind;
use super::verify_output;
use crate::audit::Actor;
use crate::links::{self, LinkRequest};
use crate::report::service::ServiceQuery;
use crate::report::{self, ReportQuery, query::RawReportQuery};
use crate::sites::registration::{
    RegisteredSite, SiteRequest, create_owned_api_key, register_site,
};
use crate::sites::{Origin, SiteTimeZone};
use crate::storage::{Role, Storage};
use crate::surveying;

/// The commands that work on the database directly, whichever backend it is.
#[derive(Debug)]
pub(super) enum StorageCommand {
    AddSite {
        request: SiteRequest,
        /// Where the site's pages load the survey from (`public_url`), for its CSP.
        collector: String,
        json: bool,
    },
    CreateKey {
        site: SiteKey,
        role: Role,
        /// The address of the person it belongs to.
        owner: Option<String>,
        json: bool,
    },
    Verify {
        json: bool,
    },
    Report {
        site: SiteKey,
        query: RawReportQuery,
        /// Score rows, agent standings, service KPIs, drivers, follow-ups or the site's question.
        kind: ReportKind,
        /// `--topic`, for the service KPIs.
        topic: Option<String>,
        /// `--question ID`: which of the site's questions (else the one asked now).
        question: Option<String>,
        format: String,
    },
    Link {
        site: SiteKey,
        request: LinkRequest,
        base: String,
        customer: Option<CustomerId>,
        force: bool,
        /// The configured `customer_key`, if any.
        customer_key: Option<String>,
        json: bool,
        /// Print a LINE Flex Message rating card instead of the links.
        card: Option<crate::integrations::flex::CardAnswer>,
    },
    /// Keys, secrets and the audit trail.
    Access(super::access::AccessCommand),
    Webhook(super::webhooks::WebhookAction),
    Integration(super::integrations::IntegrationAction),
    User(Box<super::users::UserAction>),
    Followup(Box<super::followups::FollowupAction>),
    Survey(super::survey::SurveyCommand),
    Import(super::import::ImportCommand),
}

/// `koe link`'s exit status when the site's survey-fatigue rules suppress the links.
pub const SUPPRESSED: u8 = 3;

impl StorageCommand {
    /// Whether the command may create a missing SQLite database: only `site add` (besides
    /// `koe serve`). Every other command needs a site in the database already, so a database it
    /// created would only hide that it looked in the wrong place; and one that only reads never
    /// creates.
    pub(super) fn creates_database(&self) -> bool {
        matches!(self, Self::AddSite { .. })
    }

    pub(super) async fn run<S: Storage>(
        self,
        storage: S,
        database: &DatabaseName,
    ) -> anyhow::Result<ExitCode> {
        match self {
            Self::Access(command) => command.run(&storage, database).await,
            Self::Webhook(action) => action.run(&storage, database).await,
            Self::Integration(action) => action.run(&storage, database).await,
            Self::User(action) => action.run(&storage, database).await,
            Self::Followup(action) => action.run(&storage, database).await,
            Self::Survey(command) => command.run(&storage, database).await,
            Self::Import(command) => command.run(&storage, database).await,
            Self::AddSite {
                request,
                collector,
                json,
            } => {
                let RegisteredSite {
                    site,
                    signing_secret: secret,
                } = register_site(&storage, request).await?;
                let origins: Vec<&str> = site.origins.iter().map(Origin::as_str).collect();
                let snippet = embedding_snippet(&collector, &site.key);
                if json {
                    println!(
                        "{}",
                        json!({
                            "site_key": site.key,
                            "name": site.name,
                            "origins": origins,
                            "timezone": site.timezone.name(),
                            "strict": site.strict,
                            "signing_secret": secret,
                            "content_security_policy": links::embedding_csp(&collector),
                            "snippet": snippet,
                        })
                    );
                } else {
                    println!("Site created: {}", site.name);
                    println!(
                        "  site key        {}   (public: goes in the script tag)",
                        site.key
                    );
                    println!("  signing secret  {secret}");
                    println!(
                        "                  (shown once: keep it in your backend to sign attribution; Koe stores only its hash)"
                    );
                    println!("  origins         {}", origins.join(" "));
                    println!("  time zone       {}", site.timezone.name());
                    println!(
                        "  strict          {}",
                        if site.strict { "yes" } else { "no" }
                    );
                    println!("\nPaste this into the pages the survey shows on (before </body>):");
                    for line in snippet.lines() {
                        println!("  {line}");
                    }
                    println!(
                        "  and call koe('show', {{ interaction: … }}) when a chat ends (README: \"Embedding the survey\")."
                    );
                    println!(
                        "\nIf your pages send a Content-Security-Policy, it needs (styles need nothing):\n  {}\n  \
                         and a nonce (or hash) on the inline `window.koe=…` line of the snippet.",
                        links::embedding_csp(&collector)
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            Self::CreateKey {
                site,
                role,
                owner,
                json,
            } => {
                let site = super::site_in(&storage, &site, database).await?;
                let owner = match owner {
                    Some(email) => {
                        let email = crate::people::Email::parse(&email)?;
                        let user = storage
                            .user_by_email(email.as_str())
                            .await?
                            .ok_or_else(|| anyhow::anyhow!("no account has the address {email}"))?;
                        Some(user)
                    }
                    None => None,
                };
                let (_, key) =
                    create_owned_api_key(&storage, &site, role, Actor::Cli, owner.as_ref()).await?;
                if json {
                    println!(
                        "{}",
                        json!({ "site_key": site.key, "role": role.as_str(), "api_key": key })
                    );
                } else {
                    println!("API key ({} access to {}):", role.as_str(), site.name);
                    println!("  {key}");
                    println!("  (shown once: Koe stores only its hash)");
                }
                Ok(ExitCode::SUCCESS)
            }
            Self::Report {
                site,
                query,
                kind,
                topic,
                question,
                format,
            } => {
                let site = storage
                    .site_by_key(&site)
                    .await?
                    .with_context(|| format!("no site has the key {site}"))?;
                match kind {
                    ReportKind::Service => {
                        let query = ServiceQuery::parse(&query, &topic, site.today())?;
                        let report = report::load_service(&storage, &site, &query).await?;
                        match format.as_str() {
                            "json" => println!("{}", serde_json::to_string_pretty(&report)?),
                            "csv" => print!("{}", report::csv::service(&report)),
                            _ => print!("{}", report::service_table::service(&report)),
                        }
                        return Ok(ExitCode::SUCCESS);
                    }
                    ReportKind::Drivers => {
                        let query = ServiceQuery::parse(&query, &topic, site.today())?;
                        let drivers = report::load_drivers(&storage, &site, &query).await?;
                        match format.as_str() {
                            "json" => println!("{}", serde_json::to_string_pretty(&drivers)?),
                            _ => print!("{}", report::service_table::drivers(&drivers)),
                        }
                        return Ok(ExitCode::SUCCESS);
                    }
                    ReportKind::Followups => {
                        let query = ReportQuery::parse(&query, site.today())?;
                        let report =
                            crate::followups::load::report(&storage, &site, &query).await?;
                        match format.as_str() {
                            "json" => println!("{}", serde_json::to_string_pretty(&report)?),
                            "csv" => print!(
                                "{}",
                                crate::followups::numbers::csv(&report.rows, &report.causes)
                            ),
                            _ => print!("{}", super::followup_tables::report(&report)),
                        }
                        return Ok(ExitCode::SUCCESS);
                    }
                    ReportKind::Question => {
                        let query = ReportQuery::parse(&query, site.today())?;
                        let first = site.survey.survey.languages[0].to_string();
                        let report = report::question::load(
                            &storage,
                            &site,
                            &query,
                            question.as_deref(),
                            &first,
                        )
                        .await?;
                        match format.as_str() {
                            "json" => println!("{}", serde_json::to_string_pretty(&report)?),
                            "csv" => print!("{}", report::csv::question(&report)),
                            _ => print!("{}", report::question_table::table(&report)),
                        }
                        return Ok(ExitCode::SUCCESS);
                    }
                    ReportKind::Scores | ReportKind::Standings => {}
                }
                let query = ReportQuery::parse(&query, site.today())?;
                if kind == ReportKind::Standings {
                    let ranked = report::standings::Standings {
                        site: site.key.to_string(),
                        from: query.from.to_string(),
                        to: query.to.to_string(),
                        agents: report::load_standings(&storage, &site, &query).await?,
                    };
                    match format.as_str() {
                        "json" => println!("{}", serde_json::to_string_pretty(&ranked)?),
                        "csv" => print!("{}", report::csv::standings(&ranked)),
                        _ => print!("{}", report::table::standings(&ranked)),
                    }
                    return Ok(ExitCode::SUCCESS);
                }
                let report = report::load(&storage, &site, &query).await?;
                match format.as_str() {
                    "json" => println!("{}", serde_json::to_string_pretty(&report)?),
                    "csv" => print!("{}", report::csv::report(&report)),
                    _ => print!("{}", report::table::render(&report)),
                }
                Ok(ExitCode::SUCCESS)
            }
            Self::Link {
                site,
                request,
                base,
                customer,
                force,
                customer_key,
                json,
                card,
            } => {
                let site = super::site_in(&storage, &site, database).await?;
                let key = surveying::customer_key(customer_key.as_deref(), &storage).await?;
                let recipient = links::Recipient {
                    customer: customer.as_ref(),
                    force,
                };
                let issued =
                    links::issue(&storage, &site, &key, &request, recipient, &base).await?;
                let set = match issued {
                    Ok(set) => set,
                    Err(why) => {
                        if json {
                            println!(
                                "{}",
                                json!({ "interaction": request.interaction.as_str(), "suppressed": why.as_str() })
                            );
                        } else {
                            println!(
                                "suppressed: {} (no links made for {}; --force makes them anyway)",
                                why.as_str().replace('_', " "),
                                request.interaction
                            );
                        }
                        return Ok(ExitCode::from(SUPPRESSED));
                    }
                };
                if let Some(answer) = card {
                    let card =
                        crate::integrations::flex::rating_card(&site, &base, &request, answer)?;
                    println!("{}", serde_json::to_string_pretty(&card)?);
                    return Ok(ExitCode::SUCCESS);
                }
                if json {
                    println!("{}", serde_json::to_string_pretty(&set)?);
                } else {
                    println!(
                        "Rating links for {} (valid until {}):",
                        set.interaction,
                        expiry(set.expires_at, &site.timezone)
                    );
                    println!("  survey  {}", set.survey_url);
                    for link in &set.csat {
                        println!("  CSAT {}  {}", link.score, link.url);
                    }
                    for link in &set.nps {
                        println!("  NPS {:<2}  {}", link.score, link.url);
                    }
                    println!(
                        "\n--- email HTML ---\n{}\n\n--- plain text ---\n{}",
                        set.html, set.text
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            Self::Verify { json } => {
                let findings = crate::verify::verify(&storage).await?;
                for line in verify_output::tally_lines(&findings) {
                    eprintln!("  {line}");
                }
                match json {
                    true => println!("{}", verify_output::json(&findings)),
                    false => print!("{}", verify_output::text(&findings)),
                }
                Ok(match findings.is_clean() {
                    true => ExitCode::SUCCESS,
                    false => ExitCode::FAILURE,
                })
            }
        }
    }
}

/// The two lines a page embeds the survey with (README, "Embedding the survey"): the loader
/// from the collector, told the site by `data-site`, and the stub that queues `koe(…)` calls
/// made before it loads.
fn embedding_snippet(collector: &str, site: &SiteKey) -> String {
    crate::templates::render(&Embed {
        loader: format!("{}/koe.js", collector.trim_end_matches('/')),
        site: site.as_str(),
    })
}

/// The embed snippet: a template, so the collector's address (it may come from a setting) is
/// escaped like every value Koe puts in HTML.
#[derive(askama::Template)]
#[template(path = "cli/embed.html")]
struct Embed<'a> {
    loader: String,
    site: &'a str,
}

/// When links stop working, as people read it: the site's local time, then RFC 3339 in UTC.
fn expiry(expires_at: u64, zone: &SiteTimeZone) -> String {
    match i64::try_from(expires_at)
        .ok()
        .and_then(|seconds| jiff::Timestamp::from_second(seconds).ok())
    {
        Some(at) => format!(
            "{} {} ({at})",
            at.to_zoned(zone.zone().clone()).strftime("%Y-%m-%d %H:%M"),
            zone.name()
        ),
        None => format!("Unix time {expires_at}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_snippet_names_the_loader_and_the_site() {
        let site = SiteKey::try_from("site_abc123").unwrap();
        let snippet = embedding_snippet("https://koe.example.com/", &site);
        assert_eq!(
            snippet,
            "<script async src=\"https://koe.example.com/koe.js\" data-site=\"site_abc123\"></script>\n\
             <script>window.koe=window.koe||function(){(koe.q=koe.q||[]).push(arguments)};</script>"
        );
        assert!(
            embedding_snippet("http://a\"b", &site).contains("src=\"http://a&#34;b/koe.js\""),
            "an attribute cannot be closed early"
        );
    }

    #[test]
    fn expiry_reads_as_a_local_date_and_rfc_3339() {
        let tokyo = SiteTimeZone::parse("Asia/Tokyo").unwrap();
        assert_eq!(
            expiry(1_797_754_309, &tokyo),
            "2026-12-20 17:11 Asia/Tokyo (2026-12-20T08:11:49Z)"
        );
    }
}
