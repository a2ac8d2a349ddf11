//! The dashboard's pages before a site is open — signing in, and a request it cannot answer
//! — rendered from `templates/dashboard/`. (The signed-in pages are in `pages/`.) The
//! templates escape every value; nothing here runs script.

use askama::Template;

use crate::templates::render;
use crate::texts::dashboard::Texts;

#[derive(Debug, Template)]
#[template(path = "dashboard/sign_in.html")]
struct SignInPage<'a> {
    t: &'a Texts,
    error: bool,
}

pub fn sign_in(t: &Texts, error: bool) -> String {
    render(&SignInPage { t, error })
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
