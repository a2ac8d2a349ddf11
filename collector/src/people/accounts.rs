//! Accounts: one-time links — an invitation to a site, a password reset, the first owner's
//! link — made and used. Signing in and sessions are `sign_in.rs`. The dashboard's pages and
//! `koe user` call these; the cookie and the forms stay in `web/`.

use jiff::{SignedDuration, Timestamp};

use super::password::{Password, PasswordProblem};
use super::sign_in::{attempt, hash_off_the_workers};
use super::{Email, EmailError, Grant};
use crate::audit::{Actor, AuditAction, AuditEntry};
use crate::clock;
use crate::ids::{SiteId, UserId};
use crate::secrets;
use crate::sites::Site;
use crate::storage::{
    Acceptance, Accepted, AcceptedAccount, InvitationRecord, NewInvitation, PeopleStore,
    SessionStore, SiteStore, StorageError, UserRecord,
};

/// How long an invitation can be used.
pub const INVITATION_LIFE: SignedDuration = SignedDuration::from_hours(7 * 24);
/// How long a password reset link can be used.
pub const RESET_LIFE: SignedDuration = SignedDuration::from_hours(24);
/// How long the first owner's link can be used (a new start prints a new one).
pub const FIRST_OWNER_LIFE: SignedDuration = SignedDuration::from_hours(24);
/// The longest name kept.
pub const NAME_MAX: usize = 80;

/// A one-time link's secret and until when it works. Only its digest is stored; the caller
/// hands the link over (prints it, shows it once, mails it).
#[derive(Clone)]
pub struct OneTimeLink {
    pub token: String,
    pub expires_at: Timestamp,
}

impl std::fmt::Debug for OneTimeLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OneTimeLink")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl OneTimeLink {
    /// The page that uses it, under the collector's address `base`.
    pub fn url(&self, base: &str) -> String {
        format!(
            "{}/dashboard/welcome/{}",
            base.trim_end_matches('/'),
            self.token
        )
    }
}

