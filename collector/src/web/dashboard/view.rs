//! The dashboard's pages before a site is open — signing in, a person's sites, a one-time
//! link's page, the account page, and a request it cannot answer — rendered from
//! `templates/dashboard/`. (The signed-in pages are in `pages/`.) The
//! templates escape every value; nothing here runs script.

use std::sync::Arc;

use askama::Template;

use crate::people::SiteRole;
use crate::sites::Site;
use crate::templates::render;
use crate::texts::dashboard::Texts;

#[derive(Debug, Template)]
#[template(path = "dashboard/sign_in.html")]
struct SignInPage<'a> {
    t: &'a Texts,
    error: Option<&'a str>,
    offers: Offers,
}

/// What the sign-in page offers beside a password.
#[derive(Debug, Clone, Copy)]
pub struct Offers {
    /// "Forgot your password?" (only when Koe can mail the link).
    pub reset: bool,
    /// "Sign in with a passkey" (only when the dashboard is reached at a domain name).
    pub passkeys: bool,
}

/// The sign-in page, with why the last attempt was refused.
pub fn sign_in(t: &Texts, error: Option<&str>, offers: Offers) -> String {
    render(&SignInPage { t, error, offers })
}

#[derive(Debug, Template)]
#[template(path = "dashboard/forgot.html")]
pub struct ForgotPage<'a> {
    pub t: &'a Texts,
    pub sent: bool,
}

#[derive(Debug, Template)]
#[template(path = "dashboard/sites.html")]
struct SitesPage<'a> {
    t: &'a Texts,
    email: &'a str,
    sites: Vec<(String, String, &'static str)>,
}

/// A person's sites, each with their role there.
pub fn sites(t: &Texts, email: &str, sites: &[(Arc<Site>, SiteRole)]) -> String {
    let sites = sites
        .iter()
        .map(|(site, role)| {
            let href = format!("{}?lang={}", super::viewer::start_page(site, *role), t.lang);
            (site.name.clone(), href, role_label(t, *role))
        })
        .collect();
    render(&SitesPage { t, email, sites })
}

/// A role as the pages name it.
pub fn role_label(t: &Texts, role: SiteRole) -> &'static str {
    t.people
        .roles
        .iter()
        .find(|(name, _)| *name == role.as_str())
        .map_or("", |(_, label)| label)
}

/// A one-time link's page: what it asks for, and why the last try was refused.
#[derive(Debug, Template)]
#[template(path = "dashboard/welcome.html")]
pub struct WelcomePage<'a> {
    pub t: &'a Texts,
    pub heading: &'a str,
    pub intro: Option<String>,
    pub error: Option<String>,
    /// `false`: the link cannot be used (the page says so, with no form).
    pub usable: bool,
    pub ask_email: bool,
    pub ask_name: bool,
    /// An existing account accepts with its own password.
    pub existing: bool,
    pub email: String,
    pub name: String,
}

/// A person's session as their account page lists it.
#[derive(Debug)]
pub struct SessionItem {
    pub id: i64,
    pub client: String,
    pub started: String,
    pub last_seen: String,
    pub current: bool,
}

/// A person's passkey as their account page lists it.
#[derive(Debug)]
pub struct PasskeyItem {
    pub id: i64,
    pub name: String,
    pub added: String,
    pub last_used: String,
}

#[derive(Debug, Template)]
#[template(path = "dashboard/account.html")]
pub struct AccountPage<'a> {
    pub t: &'a Texts,
    pub email: &'a str,
    pub sessions: Vec<SessionItem>,
    pub passkeys: Vec<PasskeyItem>,
    /// Whether a passkey can be added here (the dashboard reached at a domain name).
    pub passkeys_possible: bool,
}

#[derive(Debug, Template)]
#[template(path = "dashboard/problem.html")]
struct ProblemPage<'a> {
    t: &'a Texts,
    message: &'a str,
}

/// A request the dashboard cannot answer, and why.
pub fn problem(t: &Texts, message: &str) -> String {
    render(&ProblemPage { t, message })
}
