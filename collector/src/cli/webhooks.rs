//! `koe webhook add|list|remove|rotate-secret|deliveries`: alerts on unhappy customers from the
//! command line.

use std::process::ExitCode;

use clap::Subcommand;
use koe_shared::SiteKey;
use serde_json::json;

use super::{DatabaseArg, DatabaseName};
use crate::alerts::Reach;
use crate::alerts::webhooks::{
    DEFAULT_GRACE_HOURS, WebhookRequest, add_webhook, remove_webhook, rotate_secret,
};
use crate::audit::Actor;
use crate::report::table::{Column, aligned};
use crate::storage::{DeliveryRecord, Storage};

#[derive(Debug, Subcommand)]
pub(super) enum WebhookCommand {
    /// Call URL when an answer crosses into the condition; prints the signing secret once.
    Add {
        /// The site key.
        #[arg(long)]
        site: String,
        /// Where alerts are POSTed (https://, public addresses only unless the settings allow
        /// more).
        #[arg(long)]
        url: String,
        /// When to call, e.g. 'csat<=2 or nps<=6 or resolved=false'.
        #[arg(long = "when", value_name = "CONDITION")]
        condition: String,
        /// The body: Koe's JSON, or a Slack incoming-webhook message.
        #[arg(long, value_parser = ["json", "slack"], default_value = "json")]
        format: String,
        /// What it is sent: unhappy answers (by --when), follow-ups (opened, overdue, closed),
        /// or both.
        #[arg(long, value_parser = ["answers", "followups", "answers,followups"], default_value = "answers")]
        events: String,
        /// Print the webhook and its secret as JSON instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// A site's webhooks (never their secrets).
    List {
        /// The site key.
        #[arg(long)]
        site: String,
        /// Print the webhooks as JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Stop calling a webhook (its pending alerts are not sent).
    Remove {
        /// The site key.
        #[arg(long)]
        site: String,
        /// The webhook's id (`koe webhook list`).
        #[arg(long)]
        id: crate::ids::WebhookId,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Give a webhook a new signing secret (printed once); the old one still signs beside it
    /// for the grace, so the receiver can switch without refusing an alert.
    RotateSecret {
        /// The site key.
        #[arg(long)]
        site: String,
        /// The webhook's id (`koe webhook list`).
        #[arg(long)]
        id: crate::ids::WebhookId,
        /// Hours the old secret still signs (at most 168; 0 ends it now, for a leaked secret).
        #[arg(long, default_value_t = DEFAULT_GRACE_HOURS)]
        grace_hours: u32,
        /// Rotate even while the secret the last rotation replaced still signs (its grace ends
        /// at once).
        #[arg(long)]
        force: bool,
        /// Print the new secret as JSON instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// The latest alerts: state, attempts, last error.
    Deliveries {
        /// The site key.
        #[arg(long)]
        site: String,
        /// How many of the latest alerts to show.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Print the deliveries as JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
}

impl WebhookCommand {
    /// The database to open, and the command to run on it (`reach`: where the operator lets
    /// webhooks go).
    pub(super) fn split(self, reach: Reach) -> (DatabaseArg, WebhookAction) {
        match self {
            Self::Add {
                site,
                url,
                condition,
                format,
                events,
                json,
                db,
            } => (
                db,
                WebhookAction::Add {
                    site,
                    url,
                    condition,
                    format,
                    events,
                    reach,
                    json,
                },
            ),
            Self::List { site, json, db } => (db, WebhookAction::List { site, json }),
            Self::Remove { site, id, db } => (db, WebhookAction::Remove { site, id }),
            Self::RotateSecret {
                site,
                id,
                grace_hours,
                force,
                json,
                db,
            } => (
                db,
                WebhookAction::RotateSecret {
                    site,
                    id,
                    grace_hours,
                    force,
                    json,
                },
            ),
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
        events: String,
        reach: Reach,
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
    RotateSecret {
        site: String,
        id: crate::ids::WebhookId,
        grace_hours: u32,
        force: bool,
        json: bool,
    },
    Deliveries {
        site: String,
        limit: u32,
        json: bool,
    },
}

async fn site<S: Storage>(
    storage: &S,
    key: &str,
    database: &DatabaseName,
) -> anyhow::Result<crate::sites::Site> {
    let key = SiteKey::try_from(key).map_err(|e| anyhow::anyhow!("{e}"))?;
    super::site_in(storage, &key, database).await
}

impl WebhookAction {
    pub(super) async fn run<S: Storage>(
        self,
        storage: &S,
        database: &DatabaseName,
    ) -> anyhow::Result<ExitCode> {
        match self {
            Self::Add {
                site: key,
                url,
                condition,
                format,
                events,
                reach,
                json,
            } => {
                let site = site(storage, &key, database).await?;
                let request = WebhookRequest {
                    url: &url,
                    condition: &condition,
                    format: &format,
                    events: &events,
                    reach,
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
                let site = site(storage, &key, database).await?;
                let webhooks = storage.webhooks(site.id).await?;
                if json {
                    println!("{}", json!({ "webhooks": webhooks }));
                } else {
                    for w in &webhooks {
                        println!(
                            "{:>5}  {:<6} {}  when {}  ({})",
                            w.id,
                            w.format.as_str(),
                            super::shown(&w.url),
                            super::shown(&w.condition),
                            w.events
                        );
                    }
                }
            }
            Self::Remove { site: key, id } => {
                let site = site(storage, &key, database).await?;
                if !remove_webhook(storage, &site, id, Actor::Cli).await? {
                    anyhow::bail!(
                        "site {key} has no webhook {id} in {database} (`koe webhook list` lists them)"
                    );
                }
                println!("Webhook {id} removed.");
            }
            Self::RotateSecret {
                site: key,
                id,
                grace_hours,
                force,
                json,
            } => {
                let site = site(storage, &key, database).await?;
                let rotated =
                    rotate_secret(storage, &site, id, grace_hours, force, Actor::Cli).await?;
                let until = rotated.previous_valid_until;
                if json {
                    println!(
                        "{}",
                        json!({
                            "id": id,
                            "secret": rotated.secret,
                            "previous_valid_until_ms": until.as_millisecond(),
                        })
                    );
                } else {
                    println!("Webhook {id} has a new signing secret:");
                    println!("  signing secret  {}", rotated.secret);
                    println!("                  (shown once: check Koe-Signature with it)");
                    println!("  the old secret signs beside it until {until}");
                }
            }
            Self::Deliveries {
                site: key,
                limit,
                json,
            } => {
                let site = site(storage, &key, database).await?;
                let deliveries = storage.deliveries(site.id, i64::from(limit.max(1))).await?;
                if json {
                    println!("{}", json!({ "deliveries": deliveries }));
                } else {
                    print!("{}", delivery_list(&deliveries));
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// `koe webhook deliveries`: a delivery a line under a header, lined up by terminal columns so
/// an interaction id in Japanese keeps the last error in line. The id is shown whole: it is what
/// `koe erase --interaction` takes.
fn delivery_list(deliveries: &[DeliveryRecord]) -> String {
    let header = [
        "id",
        "webhook",
        "state",
        "attempts",
        "created",
        "interaction",
        "last error",
    ];
    let mut rows = vec![Vec::from(header.map(str::to_owned))];
    rows.extend(deliveries.iter().map(|d| {
        vec![
            d.id.to_string(),
            d.webhook_id.to_string(),
            d.state.to_string(),
            d.attempts.to_string(),
            d.created_at.to_string(),
            super::shown(&d.interaction),
            super::shown(d.last_error.as_deref().unwrap_or("-")),
        ]
    }));
    aligned(
        &rows,
        &[Column::RIGHT, Column::RIGHT, Column::LEFT, Column::RIGHT],
    )
}