/// What went wrong with an account's request; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Email(#[from] EmailError),
    #[error(transparent)]
    Password(#[from] PasswordProblem),
    #[error(transparent)]
    Grant(#[from] super::GrantError),
    #[error("a name has at most {NAME_MAX} characters and no control characters")]
    Name,
    #[error("this link was used already, has expired or was withdrawn; ask for a new one")]
    LinkUnusable,
    #[error("the password of the account of {0} is needed to accept")]
    WrongPassword(String),
    #[error("no account has the address {0}")]
    NoAccount(String),
    #[error("an account exists already: sign in, or ask an owner for an invitation")]
    AccountsExist,
    #[error("you are this site's only owner: make someone else owner before taking another role")]
    LastOwner,
    #[error("wait until {0} before trying again")]
    Slowed(Timestamp),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What a one-time link is for, as its page shows it before it is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkPurpose {
    /// To join a site (`site`), with a new account or the existing one of `email`.
    Invite {
        email: String,
        site: SiteId,
        role: String,
        has_account: bool,
    },
    Reset {
        email: String,
    },
    FirstOwner,
}

fn digest_of(token: &str) -> [u8; 32] {
    secrets::digest(token.trim())
}

fn name_of(raw: &str) -> Result<String, AccountError> {
    let name = raw.trim();
    if name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        return Err(AccountError::Name);
    }
    Ok(name.to_owned())
}

/// Invites `email` to `site` with `grant`: a link that works once, for 7 days.
#[tracing::instrument(name = "people::invite", skip_all)]
pub async fn invite<S: PeopleStore>(
    storage: &S,
    site: &Site,
    email: &str,
    grant: &Grant,
    actor: &Actor,
) -> Result<OneTimeLink, AccountError> {
    let email = Email::parse(email)?;
    let now = clock::now();
    let link = new_link(now, INVITATION_LIFE);
    let entry = AuditEntry {
        site_id: site.id,
        actor: actor.clone(),
        action: AuditAction::PersonInvited,
        detail: format!("{email} as {}", grant.describe()),
        at: now,
    };
    storage
        .create_invitation(
            NewInvitation {
                digest: digest_of(&link.token),
                purpose: "invite",
                email: email.to_string(),
                site_id: Some(site.id),
                role: Some(grant.role().as_str().to_owned()),
                agent: grant.agent().map(|a| a.as_str().to_owned()),
                teams: grant.teams_stored(),
                created_by: actor.to_string(),
                created_at_ms: now.as_millisecond(),
                expires_at_ms: link.expires_at.as_millisecond(),
            },
            Some(entry),
        )
        .await?;
    Ok(link)
}

/// A password reset link for the account of `email` (24 hours, once); using it ends the
/// account's sessions.
#[tracing::instrument(name = "people::reset_link", skip_all)]
pub async fn reset_link<S: PeopleStore>(
    storage: &S,
    email: &str,
    actor: &Actor,
) -> Result<OneTimeLink, AccountError> {
    let email = Email::parse(email)?;
    if storage.user_by_email(email.as_str()).await?.is_none() {
        return Err(AccountError::NoAccount(email.to_string()));
    }
    let now = clock::now();
    let link = new_link(now, RESET_LIFE);
    storage
        .create_invitation(
            NewInvitation {
                digest: digest_of(&link.token),
                purpose: "reset",
                email: email.to_string(),
                site_id: None,
                role: None,
                agent: None,
                teams: String::new(),
                created_by: actor.to_string(),
                created_at_ms: now.as_millisecond(),
                expires_at_ms: link.expires_at.as_millisecond(),
            },
            None,
        )
        .await?;
    Ok(link)
}

/// How often a person may have a reset link mailed to themselves.
pub const RESET_REQUEST_GAP: SignedDuration = SignedDuration::from_mins(5);

/// A reset asked for by the person (the sign-in page's "Forgot your password?"): a link when
/// an account has `email` and none was made in the last [`RESET_REQUEST_GAP`] — so the page
/// cannot be used to flood someone's mailbox — else `None`. The page answers the same either
/// way, so it tells no one which addresses have accounts.
#[tracing::instrument(name = "people::request_reset", skip_all)]
pub async fn request_reset<S: PeopleStore>(
    storage: &S,
    email: &str,
) -> Result<Option<(Email, OneTimeLink)>, StorageError> {
    let Ok(email) = Email::parse(email) else {
        return Ok(None);
    };
    if storage.user_by_email(email.as_str()).await?.is_none() {
        return Ok(None);
    }
    let since = clock::now()
        .checked_sub(RESET_REQUEST_GAP)
        .unwrap_or(Timestamp::MIN);
    if storage
        .link_made_since("reset", email.as_str(), since.as_millisecond())
        .await?
    {
        return Ok(None);
    }
    match reset_link(storage, email.as_str(), &Actor::Person(email.clone())).await {
        Ok(link) => Ok(Some((email, link))),
        Err(AccountError::Storage(error)) => Err(error),
        Err(_) => Ok(None),
    }
}

/// While no account exists: a link that makes the first owner (of every site there is when it
/// is used). `None` once anyone has an account. A new link replaces an earlier unused one.
#[tracing::instrument(name = "people::first_owner_link", skip_all)]
pub async fn first_owner_link<S: PeopleStore>(
    storage: &S,
) -> Result<Option<OneTimeLink>, StorageError> {
    if storage.count_users().await? > 0 {
        return Ok(None);
    }
    let now = clock::now();
    let link = new_link(now, FIRST_OWNER_LIFE);
    storage
        .create_invitation(
            NewInvitation {
                digest: digest_of(&link.token),
                purpose: "first_owner",
                email: String::new(),
                site_id: None,
                role: None,
                agent: None,
                teams: String::new(),
                created_by: Actor::Cli.to_string(),
                created_at_ms: now.as_millisecond(),
                expires_at_ms: link.expires_at.as_millisecond(),
            },
            None,
        )
        .await?;
    Ok(Some(link))
}

fn new_link(now: Timestamp, life: SignedDuration) -> OneTimeLink {
    OneTimeLink {
        token: secrets::new_invitation_token(),
        expires_at: now.checked_add(life).unwrap_or(Timestamp::MAX),
    }
}

/// A link that can still be used, by its token.
async fn usable<S: PeopleStore>(
    storage: &S,
    token: &str,
) -> Result<InvitationRecord, AccountError> {
    let now = clock::now_ms();
    storage
        .invitation(digest_of(token))
        .await?
        .filter(|link| link.used_at_ms.is_none() && link.expires_at_ms > now)
        .ok_or(AccountError::LinkUnusable)
}

/// What a link is for, if it can still be used.
pub async fn link_purpose<S: PeopleStore>(
    storage: &S,
    token: &str,
) -> Result<LinkPurpose, AccountError> {
    let link = usable(storage, token).await?;
    match (link.purpose.as_str(), link.site_id) {
        ("invite", Some(site)) => Ok(LinkPurpose::Invite {
            has_account: storage.user_by_email(&link.email).await?.is_some(),
            email: link.email,
            site,
            role: link.role.unwrap_or_default(),
        }),
        ("reset", _) => Ok(LinkPurpose::Reset { email: link.email }),
        ("first_owner", _) if storage.count_users().await? == 0 => Ok(LinkPurpose::FirstOwner),
        ("first_owner", _) => Err(AccountError::AccountsExist),
        _ => Err(AccountError::LinkUnusable),
    }
}

/// What the link's page sends back: the first owner's address (the other links name theirs),
/// a name for a new account, the password (new, or an existing account's own).
#[derive(Default)]
pub struct LinkForm<'a> {
    pub email: Option<&'a str>,
    pub name: &'a str,
    pub password: &'a str,
}

