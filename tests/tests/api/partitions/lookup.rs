//! What a write reads: only the partition its key names (PostgreSQL's own scan counters).

use super::*;

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
