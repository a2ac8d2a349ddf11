//! `koe webhook add|list|remove|deliveries`: alerts on unhappy customers from the command line.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use koe_shared::SiteKey;
use serde_json::json;

use super::DatabaseArg;
use crate::alerts::webhooks::{WebhookRequest, add_webhook, remove_webhook};
use crate::audit::Actor;
use crate::storage::Storage;

#[derive(Debug, Subcommand)]
pub(super) enum WebhookCommand {
    /// Call URL when an answer crosses into the condition; prints the signing secret once.
    Add {
        #[arg(long)]
        site: String,
        #[arg(long)]
        url: String,
        /// When to call, e.g. 'csat<=2 or nps<=6 or resolved=false'.
        #[arg(long = "when", value_name = "CONDITION")]
        condition: String,
        #[arg(long, value_parser = ["json", "slack"], default_value = "json")]
        format: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// A site's webhooks (never their secrets).
    List {
        #[arg(long)]
        site: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Stop calling a webhook (its pending alerts are not sent).
    Remove {
        #[arg(long)]
        site: String,
        /// The webhook's id (`koe webhook list`).
        #[arg(long)]
        id: crate::ids::WebhookId,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// The latest alerts: state, attempts, last error.
    Deliveries {
        #[arg(long)]
        site: String,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
}

impl WebhookCommand {
    /// The database to open, and the command to run on it (`allow_private`:
    /// `webhook_allow_private_networks`).
    pub(super) fn split(self, allow_private: bool) -> (DatabaseArg, WebhookAction) {
        match self {
            Self::Add {
                site,
                url,
                condition,
                format,
                json,
                db,
            } => (
                db,
                WebhookAction::Add {
                    site,
                    url,
                    condition,
                    format,
                    allow_private,
                    json,
                },
            ),
            Self::List { site, json, db } => (db, WebhookAction::List { site, json }),
            Self::Remove { site, id, db } => (db, WebhookAction::Remove { site, id }),
            Self::Deliveries {
                site,
                limit,
                json,
                db,
            } => (db, WebhookAction::Deliveries { site, limit, json }),
        }
    }
}

#[derive(Debug)]
pub(super) enum WebhookAction {
    Add {
        site: String,
        url: String,
        condition: String,
        format: String,
        allow_private: bool,
        json: bool,
    },
    List {
        site: String,
        json: bool,
    },
    Remove {
        site: String,
        id: crate::ids::WebhookId,
    },
    Deliveries {
        site: String,
        limit: u32,
        json: bool,
    },
}

async fn site<S: Storage>(storage: &S, key: &str) -> anyhow::Result<crate::sites::Site> {
    let key = SiteKey::try_from(key).map_err(|e| anyhow::anyhow!("{e}"))?;
    storage
        .site_by_key(&key)
        .await?
        .with_context(|| format!("no site has the key {key}"))
}

impl WebhookAction {
    pub(super) async fn run<S: Storage>(self, storage: &S) -> anyhow::Result<ExitCode> {
        match self {
            Self::Add {
                site: key,
                url,
                condition,
                format,
                allow_private,
                json,
            } => {
                let site = site(storage, &key).await?;
                let request = WebhookRequest {
                    url: &url,
                    condition: &condition,
                    format: &format,
                    allow_private,
                };
                let (record, secret) = add_webhook(storage, &site, request, Actor::Cli).await?;
                if json {
                    let mut shown = serde_json::to_value(&record)?;
                    shown["secret"] = json!(secret);
                    println!("{shown}");
                } else {
                    println!(
                        "Webhook {} added: {} when {}",
                        record.id, record.url, record.condition
                    );
                    println!("  signing secret  {secret}");
                    println!("                  (shown once: check Koe-Signature with it)");
                }
            }
            Self::List { site: key, json } => {
                let site = site(storage, &key).await?;
                let webhooks = storage.webhooks(site.id).await?;
                if json {
                    println!("{}", json!({ "webhooks": webhooks }));
                } else {
                    for w in &webhooks {
                        println!(
                            "{:>5}  {:<6} {}  when {}",
                            w.id,
                            w.format.as_str(),
                            super::shown(&w.url),
                            super::shown(&w.condition)
                        );
                    }
                }
            }
            Self::Remove { site: key, id } => {
                let site = site(storage, &key).await?;
                if !remove_webhook(storage, &site, id, Actor::Cli).await? {
                    anyhow::bail!("site {key} has no webhook {id}");
                }
                println!("Webhook {id} removed.");
            }
            Self::Deliveries {
                site: key,
                limit,
                json,
            } => {
                let site = site(storage, &key).await?;
                let deliveries = storage.deliveries(site.id, i64::from(limit.max(1))).await?;
                if json {
                    println!("{}", json!({ "deliveries": deliveries }));
                } else {
                    println!(
                        "{:>6}  {:>7}  {:<9} {:>8}  {:<24} {:<30} last error",
                        "id", "webhook", "state", "attempts", "created", "interaction"
                    );
                    for d in &deliveries {
                        println!(
                            "{:>6}  {:>7}  {:<9} {:>8}  {:<24} {:<30} {}",
                            d.id,
                            d.webhook_id,
                            d.state,
                            d.attempts,
                            d.created_at.to_string(),
                            d.interaction,
                            d.last_error.as_deref().unwrap_or("-")
                        );
                    }
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
