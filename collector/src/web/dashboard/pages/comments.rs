//! Comments: the response feed, newest first, filtered by the shared filters and by score
//! range, reason, "has a comment" and flagged; answers flagged as a link scanner's are left out
//! unless asked for, and then shown as flagged; paginated; and a CSV of exactly the page shown.

use crate::report::params::ParamError;
use crate::storage::ResponseFilter;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::super::filters::{Filters, PageQuery, Problem};
use super::super::frame::{Choice, Frame, Tab};
use super::super::refused;
use super::super::viewer::Header;
use super::super::{Answer, SignedIn, failed, html_ok};
use crate::report::reasons;
use crate::responses::list::{self, ListedResponse, RawResponseQuery, ResponseQuery};
use crate::sites::Site;
use crate::storage::Storage;
use crate::texts::dashboard::Texts;
use crate::web::state::AppState;

/// One listed response, formatted.
#[derive(Debug)]
pub struct CommentItem<'a> {
    pub csat: Option<u8>,
    pub nps: Option<u8>,
    pub agent: &'a str,
    pub channel: &'a str,
    pub team: Option<&'a str>,
    pub day: &'a str,
    pub interaction: &'a str,
    pub reasons: String,
    pub comment: Option<&'a str>,
    pub flagged: bool,
}

pub fn comment_items<'a>(t: &'a Texts, rows: &'a [ListedResponse]) -> Vec<CommentItem<'a>> {
    rows.iter()
        .map(|r| CommentItem {
            csat: r.csat,
            nps: r.nps,
            agent: r.agent.as_deref().unwrap_or(t.none),
            channel: r.channel.unwrap_or(t.none),
            team: r.team.as_deref(),
            day: &r.day,
            interaction: &r.interaction,
            reasons: r.reasons.join(", "),
            comment: r.comment.as_deref(),
            flagged: r.flagged,
        })
        .collect()
}

/// The feed's own parameters as they came (empty strings kept: an empty `has_comment` is a
/// choice, "any", while an absent one means the feed's default, "with a comment").
struct FeedParams<'q> {
    pairs: Vec<(&'static str, &'q str)>,
}

impl<'q> FeedParams<'q> {
    fn of(query: &'q PageQuery) -> Self {
        let mut pairs = Vec::new();
        for (name, value) in [
            ("min_csat", &query.min_csat),
            ("max_csat", &query.max_csat),
            ("min_nps", &query.min_nps),
            ("max_nps", &query.max_nps),
            ("reason", &query.reason),
            ("flagged", &query.flagged),
        ] {
            if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
                pairs.push((name, value));
            }
        }
        pairs.push((
            "has_comment",
            query.has_comment.as_deref().unwrap_or("true"),
        ));
        Self { pairs }
    }

    fn get(&self, name: &str) -> &'q str {
        self.pairs
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v)
    }
}

/// The list query of the page: the shared filters, the feed's own, the cursor and the page
/// size (`None`: the default).
pub fn feed_query(
    filters: &Filters,
    query: &PageQuery,
    limit: Option<String>,
) -> Result<ResponseQuery, ParamError> {
    let feed = FeedParams::of(query);
    let text = |v: &str| Some(v.to_owned()).filter(|v| !v.is_empty());
    // The feed's own parameters parsed here; the shared filters are parsed already.
    let mut listed = ResponseQuery::parse(&RawResponseQuery {
        min_csat: text(feed.get("min_csat")),
        max_csat: text(feed.get("max_csat")),
        min_nps: text(feed.get("min_nps")),
        max_nps: text(feed.get("max_nps")),
        reason: text(feed.get("reason")),
        has_comment: text(feed.get("has_comment")),
        flagged: text(feed.get("flagged")),
        cursor: query.cursor.clone(),
        limit,
        ..RawResponseQuery::default()
    })?;
    let r = &filters.report;
    listed.filter = ResponseFilter {
        from_day: Some(r.from),
        to_day: Some(r.to),
        agent: r.agent.clone(),
        channel: r.channel,
        team: r.team.clone(),
        ..listed.filter
    };
    Ok(listed)
}

#[derive(Debug, Template)]
#[template(path = "dashboard/comments.html")]
struct CommentsPage<'a> {
    t: &'a Texts,
    frame: Frame<'a>,
    min_csat: Vec<Choice<'a>>,
    max_csat: Vec<Choice<'a>>,
    min_nps: Vec<Choice<'a>>,
    max_nps: Vec<Choice<'a>>,
    reasons: Vec<Choice<'a>>,
    has_comment: Vec<Choice<'a>>,
    flagged: Vec<Choice<'a>>,
    items: Vec<CommentItem<'a>>,
    newest_href: Option<String>,
    older_href: Option<String>,
    csv_href: String,
}

const SCORES: [&str; 11] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"];

