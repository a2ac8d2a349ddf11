//! Working a follow-up: assigning it, adding a note, noting the customer contacted, closing it
//! with an outcome and a root cause from the site's list — each checked here once (the
//! dashboard, the API and `koe followup` call the same) and recorded in the audit trail with
//! who. Closing as resolved, where the site asks again, makes the one-time link the customer
//! answers at (`recovery.rs`).

use super::{
    FollowupSettings, FollowupStatus, MAX_NOTE_CHARS, MAX_OWNER_CHARS, recovery::ReaskLink,
};
use crate::audit::{Actor, AuditAction, AuditEntry};
use crate::clock;
use crate::people::Email;
use crate::sites::Site;
use crate::storage::{
    FollowupChanged, FollowupRecord, FollowupStore, FollowupUpdate, PeopleStore, StorageError,
};

/// What a person does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Work {
    /// To a person of the site (by address), to a name where the site has no accounts, or
    /// to nobody (an empty owner).
    Assign(String),
    Note(String),
    Contacted,
    Close {
        status: String,
        cause: String,
    },
}

/// Why the work was refused; nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum FollowupError {
    #[error("there is no follow-up {0} on this site")]
    Missing(i64),
    #[error("follow-up {0} was withdrawn: its answer left the follow-up condition")]
    Withdrawn(i64),
    #[error("follow-up {0} is closed already: mark the customer contacted to work it again")]
    Closed(i64),
    #[error("a follow-up closes as resolved, not_resolved or no_reply; got {0:?}")]
    Status(String),
    #[error("closing needs a root cause, one of {allowed}; got {got:?}")]
    Cause { got: String, allowed: String },
    #[error("{0} has no role on this site: assign someone who does")]
    NotMember(String),
    #[error("this site has people with accounts: assign one of them by address")]
    NameWithAccounts,
    #[error("the owner must be at most {MAX_OWNER_CHARS} characters, without control characters")]
    Owner,
    #[error("a note is 1 to {MAX_NOTE_CHARS} characters")]
    Note,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl FollowupError {
    /// The field a refusal is about, for the API's `field`.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Status(_) => Some("status"),
            Self::Cause { .. } => Some("cause"),
            Self::NotMember(_) | Self::NameWithAccounts | Self::Owner => Some("owner"),
            Self::Note => Some("note"),
            _ => None,
        }
    }
}

/// The follow-up after the work, and the re-ask link when the closing made one (shown once).
#[derive(Debug)]
pub struct Worked {
    pub record: FollowupRecord,
    pub reask: Option<ReaskLink>,
}

/// Work checked and ready to store: nothing is written until [`apply`].
#[derive(Debug)]
pub struct Prepared {
    id: i64,
    update: FollowupUpdate,
    entry: AuditEntry,
    reask: Option<ReaskLink>,
}

/// Does `work` on follow-up `id` of `site` as `actor`. `public_url` is where the collector is
/// reached, for the re-ask link.
#[tracing::instrument(name = "followups::work", skip_all, fields(id))]
pub async fn work<S: FollowupStore + PeopleStore>(
    storage: &S,
    site: &Site,
    id: i64,
    work: Work,
    actor: Actor,
    public_url: &str,
) -> Result<Worked, FollowupError> {
    let prepared = prepare(storage, site, id, work, actor, public_url).await?;
    apply(storage, prepared).await
}

/// Checks `work` (the owner among the site's people, the outcome, the cause in the site's
/// list, the note's length) without writing anything, so that several pieces of work asked
/// together are all checked before any is stored.
pub async fn prepare<S: FollowupStore + PeopleStore>(
    storage: &S,
    site: &Site,
    id: i64,
    work: Work,
    actor: Actor,
    public_url: &str,
) -> Result<Prepared, FollowupError> {
    let at = clock::now();
    let mut reask = None;
    let (update, action, detail) = match work {
        Work::Assign(owner) => {
            let (update, shown) = owner_update(storage, site, owner.trim()).await?;
            (
                update,
                AuditAction::FollowupAssigned,
                format!("follow-up {id} assigned to {shown}"),
            )
        }
        Work::Note(body) => {
            let body = body.trim().to_owned();
            if body.is_empty() || body.chars().count() > MAX_NOTE_CHARS {
                return Err(FollowupError::Note);
            }
            let update = FollowupUpdate::Note {
                author: actor.to_string(),
                body,
            };
            (
                update,
                AuditAction::FollowupNoted,
                format!("note on follow-up {id}"),
            )
        }
        Work::Contacted => (
            FollowupUpdate::Contacted,
            AuditAction::FollowupContacted,
            format!("follow-up {id}: customer contacted"),
        ),
        Work::Close { status, cause } => {
            let settings = storage.followup_settings(site.id).await?;
            let closing = FollowupStatus::parse(&status)
                .filter(|s| s.is_closing())
                .ok_or_else(|| FollowupError::Status(status.clone()))?;
            check_cause(&settings, &cause)?;
            if closing == FollowupStatus::Resolved && settings.reask {
                reask = Some(ReaskLink::new(public_url, at));
            }
            let update = FollowupUpdate::Close {
                status: closing.as_str().to_owned(),
                cause: cause.clone(),
                reask: reask.as_ref().map(|link| (link.digest, link.expires_at_ms)),
            };
            (
                update,
                AuditAction::FollowupClosed,
                format!("follow-up {id} closed as {} ({cause})", closing.as_str()),
            )
        }
    };
    let entry = AuditEntry {
        site_id: site.id,
        actor,
        action,
        detail,
        at,
    };
    Ok(Prepared {
        id,
        update,
        entry,
        reask,
    })
}

