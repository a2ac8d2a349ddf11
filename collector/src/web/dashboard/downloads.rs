//! The dashboard's CSV downloads: the scores by agent and channel for the filters, the answers
//! to the site's own question by agent, and the responses — every one matching the filters, or, from the comment feed, exactly the page
//! it shows (its cursor and page size). Each download is in the audit trail with the person
//! who made it and what it covered; one that cannot be recorded is not made.

use actix_web::{HttpResponse, web};
use futures_util::StreamExt as _;

use super::pages::comments::feed_query;
use super::viewer::Viewer;
use super::{SignedIn, bad_request, failed};
use crate::audit::{AuditAction, AuditEntry};
use crate::report::{self, GroupBy, ReportQuery};
use crate::responses::list;
use crate::sites::Site;
use crate::storage::{Storage, StorageError};
use crate::web::csv_reply::{csv_response, csv_stream};
use crate::web::state::AppState;

/// Records who downloaded what.
async fn audit<S: Storage>(
    state: &AppState<S>,
    site: &Site,
    viewer: &Viewer,
    what: String,
) -> Result<(), StorageError> {
    state
        .storage
        .record_audit(AuditEntry {
            site_id: site.id,
            actor: viewer.actor(),
            action: AuditAction::Exported,
            detail: what,
            at: crate::clock::now(),
        })
        .await
}

#[tracing::instrument(name = "dashboard::downloads::question", skip_all)]
pub async fn question<S: Storage>(
    page: SignedIn<S>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    let SignedIn {
        site,
        filters,
        viewer,
        t,
        ..
    } = page;
    let what = format!(
        "question.csv {}..{}",
        filters.report.from, filters.report.to
    );
    if let Err(error) = audit(&state, &site, &viewer, what).await {
        return failed(error);
    }
    let query = ReportQuery {
        group_by: vec![GroupBy::Agent],
        ..filters.report
    };
    match report::question::load(&state.storage, &site, &query, None, t.lang).await {
        Ok(report) => csv_response(
            report::csv::question(&report),
            &format!("koe-question-{}.csv", report.to),
        ),
        Err(error) => failed(error),
    }
}

#[tracing::instrument(name = "dashboard::downloads::scores", skip_all)]
pub async fn scores<S: Storage>(page: SignedIn<S>, state: web::Data<AppState<S>>) -> HttpResponse {
    let SignedIn {
        site,
        filters,
        viewer,
        ..
    } = page;
    let what = format!("scores.csv {}..{}", filters.report.from, filters.report.to);
    if let Err(error) = audit(&state, &site, &viewer, what).await {
        return failed(error);
    }
    let report_query = ReportQuery {
        group_by: vec![GroupBy::Agent, GroupBy::Channel],
        ..filters.report
    };
    match report::load(&state.storage, &site, &report_query).await {
        Ok(report) => csv_response(
            report::csv::report(&report),
            &format!("koe-scores-{}.csv", report.to),
        ),
        Err(error) => failed(error),
    }
}

/// `limit` given: the one page the comment feed shows with it; absent: every matching
/// response, streamed page by page (an export is never cut at a page size).
#[tracing::instrument(name = "dashboard::downloads::responses", skip_all)]
pub async fn responses<S: Storage>(
    page: SignedIn<S>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    let SignedIn {
        site,
        t,
        filters,
        query,
        viewer,
        ..
    } = page;
    let what = format!(
        "responses.csv {}..{}",
        filters.report.from, filters.report.to
    );
    if let Err(error) = audit(&state, &site, &viewer, what).await {
        return failed(error);
    }
    let one_page = query.limit.clone().filter(|l| !l.is_empty());
    let whole = one_page.is_none();
    let limit = one_page.or_else(|| Some(list::MAX_LIMIT.to_string()));
    // The plain download (no feed parameters) lists every counted response, with a comment or
    // not; answers flagged as a link scanner's only when the URL asks (`flagged=any`).
    let mut listed = match feed_query(&filters, &query, limit) {
        Ok(listed) => listed,
        Err(error) => return bad_request(t, &error.to_string()),
    };
    if whole && query.has_comment.is_none() {
        listed.filter.has_comment = None;
    }
    let head = futures_util::stream::once(async { Ok(list::csv_head()) });
    if !whole {
        return match list::page(&state.storage, &site, &listed).await {
            Ok(page) => csv_response(
                list::csv_head() + &list::csv_lines(&page.responses),
                "koe-responses.csv",
            ),
            Err(error) => failed(error),
        };
    }
    let rows = list::every_page(state.storage.clone(), site, listed)
        .map(|page| page.map(|rows| list::csv_lines(&rows)));
    csv_stream(head.chain(rows), "koe-responses.csv")
}