fn scale<'a>(any: &'a str, range: &'a [&'a str], current: &str) -> Vec<Choice<'a>> {
    Choice::list(
        std::iter::once(("", any)).chain(range.iter().map(|s| (*s, *s))),
        current,
    )
}

#[tracing::instrument(name = "dashboard::comments::page", skip_all)]
pub async fn page<S: Storage>(page: SignedIn<S>, state: web::Data<AppState<S>>) -> HttpResponse {
    let SignedIn {
        site, t, filters, ..
    } = &page;
    render(&state, t, site, &page.header, filters, &page.query)
        .await
        .unwrap_or_else(|r| r)
}

async fn render<S: Storage>(
    state: &AppState<S>,
    t: &'static Texts,
    site: &Site,
    header: &Header,
    filters: &Filters,
    query: &PageQuery,
) -> Answer {
    let listed = feed_query(filters, query, None).map_err(|e| {
        refused::page(
            t,
            site,
            header,
            query,
            Tab::Comments,
            None,
            Problem::from(&e),
        )
    })?;
    // Reasons are offered from those given in the range (unhappy answers' reasons; with a
    // team filter, whatever the URL names).
    let known = async {
        match reasons::load(&state.storage, site, &filters.report, t.lang).await {
            Ok(counts) => Ok(counts),
            Err(reasons::ReasonsError::ByTeam) => Ok(Vec::new()),
            Err(reasons::ReasonsError::Storage(error)) => Err(error),
        }
    };
    let (page, known) = futures_util::try_join!(list::page(&state.storage, site, &listed), known)
        .map_err(failed)?;
    let feed = FeedParams::of(query);
    // Each reason by its id, named by its label (the site's survey).
    let label = |id: &str| {
        let lang = koe_shared::survey::LanguageTag::try_from(t.lang).ok();
        let survey = &site.survey.survey;
        lang.map_or_else(|| id.to_owned(), |l| survey.reason_label(id, &l))
    };
    let mut reason_names: Vec<(String, String)> = known
        .iter()
        .map(|c| (c.reason.to_string(), c.label.clone()))
        .collect();
    let asked = feed.get("reason");
    if !asked.is_empty() && !reason_names.iter().any(|(id, _)| id == asked) {
        reason_names.push((asked.to_owned(), label(asked)));
    }
    reason_names.sort_unstable();
    reason_names.dedup();
    let base = format!("/dashboard/sites/{}/comments", site.key);
    let cursor = query.cursor.as_deref().filter(|c| !c.is_empty());
    let with = |extra: &[(&str, &str)]| {
        let mut pairs = feed.pairs.clone();
        pairs.extend_from_slice(extra);
        filters.query(&pairs, &[])
    };
    // The download holds exactly the rows shown: from the first of them (not from "now"),
    // as many as the page holds.
    let limit = listed.limit.to_string();
    let from_first = page.responses.first().and_then(list::cursor_from);
    let csv_params: Vec<(&str, &str)> = from_first
        .as_deref()
        .or(cursor)
        .map(|c| ("cursor", c))
        .into_iter()
        .chain([("limit", limit.as_str())])
        .collect();
    let mut lang_params = feed.pairs.clone();
    lang_params.extend(cursor.map(|c| ("cursor", c)));
    let p = &t.pages;
    let page_view = CommentsPage {
        t,
        frame: Frame::new(
            t,
            site,
            header,
            filters,
            Tab::Comments,
            p.tabs[3].into(),
            &feed.pairs,
        ),
        min_csat: scale(p.any, &SCORES[1..=5], feed.get("min_csat")),
        max_csat: scale(p.any, &SCORES[1..=5], feed.get("max_csat")),
        min_nps: scale(p.any, &SCORES, feed.get("min_nps")),
        max_nps: scale(p.any, &SCORES, feed.get("max_nps")),
        reasons: Choice::list(
            std::iter::once(("", p.any)).chain(
                reason_names
                    .iter()
                    .map(|(id, label)| (id.as_str(), label.as_str())),
            ),
            feed.get("reason"),
        ),
        has_comment: Choice::list(
            ["", "true", "false"].into_iter().zip(p.has_comment_options),
            feed.get("has_comment"),
        ),
        // The list's own values; empty (the default) lists counted responses only.
        flagged: Choice::list(
            ["", "any", "true"].into_iter().zip(p.flagged_options),
            feed.get("flagged"),
        ),
        items: comment_items(t, &page.responses),
        newest_href: cursor.map(|_| format!("{base}?{}", with(&[]))),
        older_href: page
            .next_cursor
            .as_deref()
            .map(|next| format!("{base}?{}", with(&[("cursor", next)]))),
        csv_href: format!(
            "/dashboard/sites/{}/responses.csv?{}",
            site.key,
            with(&csv_params)
        ),
    };
    Ok(html_ok(&page_view))
}
