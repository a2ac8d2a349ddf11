//! Raw responses on PostgreSQL are kept in monthly partitions — one table per UTC month a
//! response was first answered in — with one key per counted response in `response_keys`: a
//! write finds an existing response through its key, in that one partition, and retention
//! drops whole months. An existing database is converted by a migration with nothing lost.
//! (Every other PostgreSQL test of this suite runs on a partitioned database too.) The helpers
//! here write answers at given times and read where PostgreSQL placed them.

mod conversion;
mod lookup;
mod placement;
mod whole_months;

use std::collections::BTreeMap;
use std::path::Path;

use futures_util::TryStreamExt as _;
use koe_collector::audit::Actor;
use koe_collector::responses::{
    AnswerWrite, Answers, Attribution, Client, MergeConflict, Source, retention,
};
use koe_collector::sites::registration::{RegisteredSite, SiteRequest, register_site};
use koe_collector::sites::settings::{SiteChanges, update_site};
use koe_collector::sites::{Origin, Site, SiteTimeZone};
use koe_collector::storage::prelude::*;
use koe_collector::storage::{Backend, PgStorage, SaveError};
use koe_shared::{AgentId, CsatScore, InteractionId, SubmissionStatus};
use koe_tests::{TestApp, TestBackend as _, TestDatabase};
use sqlx::Connection as _;

const DAY_MS: i64 = 86_400_000;

/// Noon UTC of a day.
fn noon(year: i16, month: i8, day: i8) -> i64 {
    jiff::civil::date(year, month, day)
        .at(12, 0, 0, 0)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp()
        .as_millisecond()
}

/// The partition of the month after the one `at_ms` falls in.
fn next_months_partition(at_ms: i64) -> String {
    let first = jiff::Timestamp::from_millisecond(at_ms)
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .first_of_month();
    let start = first
        .to_zoned(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp()
        .as_millisecond();
    partition_of(start + 32 * DAY_MS)
}

/// The partition a time falls in, as the collector names it.
fn partition_of(at_ms: i64) -> String {
    let day = jiff::Timestamp::from_millisecond(at_ms)
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    format!("responses_{:04}_{:02}", day.year(), day.month())
}

fn write(site: &Site, interaction: &str, at_ms: i64, csat: u8, source: Source) -> AnswerWrite {
    AnswerWrite {
        site_id: site.id,
        interaction: InteractionId::try_from(interaction).unwrap(),
        attribution: Attribution {
            agent: Some(AgentId::try_from("aiko").unwrap()),
            ..Attribution::default()
        },
        answers: Answers {
            csat: Some(CsatScore::try_from(csat).unwrap()),
            ..Answers::default()
        },
        day: site.timezone.local_date(at_ms),
        now_ms: at_ms,
        edit_window_ms: 7 * DAY_MS,
        source,
    }
}

async fn answer<S: Storage>(
    storage: &S,
    site: &Site,
    interaction: &str,
    at_ms: i64,
    csat: u8,
) -> SubmissionStatus {
    let write = write(site, interaction, at_ms, csat, Source::WIDGET);
    storage.save_answers(write).await.unwrap().status
}

async fn rows<T>(url: &str, sql: &str) -> Vec<T>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query_as(sql).fetch_all(&mut conn).await.unwrap()
}

async fn exists(url: &str, table: &str) -> bool {
    let found: Vec<(bool,)> =
        rows(url, &format!("SELECT to_regclass('{table}') IS NOT NULL")).await;
    found[0].0
}

/// (interaction, partition, set aside) of every row, and (interaction, time) of every key.
async fn placement(url: &str) -> (Vec<(String, String, bool)>, Vec<(String, i64)>) {
    (
        rows(
            url,
            "SELECT interaction, CAST(CAST(tableoid AS regclass) AS TEXT), set_aside \
             FROM responses ORDER BY interaction, set_aside",
        )
        .await,
        rows(
            url,
            "SELECT interaction, created_at_ms FROM response_keys ORDER BY interaction",
        )
        .await,
    )
}

async fn no_drift<S: Storage>(storage: &S) {
    assert_eq!(
        koe_collector::verify::rollup_drift(storage).await.unwrap(),
        Vec::new()
    );
    assert_eq!(
        koe_collector::verify::reason_drift(storage).await.unwrap(),
        Vec::new()
    );
    assert_eq!(storage.key_drift().await.unwrap(), Vec::new());
}
