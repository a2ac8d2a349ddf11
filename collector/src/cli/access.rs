//! `koe site list|show|update`, `koe key list`, `koe key revoke`, `koe site rotate-secret`,
//! `koe audit`: a site's settings, who can reach its data, shutting off a leaked key or secret, and the record of those changes. Every
//! change is recorded in the audit trail as made by `cli`.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use koe_shared::{InteractionId, SiteKey};
use serde_json::json;

use super::{DatabaseName, site_in};
use crate::audit::Actor;
use crate::ids::KeyId;
use crate::report::table::{Column, aligned};
use crate::responses::erasure;
use crate::sites::registration::{revoke_api_key, rotate_secret};
use crate::sites::settings::{SiteChanges, SiteView, update_site};
use crate::storage::Storage;

#[derive(Debug)]
pub(super) enum AccessCommand {
    ListSites {
        json: bool,
    },
    ShowSite {
        site: SiteKey,
        json: bool,
    },
    UpdateSite {
        site: SiteKey,
        changes: SiteChanges,
    },
    ListKeys {
        site: SiteKey,
        json: bool,
    },
    RevokeKey {
        id: KeyId,
    },
    RotateSecret {
        site: SiteKey,
        grace: Duration,
        force: bool,
        json: bool,
    },
    Audit {
        site: SiteKey,
        json: bool,
    },
    Erase {
        site: SiteKey,
        interaction: InteractionId,
        json: bool,
    },
}

/// A time as RFC 3339, or `-`.
fn time(at: Option<jiff::Timestamp>) -> String {
    at.map_or_else(|| "-".to_owned(), |t| t.to_string())
}

/// The most terminal columns a site's name takes in `koe site list` (`koe site show` prints it
/// whole); the key beside it is what commands take.
const SITE_NAME_COLUMNS: usize = 32;

/// `koe site list`: a site a line (key, name, time zone, strictness, origins), lined up by
/// terminal columns so a name in Japanese keeps the rest in line.
fn site_list(sites: &[SiteView]) -> String {
    let rows: Vec<Vec<String>> = sites
        .iter()
        .map(|s| {
            vec![
                s.site_key.clone(),
                super::shown(&s.name),
                s.timezone.clone(),
                format!("strict={}", s.strict),
                s.origins.join(" "),
            ]
        })
        .collect();
    aligned(
        &rows,
        &[Column::LEFT, Column::LEFT.at_most(SITE_NAME_COLUMNS)],
    )
}

/// `koe site show`: one setting a line, as an operator reads them.
fn site_block(site: &SiteView) -> String {
    let retention = match site.retention_days {
        Some(days) => format!("raw responses kept {days} days (rollups, so reports, stay)"),
        None => "everything kept".to_owned(),
    };
    let cooldown = match site.cooldown_days {
        0 => "none".to_owned(),
        days => format!("{days} days"),
    };
    let strict = if site.strict { "yes" } else { "no" };
    [
        ("site key", site.site_key.clone()),
        ("name", super::shown(&site.name)),
        ("origins", site.origins.join(" ")),
        ("time zone", site.timezone.clone()),
        ("strict", strict.to_owned()),
        (
            "low n",
            format!("rows on fewer than {} responses", site.low_n_threshold),
        ),
        ("retention", retention),
        (
            "sample",
            format!("{} % of interactions", site.sample_percent),
        ),
        ("cooldown", cooldown),
        ("created", site.created_at.clone()),
    ]
    .iter()
    .map(|(label, value)| format!("{label:<10} {value}\n"))
    .collect()
}

