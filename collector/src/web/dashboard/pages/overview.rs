//! The Overview: each metric of the range with its n, interval and change against the earlier
//! period (in words and colour), and its trend with the interval as a band, each chart with a
//! table beside it; the latest low ratings.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::super::chart::TrendChart;
use super::super::filters::Filters;
use super::super::frame::{Frame, Tab};
use super::super::insights::{self, Card};
use super::super::question_view::{self, QuestionView};
use super::super::viewer::Header;
use super::super::{Answer, SignedIn, failed, html_ok};
use super::comments::{CommentItem, comment_items};
use super::followups::Cards;
use super::trend_charts;
use crate::people::Scope;
use crate::report::{self, Bucket, ReportQuery};
use crate::responses::list::{self, ResponseQuery};
use crate::sites::Site;
use crate::storage::{FlaggedFilter, ResponseFilter, Storage};
use crate::texts::dashboard::Texts;
use crate::web::state::AppState;

#[derive(Debug, Template)]
#[template(path = "dashboard/overview.html")]
struct OverviewPage<'a> {
    t: &'a Texts,
    frame: Frame<'a>,
    compared_with: String,
    cards: Vec<Card<'a>>,
    charts: Vec<TrendChart<'a>>,
    scores_csv: String,
    responses_csv: String,
    /// The latest low ratings (flagged answers left out: they are not customers' ratings).
    items: Vec<CommentItem<'a>>,
    low_ratings_href: String,
    /// A team lead's view: the whole site's CSAT and NPS over the range, every team together
    /// (no agent, no other team named): where their teams stand against it.
    site_total: Option<String>,
    /// The range's follow-ups (opened, to do, overdue, contacted within SLA, first contact,
    /// recovered) and the link to work them.
    fcards: Cards,
    followups_href: String,
    /// The site's own question's answers, when its survey asks one.
    question: Option<QuestionView>,
}

/// Low ratings shown on the Overview (the comment feed has the rest).
const LOW_RATINGS: u32 = 5;

#[tracing::instrument(name = "dashboard::overview::page", skip_all)]
pub async fn page<S: Storage>(page: SignedIn<S>, state: web::Data<AppState<S>>) -> HttpResponse {
    let SignedIn {
        site, t, filters, ..
    } = &page;
    let whole_site = matches!(page.viewer.scope(), Scope::Teams(_));
    render(&state, t, site, &page.header, filters, whole_site)
        .await
        .unwrap_or_else(|r| r)
}

/// The whole site's CSAT and NPS over the filters' range, as one line.
async fn site_total<S: Storage>(
    state: &AppState<S>,
    t: &Texts,
    site: &Site,
    filters: &Filters,
) -> Result<String, HttpResponse> {
    let query = ReportQuery {
        bucket: Bucket::All,
        group_by: Vec::new(),
        team: None,
        agent: None,
        ..filters.report.clone()
    };
    let report = report::load(&state.storage, site, &query)
        .await
        .map_err(failed)?;
    let row = report.rows.first();
    let shown = |name: &str, estimate: Option<koe_shared::metrics::Estimate>, unit: &str| {
        estimate.map_or_else(
            || format!("{name} {}", t.none),
            |e| {
                format!(
                    "{name} {:.1}{unit} ({:.1}–{:.1}, n {})",
                    e.value, e.low, e.high, e.n
                )
            },
        )
    };
    Ok(format!(
        "{} · {}",
        shown("CSAT", row.and_then(|r| r.csat), " %"),
        shown("NPS", row.and_then(|r| r.nps), "")
    ))
}

async fn render<S: Storage>(
    state: &AppState<S>,
    t: &'static Texts,
    site: &Site,
    header: &Header,
    filters: &Filters,
    whole_site: bool,
) -> Answer {
    let site_total = match whole_site {
        true => Some(site_total(state, t, site, filters).await?),
        false => None,
    };
    let whole = ReportQuery {
        bucket: Bucket::All,
        group_by: Vec::new(),
        ..filters.compared()
    };
    let trend_query = ReportQuery {
        group_by: Vec::new(),
        ..filters.report.clone()
    };
    let low = ResponseQuery {
        filter: ResponseFilter {
            from_day: Some(filters.report.from),
            to_day: Some(filters.report.to),
            agent: filters.report.agent.clone(),
            channel: filters.report.channel,
            team: filters.report.team.clone(),
            max_csat: Some(2),
            // Answers flagged as a link scanner's are kept for review, never shown as
            // customers' low ratings.
            flagged: FlaggedFilter::Hidden,
            ..ResponseFilter::default()
        },
        limit: LOW_RATINGS,
    };
    let followup_query = ReportQuery {
        bucket: Bucket::All,
        group_by: Vec::new(),
        ..filters.report.clone()
    };
    let by_agent = ReportQuery {
        group_by: vec![report::GroupBy::Agent],
        ..followup_query.clone()
    };
    let asked = |query| report::question::load(&state.storage, site, query, None, t.lang);
    let (whole, trend, low, followups, question, question_by_agent) = futures_util::try_join!(
        report::load(&state.storage, site, &whole),
        report::load(&state.storage, site, &trend_query),
        list::page(&state.storage, site, &low),
        crate::followups::load::report(&state.storage, site, &followup_query),
        asked(&followup_query),
        asked(&by_agent),
    )
    .map_err(failed)?;
    let compared_with = whole
        .compared_with
        .as_ref()
        .map(|c| format!("{} – {}", c.from, c.to))
        .unwrap_or_default();
    let page = OverviewPage {
        t,
        frame: Frame::new(
            t,
            site,
            header,
            filters,
            Tab::Overview,
            t.pages.tabs[0].into(),
            &[],
        ),
        compared_with,
        cards: insights::cards(t, &whole),
        charts: trend_charts(t, &trend, true),
        scores_csv: format!(
            "/dashboard/sites/{}/scores.csv?{}",
            site.key,
            filters.query(&[], &[])
        ),
        responses_csv: format!(
            "/dashboard/sites/{}/responses.csv?{}",
            site.key,
            filters.query(&[], &[])
        ),
        items: comment_items(t, &low.responses),
        site_total,
        fcards: Cards::of(t, t.followups.in_range, &followups.total),
        followups_href: format!("/dashboard/sites/{}/followups?lang={}", site.key, t.lang),
        question: question_view::of(
            t,
            &question,
            &question_by_agent,
            format!(
                "/dashboard/sites/{}/question.csv?{}",
                site.key,
                filters.query(&[], &[])
            ),
        ),
        low_ratings_href: format!(
            "/dashboard/sites/{}/comments?{}",
            site.key,
            filters.query(&[("max_csat", "2"), ("has_comment", "")], &[])
        ),
    };
    Ok(html_ok(&page))
}
