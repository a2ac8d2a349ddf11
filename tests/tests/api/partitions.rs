//! Raw responses on PostgreSQL are kept in monthly partitions — one table per UTC month a
//! response was first answered in — with one key per counted response in `response_keys`: a
//! write finds an existing response through its key, in that one partition, and retention
//! drops whole months. An existing database is converted by a migration with nothing lost.
//! (Every other PostgreSQL test of this suite runs on a partitioned database too.)

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
use koe_collector::storage::{Backend, PgStorage, SaveError, Storage};
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
    assert_eq!(storage.rollup_drift().await.unwrap(), Vec::new());
    assert_eq!(storage.reason_drift().await.unwrap(), Vec::new());
    assert_eq!(storage.key_drift().await.unwrap(), Vec::new());
}

#[tokio::test]
async fn each_response_is_kept_in_its_months_partition_under_one_key() {
    let Some(app) = TestApp::<PgStorage>::spawn().await else {
        return;
    };
    let (site, url) = (&app.site.site, &app.db.url);
    let now = koe_collector::clock::now_ms();
    let (january, february) = (noon(2025, 1, 15), noon(2025, 2, 10));
    answer(&app.storage, site, "in-january", january, 4).await;
    answer(&app.storage, site, "in-february", february, 2).await;
    answer(&app.storage, site, "this-month", now - 1, 3).await;
    assert_eq!(
        answer(&app.storage, site, "this-month", now, 5).await,
        SubmissionStatus::Updated,
        "an edit finds its response through the key"
    );
    // A suspected scanner after a person: kept aside, as a row of its own without a key.
    let scanner = Source {
        client: Client::SuspectedScanner,
        flagged: true,
    };
    let aside = write(site, "this-month", now, 1, scanner);
    app.storage.save_answers(aside).await.unwrap();

    let kind: Vec<(String,)> = rows(
        url,
        "SELECT CAST(relkind AS TEXT) FROM pg_class WHERE relname = 'responses'",
    )
    .await;
    assert_eq!(kind[0].0, "p", "responses is a partitioned table");
    // A person confirming on the hosted page what only a scanner had answered in January: the
    // answer starts its own edit window, in this month's partition, and its key follows.
    let scanned = write(site, "scanned", january + DAY_MS, 5, scanner);
    app.storage.save_answers(scanned).await.unwrap();
    let person = Source {
        client: Client::Browser,
        flagged: false,
    };
    let confirmed = write(site, "scanned", now, 2, person);
    app.storage.save_answers(confirmed).await.unwrap();

    let (placed, keys) = placement(url).await;
    let this_month = partition_of(now);
    assert_eq!(
        placed,
        [
            ("in-february".into(), "responses_2025_02".into(), false),
            ("in-january".into(), "responses_2025_01".into(), false),
            ("scanned".into(), this_month.clone(), false),
            ("scanned".into(), "responses_2025_01".into(), true),
            ("this-month".into(), this_month.clone(), false),
            ("this-month".into(), this_month.clone(), true),
        ]
    );
    let key_times: Vec<i64> = keys.iter().map(|(_, at)| *at).collect();
    assert_eq!(
        key_times,
        [february, january, now, now - 1],
        "one key per counted response"
    );
    assert!(
        exists(url, &next_months_partition(now)).await,
        "next month's partition is made ahead"
    );

    // A late answer to last year's interaction finds it, in its own partition, and is refused
    // as before: partitions do not make an interaction answerable twice.
    let late = write(site, "in-january", now, 1, Source::WIDGET);
    assert!(matches!(
        app.storage.save_answers(late).await,
        Err(SaveError::Rejected(MergeConflict::EditWindowClosed))
    ));
    assert_eq!(placement(url).await, (placed, keys), "nothing changed");
    no_drift(&app.storage).await;
}

