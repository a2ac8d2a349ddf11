//! Who is looking: the person a session cookie names (its stored session live), the role they
//! hold on the site in the path, what the page asked for needs ([`need_of`], one table for
//! every signed-in URL), and the header their role shows (the links a wider role has are not
//! drawn; the pages behind them refuse anyway).

use std::sync::Arc;

use actix_web::HttpRequest;

use super::now_secs;
use crate::audit::Actor;
use crate::people::{self, Email, Grant, Need, SiteRole, members, sign_in};
use crate::sites::Site;
use crate::storage::{Storage, StorageError, UserRecord};
use crate::texts::dashboard::Texts;
use crate::web::session::{COOKIE, Session};
use crate::web::state::AppState;

/// What the page at route pattern `path` (`/dashboard/sites/{site}/people`: the pattern the
/// router matched, never the raw, still percent-encoded path) needs. A page not named here is
/// a report page: reports narrowed by the person's scope.
pub fn need_of(path: &str) -> Need {
    // "", "dashboard", "sites", the site, the page.
    match path.split('/').nth(4).unwrap_or_default() {
        "people" => Need::People,
        "integrations" | "survey" => Need::Administer,
        "audit" => Need::Audit,
        "me" => Need::OwnPage,
        "scores.csv" | "responses.csv" => Need::Export,
        _ => Need::Reports,
    }
}

/// The person signed in and their live session, if the request's cookie names one.
pub async fn signed_in<S: Storage>(
    state: &AppState<S>,
    req: &HttpRequest,
) -> Result<Option<(Session, UserRecord)>, StorageError> {
    let Some(sealed) = req
        .cookie(COOKIE)
        .and_then(|cookie| state.session_key.open(cookie.value(), now_secs()))
    else {
        return Ok(None);
    };
    let user = sign_in::session_user(&state.storage, sealed.id, sealed.user_id).await?;
    Ok(user.map(|user| (sealed, user)))
}

/// A site the person holds a role on, as the header lists it.
#[derive(Debug, Clone)]
pub struct SiteLink {
    pub name: String,
    pub href: String,
    pub current: bool,
}

/// The person looking at a site's page: their account, their role there, their other sites.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub session: Session,
    pub user: UserRecord,
    pub grant: Grant,
    pub sites: Vec<(Arc<Site>, SiteRole)>,
}

impl Viewer {
    /// The person and their role on `site`; `None` when they hold none there.
    pub async fn of<S: Storage>(
        state: &AppState<S>,
        session: Session,
        user: UserRecord,
        site: &Site,
    ) -> Result<Option<Self>, StorageError> {
        let mut sites = Vec::new();
        let mut grant = None;
        for (site_id, g) in members::grants_of(&state.storage, user.id).await? {
            if site_id == site.id {
                grant = Some(g.clone());
            }
            if let Some(found) = state.sites.find_by_id(&state.storage, site_id).await? {
                sites.push((found, g.role()));
            }
        }
        Ok(grant.map(|grant| Self {
            session,
            user,
            grant,
            sites,
        }))
    }

    pub fn may(&self, need: Need) -> bool {
        self.grant.role().may(need)
    }

    /// Who the audit trail names for what this person changes.
    pub fn actor(&self) -> Actor {
        Email::parse(&self.user.email).map_or(Actor::Cli, Actor::Person)
    }

    pub fn scope(&self) -> people::Scope {
        self.grant.scope()
    }

    /// The header's links for this person on `site`.
    pub fn header(&self, t: &Texts, site: &Site) -> Header {
        let base = format!("/dashboard/sites/{}", site.key);
        let link = |page: &str, need: Need| {
            self.may(need)
                .then(|| format!("{base}/{page}?lang={}", t.lang))
        };
        Header {
            integrations_href: link("integrations", Need::Administer),
            survey_href: link("survey", Need::Administer),
            followups_href: link("followups", Need::Reports),
            people_href: link("people", Need::People),
            audit_href: link("audit", Need::Audit),
            account_href: format!("/dashboard/account?lang={}", t.lang),
            tabs: self.may(Need::Reports),
            sites: self
                .sites
                .iter()
                .map(|(s, role)| SiteLink {
                    name: s.name.clone(),
                    href: format!("{}?lang={}", start_page(s, *role), t.lang),
                    current: s.id == site.id,
                })
                .collect(),
        }
    }
}

/// Where a person with `role` starts on `site`: an agent on their own page, everyone else on
/// the Overview.
pub fn start_page(site: &Site, role: SiteRole) -> String {
    match role {
        SiteRole::Agent => format!("/dashboard/sites/{}/me", site.key),
        _ => format!("/dashboard/sites/{}", site.key),
    }
}

/// The header's links: what the person's role reaches, and their other sites.
#[derive(Debug, Clone, Default)]
pub struct Header {
    pub integrations_href: Option<String>,
    /// The Survey page (owners and admins).
    pub survey_href: Option<String>,
    /// The Follow-ups page: everyone who reads reports works follow-ups.
    pub followups_href: Option<String>,
    pub people_href: Option<String>,
    pub audit_href: Option<String>,
    pub account_href: String,
    /// Whether the report tabs show (not for an agent).
    pub tabs: bool,
    pub sites: Vec<SiteLink>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_has_its_need() {
        let need = |page: &str| need_of(&format!("/dashboard/sites/{{site}}{page}"));
        assert_eq!(need(""), Need::Reports);
        assert_eq!(need("/agents/{agent}"), Need::Reports);
        assert_eq!(need("/people"), Need::People);
        assert_eq!(need("/people/invite"), Need::People);
        assert_eq!(need("/people/{user}/role"), Need::People);
        assert_eq!(need("/integrations"), Need::Administer);
        assert_eq!(need("/audit"), Need::Audit);
        assert_eq!(need("/me"), Need::OwnPage);
        assert_eq!(need("/responses.csv"), Need::Export);
    }
}
