//! The `koe` commands that work on the database directly, whichever backend it is.

use std::process::ExitCode;

use anyhow::Context as _;
use koe_shared::{CustomerId, SiteKey};
use serde_json::json;

use crate::audit::Actor;
use crate::links::{self, LinkRequest};
use crate::report::{self, ReportQuery, query::RawReportQuery};
use crate::sites::Origin;
use crate::sites::registration::{RegisteredSite, SiteRequest, create_api_key, register_site};
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
        json: bool,
    },
    Verify {
        json: bool,
    },
    Report {
        site: SiteKey,
        query: RawReportQuery,
        /// Agent standings instead of score rows.
        standings: bool,
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
    },
    /// Keys, secrets and the audit trail.
    Access(super::access::AccessCommand),
    Webhook(super::webhooks::WebhookAction),
    Import(super::import::ImportCommand),
}

/// `koe link`'s exit status when the site's survey-fatigue rules suppress the links.
pub const SUPPRESSED: u8 = 3;

impl StorageCommand {
    pub(super) async fn run<S: Storage>(self, storage: S) -> anyhow::Result<ExitCode> {
        match self {
            Self::Access(command) => command.run(&storage).await,
            Self::Webhook(action) => action.run(&storage).await,
            Self::Import(command) => command.run(&storage).await,
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
                    println!(
                        "\nIf your pages send a Content-Security-Policy, it needs (styles need nothing):\n  {}\n  \
                         and a nonce (or hash) on the inline `window.koe=…` line of the snippet.",
                        links::embedding_csp(&collector)
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            Self::CreateKey { site, role, json } => {
                let site = storage
                    .site_by_key(&site)
                    .await?
                    .with_context(|| format!("no site has the key {site}"))?;
                let (_, key) = create_api_key(&storage, &site, role, Actor::Cli).await?;
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
                standings,
                format,
            } => {
                let site = storage
                    .site_by_key(&site)
                    .await?
                    .with_context(|| format!("no site has the key {site}"))?;
                let query = ReportQuery::parse(&query, site.today())?;
                if standings {
                    let agents = report::load_standings(&storage, &site, &query).await?;
                    match format.as_str() {
                        "json" => println!("{}", serde_json::to_string_pretty(&agents)?),
                        _ => print!("{}", report::table::standings(&agents)),
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
            } => {
                let site = storage
                    .site_by_key(&site)
                    .await?
                    .with_context(|| format!("no site has the key {site}"))?;
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
                if json {
                    println!("{}", serde_json::to_string_pretty(&set)?);
                } else {
                    println!(
                        "Rating links for {} (valid until Unix time {}):",
                        set.interaction, set.expires_at
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
                let clean = findings.is_clean();
                let crate::verify::Findings {
                    rollups: drift,
                    reasons,
                    keys,
                } = findings;
                for (site, d) in &reasons {
                    eprintln!(
                        "  {site} reason_rollups {} agent={:?} channel={:?} reason={}: expected {}, found {}",
                        d.key.day,
                        d.key.agent.as_ref().map_or("", |a| a.as_str()),
                        d.key.channel.map_or("", |c| c.as_str()),
                        d.key.reason,
                        d.expected,
                        d.actual
                    );
                }
                if json {
                    let rows: Vec<_> = drift
                        .iter()
                        .map(|(site, d)| {
                            json!({
                                "site": site,
                                "table": d.table,
                                "day": d.key.day.to_string(),
                                "agent": d.key.agent_column(),
                                "team": d.key.team_column(),
                                "channel": d.key.channel_column(),
                                "differences": d.differences(),
                            })
                        })
                        .collect();
                    let keys: Vec<_> = keys
                        .iter()
                        .map(|d| {
                            json!({
                                "site": d.site,
                                "interaction": d.interaction,
                                "problem": d.problem.as_str(),
                            })
                        })
                        .collect();
                    println!("{}", json!({ "drift": rows, "keys": keys }));
                } else if clean {
                    println!("rollups match the raw responses and impressions");
                } else {
                    if !keys.is_empty() {
                        println!("{} responses and their keys disagree:", keys.len());
                        for d in &keys {
                            println!(
                                "  {} response_keys {}: {}",
                                d.site,
                                d.interaction,
                                d.problem.as_str()
                            );
                        }
                    }
                    println!("{} rollup rows differ from the raw data:", drift.len());
                    for (site, d) in &drift {
                        let k = &d.key;
                        println!(
                            "  {site} {} {} agent={:?} team={:?} channel={:?}: {}",
                            d.table,
                            k.day,
                            k.agent_column(),
                            k.team_column(),
                            k.channel_column(),
                            d.differences().join(", ")
                        );
                    }
                }
                Ok(if clean {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                })
            }
        }
    }
}