/// Sequential and index scans of each month's partition, counted by every session so far:
/// the sessions still open are ended (a backend reports its counts as it exits).
async fn scans_so_far(url: &str) -> BTreeMap<String, i64> {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let others = "FROM pg_stat_activity WHERE datname = current_database() \
                  AND pid <> pg_backend_pid() AND backend_type = 'client backend'";
    sqlx::query(&format!("SELECT pg_terminate_backend(pid) {others}"))
        .execute(&mut conn)
        .await
        .unwrap();
    for _ in 0..200 {
        let (left,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) {others}"))
            .fetch_one(&mut conn)
            .await
            .unwrap();
        if left == 0 {
            let scans: Vec<(String, i64)> = sqlx::query_as(
                "SELECT relname, seq_scan + COALESCE(idx_scan, 0) FROM pg_stat_user_tables \
                 WHERE relname LIKE 'responses\\_%' ORDER BY relname",
            )
            .fetch_all(&mut conn)
            .await
            .unwrap();
            return scans.into_iter().collect();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the collector's sessions did not end");
}

async fn open_site(url: &str) -> (PgStorage, Site) {
    let storage = PgStorage::open(url).await.unwrap();
    let site = match storage.sites().await.unwrap().pop() {
        Some(site) => site,
        None => {
            let RegisteredSite { site, .. } = register_site(
                &storage,
                SiteRequest {
                    name: "Shop".into(),
                    origins: vec![Origin::parse("https://shop.example").unwrap()],
                    timezone: SiteTimeZone::parse("Asia/Tokyo").unwrap(),
                    strict: false,
                    low_n_threshold: 30,
                },
            )
            .await
            .unwrap();
            site
        }
    };
    (storage, site)
}

#[tokio::test]
async fn a_write_reads_only_the_partition_its_key_names() {
    let Some(db) = TestDatabase::create(Backend::Postgres).await else {
        return;
    };
    let now = koe_collector::clock::now_ms();
    let (storage, site) = open_site(&db.url).await;
    answer(&storage, &site, "old-1", noon(2025, 1, 15), 4).await;
    answer(&storage, &site, "old-2", noon(2025, 2, 15), 4).await;
    answer(&storage, &site, "recent", now - DAY_MS, 2).await;
    storage.close().await;
    let before = scans_so_far(&db.url).await;

    let (storage, site) = open_site(&db.url).await;
    assert_eq!(
        answer(&storage, &site, "recent", now, 5).await,
        SubmissionStatus::Updated
    );
    assert_eq!(
        answer(&storage, &site, "fresh", now, 3).await,
        SubmissionStatus::Created
    );
    storage.close().await;
    let after = scans_so_far(&db.url).await;

    for old in ["responses_2025_01", "responses_2025_02"] {
        assert_eq!(
            after.get(old),
            before.get(old),
            "{old} is not read by writes of this month: {after:?}"
        );
    }
    let this_month = partition_of(now - DAY_MS);
    assert!(
        after[&this_month] > before[&this_month],
        "the edit read its own partition: {before:?} → {after:?}"
    );
}

/// The migrations of the release before partitions (all up to the conversion).
fn migrations_before_partitions(into: &Path) {
    let all = Path::new(env!("CARGO_MANIFEST_DIR")).join("../collector/migrations/postgres");
    for entry in std::fs::read_dir(all).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.as_str() < "20261201000015" {
            std::fs::copy(&path, into.join(&name)).unwrap();
        }
    }
}

/// Copies every table `to` has from `from` (column by column, as `to` names them) and moves
/// each identity on past the copied ids.
async fn copy_tables(from: &str, to: &str) {
    let mut source = sqlx::PgConnection::connect(from).await.unwrap();
    let mut target = sqlx::PgConnection::connect(to).await.unwrap();
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' \
         AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut target)
    .await
    .unwrap();
    // Rows arrive in any table order: foreign keys are checked by the copy's end instead.
    sqlx::query("SET session_replication_role = replica")
        .execute(&mut target)
        .await
        .unwrap();
    for (table,) in tables {
        let columns: Vec<(String, String)> = sqlx::query_as(
            "SELECT column_name, is_identity FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(&table)
        .fetch_all(&mut target)
        .await
        .unwrap();
        let names: Vec<&str> = columns.iter().map(|(c, _)| c.as_str()).collect();
        let list = names.join(", ");
        let data: Vec<_> = source
            .copy_out_raw(&format!("COPY (SELECT {list} FROM {table}) TO STDOUT"))
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        let mut copy = target
            .copy_in_raw(&format!("COPY {table} ({list}) FROM STDIN"))
            .await
            .unwrap();
        for chunk in data {
            copy.send(chunk).await.unwrap();
        }
        copy.finish().await.unwrap();
        for (identity, _) in columns.iter().filter(|(_, i)| i == "YES") {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{identity}'), \
                 (SELECT COALESCE(MAX({identity}), 0) + 1 FROM {table}), false)"
            ))
            .execute(&mut target)
            .await
            .unwrap();
        }
    }
}

