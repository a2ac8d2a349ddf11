//! Where a response is kept: its month's partition, under one key.

use super::*;

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
    // A suspected scanner after a person: kept aside, as a row of its own without a key, in
    // the person's response's partition.
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
    // answer starts its own edit window, in this month's partition, and its key follows — and
    // so does the scanner's answer, kept aside beside it.
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
            ("scanned".into(), this_month.clone(), true),
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
