//! The audit page (`/sites/{site}/audit`, admins and owners): the site's trail, newest first —
//! who (`user:ayumi@example.com`, `key:12`, `cli`), what and when.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::super::frame::{TabLink, tab_links};
use super::super::viewer::Header;
use super::super::{SignedIn, failed, html_ok};
use crate::audit::AuditEvent;
use crate::storage::Storage;
use crate::texts::dashboard::Texts;
use crate::web::state::AppState;

/// The most events the page shows (`koe audit` lists them all).
const SHOWN: usize = 500;

#[derive(Debug, Template)]
#[template(path = "dashboard/audit.html")]
struct AuditPage<'a> {
    t: &'a Texts,
    site_name: &'a str,
    header: &'a Header,
    other_lang_href: String,
    tabs: Vec<TabLink<'a>>,
    events: Vec<AuditEvent>,
}

#[tracing::instrument(name = "dashboard::audit::page", skip_all)]
pub async fn page<S: Storage>(page: SignedIn<S>, state: web::Data<AppState<S>>) -> HttpResponse {
    let SignedIn { site, t, .. } = &page;
    let mut events = match state.storage.audit_events(site.id).await {
        Ok(events) => events,
        Err(error) => return failed(error),
    };
    events.reverse();
    events.truncate(SHOWN);
    let base = format!("/dashboard/sites/{}", site.key);
    html_ok(&AuditPage {
        t,
        site_name: &site.name,
        header: &page.header,
        other_lang_href: format!("{base}/audit?lang={}", t.other_lang_code),
        tabs: tab_links(t, &base, &format!("lang={}", t.lang), None),
        events,
    })
}
