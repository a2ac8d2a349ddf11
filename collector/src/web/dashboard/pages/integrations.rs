//! Integrations: the helpdesks and LINE channels connected to the site — each one's state,
//! events today, calls waiting and given up, last event and last error — and the calls given
//! up (the dead letters), newest first. What is shown, never a credential; connecting,
//! pausing and retrying stay with `koe integration` and the admin API.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::super::frame::{TabLink, tab_links};
use super::super::viewer::Header;
use super::super::{SignedIn, failed, html_ok};
use koe_shared::{Channel, InteractionId, Locale};

use crate::integrations::flex::{CardAnswer, CardPreview, rating_card};
use crate::integrations::manage;
use crate::links::LinkRequest;
use crate::sites::Site;
use crate::storage::{EventState, Storage};
use crate::texts::dashboard::Texts;
use crate::web::state::AppState;

/// Dead letters shown at most.
const DEAD_LETTERS: i64 = 50;

/// One integration's row.
#[derive(Debug)]
struct Row {
    name: String,
    paused: bool,
    /// How the sender is proved, in words.
    signature: &'static str,
    /// Whether that is less than a signature (shown as a warning).
    weak: bool,
    events_today: i64,
    waiting: i64,
    given_up: i64,
    last_event: String,
    last_error: String,
}

/// One call given up.
#[derive(Debug)]
struct DeadLetter {
    id: i64,
    integration: String,
    received: String,
    interaction: String,
    why: String,
}

/// The LINE card, in one language, as LINE lays it out.
#[derive(Debug)]
struct Card {
    lang: &'static str,
    preview: CardPreview,
}

#[derive(Debug, Template)]
#[template(path = "dashboard/integrations.html")]
struct IntegrationsPage<'a> {
    t: &'a Texts,
    site_name: &'a str,
    header: &'a Header,
    tabs: Vec<TabLink<'a>>,
    other_lang_href: String,
    rows: Vec<Row>,
    dead_letters: Vec<DeadLetter>,
    cards: Vec<Card>,
}

/// The rating card a customer would get, in each language (its links signed for a sample
/// interaction; the preview shows none of them).
fn cards(site: &Site, base: &str) -> Vec<Card> {
    [Locale::En, Locale::Ja]
        .into_iter()
        .filter_map(|locale| {
            let request = LinkRequest::in_conversation(
                InteractionId::try_from("preview".to_owned()).ok()?,
                None,
                None,
                Channel::Sns,
                1,
                locale,
            );
            let card = rating_card(site, base, &request, CardAnswer::Link).ok()?;
            Some(Card {
                lang: locale.as_str(),
                preview: CardPreview::of(&card),
            })
        })
        .collect()
}

/// A moment as the site's people read it: its local date and time.
fn local(site: &Site, ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(
        |_| "-".to_owned(),
        |t| {
            t.to_zoned(site.timezone.zone().clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        },
    )
}

#[tracing::instrument(name = "dashboard::integrations::page", skip_all)]
pub async fn page<S: Storage>(
    req: actix_web::HttpRequest,
    page: SignedIn<S>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    let SignedIn { site, t, .. } = &page;
    let listed = match manage::list(&state.storage, &state.seal_key, site).await {
        Ok(listed) => listed,
        Err(error) => return failed(error),
    };
    let failed_calls = match state
        .storage
        .integration_events(site.id, Some(EventState::Failed.as_str()), DEAD_LETTERS)
        .await
    {
        Ok(events) => events,
        Err(error) => return failed(error),
    };
    let texts = t.integrations;
    let name_of = |id: crate::ids::IntegrationId| {
        listed.iter().find(|i| i.id == id).map_or_else(
            || format!("#{id}"),
            |i| format!("{} #{id}", texts.kind(&i.kind)),
        )
    };
    let rows = listed
        .iter()
        .map(|i| Row {
            name: name_of(i.id),
            paused: i.paused,
            signature: match i.signature_checked {
                Some(true) => texts.signature_checked,
                Some(false) => texts.address_only,
                None => texts.unreadable,
            },
            weak: i.signature_checked != Some(true),
            events_today: i.counts.events_today,
            waiting: i.counts.pending,
            given_up: i.counts.failed,
            last_event: i
                .last_event_at_ms
                .map_or_else(|| texts.never.to_owned(), |ms| local(site, ms)),
            last_error: match (&i.last_error, i.last_error_at_ms) {
                (Some(error), Some(at)) => format!("{} — {error}", local(site, at)),
                _ => texts.never.to_owned(),
            },
        })
        .collect();
    let dead_letters = failed_calls
        .into_iter()
        .map(|e| DeadLetter {
            id: e.id,
            integration: name_of(e.integration_id),
            received: local(site, e.received_at_ms),
            interaction: e.interaction.unwrap_or_default(),
            why: e.detail.unwrap_or_default(),
        })
        .collect();
    let base = format!("/dashboard/sites/{}", site.key);
    html_ok(&IntegrationsPage {
        t,
        site_name: &site.name,
        header: &page.header,
        tabs: tab_links(t, &base, &format!("lang={}", t.lang), None),
        other_lang_href: format!("{base}/integrations?lang={}", t.other_lang_code),
        rows,
        dead_letters,
        cards: cards(
            site,
            &crate::web::request::public_base(state.public_url.as_deref(), &req),
        ),
    })
}