/// Stores prepared work with its audit entry.
pub async fn apply<S: FollowupStore>(
    storage: &S,
    prepared: Prepared,
) -> Result<Worked, FollowupError> {
    let Prepared {
        id,
        update,
        entry,
        reask,
    } = prepared;
    match storage.change_followup(&entry, id, &update).await? {
        FollowupChanged::Done(record) => Ok(Worked {
            record: *record,
            reask,
        }),
        FollowupChanged::Missing => Err(FollowupError::Missing(id)),
        FollowupChanged::Withdrawn => Err(FollowupError::Withdrawn(id)),
        FollowupChanged::Closed => Err(FollowupError::Closed(id)),
    }
}

/// Why follow-up settings were not stored; nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum SettingsRefused {
    #[error(transparent)]
    Invalid(#[from] super::FollowupSettingsError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Checks and stores a site's follow-up settings (hours and days in their canonical spelling)
/// with their audit entry; gives them as stored. New follow-ups follow them; open ones keep
/// their due time.
pub async fn set_settings<S: FollowupStore>(
    storage: &S,
    site: &Site,
    settings: FollowupSettings,
    actor: Actor,
) -> Result<FollowupSettings, SettingsRefused> {
    let settings = settings.normalised()?;
    let entry = AuditEntry {
        site_id: site.id,
        actor,
        action: AuditAction::FollowupSettingsChanged,
        detail: format!(
            "{} when {}, SLA {} working h ({} {}), causes {}, re-ask {}",
            if settings.enabled { "open" } else { "off:" },
            settings.condition,
            settings.sla_hours,
            settings.working_days,
            settings.working_hours,
            settings.causes.join(","),
            settings.reask
        ),
        at: clock::now(),
    };
    storage.set_followup_settings(&entry, &settings).await?;
    Ok(settings)
}

fn check_cause(settings: &FollowupSettings, cause: &str) -> Result<(), FollowupError> {
    if settings.causes.iter().any(|c| c == cause) {
        Ok(())
    } else {
        Err(FollowupError::Cause {
            got: cause.to_owned(),
            allowed: settings.causes.join(", "),
        })
    }
}

/// Who `owner` names: a person of the site by address; a name only where the site has no
/// accounts; nobody when empty.
async fn owner_update<S: PeopleStore>(
    storage: &S,
    site: &Site,
    owner: &str,
) -> Result<(FollowupUpdate, String), FollowupError> {
    if owner.is_empty() {
        let update = FollowupUpdate::Assign {
            user: None,
            name: None,
        };
        return Ok((update, "nobody".into()));
    }
    if owner.chars().count() > MAX_OWNER_CHARS || owner.chars().any(char::is_control) {
        return Err(FollowupError::Owner);
    }
    let members = storage.members_of(site.id).await?;
    if owner.contains('@') {
        let email = Email::parse(owner).map_err(|_| FollowupError::NotMember(owner.into()))?;
        let member = members
            .iter()
            .find(|m| m.email == email.as_str())
            .ok_or_else(|| FollowupError::NotMember(owner.into()))?;
        let update = FollowupUpdate::Assign {
            user: Some(member.user_id),
            name: None,
        };
        return Ok((update, member.email.clone()));
    }
    if !members.is_empty() {
        return Err(FollowupError::NameWithAccounts);
    }
    let update = FollowupUpdate::Assign {
        user: None,
        name: Some(owner.to_owned()),
    };
    Ok((update, owner.to_owned()))
}