impl std::fmt::Debug for LinkForm<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkForm")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// Uses a one-time link: an invitation gives its role (to a new account with the password
/// chosen, or to the existing account of its address once its password is given), a reset
/// sets the new password and ends the account's sessions, the first owner's link makes the
/// first account, owner of every site. The link works once; nothing changes when anything is
/// refused. Gives the account.
#[tracing::instrument(name = "people::use_link", skip_all)]
pub async fn use_link<S: PeopleStore + SessionStore + SiteStore>(
    storage: &S,
    token: &str,
    form: LinkForm<'_>,
) -> Result<UserId, AccountError> {
    let link = usable(storage, token).await?;
    let now = clock::now();
    let stamp = |site_id: SiteId, actor: &Actor, action: AuditAction, detail: String| AuditEntry {
        site_id,
        actor: actor.clone(),
        action,
        detail,
        at: now,
    };
    let (account, grants, audit, only_if_no_account) = match (link.purpose.as_str(), link.site_id) {
        ("invite", Some(site)) => {
            let grant = Grant::from_stored(
                link.role.as_deref().unwrap_or_default(),
                link.agent.as_deref(),
                &link.teams,
            )?;
            let (account, actor) = match storage.user_by_email(&link.email).await? {
                Some(user) => {
                    check_password(storage, &user, form.password).await?;
                    let actor = Actor::Person(Email::parse(&user.email)?);
                    let existing = AcceptedAccount::Existing {
                        id: user.id,
                        new_password_hash: None,
                    };
                    (existing, actor)
                }
                None => {
                    let password = Password::choose(form.password, &link.email)?;
                    let email = Email::parse(&link.email)?;
                    let new = AcceptedAccount::New {
                        email: email.to_string(),
                        name: name_of(form.name)?,
                        password_hash: hash_off_the_workers(password).await?,
                    };
                    (new, Actor::Person(email))
                }
            };
            let grants = vec![(
                site,
                grant.role().as_str().to_owned(),
                grant.agent().map(|a| a.as_str().to_owned()),
                grant.teams_stored(),
            )];
            let detail = format!("{} as {}", link.email, grant.describe());
            let audit = vec![stamp(site, &actor, AuditAction::InvitationAccepted, detail)];
            (account, grants, audit, false)
        }
        ("reset", _) => {
            let user = storage
                .user_by_email(&link.email)
                .await?
                .ok_or_else(|| AccountError::NoAccount(link.email.clone()))?;
            let password = Password::choose(form.password, &link.email)?;
            let actor = Actor::Person(Email::parse(&user.email)?);
            let audit = storage
                .memberships_of(user.id)
                .await?
                .into_iter()
                .map(|m| stamp(m.site_id, &actor, AuditAction::PasswordReset, "used".into()))
                .collect();
            let account = AcceptedAccount::Existing {
                id: user.id,
                new_password_hash: Some(hash_off_the_workers(password).await?),
            };
            (account, Vec::new(), audit, false)
        }
        ("first_owner", _) => {
            let email = Email::parse(form.email.unwrap_or_default())?;
            let password = Password::choose(form.password, email.as_str())?;
            let actor = Actor::Person(email.clone());
            let sites = storage.sites().await?;
            let grants = sites
                .iter()
                .map(|s| (s.id, "owner".to_owned(), None, String::new()))
                .collect();
            let audit = sites
                .iter()
                .map(|s| {
                    stamp(
                        s.id,
                        &actor,
                        AuditAction::FirstOwnerCreated,
                        email.to_string(),
                    )
                })
                .collect();
            let account = AcceptedAccount::New {
                email: email.to_string(),
                name: name_of(form.name)?,
                password_hash: hash_off_the_workers(password).await?,
            };
            (account, grants, audit, true)
        }
        _ => return Err(AccountError::LinkUnusable),
    };
    match storage
        .accept(Acceptance {
            digest: digest_of(token),
            now_ms: now.as_millisecond(),
            account,
            grants,
            only_if_no_account,
            audit,
        })
        .await?
    {
        Accepted::Account(user) => Ok(user),
        Accepted::Unusable => Err(AccountError::LinkUnusable),
        Accepted::LastOwner => Err(AccountError::LastOwner),
    }
}

/// Checks an existing account's password, slowed like a sign-in: a wrong one counts as a
/// failed sign-in.
async fn check_password<S: PeopleStore + SessionStore>(
    storage: &S,
    user: &UserRecord,
    typed: &str,
) -> Result<(), AccountError> {
    match attempt(storage, user, typed).await? {
        Ok(true) => Ok(()),
        Ok(false) => Err(AccountError::WrongPassword(user.email.clone())),
        Err(until) => Err(AccountError::Slowed(until)),
    }
}