impl AccessCommand {
    pub(super) async fn run<S: Storage>(
        self,
        storage: &S,
        database: &DatabaseName,
    ) -> anyhow::Result<ExitCode> {
        match self {
            Self::ListSites { json } => {
                let sites: Vec<SiteView> =
                    storage.sites().await?.iter().map(SiteView::from).collect();
                if json {
                    println!("{}", json!({ "sites": sites }));
                } else if sites.is_empty() {
                    println!("{database} holds no sites yet: `koe site add` registers one.");
                } else {
                    print!("{}", site_list(&sites));
                }
                Ok(ExitCode::SUCCESS)
            }
            Self::ShowSite { site: key, json } => {
                let view = SiteView::from(&site_in(storage, &key, database).await?);
                if json {
                    println!("{}", serde_json::to_string_pretty(&view)?);
                } else {
                    print!("{}", site_block(&view));
                }
                Ok(ExitCode::SUCCESS)
            }
            Self::UpdateSite { site: key, changes } => {
                let site = site_in(storage, &key, database).await?;
                let updated = update_site(storage, &site, changes, Actor::Cli).await?;
                println!(
                    "{}",
                    serde_json::to_string_pretty(&SiteView::from(&updated))?
                );
                Ok(ExitCode::SUCCESS)
            }
            Self::ListKeys { site: key, json } => {
                let site = site_in(storage, &key, database).await?;
                let keys = storage.api_keys(site.id).await?;
                if json {
                    let rows: Vec<_> = keys
                        .iter()
                        .map(|k| {
                            json!({
                                "id": k.id, "role": k.role, "prefix": k.prefix,
                                "created_at": time(Some(k.created_at)),
                                "last_used_at": k.last_used_at.map(|t| time(Some(t))),
                                "revoked_at": k.revoked_at.map(|t| time(Some(t))),
                                "owner": k.owner,
                            })
                        })
                        .collect();
                    println!("{}", json!({ "site_key": site.key, "keys": rows }));
                } else {
                    println!(
                        "{:>6}  {:<6} {:<16} {:<30} {:<30} {:<30} owner",
                        "id", "role", "prefix", "created", "last used", "revoked"
                    );
                    for k in &keys {
                        println!(
                            "{:>6}  {:<6} {:<16} {:<30} {:<30} {:<30} {}",
                            k.id,
                            k.role.as_str(),
                            k.prefix,
                            time(Some(k.created_at)),
                            time(k.last_used_at),
                            time(k.revoked_at),
                            k.owner.as_deref().unwrap_or("(the site)")
                        );
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            Self::Erase {
                site: key,
                interaction,
                json,
            } => {
                let site = site_in(storage, &key, database).await?;
                let erased = erasure::erase(storage, &site, &interaction, Actor::Cli).await?;
                if json {
                    println!(
                        "{}",
                        json!({ "site_key": site.key, "interaction": interaction.as_str(), "erased": erased })
                    );
                } else if erased == 0 {
                    println!("nothing is stored for interaction {interaction}: nothing to erase");
                } else {
                    println!(
                        "erased interaction {interaction}: {erased} stored row(s), its comment with them; its counts are out of every report (audit: {})",
                        erasure::audited_name(&interaction)
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            Self::RevokeKey { id } => {
                let key = storage.api_key_by_id(id).await?.with_context(|| {
                    format!(
                        "no API key has the id {id} in {database} (`koe key list --site \
                             SITE_KEY` lists a site's keys)"
                    )
                })?;
                let site = storage
                    .sites()
                    .await?
                    .into_iter()
                    .find(|s| s.id == key.site_id)
                    .context("the key's site is gone")?;
                if revoke_api_key(storage, &site, id, Actor::Cli).await? {
                    println!(
                        "API key {id} ({}) of {} is revoked: its next call is refused and its dashboard sessions have ended.",
                        key.prefix, site.key
                    );
                    Ok(ExitCode::SUCCESS)
                } else {
                    println!("API key {id} was already revoked.");
                    Ok(ExitCode::FAILURE)
                }
            }
            Self::RotateSecret {
                site: key,
                grace,
                force,
                json,
            } => {
                let site = site_in(storage, &key, database).await?;
                let secret = rotate_secret(storage, &site, grace, force, Actor::Cli).await?;
                let days = grace.as_secs() / 86_400;
                if json {
                    println!(
                        "{}",
                        json!({ "site_key": site.key, "signing_secret": secret, "grace_days": days })
                    );
                } else {
                    println!("New signing secret for {} ({}):", site.name, site.key);
                    println!("  {secret}");
                    println!("  (shown once: put it in your backend; Koe stores only its hash)");
                    println!(
                        "Tokens and rating links signed with the previous secret keep working for {days} days, then are refused (token_secret_retired)."
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            Self::Audit { site: key, json } => {
                let site = site_in(storage, &key, database).await?;
                let events = storage.audit_events(site.id).await?;
                if json {
                    println!("{}", json!({ "site_key": site.key, "events": events }));
                } else {
                    for e in &events {
                        println!(
                            "{}  {:<8} {:<15} {}",
                            e.at,
                            e.actor,
                            e.action,
                            super::shown(&e.detail)
                        );
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::table::width;

    fn site(key: &str, name: &str) -> SiteView {
        SiteView {
            site_key: key.into(),
            name: name.into(),
            origins: vec!["https://shop.example".into()],
            timezone: "Asia/Tokyo".into(),
            strict: false,
            low_n_threshold: 5,
            retention_days: None,
            sample_percent: 100,
            cooldown_days: 0,
            created_at: "2026-11-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn site_list_lines_up_by_terminal_columns_and_cuts_long_names() {
        let sites = [
            site("site_tokyo", "東京の店舗"),
            site("site_kana", "ｼｮｯﾌﾟ"),
            site("site_shop", "Shop\u{1b}[2J"),
            site("site_long", &"a".repeat(40)),
        ];
        let listed = site_list(&sites);
        let starts: Vec<usize> = listed
            .lines()
            .map(|line| width(&line[..line.find("Asia/Tokyo").expect(line)]))
            .collect();
        assert_eq!(starts.len(), sites.len(), "{listed}");
        assert!(
            starts.iter().all(|&s| s == starts[0]),
            "the time zone starts at one terminal column on every line: {starts:?} in:\n{listed}"
        );
        assert!(
            listed.contains("Shop\\u{1b}[2J") && !listed.contains('\u{1b}'),
            "a stored escape sequence is shown escaped: {listed}"
        );
        assert!(
            listed.contains(&format!("{}…", "a".repeat(31))) && !listed.contains(&"a".repeat(32)),
            "a name wider than {SITE_NAME_COLUMNS} columns is cut: {listed}"
        );
    }
}