/// The indexes and constraints of `responses` and `response_keys`, and the sequence of ids.
async fn schema(url: &str) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = rows(
        url,
        "SELECT indexname, indexdef FROM pg_indexes \
         WHERE tablename IN ('responses', 'response_keys') \
         UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint \
         WHERE conrelid IN (CAST('responses' AS regclass), CAST('response_keys' AS regclass)) \
         UNION ALL SELECT 'id sequence', pg_get_serial_sequence('responses', 'id') \
         ORDER BY 1, 2",
    )
    .await;
    found.dedup();
    found
}

#[tokio::test]
async fn a_database_of_the_release_before_is_converted_with_nothing_lost() {
    // The data: answers over three months, an edit and an answer set aside, written by this
    // collector, then copied into a database built by the previous release's migrations.
    let Some(app) = TestApp::<PgStorage>::spawn().await else {
        return;
    };
    let site = &app.site.site;
    let now = koe_collector::clock::now_ms();
    answer(&app.storage, site, "autumn", noon(2025, 10, 3), 1).await;
    answer(&app.storage, site, "winter", noon(2025, 12, 24), 3).await;
    answer(&app.storage, site, "recent", now - DAY_MS, 2).await;
    answer(&app.storage, site, "recent", now - DAY_MS + 1, 4).await;
    let scanner = Source {
        client: Client::SuspectedScanner,
        flagged: true,
    };
    let aside = write(site, "recent", now - 10, 1, scanner);
    app.storage.save_answers(aside).await.unwrap();
    let before = app.snapshot().await;
    let (_, keys_before) = placement(&app.db.url).await;

    let old = TestDatabase::create(Backend::Postgres).await.unwrap();
    let folder = tempfile::tempdir().unwrap();
    migrations_before_partitions(folder.path());
    let mut conn = sqlx::PgConnection::connect(&old.url).await.unwrap();
    sqlx::migrate::Migrator::new(folder.path())
        .await
        .unwrap()
        .run(&mut conn)
        .await
        .unwrap();
    let kind: (String,) =
        sqlx::query_as("SELECT CAST(relkind AS TEXT) FROM pg_class WHERE relname = 'responses'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(kind.0, "r", "the release before kept one plain table");
    conn.close().await.unwrap();
    copy_tables(&app.db.url, &old.url).await;

    // The collector opens it: the conversion runs.
    let converted = PgStorage::open(&old.url).await.unwrap();
    let mut after = (Vec::new(), Vec::new(), Vec::new());
    for site in converted.sites().await.unwrap() {
        after.0.extend(converted.responses(site.id).await.unwrap());
        after.1.extend(converted.rollups(site.id).await.unwrap());
        after
            .2
            .extend(converted.impressions(site.id).await.unwrap());
    }
    assert_eq!(
        after, before,
        "every response (with its id), rollup and impression kept"
    );
    let (placed, keys) = placement(&old.url).await;
    assert_eq!(keys, keys_before, "one key per counted response");
    for (interaction, partition, set_aside) in &placed {
        let stored = before
            .0
            .iter()
            .find(|r| r.interaction.as_str() == interaction && r.set_aside == *set_aside)
            .unwrap();
        assert_eq!(partition, &partition_of(stored.state.created_at_ms));
    }
    no_drift(&converted).await;
    assert_eq!(
        schema(&old.url).await,
        schema(&app.db.url).await,
        "the converted tables are those a new database gets"
    );

    // And it goes on as before: an edit merges, a new answer gets the next id.
    let site = converted.sites().await.unwrap().remove(0);
    assert_eq!(
        answer(&converted, &site, "recent", now, 5).await,
        SubmissionStatus::Updated
    );
    let fresh = write(&site, "fresh", now, 4, Source::WIDGET);
    let saved = converted.save_answers(fresh).await.unwrap();
    let highest = before.0.iter().map(|r| r.id).max().unwrap();
    assert!(saved.id > highest, "ids go on after the copied ones");
    no_drift(&converted).await;
}

#[tokio::test]
async fn retention_drops_a_month_every_site_lets_go_and_purges_the_rest_row_by_row() {
    let Some(app) = TestApp::<PgStorage>::spawn().await else {
        return;
    };
    let url = &app.db.url;
    let now = koe_collector::clock::now_ms();
    let keeping = &app.strict_site.site; // keeps everything
    let site = update_site(
        &app.storage,
        &app.site.site,
        SiteChanges {
            retention_days: Some(91),
            ..SiteChanges::default()
        },
        Actor::Cli,
    )
    .await
    .unwrap();
    answer(&app.storage, &site, "a-january", noon(2025, 1, 10), 1).await;
    answer(&app.storage, &site, "a-february", noon(2025, 2, 10), 2).await;
    answer(&app.storage, &site, "a-march", noon(2025, 3, 10), 3).await;
    answer(&app.storage, &site, "a-recent", now - 10 * DAY_MS, 4).await;
    answer(&app.storage, keeping, "k-february", noon(2025, 2, 20), 5).await;
    answer(&app.storage, keeping, "k-march", noon(2025, 3, 20), 5).await;
    let rollups_before = (
        app.rollups(&app.site).await,
        app.rollups(&app.strict_site).await,
    );
    let kept_before = app.responses(&app.strict_site).await;
    let purged = retention::purge_due(&app.storage, 7).await.unwrap();
    assert_eq!(
        purged, 3,
        "a-january (its month), a-february and a-march (row by row)"
    );

    assert!(
        !exists(url, "responses_2025_01").await,
        "January dropped whole"
    );
    for kept in ["responses_2025_02", "responses_2025_03"] {
        assert!(
            exists(url, kept).await,
            "{kept} is kept: a site keeps rows in it"
        );
    }
    let (placed, keys) = placement(url).await;
    let interactions: Vec<&str> = placed.iter().map(|(i, _, _)| i.as_str()).collect();
    assert_eq!(interactions, ["a-recent", "k-february", "k-march"]);
    let keyed: Vec<&str> = keys.iter().map(|(i, _)| i.as_str()).collect();
    assert_eq!(
        keyed, interactions,
        "the purged responses' keys went with them"
    );
    assert_eq!(
        app.responses(&app.strict_site).await,
        kept_before,
        "the site that keeps everything keeps everything, ids and all"
    );
    assert_eq!(
        (
            app.rollups(&app.site).await,
            app.rollups(&app.strict_site).await
        ),
        rollups_before,
        "reports do not change"
    );
    let audit: Vec<String> = app
        .storage
        .audit_events(site.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "responses_purged")
        .map(|e| e.detail)
        .collect();
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert!(audit[0].starts_with("1 raw response(s)"), "{audit:?}");
    assert!(
        audit[0].ends_with("the whole month 2025-01 (UTC) dropped"),
        "{audit:?}"
    );
    assert!(audit[1].starts_with("2 raw response(s)"), "{audit:?}");
    assert_eq!(app.drift().await, Vec::<String>::new());
}
