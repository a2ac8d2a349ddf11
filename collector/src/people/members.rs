//! A site's people: who holds which role ([`members`]), the invitations not yet used, a role
//! changed or taken away (never the site's last owner's), an invitation withdrawn — each
//! audited with who did it — and the roles one person holds across sites ([`grants_of`]).

use jiff::Timestamp;

use super::{Email, EmailError, Grant};
use crate::audit::{Actor, AuditAction, AuditEntry};
use crate::clock;
use crate::ids::{SiteId, UserId};
use crate::sites::Site;
use crate::storage::{InvitationRecord, MemberChange, PeopleStore, StorageError};

/// A person holding a role on a site.
#[derive(Debug, Clone)]
pub struct Member {
    pub user_id: UserId,
    pub email: String,
    pub name: String,
    pub grant: Grant,
    pub last_sign_in: Option<Timestamp>,
}

#[derive(Debug, thiserror::Error)]
pub enum MemberError {
    #[error(transparent)]
    Email(#[from] EmailError),
    #[error("{0} holds no role on this site")]
    NotMember(String),
    #[error("a site keeps at least one owner: make someone else owner first")]
    LastOwner,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// The roles `user` holds, site by site. A row whose role cannot be read grants nothing (and is
/// logged).
pub async fn grants_of<S: PeopleStore>(
    storage: &S,
    user: UserId,
) -> Result<Vec<(SiteId, Grant)>, StorageError> {
    Ok(storage
        .memberships_of(user)
        .await?
        .into_iter()
        .filter_map(
            |m| match Grant::from_stored(&m.role, m.agent.as_deref(), &m.teams) {
                Ok(grant) => Some((m.site_id, grant)),
                Err(error) => {
                    tracing::error!(%error, site = %m.site_id, "a stored role cannot be read");
                    None
                }
            },
        )
        .collect())
}

/// A site's people, by address.
pub async fn members<S: PeopleStore>(
    storage: &S,
    site: &Site,
) -> Result<Vec<Member>, StorageError> {
    Ok(storage
        .members_of(site.id)
        .await?
        .into_iter()
        .filter_map(|row| {
            let grant = Grant::from_stored(&row.role, row.agent.as_deref(), &row.teams).ok()?;
            Some(Member {
                user_id: row.user_id,
                email: row.email,
                name: row.name,
                grant,
                last_sign_in: row.last_sign_in_at_ms.and_then(clock::from_ms),
            })
        })
        .collect())
}

/// A site's invitations not yet used nor expired.
pub async fn pending<S: PeopleStore>(
    storage: &S,
    site: &Site,
) -> Result<Vec<InvitationRecord>, StorageError> {
    storage.pending_invitations(site.id, clock::now_ms()).await
}

async fn member_id<S: PeopleStore>(
    storage: &S,
    email: &str,
) -> Result<(UserId, Email), MemberError> {
    let email = Email::parse(email)?;
    let user = storage
        .user_by_email(email.as_str())
        .await?
        .ok_or_else(|| MemberError::NotMember(email.to_string()))?;
    Ok((user.id, email))
}

fn outcome(change: MemberChange, email: &Email) -> Result<(), MemberError> {
    match change {
        MemberChange::Done => Ok(()),
        MemberChange::NotMember => Err(MemberError::NotMember(email.to_string())),
        MemberChange::LastOwner => Err(MemberError::LastOwner),
    }
}

/// Gives the member of `email` a new role on `site`.
#[tracing::instrument(name = "people::change_role", skip_all)]
pub async fn change_role<S: PeopleStore>(
    storage: &S,
    site: &Site,
    email: &str,
    grant: &Grant,
    actor: &Actor,
) -> Result<(), MemberError> {
    let (user, email) = member_id(storage, email).await?;
    let entry = AuditEntry {
        site_id: site.id,
        actor: actor.clone(),
        action: AuditAction::RoleChanged,
        detail: format!("{email} is now {}", grant.describe()),
        at: clock::now(),
    };
    let kept = (
        grant.role().as_str().to_owned(),
        grant.agent().map(|a| a.as_str().to_owned()),
        grant.teams_stored(),
    );
    outcome(storage.set_membership(entry, user, kept).await?, &email)
}

/// Takes the role of `email` on `site` away: their next page of it is refused.
#[tracing::instrument(name = "people::remove", skip_all)]
pub async fn remove<S: PeopleStore>(
    storage: &S,
    site: &Site,
    email: &str,
    actor: &Actor,
) -> Result<(), MemberError> {
    let (user, email) = member_id(storage, email).await?;
    let entry = AuditEntry {
        site_id: site.id,
        actor: actor.clone(),
        action: AuditAction::PersonRemoved,
        detail: email.to_string(),
        at: clock::now(),
    };
    outcome(storage.remove_membership(entry, user).await?, &email)
}

/// Withdraws an invitation of `site` before it is used; `false` when there is none.
#[tracing::instrument(name = "people::withdraw_invitation", skip_all)]
pub async fn withdraw_invitation<S: PeopleStore>(
    storage: &S,
    site: &Site,
    id: i64,
    actor: &Actor,
) -> Result<bool, StorageError> {
    let entry = AuditEntry {
        site_id: site.id,
        actor: actor.clone(),
        action: AuditAction::InvitationRevoked,
        detail: format!("invitation {id}"),
        at: clock::now(),
    };
    storage.revoke_invitation(entry, id).await
}
